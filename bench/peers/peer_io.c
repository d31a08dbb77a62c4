/* peer_io.c — the input and output side of the benchmark's peers (peer_io.h). */
#include "peer_io.h"

#include <errno.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <zstd.h>

static const char *g_tool = "peer";

void peer_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", g_tool);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

void *peer_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        peer_die(PEER_EXIT_IO, "out of memory (%zu bytes)", n);
    return q;
}

double peer_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(FILE *f, const char *how)
{
    fprintf(f,
            "usage: %s --terms FILE --text-col NAME [--threads N] [--counts OUT.tsv] ARCHIVE\n"
            "Scans the NAME column of a CSV archive (.csv.zst, plain CSV, or - for stdin) for the\n"
            "terms of FILE (TSV, first column; distinct case-insensitively) %s"
            "Prints key: value lines (patterns, records, bytes, matches, seconds, mb_per_s, ...);\n"
            "--counts writes term<TAB>count for every term found.\n"
            "exit status: 0 ok, 1 I/O or data error, 2 usage error\n",
            g_tool, how);
}

int peer_parse_args(peer_args *a, int argc, char **argv, const char *tool, const char *how)
{
    g_tool = tool;
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout, how);
            exit(0);
        } else if (!strcmp(o, "--terms") || !strcmp(o, "--text-col") || !strcmp(o, "--threads") ||
                   !strcmp(o, "--counts")) {
            if (!v)
                peer_die(PEER_EXIT_USAGE, "option %s needs a value", o);
            i++;
            if (!strcmp(o, "--terms"))
                a->terms = v;
            else if (!strcmp(o, "--text-col"))
                a->text_col = v;
            else if (!strcmp(o, "--counts"))
                a->counts = v;
            else {
                char *e;
                long t = strtol(v, &e, 10);
                if (e == v || *e || t < 1 || t > 1024)
                    peer_die(PEER_EXIT_USAGE, "invalid --threads '%s'", v);
                a->threads = (int)t;
            }
        } else if (o[0] == '-' && o[1]) {
            peer_die(PEER_EXIT_USAGE, "unknown option '%s'", o);
        } else if (!a->archive) {
            a->archive = o;
        } else {
            peer_die(PEER_EXIT_USAGE, "only one archive is supported ('%s')", o);
        }
    }
    if (!a->terms || !a->text_col || !a->archive) {
        usage(stderr, how);
        peer_die(PEER_EXIT_USAGE, "--terms, --text-col and ARCHIVE are required");
    }
    if (a->threads)
        omp_set_num_threads(a->threads);
    return omp_get_max_threads();
}

/* ---------------------------------------------------------------- term list */


static uint64_t hash_lower(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c += 32;
        h = (h ^ c) * 1099511628211ULL;
    }
    return h;
}

static int eq_lower(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 0;
    }
    return 1;
}

void peer_load_terms(peer_terms *T, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        peer_die(PEER_EXIT_IO, "cannot open %s: %s", path, strerror(errno));
    size_t hcap = 1 << 16, cap = 0;
    size_t *slot = calloc(hcap, sizeof *slot); /* index + 1; 0 = empty */
    if (!slot)
        peer_die(PEER_EXIT_IO, "out of memory");
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, f)) >= 0) {
        T->lines++;
        size_t n = strcspn(line, "\t\r\n");
        if (!n)
            continue;
        if (2 * (T->n + 1) > hcap) { /* grow and rehash */
            size_t ncap = hcap * 2;
            size_t *ns = calloc(ncap, sizeof *ns);
            if (!ns)
                peer_die(PEER_EXIT_IO, "out of memory");
            for (size_t i = 0; i < T->n; i++) {
                size_t j = hash_lower(T->term[i], T->len[i]) & (ncap - 1);
                while (ns[j])
                    j = (j + 1) & (ncap - 1);
                ns[j] = i + 1;
            }
            free(slot);
            slot = ns;
            hcap = ncap;
        }
        size_t j = hash_lower(line, n) & (hcap - 1);
        int dup = 0;
        for (; slot[j]; j = (j + 1) & (hcap - 1)) {
            size_t k = slot[j] - 1;
            if (T->len[k] == n && eq_lower(T->term[k], line, n)) {
                dup = 1;
                break;
            }
        }
        if (dup)
            continue;
        if (T->n == cap) {
            cap = cap ? cap * 2 : 4096;
            T->term = peer_xrealloc(T->term, cap * sizeof *T->term);
            T->len = peer_xrealloc(T->len, cap * sizeof *T->len);
        }
        char *s = peer_xrealloc(NULL, n + 1);
        memcpy(s, line, n);
        s[n] = '\0';
        T->term[T->n] = s;
        T->len[T->n] = (unsigned)n;
        slot[j] = ++T->n;
    }
    if (ferror(f))
        peer_die(PEER_EXIT_IO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    free(line);
    free(slot);
    if (!T->n)
        peer_die(PEER_EXIT_USAGE, "%s holds no terms", path);
}

