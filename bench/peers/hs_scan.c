/* hs_scan — Hyperscan peer for the medcode benchmark.
 * Compiles every term of a medcode term list (TSV term<TAB>code) as a caseless literal,
 * streams a .csv.zst archive, splits records (quote-aware RFC 4180), and scans the note
 * column of each record in block mode, one scratch per OpenMP thread; prints match counts
 * and throughput. Matches are raw substring hits (no word boundaries, no context). */
#include <errno.h>
#include <omp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>
#include <zstd.h>

#define EXIT_USAGE 2
#define EXIT_IO 1

static void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hs_scan: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die(EXIT_IO, "out of memory (%zu bytes)", n);
    return q;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- term list */

typedef struct {
    char **term; /* distinct terms (case-insensitive), in first-seen order */
    unsigned *len;
    size_t n, lines;
} terms_t;

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

static void load_terms(terms_t *T, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(EXIT_IO, "cannot open %s: %s", path, strerror(errno));
    size_t hcap = 1 << 16, cap = 0;
    size_t *slot = calloc(hcap, sizeof *slot); /* index + 1; 0 = empty */
    if (!slot)
        die(EXIT_IO, "out of memory");
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
                die(EXIT_IO, "out of memory");
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
            T->term = xrealloc(T->term, cap * sizeof *T->term);
            T->len = xrealloc(T->len, cap * sizeof *T->len);
        }
        char *s = xrealloc(NULL, n + 1);
        memcpy(s, line, n);
        s[n] = '\0';
        T->term[T->n] = s;
        T->len[T->n] = (unsigned)n;
        slot[j] = ++T->n;
    }
    if (ferror(f))
        die(EXIT_IO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    free(line);
    free(slot);
    if (!T->n)
        die(EXIT_USAGE, "%s holds no terms", path);
}

static hs_database_t *compile_terms(const terms_t *T)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    unsigned *flags = xrealloc(NULL, T->n * sizeof *flags);
    unsigned *ids = xrealloc(NULL, T->n * sizeof *ids);
    for (size_t i = 0; i < T->n; i++) {
        flags[i] = HS_FLAG_CASELESS;
        ids[i] = (unsigned)i;
    }
#if HS_MAJOR > 5 || (HS_MAJOR == 5 && HS_MINOR >= 2)
    size_t *lens = xrealloc(NULL, T->n * sizeof *lens);
    for (size_t i = 0; i < T->n; i++)
        lens[i] = T->len[i];
    hs_error_t rc = hs_compile_lit_multi((const char *const *)T->term, flags, ids, lens,
                                         (unsigned)T->n, HS_MODE_BLOCK, NULL, &db, &err);
    free(lens);
