/* mc_record.c — one CSV record to fields (see mc_record.h).
 *
 * Well-formed records of the plain shape that archives are made of (unquoted fields
 * without quotes, line breaks or surrounding blanks; quoted fields without escaped
 * quotes, each followed by a comma or the end) are split here with memchr, which is
 * many times faster than libcsv's byte-at-a-time state machine. Anything else (an
 * escaped quote, a stray quote, blanks libcsv would trim, an unterminated field, a
 * line break outside quotes) goes to libcsv, which decides, so the fields and every
 * error are libcsv's. tests/unit checks the two paths against each other. */
#include "record/mc_record.h"
#include "common/mc_util.h"
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mc_csvrec {
    struct csv_parser p;
    mc_buf buf;              /* field bytes, each NUL-terminated */
    size_t *off, *len;
    size_t n, cap, rows;
    int nomem;
    int libcsv_only;         /* mc_csvrec_set_fast(r, 0): every record through libcsv */
};

mc_csvrec *mc_csvrec_create(void)
{
    mc_csvrec *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) { free(r); return NULL; }
    return r;
}

void mc_csvrec_free(mc_csvrec *r)
{
    if (!r) return;
    csv_free(&r->p);
    mc_buf_free(&r->buf);
    free(r->off);
    free(r->len);
    free(r);
}

/* Register the field whose bytes are r->buf[start..len) and terminate it. */
static void end_field(mc_csvrec *r, size_t start)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        size_t *o = realloc(r->off, cap * sizeof *o), *l = o ? realloc(r->len, cap * sizeof *l) : NULL;
        if (o) r->off = o;
        if (!o || !l) { r->nomem = 1; return; }
        r->len = l;
        r->cap = cap;
    }
    r->off[r->n] = start;
    r->len[r->n] = r->buf.len - start;
    r->n++;
    if (mc_buf_putc(&r->buf, 0)) r->nomem = 1;
}

static void on_field(void *s, size_t len, void *ud)
{
    mc_csvrec *r = ud;
    if (r->rows) { r->rows++; return; } /* data after the first record */
    size_t start = r->buf.len;
    if (mc_buf_append(&r->buf, s ? s : "", len)) { r->nomem = 1; return; }
    end_field(r, start);
}

static void on_row(int c, void *ud)
{
    (void)c;
    mc_csvrec *r = ud;
    r->rows++;
}

void mc_csvrec_set_fast(mc_csvrec *r, int on) { r->libcsv_only = !on; }

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* The plain-shape split (file comment); 1 done, 0 leave the record to libcsv. */
static int split_plain(mc_csvrec *r, const char *data, size_t len)
{
    if (len == 0) return 0;
    size_t i = 0;
    for (;;) {
        int last;
        if (data[i] == '"') { /* to the closing quote; "" is one quote */
            size_t j = i + 1, start = r->buf.len;
            for (;;) {
                const char *q = memchr(data + j, '"', len - j);
                if (!q) return 0;
                size_t e = (size_t)(q - data);
                if (e + 1 < len && data[e + 1] == '"') {
                    if (mc_buf_append(&r->buf, data + j, e + 1 - j)) { r->nomem = 1; return 1; }
                    j = e + 2;
                    continue;
                }
                if (e + 1 < len && data[e + 1] != ',') return 0; /* text after the closing quote */
                if (mc_buf_append(&r->buf, data + j, e - j)) { r->nomem = 1; return 1; }
                last = e + 1 >= len;
                i = e + 2;
                break;
            }
            end_field(r, start);
        } else {
            const char *c = memchr(data + i, ',', len - i);
            size_t e = c ? (size_t)(c - data) : len;
            if (e > i && (is_blank(data[i]) || is_blank(data[e - 1]))) return 0;
            if (memchr(data + i, '"', e - i) || memchr(data + i, '\n', e - i) || memchr(data + i, '\r', e - i)) return 0;
            on_field((void *)(data + i), e - i, r);
            last = !c;
            i = e + 1;
        }
        if (r->nomem) return 1;
        if (last) return 1;
        if (i >= len) { /* a comma ends the record: one more, empty, field */
            on_field(NULL, 0, r);
            return 1;
        }
    }
}

mc_status mc_csvrec_parse(mc_csvrec *r, const char *data, size_t len, size_t *n, const char **why)
{
    r->n = 0;
    r->rows = 0;
    r->buf.len = 0;
    r->nomem = 0;
    *n = 0;
    *why = NULL;
    if (!r->libcsv_only && split_plain(r, data, len)) {
        if (r->nomem) { *why = "out of memory"; return MC_E_NOMEM; }
        *n = r->n;
        return MC_OK;
    }
    r->n = 0;
    r->buf.len = 0;
    size_t done = csv_parse(&r->p, data, len, on_field, on_row, r);
    int bad = done != len;
    int fin = csv_fini(&r->p, on_field, on_row, r); /* also resets the parser */
    if (r->nomem) { *why = "out of memory"; return MC_E_NOMEM; }
    if (bad || fin != 0) {
        int e = csv_error(&r->p);
        *why = (!bad && e == CSV_EPARSE) ? "unterminated quoted field" : e == CSV_ETOOBIG ? "field too large" : "malformed quoting";
        if (fin != 0 && !bad) *why = "unterminated quoted field";
        csv_free(&r->p); /* libcsv keeps its error state: start afresh */
        if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) return MC_E_NOMEM;
        return MC_E_CSV;
    }
    if (r->rows > 1) { *why = "more than one record"; return MC_E_CSV; }
    *n = r->n;
    return MC_OK;
}

const char *mc_csvrec_field(const mc_csvrec *r, size_t i, size_t *len)
{
    if (i >= r->n) { if (len) *len = 0; return ""; }
    if (len) *len = r->len[i];
    return r->buf.data + r->off[i];
}

int mc_csvrec_column(const mc_csvrec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->buf.data + r->off[i], name) == 0) return (int)i;
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->buf.data + r->off[i], name) == 0) return (int)i;
    return -1;
}