void peer_terms_free(peer_terms *T)
{
    for (size_t k = 0; k < T->n; k++)
        free(T->term[k]);
    free(T->term);
    free(T->len);
    memset(T, 0, sizeof *T);
}

void peer_report(const peer_args *a, const peer_terms *T, uint64_t *const *counts, int threads, uint64_t matches,
                 const peer_totals *tot)
{
    uint64_t *sum = counts[0], matched_terms = 0;
    for (int i = 1; i < threads; i++)
        for (size_t k = 0; k < T->n; k++)
            sum[k] += counts[i][k];
    for (size_t k = 0; k < T->n; k++)
        matched_terms += sum[k] != 0;
    if (a->counts) {
        FILE *f = fopen(a->counts, "w");
        if (!f)
            peer_die(PEER_EXIT_IO, "cannot create %s: %s", a->counts, strerror(errno));
        for (size_t k = 0; k < T->n; k++)
            if (sum[k])
                fprintf(f, "%s\t%llu\n", T->term[k], (unsigned long long)sum[k]);
        if (fclose(f))
            peer_die(PEER_EXIT_IO, "cannot write %s: %s", a->counts, strerror(errno));
    }
    printf("records: %llu\n", (unsigned long long)tot->records);
    printf("bytes: %llu\n", (unsigned long long)tot->bytes);
    printf("text_bytes: %llu\n", (unsigned long long)tot->text_bytes);
    printf("matches: %llu\n", (unsigned long long)matches);
    printf("terms_matched: %llu\n", (unsigned long long)matched_terms);
    printf("seconds: %.3f\n", tot->seconds);
    printf("mb_per_s: %.1f\n", tot->seconds > 0 ? tot->bytes / 1e6 / tot->seconds : 0.0);
    printf("records_per_s: %.0f\n", tot->seconds > 0 ? tot->records / tot->seconds : 0.0);
}

/* ---------------------------------------------------------------- archive reader */

typedef struct {
    FILE *f;
    const char *path;
    ZSTD_DStream *ds; /* NULL: plain CSV */
    char *in;
    size_t in_cap;
    ZSTD_inBuffer zin;
    int eof;
    size_t hint;    /* last ZSTD_decompressStream result: 0 = at a frame boundary */
    uint64_t bytes; /* decompressed bytes delivered */
} reader_t;

static void reader_open(reader_t *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!r->f)
        peer_die(PEER_EXIT_IO, "cannot open %s: %s", path, strerror(errno));
    r->in_cap = ZSTD_DStreamInSize() * 8;
    r->in = peer_xrealloc(NULL, r->in_cap);
    r->zin.src = r->in;
    r->zin.size = fread(r->in, 1, r->in_cap, r->f);
    static const unsigned char magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    if (r->zin.size >= 4 && !memcmp(r->in, magic, 4)) {
        r->ds = ZSTD_createDStream();
        if (!r->ds)
            peer_die(PEER_EXIT_IO, "cannot create zstd context");
    }
}

/* Fills up to n bytes of dst; returns the number written (0 only at end of input).
 * Returns (size_t)-1 with *msg set on error (this may run on a worker thread). */
