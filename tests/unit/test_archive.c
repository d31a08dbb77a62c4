/* test_archive.c — streaming zstd (multi-frame, skippable frames, truncated, corrupt),
 * frame-parallel decompression (mc_zpool) against the streaming decoder on awkward
 * multi-frame archives (same bytes, errors, offsets, counts and digest), quote-aware chunking with records straddling read and batch boundaries, per-record
 * CSV parsing and rejects, and the dictionary loader's refusal of damaged files. */
#include "mc_test.h"
#include "archive/mc_archive.h"
#include "common/mc_util.h"
#include "mc_build.h"
#include "mc_dict.h"
#include "record/mc_record.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

static char tmpdir[] = "/tmp/mc_test_archive_XXXXXX";

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static char *read_all(const char *path, size_t *len, mc_status *st)
{
    mc_reader *r;
    mc_error e;
    *st = mc_reader_open(path, &r, &e);
    if (*st) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t got;
        *st = mc_reader_read(r, buf + n, cap - n, &got, &e);
        if (*st || got == 0) break;
        n += got;
    }
    mc_reader_close(r);
    *len = n;
    return buf;
}

/* Everything a reader reports, for comparing the frame-parallel reader with the
 * streaming one. Reads follow a fixed irregular pattern of request sizes. */
typedef struct {
    mc_status st;
    mc_error e;
    char *data;
    size_t len;
    uint64_t bytes_in, bytes_out, frames, digest;
} readout;

static _Atomic int helpers_stop;
static void *helper(void *pool)
{
    while (!atomic_load(&helpers_stop))
        if (!mc_zpool_help(pool)) usleep(50);
    return NULL;
}

static void read_out_r(mc_reader *r, readout *o)
{
    static const size_t caps[] = {65536, 7, 300000, 1000, 1 << 20, 4096, 131075, 1};
    size_t cap = 1 << 20;
    o->data = malloc(cap);
    for (size_t i = 0;; i++) {
        size_t want = caps[i % 8];
        if (o->len + want > cap) o->data = realloc(o->data, cap = 2 * (o->len + want));
        size_t got;
        o->st = mc_reader_read(r, o->data + o->len, want, &got, &o->e);
        if (o->st) break;
        if (got == 0) break;
        if (got != want) { /* a short read is the end: the next read must say so */
            o->len += got;
            o->st = mc_reader_read(r, o->data + o->len, want, &got, &o->e);
            if (!o->st && got) o->st = MC_E_INTERNAL;
            break;
        }
        o->len += got;
    }
    o->bytes_in = mc_reader_bytes_in(r);
    o->bytes_out = mc_reader_bytes_out(r);
    o->frames = mc_reader_frames(r);
    o->digest = mc_reader_digest(r);
    mc_reader_close(r);
}

static void read_out(const char *path, mc_zpool *pool, readout *o)
{
    memset(o, 0, sizeof *o);
    mc_reader *r;
    o->st = mc_reader_open(path, &r, &o->e);
    if (o->st) return;
    if (pool) mc_reader_set_pool(r, pool);
    read_out_r(r, o);
}

static int same_readout(const readout *a, const readout *b)
{
    int ok = a->st == b->st && a->len == b->len && memcmp(a->data, b->data, a->len) == 0 && a->bytes_in == b->bytes_in &&
             a->bytes_out == b->bytes_out && a->frames == b->frames && a->digest == b->digest;
    if (a->st) ok = ok && a->e.offset == b->e.offset && strcmp(a->e.msg, b->e.msg) == 0;
    if (!ok)
        fprintf(stderr, "  stream: st %d len %zu in %llu frames %llu off %llu %s\n  tasks:  st %d len %zu in %llu frames %llu off %llu %s\n",
                a->st, a->len, (unsigned long long)a->bytes_in, (unsigned long long)a->frames, (unsigned long long)a->e.offset,
                a->st ? a->e.msg : "", b->st, b->len, (unsigned long long)b->bytes_in, (unsigned long long)b->frames,
                (unsigned long long)b->e.offset, b->st ? b->e.msg : "");
    return ok;
}

/* Compress src as a frame without a content size (the streaming compressor's way). */
static size_t compress_unknown_size(char *dst, size_t cap, const char *src, size_t n)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_outBuffer ob = {dst, cap, 0};
    ZSTD_inBuffer ib = {src, n, 0};
    ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue);
    while (ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end) != 0) {}
    ZSTD_freeCCtx(c);
    return ob.pos;
}

