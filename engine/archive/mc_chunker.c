/* mc_chunker.c — cut a decompressed CSV stream into batches of whole records with a
 * small quote-aware state machine (see mc_archive.h). Records are copied once, from
 * the chunker's read buffer into the batch; the read buffer is compacted as it goes. */
#include "archive/mc_archive.h"
#include "common/mc_util.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ST_START, ST_UNQ, ST_Q, ST_QQ };

struct mc_chunker {
    mc_reader *r;
    const char *path;
    char *buf;
    size_t len, cap, pos, rec_start;
    uint64_t base;           /* stream offset of buf[0] */
    int state, eof, skipping;
    size_t batch_bytes, max_record;
    uint64_t next_record;
    char *header;
    size_t header_len;
    int header_done;
    double t_read, t_scan;
};

static double now_thread(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

mc_status mc_chunker_create(mc_reader *r, const char *path, size_t batch_bytes, size_t max_record, mc_chunker **out, mc_error *err)
{
    mc_chunker *c = calloc(1, sizeof *c);
    if (!c) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    c->r = r;
    c->path = path;
    c->batch_bytes = batch_bytes ? batch_bytes : (1u << 20);
    c->max_record = max_record ? max_record : (16u << 20);
    c->cap = (1u << 20);
    c->buf = malloc(c->cap);
    c->next_record = 1;
    if (!c->buf) { free(c); return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); }
    *out = c;
    return MC_OK;
}

void mc_chunker_free(mc_chunker *c)
{
    if (!c) return;
    free(c->buf);
    free(c->header);
    free(c);
}

/* Read more bytes, compacting consumed ones first. Returns status; sets eof. */
static mc_status fill(mc_chunker *c, mc_error *err)
{
    if (c->rec_start > 0 && (c->rec_start >= c->cap / 2 || c->len == c->cap)) {
        memmove(c->buf, c->buf + c->rec_start, c->len - c->rec_start);
        c->base += c->rec_start;
        c->len -= c->rec_start;
        c->pos -= c->rec_start;
        c->rec_start = 0;
    }
    if (c->len == c->cap) {
        size_t cap = c->cap * 2;
        char *p = realloc(c->buf, cap);
        if (!p) return mc_error_set(err, MC_E_NOMEM, c->path, 0, 0, 0, "out of memory");
        c->buf = p;
        c->cap = cap;
    }
    size_t got = 0;
    double t0 = now_thread();
    mc_status st = mc_reader_read(c->r, c->buf + c->len, c->cap - c->len, &got, err);
    c->t_read += now_thread() - t0;
    if (st) return st;
    if (got == 0) c->eof = 1;
    c->len += got;
    return MC_OK;
}

/* Find the next record. Returns 1 with [*a, *b) in c->buf (terminator excluded) and
 * *over set for an oversized record, 0 at the end of input. */
static int next_rec(mc_chunker *c, size_t *a, size_t *b, int *over, mc_status *st, mc_error *err)
{
    *st = MC_OK;
    for (;;) {
        const char *s = c->buf;
        size_t pos = c->pos, len = c->len;
        int state = c->state;
        while (pos < len) {
            if (c->skipping) {
                const char *nl = memchr(s + pos, '\n', len - pos);
                if (!nl) { pos = len; break; }
                pos = (size_t)(nl - s) + 1;
                c->skipping = 0;
                c->rec_start = pos;
                state = ST_START;
                continue;
            }
            if (state == ST_Q) {
                const char *q = memchr(s + pos, '"', len - pos);
                if (!q) { pos = len; break; }
                pos = (size_t)(q - s) + 1;
                state = ST_QQ;
                continue;
            }
            char ch = s[pos];
            if (state == ST_QQ) {
                if (ch == '"') { state = ST_Q; pos++; continue; }
                state = ST_UNQ; /* closing quote: fall through to the unquoted rules */
            }
            if (ch == '\n') {
                *a = c->rec_start;
                *b = pos > c->rec_start && s[pos - 1] == '\r' ? pos - 1 : pos;
                *over = *b - *a > c->max_record;
                c->pos = c->rec_start = pos + 1;
                c->state = ST_START;
                return 1;
            }
            if (ch == '"') state = state == ST_START ? ST_Q : ST_UNQ;
            else if (ch == ',') state = ST_START;
            else state = ST_UNQ;
            pos++;
        }
        c->pos = pos;
        c->state = state;
        if (!c->skipping && c->len - c->rec_start > c->max_record) {
            /* oversized: report it, then resynchronise at the next line break */
            *a = *b = c->rec_start;
            *over = 1;
            c->skipping = 1;
            c->pos = c->rec_start;
            c->state = ST_START;
            return 1;
        }
        if (c->eof) {
            if (c->rec_start < c->len && !c->skipping) {
                *a = c->rec_start;
                *b = c->len;
                *over = *b - *a > c->max_record;
                c->pos = c->rec_start = c->len;
                return 1;
            }
            return 0;
        }
        if (c->skipping) { c->rec_start = c->pos; }
        *st = fill(c, err);
        if (*st) return 0;
    }
}