static size_t reader_read(reader_t *r, char *dst, size_t n, const char **msg)
{
    size_t got = 0;
    while (got < n) {
        if (r->zin.pos == r->zin.size) {
            if (r->eof)
                break;
            r->zin.size = fread(r->in, 1, r->in_cap, r->f);
            r->zin.pos = 0;
            if (r->zin.size == 0) {
                if (ferror(r->f)) {
                    *msg = "read error";
                    return (size_t)-1;
                }
                r->eof = 1;
                if (r->ds && r->hint != 0) {
                    *msg = "truncated zstd frame (unexpected end of input)";
                    return (size_t)-1;
                }
                continue;
            }
        }
        if (!r->ds) {
            size_t k = r->zin.size - r->zin.pos;
            if (k > n - got)
                k = n - got;
            memcpy(dst + got, r->in + r->zin.pos, k);
            r->zin.pos += k;
            got += k;
            continue;
        }
        ZSTD_outBuffer out = {dst + got, n - got, 0};
        size_t rc = ZSTD_decompressStream(r->ds, &out, &r->zin);
        if (ZSTD_isError(rc)) {
            *msg = ZSTD_getErrorName(rc);
            return (size_t)-1;
        }
        got += out.pos;
        r->hint = rc;
    }
    r->bytes += got;
    return got;
}

/* ---------------------------------------------------------------- batches of records */

typedef struct {
    char *buf;
    size_t len, cap;
    size_t *rec; /* record i spans rec[i] .. rec[i+1] (newline included) */
    size_t nrec, rcap;
    size_t tail; /* start of the incomplete last record */
    int eof;
} batch_t;

#define BATCH_BYTES ((size_t)8 << 20)

static void push_rec(batch_t *b, size_t off)
{
    if (b->nrec + 2 > b->rcap) {
        b->rcap = b->rcap ? b->rcap * 2 : 65536;
        b->rec = peer_xrealloc(b->rec, b->rcap * sizeof *b->rec);
    }
    b->rec[b->nrec] = off;
}

/* Moves prev's incomplete tail to the front of b, then reads until b holds at least one
 * complete record and about BATCH_BYTES. Returns NULL or an error message. */
static const char *fill(batch_t *b, const batch_t *prev, reader_t *r)
{
    b->len = b->nrec = 0;
    b->eof = 0;
    if (prev && prev->len > prev->tail) {
        size_t k = prev->len - prev->tail;
        if (k + BATCH_BYTES > b->cap) {
            b->cap = k + BATCH_BYTES;
            b->buf = realloc(b->buf, b->cap);
            if (!b->buf)
                return "out of memory";
        }
        memcpy(b->buf, prev->buf + prev->tail, k);
        b->len = k;
    }
    size_t scan = 0, start = 0;
    int inq = 0;
    for (;;) {
        if (b->cap - b->len < (1 << 20)) {
            b->cap = b->cap ? b->cap * 2 : BATCH_BYTES + (1 << 20);
            b->buf = realloc(b->buf, b->cap);
            if (!b->buf)
                return "out of memory";
        }
        size_t want = b->cap - b->len;
        if (b->len < BATCH_BYTES && want > BATCH_BYTES - b->len + (1 << 20))
            want = BATCH_BYTES - b->len + (1 << 20);
        const char *msg = NULL;
        size_t got = reader_read(r, b->buf + b->len, want, &msg);
        if (got == (size_t)-1)
            return msg;
        b->len += got;
        /* quote-aware record boundaries: a newline outside quotes ends a record */
        const char *p = b->buf;
        for (size_t i = scan; i < b->len; i++) {
            char c = p[i];
            if (c == '"')
                inq = !inq;
            else if (c == '\n' && !inq) {
                push_rec(b, start);
                b->nrec++;
                start = i + 1;
            }
        }
        scan = b->len;
        if (got == 0) { /* end of input: the tail, if any, is the last record */
            if (start < b->len) {
                push_rec(b, start);
                b->nrec++;
                start = b->len;
            }
            b->eof = 1;
            break;
        }
        if (b->nrec && b->len >= BATCH_BYTES)
            break;
    }
    push_rec(b, start);
    b->rec[b->nrec] = start;
    b->tail = start;
    return NULL;
}

/* Parses the field at *pp (ending at a comma or at end), unescaping a quoted field in
 * place ("" -> "). Returns its start and sets *n; *pp moves past the separating comma
 * and *more is 1, or *more is 0 when this was the last field. */
