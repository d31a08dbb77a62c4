/* mc_csvrows.c — CSV/TSV rows for the dictionary compiler (mc_csvrows.h). */
#include "dict/mc_csvrows.h"
#include "common/mc_util.h"
#include <csv.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *f[MC_CSVROWS_MAXF];
    size_t nf;
    int overflow, strict;
    unsigned long row;
    const char *path;
    mc_csvrow_fn on_row;
    void *ud;
    mc_status st;
    mc_error *err;
} rowctx;

static void cb_field(void *s, size_t len, void *data)
{
    rowctx *c = data;
    if (c->nf >= MC_CSVROWS_MAXF) { c->overflow = 1; return; }
    char *p = malloc(len + 1);
    if (!p) { c->st = MC_E_NOMEM; return; }
    if (len) memcpy(p, s, len);
    p[len] = 0;
    c->f[c->nf++] = p;
}

static void cb_row(int term, void *data)
{
    (void)term;
    rowctx *c = data;
    c->row++;
    if (c->st == MC_OK) {
        if (c->overflow && c->strict)
            c->st = mc_error_set(c->err, MC_E_DICT_BUILD, c->path, c->row, 0, 0, "more than %d fields", MC_CSVROWS_MAXF);
        else if (!(c->nf == 0 || (c->nf == 1 && c->f[0][0] == 0))) /* skip blank lines */
            c->st = (mc_status)c->on_row(c->ud, c->f, c->nf, c->row, c->err);
    }
    for (size_t i = 0; i < c->nf; i++) free(c->f[i]);
    c->nf = 0;
    c->overflow = 0;
}

mc_status mc_csv_rows(const char *path, unsigned flags, mc_csvrow_fn on_row, void *ud, mc_error *err)
{
    mc_error local;
    if (!err) err = &local;
    char *data;
    size_t len;
    mc_status st = mc_read_file(path, &data, &len, err);
    if (st) return st;
    size_t off = (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0; /* UTF-8 BOM */
    int strict = (flags & MC_CSVROWS_STRICT) != 0;
    struct csv_parser p;
    csv_init(&p, (unsigned char)(CSV_APPEND_NULL | (strict ? CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL : 0)));
    if (flags & MC_CSVROWS_SNIFF) {
        if (off < len && data[off] == '\'') csv_set_quote(&p, '\'');
        const char *nl = memchr(data + off, '\n', len - off);
        if (memchr(data + off, '\t', (nl ? (size_t)(nl - data) : len) - off)) csv_set_delim(&p, '\t');
    }
    rowctx c = {.strict = strict, .path = path, .on_row = on_row, .ud = ud, .st = MC_OK, .err = err};
    size_t done = csv_parse(&p, data + off, len - off, cb_field, cb_row, &c);
    if (c.st == MC_OK && (done != len - off || csv_fini(&p, cb_field, cb_row, &c) != 0))
        c.st = mc_error_set(err, MC_E_DICT_BUILD, path, c.row + 1, 0, 0, "malformed CSV: %s", csv_strerror(csv_error(&p)));
    if (c.st == MC_E_NOMEM) mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    for (size_t i = 0; i < c.nf; i++) free(c.f[i]);
    csv_free(&p);
    free(data);
    return c.st;
}