static int blank(const char *s, size_t a, size_t b)
{
    return b == a || (b == a + 1 && s[a] == '\r');
}

mc_status mc_chunker_header(mc_chunker *c, const char **hdr, size_t *len, mc_error *err)
{
    *hdr = NULL;
    *len = 0;
    if (!c->header_done) {
        c->header_done = 1;
        size_t a, b;
        int over;
        mc_status st;
        while (next_rec(c, &a, &b, &over, &st, err)) {
            if (over) return mc_error_set(err, MC_E_RECORD_TOO_BIG, c->path, 0, 1, c->base + a, "header line over the record size limit");
            if (blank(c->buf, a, b)) continue;
            size_t o = a;
            if (c->base + a == 0 && b - a >= 3 && memcmp(c->buf + a, "\xEF\xBB\xBF", 3) == 0) o += 3; /* BOM */
            c->header = malloc(b - o + 1);
            if (!c->header) return mc_error_set(err, MC_E_NOMEM, c->path, 0, 0, 0, "out of memory");
            memcpy(c->header, c->buf + o, b - o);
            c->header[b - o] = 0;
            c->header_len = b - o;
            break;
        }
        if (st) return st;
    }
    *hdr = c->header;
    *len = c->header_len;
    return MC_OK;
}

static int batch_reserve(mc_batch *b, size_t bytes)
{
    if (b->len + bytes <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : (1u << 16);
    while (cap < b->len + bytes) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Cutting a batch is timed as a whole (two clock reads a batch, not a record): the
 * chunk stage is the batch's time less the reads it made. */
static mc_status chunker_next(mc_chunker *c, mc_batch *b, mc_error *err);

mc_status mc_chunker_next(mc_chunker *c, mc_batch *b, mc_error *err)
{
    double t0 = now_thread(), r0 = c->t_read;
    mc_status st = chunker_next(c, b, err);
    c->t_scan += now_thread() - t0 - (c->t_read - r0);
    return st;
}

static mc_status chunker_next(mc_chunker *c, mc_batch *b, mc_error *err)
{
    b->len = 0;
    b->n_recs = 0;
    if (!c->header_done) {
        const char *h;
        size_t hl;
        mc_status st = mc_chunker_header(c, &h, &hl, err);
        if (st) return st;
    }
    size_t a, e;
    int over;
    mc_status st = MC_OK;
    while (b->len < c->batch_bytes && next_rec(c, &a, &e, &over, &st, err)) {
        if (!over && blank(c->buf, a, e)) continue;
        if (b->n_recs == b->cap_recs) {
            size_t cap = b->cap_recs ? b->cap_recs * 2 : 1024;
            mc_rec *p = realloc(b->recs, cap * sizeof *p);
            if (!p) return mc_error_set(err, MC_E_NOMEM, c->path, 0, 0, 0, "out of memory");
            b->recs = p;
            b->cap_recs = cap;
        }
        mc_rec *r = &b->recs[b->n_recs++];
        r->pos = c->base + a;
        r->number = c->next_record++;
        r->off = (uint32_t)b->len;
        r->len = (uint32_t)(e - a);
        r->oversized = (uint32_t)over;
        if (!over) {
            if (batch_reserve(b, e - a + 1)) return mc_error_set(err, MC_E_NOMEM, c->path, 0, 0, 0, "out of memory");
            memcpy(b->data + b->len, c->buf + a, e - a);
            b->len += e - a;
            b->data[b->len++] = '\n';
        }
    }
    return st;
}

double mc_chunker_read_seconds(const mc_chunker *c) { return c->t_read; }
double mc_chunker_scan_seconds(const mc_chunker *c) { return c->t_scan; }

void mc_batch_free(mc_batch *b)
{
    free(b->data);
    free(b->recs);
    memset(b, 0, sizeof *b);
}