#else
    /* no literal API: escape every byte that is not alphanumeric as \xHH */
    char **rx = xrealloc(NULL, T->n * sizeof *rx);
    for (size_t i = 0; i < T->n; i++) {
        char *p = rx[i] = xrealloc(NULL, 4 * (size_t)T->len[i] + 1);
        for (unsigned k = 0; k < T->len[i]; k++) {
            unsigned char c = (unsigned char)T->term[i][k];
            if ((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'))
                *p++ = (char)c;
            else
                p += sprintf(p, "\\x%02x", c);
        }
        *p = '\0';
    }
    hs_error_t rc = hs_compile_multi((const char *const *)rx, flags, ids, (unsigned)T->n,
                                     HS_MODE_BLOCK, NULL, &db, &err);
    for (size_t i = 0; i < T->n; i++)
        free(rx[i]);
    free(rx);
#endif
    free(flags);
    free(ids);
    if (rc != HS_SUCCESS) {
        if (err && err->expression >= 0)
            die(EXIT_USAGE, "cannot compile term %d ('%s'): %s", err->expression,
                T->term[err->expression], err->message);
        die(EXIT_IO, "cannot compile the term database: %s", err ? err->message : "unknown error");
    }
    return db;
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
        die(EXIT_IO, "cannot open %s: %s", path, strerror(errno));
    r->in_cap = ZSTD_DStreamInSize() * 8;
    r->in = xrealloc(NULL, r->in_cap);
    r->zin.src = r->in;
    r->zin.size = fread(r->in, 1, r->in_cap, r->f);
    static const unsigned char magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    if (r->zin.size >= 4 && !memcmp(r->in, magic, 4)) {
        r->ds = ZSTD_createDStream();
        if (!r->ds)
            die(EXIT_IO, "cannot create zstd context");
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
        b->rec = xrealloc(b->rec, b->rcap * sizeof *b->rec);
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

/* ---------------------------------------------------------------- scanning */

typedef struct {
    uint64_t *counts;
    uint64_t matches, records, text_bytes;
    char pad[64];
} shard_t;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    shard_t *s = ctx;
    s->counts[id]++;
    s->matches++;
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: hs_scan --terms FILE --text-col NAME [--threads N] [--counts OUT.tsv] ARCHIVE\n"
          "Scans the NAME column of a CSV archive (.csv.zst, plain CSV, or - for stdin) for every\n"
          "term of FILE (TSV, first column) as a caseless literal with Hyperscan (block mode).\n"
          "Prints key: value lines (patterns, records, bytes, matches, seconds, mb_per_s, ...).\n"
          "exit status: 0 ok, 1 I/O or data error, 2 usage error\n",
          f);
}

int main(int argc, char **argv)
{
    const char *terms_path = NULL, *col_name = NULL, *archive = NULL, *counts_path = NULL;
    int threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--terms") || !strcmp(a, "--text-col") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--counts")) {
            if (!v)
                die(EXIT_USAGE, "option %s needs a value", a);
            i++;
            if (!strcmp(a, "--terms"))
                terms_path = v;
            else if (!strcmp(a, "--text-col"))
                col_name = v;
            else if (!strcmp(a, "--counts"))
                counts_path = v;
            else {
                char *e;
                long t = strtol(v, &e, 10);
                if (e == v || *e || t < 1 || t > 1024)
                    die(EXIT_USAGE, "invalid --threads '%s'", v);
                threads = (int)t;
            }
        } else if (a[0] == '-' && a[1]) {
            die(EXIT_USAGE, "unknown option '%s'", a);
        } else if (!archive) {
            archive = a;
        } else {
            die(EXIT_USAGE, "only one archive is supported ('%s')", a);
        }
    }
    if (!terms_path || !col_name || !archive) {
        usage(stderr);
        die(EXIT_USAGE, "--terms, --text-col and ARCHIVE are required");
    }
    if (hs_valid_platform() != HS_SUCCESS)
        die(EXIT_IO, "this CPU lacks the instructions Hyperscan needs (SSSE3)");
    if (threads)
        omp_set_num_threads(threads);
    int nt = omp_get_max_threads();

    terms_t T = {0};
    load_terms(&T, terms_path);
    double t0 = now();
    hs_database_t *db = compile_terms(&T);
    double compile_s = now() - t0;
    size_t db_size = 0;
    hs_database_size(db, &db_size);

    hs_scratch_t *proto = NULL;
    if (hs_alloc_scratch(db, &proto) != HS_SUCCESS)
        die(EXIT_IO, "cannot allocate Hyperscan scratch");
    hs_scratch_t **scratch = xrealloc(NULL, nt * sizeof *scratch);
    shard_t *shard = xrealloc(NULL, nt * sizeof *shard);
    for (int i = 0; i < nt; i++) {
        if (hs_clone_scratch(proto, &scratch[i]) != HS_SUCCESS)
            die(EXIT_IO, "cannot allocate Hyperscan scratch");
        memset(&shard[i], 0, sizeof shard[i]);
        shard[i].counts = calloc(T.n, sizeof(uint64_t));
        if (!shard[i].counts)
            die(EXIT_IO, "out of memory");
    }

    double t1 = now();
    reader_t rd;
    reader_open(&rd, archive);
    batch_t b[2];
    memset(b, 0, sizeof b);
    const char *msg = fill(&b[0], NULL, &rd);
    if (msg)
        die(EXIT_IO, "%s: %s", archive, msg);
    if (!b[0].nrec)
        die(EXIT_IO, "%s: empty archive (no header)", archive);

    /* header: find the text column by name (a copy: unescaping writes in place) */
    int col = -1;
    {
        size_t hl = b[0].rec[1];
        char *hdr = xrealloc(NULL, hl + 1), *p = hdr, *end;
        memcpy(hdr, b[0].buf, hl);
        end = record_end(hdr, hdr + hl);
        int more = 1;
        for (int c = 0; more && col < 0; c++) {
            size_t n;
            char *f = next_field(&p, end, &n, &more);
            if (n == strlen(col_name) && !memcmp(f, col_name, n))
                col = c;
        }
        free(hdr);
    }
    if (col < 0)
        die(EXIT_USAGE, "%s: no column named '%s' in the header", archive, col_name);

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
            shard_t *sh = &shard[me];
            hs_scratch_t *s = scratch[me];