/* A CSV with awkward records: quoted newlines, "" escapes, CRLF, commas. */
static char *make_csv(size_t target, size_t *len, size_t *nrec, char ***notes)
{
    size_t cap = target + 4096, n = 0;
    char *s = malloc(cap);
    n += (size_t)sprintf(s, "id,note\r\n");
    unsigned x = 99;
    size_t r = 0, ncap = 1024;
    *notes = malloc(ncap * sizeof(char *));
    while (n < target) {
        char note[600];
        size_t k = 0;
        int len2 = 20 + (int)(x % 500);
        for (int i = 0; i < len2; i++) {
            x = x * 1103515245u + 12345u;
            unsigned c = (x >> 16) % 40;
            note[k++] = c == 0 ? '\n' : c == 1 ? '"' : c == 2 ? ',' : c < 8 ? ' ' : (char)('a' + c % 26);
        }
        note[k] = 0;
        if (r == ncap) *notes = realloc(*notes, (ncap *= 2) * sizeof(char *));
        (*notes)[r] = strdup(note);
        n += (size_t)sprintf(s + n, "R%zu,\"", r);
        for (size_t i = 0; i < k; i++) {
            if (note[i] == '"') s[n++] = '"';
            s[n++] = note[i];
        }
        n += (size_t)sprintf(s + n, "\"%s", r % 3 ? "\n" : "\r\n");
        r++;
    }
    *len = n;
    *nrec = r;
    return s;
}

