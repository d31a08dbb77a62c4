/* mc_record.c — libcsv per record (see mc_record.h). */
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

static void on_field(void *s, size_t len, void *ud)
{
    mc_csvrec *r = ud;
    if (r->rows) { r->rows++; return; } /* data after the first record */
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        size_t *o = realloc(r->off, cap * sizeof *o), *l = o ? realloc(r->len, cap * sizeof *l) : NULL;
        if (o) r->off = o;
        if (!o || !l) { r->nomem = 1; return; }
        r->len = l;
        r->cap = cap;
    }
    r->off[r->n] = r->buf.len;
    r->len[r->n] = len;
    r->n++;
    if (mc_buf_append(&r->buf, s ? s : "", len) || mc_buf_putc(&r->buf, 0)) r->nomem = 1;
}

static void on_row(int c, void *ud)
{
    (void)c;
    mc_csvrec *r = ud;
    r->rows++;
}

mc_status mc_csvrec_parse(mc_csvrec *r, const char *data, size_t len, size_t *n, const char **why)
{
    r->n = 0;
    r->rows = 0;
    r->buf.len = 0;
    r->nomem = 0;
    *n = 0;
    *why = NULL;
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