#pragma omp for schedule(dynamic, 32)
            for (size_t i = first; i < c->nrec; i++) {
                char *txt;
                size_t n = get_field(c->buf + c->rec[i], c->buf + c->rec[i + 1], col, &txt);
                sh->records++;
                sh->text_bytes += n;
                if (n)
                    hs_scan(db, txt, (unsigned)n, 0, s, on_match, sh);
            }
        }
        nrec += c->nrec - first;
        if (fill_err)
            die(EXIT_IO, "%s: %s", archive, fill_err);
        if (!more)
            break;
        first = 0;
        cur ^= 1;
    }
    double scan_s = now() - t1;

    uint64_t matches = 0, text_bytes = 0, matched_terms = 0;
    for (int i = 1; i < nt; i++)
        for (size_t k = 0; k < T.n; k++)
            shard[0].counts[k] += shard[i].counts[k];
    for (int i = 0; i < nt; i++) {
        matches += shard[i].matches;
        text_bytes += shard[i].text_bytes;
    }
    for (size_t k = 0; k < T.n; k++)
        matched_terms += shard[0].counts[k] != 0;

    if (counts_path) {
        FILE *f = fopen(counts_path, "w");
        if (!f)
            die(EXIT_IO, "cannot create %s: %s", counts_path, strerror(errno));
        for (size_t k = 0; k < T.n; k++)
            if (shard[0].counts[k])
                fprintf(f, "%s\t%llu\n", T.term[k], (unsigned long long)shard[0].counts[k]);
        if (fclose(f))
            die(EXIT_IO, "cannot write %s: %s", counts_path, strerror(errno));
    }

    printf("tool: hs_scan (Hyperscan %s)\n", hs_version());
    printf("patterns: %zu\n", T.n);
    printf("term_lines: %zu\n", T.lines);
    printf("compile_s: %.3f\n", compile_s);
    printf("database_mb: %.1f\n", db_size / 1e6);
    printf("threads: %d\n", nt);
    printf("records: %llu\n", (unsigned long long)nrec);
    printf("bytes: %llu\n", (unsigned long long)rd.bytes);
    printf("text_bytes: %llu\n", (unsigned long long)text_bytes);
    printf("matches: %llu\n", (unsigned long long)matches);
    printf("terms_matched: %llu\n", (unsigned long long)matched_terms);
    printf("seconds: %.3f\n", scan_s);
    printf("mb_per_s: %.1f\n", scan_s > 0 ? rd.bytes / 1e6 / scan_s : 0.0);
    printf("records_per_s: %.0f\n", scan_s > 0 ? nrec / scan_s : 0.0);

    for (int i = 0; i < nt; i++) {
        hs_free_scratch(scratch[i]);
        free(shard[i].counts);
    }
    hs_free_scratch(proto);
    hs_free_database(db);
    free(scratch);
    free(shard);
    for (int i = 0; i < 2; i++) {
        free(b[i].buf);
        free(b[i].rec);
    }
    for (size_t k = 0; k < T.n; k++)
        free(T.term[k]);
    free(T.term);
    free(T.len);
    ZSTD_freeDStream(rd.ds);
    free(rd.in);
    if (rd.f != stdin)
        fclose(rd.f);
    return 0;
}