int main(void)
{
    if (!mkdtemp(tmpdir)) return 1;
    char p1[256], p2[256], p3[256];
    snprintf(p1, sizeof p1, "%s/a.csv", tmpdir);
    snprintf(p2, sizeof p2, "%s/a.csv.zst", tmpdir);
    snprintf(p3, sizeof p3, "%s/trunc.csv.zst", tmpdir);
    size_t len, nrec;
    char **notes;
    char *csv = make_csv(3u << 20, &len, &nrec, &notes);
    write_file(p1, csv, len);

    /* multi-frame zstd with a skippable frame in the middle */
    size_t bound = ZSTD_compressBound(len) + 64;
    char *z = malloc(bound + 64);
    size_t third = len / 3, zn = 0;
    zn += ZSTD_compress(z + zn, bound - zn, csv, third, 3);
    zn += ZSTD_writeSkippableFrame(z + zn, bound - zn, "skip", 4, 0);
    zn += ZSTD_compress(z + zn, bound - zn, csv + third, third, 1);
    zn += ZSTD_compress(z + zn, bound - zn, csv + 2 * third, len - 2 * third, 5);
    write_file(p2, z, zn);
    mc_status st;
    size_t got;
    char *back = read_all(p2, &got, &st);
    MC_CHECK(st == MC_OK && got == len && memcmp(back, csv, len) == 0);
    free(back);
    back = read_all(p1, &got, &st);
    MC_CHECK(st == MC_OK && got == len && memcmp(back, csv, len) == 0);
    free(back);

    /* truncated and corrupt archives are errors, never silent */
    write_file(p3, z, zn - 100);
    back = read_all(p3, &got, &st);
    MC_CHECK(st == MC_E_ZSTD);
    free(back);
    z[zn / 2] ^= 0x55;
    z[zn / 2 + 1] ^= 0x55;
    write_file(p3, z, zn);
    back = read_all(p3, &got, &st);
    MC_CHECK(st == MC_E_ZSTD || (st == MC_OK && (got != len || memcmp(back, csv, len) != 0)));
    free(back);

    /* frame-parallel decompression gives exactly what the streaming decoder gives:
     * frames cut inside quoted fields and records, empty frames, skippable frames
     * between data frames, frames without a content size, frames over the task limit
     * (streamed, then back to tasks); then a corrupt frame in the middle, a truncated
     * last frame and garbage between frames (errors at the same byte, after the same
     * output). Pools: every task run by the reader, and two helper threads. */
    {
        char pm[256];
        snprintf(pm, sizeof pm, "%s/multi.csv.zst", tmpdir);
        size_t mcap = ZSTD_compressBound(len) * 2 + 4096, mn = 0, cut = 0;
        char *m = malloc(mcap);
        size_t starts[64], ns = 0; /* compressed offset of each data frame */
        size_t step = 0;
        const size_t sizes[] = {100003, 7, 250000, 0, 61, 400000, 180001, 0, 333333, 90000};
        while (cut < len) {
            size_t k = MC_MIN(sizes[step % 10], len - cut);
            if (step == 6) k = MC_MIN((size_t)900000, len - cut); /* over the small pool's task limit */
            if (step % 4 == 1) mn += ZSTD_writeSkippableFrame(m + mn, mcap - mn, "meta", 4, (unsigned)step % 16);
            starts[ns++] = mn;
            if (step % 3 == 2) mn += compress_unknown_size(m + mn, mcap - mn, csv + cut, k);
            else {
                ZSTD_CCtx *cc = ZSTD_createCCtx();
                ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
                ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1 + (int)step % 5);
                mn += ZSTD_compress2(cc, m + mn, mcap - mn, csv + cut, k);
                ZSTD_freeCCtx(cc);
            }
            cut += k;
            step++;
        }
        mn += ZSTD_writeSkippableFrame(m + mn, mcap - mn, "end", 3, 1);
        /* the first cut (100003) falls inside a record's quoted note */
        MC_CHECK(memchr(csv + 100003 - 20, '"', 20) || memchr(csv + 100003, '"', 20));
        mc_zpool *small = mc_zpool_create(3, 256 << 10, NULL, NULL);
        mc_zpool *big = mc_zpool_create(6, 0, NULL, NULL);
        pthread_t th[2];
        atomic_store(&helpers_stop, 0);
        for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, helper, big);
        for (int variant = 0; variant < 5; variant++) {
            char *v = malloc(mn + 64);
            size_t vn = mn;
            memcpy(v, m, mn);
            if (variant == 1) { /* corrupt data in a middle frame */
                size_t f = starts[ns / 2], g = starts[ns / 2 + 1];
                for (size_t i = f + (g - f) / 2; i < f + (g - f) / 2 + 8; i++) v[i] ^= 0x5a;
            } else if (variant == 2) { /* truncated last frame */
                vn = starts[ns - 1] + (mn - starts[ns - 1]) / 2;
            } else if (variant == 3) { /* garbage between frames */
                memmove(v + starts[3] + 5, v + starts[3], mn - starts[3]);
                memcpy(v + starts[3], "junk!", 5);
                vn += 5;
            } else if (variant == 4) { /* corrupt frame header (unknown block type) in a middle frame */
                size_t f = starts[ns / 2 + 1];
                v[f + 6] = (char)0xff;
                v[f + 7] = (char)0xff;
                v[f + 8] = (char)0xff;
            }
            write_file(pm, v, vn);
            free(v);
            readout a, b, c;
            read_out(pm, NULL, &a);
            double s0 = mc_zpool_seconds(small);
            read_out(pm, small, &b);
            read_out(pm, big, &c);
            if (variant == 0) {
                MC_CHECK(a.st == MC_OK && a.len == len && memcmp(a.data, csv, len) == 0);
                MC_CHECK(mc_zpool_seconds(small) > s0); /* tasks did run */
            } else if (a.st != MC_E_ZSTD) {
                fprintf(stderr, "variant %d: no error\n", variant);
                MC_CHECK(0);
            }
            if (!same_readout(&a, &b)) { fprintf(stderr, "variant %d, small pool\n", variant); MC_CHECK(0); }
            if (!same_readout(&a, &c)) { fprintf(stderr, "variant %d, threads\n", variant); MC_CHECK(0); }
            free(a.data);
            free(b.data);
            free(c.data);
        }
        /* two readers share a pool, the second prefetched before the first is read */
        mc_reader *r;
        mc_error e;
        write_file(pm, m, mn);
        {
            readout a, b, c;
            read_out(pm, NULL, &a);
            memset(&c, 0, sizeof c);
            MC_CHECK(mc_reader_open(pm, &r, &c.e) == MC_OK);
            mc_reader_set_pool(r, big);
            mc_reader_prefetch(r);
            read_out(pm, big, &b);
            read_out_r(r, &c);
            MC_CHECK(same_readout(&a, &b) && same_readout(&a, &c));
            free(a.data);
            free(b.data);
            free(c.data);
        }
        atomic_store(&helpers_stop, 1);
        for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
        /* a reader closed early (tasks still in flight) */
        MC_CHECK(mc_reader_open(pm, &r, &e) == MC_OK);
        mc_reader_set_pool(r, big);
        char tmp[1000];
        size_t n1;
        MC_CHECK(mc_reader_read(r, tmp, sizeof tmp, &n1, &e) == MC_OK && n1 == sizeof tmp && memcmp(tmp, csv, n1) == 0);
        mc_reader_close(r);
        mc_zpool_free(small);
        mc_zpool_free(big);
        free(m);
        unlink(pm);
    }

    /* chunking with small batches: every record once, in order, fields intact */
    for (int pass = 0; pass < 2; pass++) {
        mc_reader *r;
        mc_chunker *c;
        mc_error e;
        MC_CHECK(mc_reader_open(pass ? p2 : p1, &r, &e) == MC_OK);
        if (pass) { /* restore the archive */
            z[zn / 2] ^= 0x55;
            z[zn / 2 + 1] ^= 0x55;
        }
        MC_CHECK(mc_chunker_create(r, "t", 7000 + 50000 * (size_t)pass, 1 << 20, &c, &e) == MC_OK);
        const char *h;
        size_t hl;
        MC_CHECK(mc_chunker_header(c, &h, &hl, &e) == MC_OK);
        MC_CHECK(hl == 7 && memcmp(h, "id,note", 7) == 0);
        mc_batch b = {0};
        mc_csvrec *p = mc_csvrec_create();
        size_t seen = 0, bad = 0;
        for (;;) {
            MC_CHECK(mc_chunker_next(c, &b, &e) == MC_OK);
            if (!b.n_recs) break;
            for (size_t i = 0; i < b.n_recs; i++) {
                size_t nf;
                const char *why;
                if (b.recs[i].number != seen + 1) bad++;
                if (mc_csvrec_parse(p, b.data + b.recs[i].off, b.recs[i].len, &nf, &why) != MC_OK || nf != 2) { bad++; seen++; continue; }
                size_t fl;
                const char *note = mc_csvrec_field(p, 1, &fl);
                if (seen < nrec && (fl != strlen(notes[seen]) || memcmp(note, notes[seen], fl) != 0)) bad++;
                seen++;
            }
        }
        MC_CHECK(seen == nrec);
        MC_CHECK(bad == 0);
        mc_csvrec_free(p);
        mc_batch_free(&b);
        mc_chunker_free(c);
        mc_reader_close(r);
    }

    /* malformed records are rejected one by one, the rest still parse */
    {
        mc_csvrec *p = mc_csvrec_create();
        size_t nf;
        const char *why;
        MC_CHECK(mc_csvrec_parse(p, "1,\"open", 7, &nf, &why) == MC_E_CSV && strstr(why, "unterminated"));
        MC_CHECK(mc_csvrec_parse(p, "1,ab\"c", 6, &nf, &why) == MC_E_CSV);
        MC_CHECK(mc_csvrec_parse(p, "1,\"a\"x", 6, &nf, &why) == MC_E_CSV);
        MC_CHECK(mc_csvrec_parse(p, "2,\"fine, \"\"quoted\"\"\"", 20, &nf, &why) == MC_OK && nf == 2);
        MC_CHECK_STR(mc_csvrec_field(p, 1, NULL), "fine, \"quoted\"");
        mc_csvrec_free(p);
    }

    /* the plain-shape split gives libcsv's fields and errors: random records over an
     * alphabet of the troublesome bytes, and structured ones with quoted fields */
    {
        mc_csvrec *fast = mc_csvrec_create(), *slow = mc_csvrec_create();
        mc_csvrec_set_fast(slow, 0);
        static const char alpha[] = "ab ,\"\t\n\rx,\"";
        uint64_t x = 88172645463325252ull;
        size_t differ = 0, fast_ok = 0;
        char rec[64];
        for (int it = 0; it < 200000; it++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t rl = 0;
            if (it & 1) { /* structured: fields, some quoted, rare escapes and blanks */
                int nf = 1 + (int)(x % 4);
                uint64_t y = x;
                for (int f = 0; f < nf && rl < 40; f++) {
                    y = y * 6364136223846793005ull + 1442695040888963407ull;
                    int q = (y >> 33) % 3 == 0;
                    if (f) rec[rl++] = ',';
                    if (q) rec[rl++] = '"';
                    int fl = (int)((y >> 40) % 6);
                    for (int k = 0; k < fl; k++) {
                        unsigned r = (unsigned)(y >> (k * 5)) % 16;
                        if (r == 4 && q) rec[rl++] = '"', rec[rl++] = '"'; /* an escaped quote */
                        else rec[rl++] = r == 0 ? ',' : r == 1 ? ' ' : r == 2 && q ? '\n' : r == 3 && (y >> 60) == 0 ? '"' : 'a' + (char)(r % 3);
                    }
                    if (q) rec[rl++] = '"';
                }
            } else {
                rl = (size_t)(x % 9);
                for (size_t k = 0; k < rl; k++) rec[k] = alpha[(x >> (6 + 5 * k)) % (sizeof alpha - 1)];
            }
            size_t n1 = 0, n2 = 0;
            const char *w1, *w2;
            mc_status s1 = mc_csvrec_parse(fast, rec, rl, &n1, &w1), s2 = mc_csvrec_parse(slow, rec, rl, &n2, &w2);
            int same = s1 == s2 && n1 == n2 && (!w1 == !w2) && (!w1 || strcmp(w1, w2) == 0);
            for (size_t f = 0; same && f < n1; f++) {
                size_t l1, l2;
                const char *f1 = mc_csvrec_field(fast, f, &l1), *f2 = mc_csvrec_field(slow, f, &l2);
                same = l1 == l2 && memcmp(f1, f2, l1) == 0 && f1[l1] == 0;
            }
            if (!same && differ++ < 5) fprintf(stderr, "fast/libcsv differ on record %zu bytes: [%.*s]\n", rl, (int)rl, rec);
            fast_ok += s1 == MC_OK;
        }
        MC_CHECK(differ == 0);
        MC_CHECK(fast_ok > 50000); /* the comparison covered many accepted records */
        mc_csvrec_free(fast);
        mc_csvrec_free(slow);
    }

    /* an oversized record is reported, skipped, and the next record is intact */
    {
        char big[5000];
        size_t k = (size_t)sprintf(big, "id,note\n1,\"");
        memset(big + k, 'x', 3000);
        k += 3000;
        k += (size_t)sprintf(big + k, "\"\n2,ok\n");
        write_file(p1, big, k);
        mc_reader *r;
        mc_chunker *c;
        mc_error e;
        mc_reader_open(p1, &r, &e);
        mc_chunker_create(r, "t", 1 << 20, 1000, &c, &e);
        mc_batch b = {0};
        size_t over = 0, ok = 0, total = 0;
        for (;;) {
            if (mc_chunker_next(c, &b, &e) != MC_OK || !b.n_recs) break;
            for (size_t i = 0; i < b.n_recs; i++, total++) {
                if (b.recs[i].oversized) over++;
                else if (b.recs[i].len == 4 && memcmp(b.data + b.recs[i].off, "2,ok", 4) == 0 && b.recs[i].number == 2) ok++;
            }
        }
        MC_CHECK(over == 1 && ok == 1 && total == 2);
        mc_batch_free(&b);
        mc_chunker_free(c);
        mc_reader_close(r);
    }

    /* dictionary loader refuses damaged files, saying which check failed */
    {
        char dp[256];
        snprintf(dp, sizeof dp, "%s/t.dict", tmpdir);
        mc_builder *b = mc_builder_create();
        mc_builder_add_term(b, "I10", "hypertension", MC_SRC_CURATED, 0, NULL);
        mc_error e;
        MC_CHECK(mc_builder_write(b, dp, &e) == MC_OK);
        mc_builder_free(b);
        size_t dl;
        FILE *f = fopen(dp, "rb");
        fseek(f, 0, SEEK_END);
        dl = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *img = malloc(dl);
        MC_CHECK(fread(img, 1, dl, f) == dl);
        fclose(f);
        mc_dict *d = NULL;
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_OK);
        mc_dict_close(d);
        img[0] ^= 1;
        write_file(dp, img, dl);
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_E_DICT_MAGIC);
        img[0] ^= 1;
        img[8] = 2; /* newer format version */
        write_file(dp, img, dl);
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_E_DICT_VERSION && strstr(e.msg, "version 2"));
        img[8] = 1;
        img[dl - 70] ^= 0x20; /* a byte inside the last section */
        write_file(dp, img, dl);
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_E_DICT_CORRUPT && strstr(e.msg, "checksum"));
        img[dl - 70] ^= 0x20;
        write_file(dp, img, dl - 64); /* truncated */
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_E_DICT_CORRUPT && strstr(e.msg, "truncated"));
        write_file(dp, img, 10);
        MC_CHECK(mc_dict_open(dp, &d, &e) == MC_E_DICT_MAGIC);
        free(img);
        unlink(dp);
    }
    for (size_t i = 0; i < nrec; i++) free(notes[i]);
    free(notes);
    free(csv);
    free(z);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    rmdir(tmpdir);
    return mc_test_result("test_archive");
}