static char *next_field(char **pp, char *end, size_t *n, int *more)
{
    char *p = *pp, *s = p, *w;
    if (p < end && *p == '"') {
        s = w = ++p;
        while (p < end) {
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            *w++ = *p++;
        }
        while (p < end && *p != ',') /* stray bytes after the closing quote */
            p++;
    } else {
        while (p < end && *p != ',')
            p++;
        w = p;
    }
    *n = (size_t)(w - s);
    *more = p < end;
    *pp = p < end ? p + 1 : end;
    return s;
}

static char *record_end(char *p, char *end)
{
    if (end > p && end[-1] == '\n')
        end--;
    if (end > p && end[-1] == '\r')
        end--;
    return end;
}

/* Field `col` of the record [p, end), unescaped in place; returns 0 when it is missing. */
static size_t get_field(char *p, char *end, int col, char **out)
{
    size_t n = 0;
    int more = 1;
    end = record_end(p, end);
    for (int f = 0; f <= col; f++) {
        if (!more)
            return 0;
        *out = next_field(&p, end, &n, &more);
    }
    return n;
}

/* ---------------------------------------------------------------- the scan loop */

void peer_scan_archive(const char *archive, const char *text_col, int threads, peer_scan_fn fn, void *ctx,
                       peer_totals *out)
{
    int nt = threads > 0 ? threads : omp_get_max_threads();
    uint64_t *text_bytes = calloc((size_t)nt * 8, sizeof *text_bytes); /* one cache line each */
    if (!text_bytes)
        peer_die(PEER_EXIT_IO, "out of memory");
    double t0 = peer_now();
    reader_t rd;
    reader_open(&rd, archive);
    batch_t b[2];
    memset(b, 0, sizeof b);
    const char *msg = fill(&b[0], NULL, &rd);
    if (msg)
        peer_die(PEER_EXIT_IO, "%s: %s", archive, msg);
    if (!b[0].nrec)
        peer_die(PEER_EXIT_IO, "%s: empty archive (no header)", archive);

    /* header: find the text column by name (a copy: unescaping writes in place) */
    int col = -1;
    {
        size_t hl = b[0].rec[1];
        char *hdr = peer_xrealloc(NULL, hl + 1), *p = hdr, *end;
        memcpy(hdr, b[0].buf, hl);
        end = record_end(hdr, hdr + hl);
        int more = 1;
        for (int c = 0; more && col < 0; c++) {
            size_t n;
            char *f = next_field(&p, end, &n, &more);
            if (n == strlen(text_col) && !memcmp(f, text_col, n))
                col = c;
        }
        free(hdr);
    }
    if (col < 0)
        peer_die(PEER_EXIT_USAGE, "%s: no column named '%s' in the header", archive, text_col);

    uint64_t nrec = 0;
    size_t first = 1;
    int cur = 0;
    const char *fill_err = NULL;
    for (;;) {
        batch_t *c = &b[cur], *nx = &b[cur ^ 1];
        int more = !c->eof;
#pragma omp parallel num_threads(nt)
        {
#pragma omp single nowait
            {
                if (more)
                    fill_err = fill(nx, c, &rd); /* overlaps with the scan of c */
            }
            int me = omp_get_thread_num();
#pragma omp for schedule(dynamic, 32)
            for (size_t i = first; i < c->nrec; i++) {
                char *txt;
                size_t n = get_field(c->buf + c->rec[i], c->buf + c->rec[i + 1], col, &txt);
                text_bytes[(size_t)me * 8] += n;
                if (n)
                    fn(me, txt, n, ctx);
            }
        }
        nrec += c->nrec - first;
        if (fill_err)
            peer_die(PEER_EXIT_IO, "%s: %s", archive, fill_err);
        if (!more)
            break;
        first = 0;
        cur ^= 1;
    }
    memset(out, 0, sizeof *out);
    out->seconds = peer_now() - t0;
    out->records = nrec;
    out->bytes = rd.bytes;
    for (int i = 0; i < nt; i++)
        out->text_bytes += text_bytes[(size_t)i * 8];
    free(text_bytes);
    for (int i = 0; i < 2; i++) {
        free(b[i].buf);
        free(b[i].rec);
    }
    ZSTD_freeDStream(rd.ds);
    free(rd.in);
    if (rd.f != stdin)
        fclose(rd.f);
}
