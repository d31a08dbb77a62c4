/* mc_eval.c — micro P/R/F1 of predicted codes against a gold standard (see mc_eval.h).
 * Pairs are kept as "doc\x1fCODE" strings, sorted and de-duplicated, and compared by a
 * merge walk; the same walk on category-truncated pairs gives the category level. The
 * hierarchy level walks both lists document by document: exact pairs first, then each
 * remaining prediction (longest code first) takes the most specific unmatched gold code
 * that is a proper prefix of it, at least 3 characters long (a one-to-one matching). */
#include "mc_eval.h"
#include "mc_dict.h"
#include "common/mc_util.h"
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef MC_VEC(char *) strvec;

static void strvec_free(strvec *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->items[i]);
    mc_vec_free(v);
}

/* Normalised code: upper case, alphanumerics only ("e11.9" -> "E119"). */
static void norm_code(const char *in, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (isalnum((unsigned char)in[i])) out[k++] = (char)toupper((unsigned char)in[i]);
    out[k] = 0;
}

static int add_pair(strvec *v, const char *doc, size_t dn, const char *code, size_t cn)
{
    char c[32];
    norm_code(code, cn, c, sizeof c);
    while (dn && isspace((unsigned char)doc[dn - 1])) dn--;
    while (dn && isspace((unsigned char)*doc)) doc++, dn--;
    if (!c[0] || !dn) return 0;
    size_t cl = strlen(c);
    char *p = malloc(dn + cl + 2);
    if (!p) return -1;
    memcpy(p, doc, dn);
    p[dn] = 0x1f;
    memcpy(p + dn + 1, c, cl + 1);
    if (mc_vec_push(v, p)) {
        free(p);
        return -1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void sort_unique(strvec *v)
{
    if (!v->n) return;
    qsort(v->items, v->n, sizeof *v->items, cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < v->n; i++) {
        if (strcmp(v->items[i], v->items[k - 1]) == 0)
            free(v->items[i]);
        else
            v->items[k++] = v->items[i];
    }
    v->n = k;
}

/* Copy with codes cut to their first 3 characters. */
static int to_category(const strvec *in, strvec *out)
{
    for (size_t i = 0; i < in->n; i++) {
        const char *s = in->items[i], *sep = strchr(s, 0x1f);
        size_t dn = (size_t)(sep - s), cn = strlen(sep + 1);
        if (add_pair(out, s, dn, sep + 1, cn < 3 ? cn : 3)) return -1;
    }
    sort_unique(out);
    return 0;
}

/* ---- gold */
static mc_status read_gold(const char *path, strvec *v, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_error_set(err, errno == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0,
                            "cannot open the gold file");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t no = 0;
    mc_status st = MC_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        no++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len) continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            st = mc_error_set(err, MC_E_CSV, path, no, 0, 0, "line %llu: expected doc<TAB>code",
                              (unsigned long long)no);
            break;
        }
        char *code = tab + 1, *end = strchr(code, '\t');
        if (add_pair(v, line, (size_t)(tab - line), code, end ? (size_t)(end - code) : strlen(code))) {
            st = mc_error_set(err, MC_E_NOMEM, path, no, 0, 0, "out of memory");
            break;
        }
    }
    free(line);
    fclose(f);
    if (st == MC_OK) sort_unique(v);
    return st;
}

/* ---- pred */
enum { COL_ID, COL_CODE, COL_COUNTED, COL_ASSERTION, COL_MATCHED, NCOL };
static const char *const colname[NCOL] = {"id", "code", "counted", "assertion", "matched_code"};

typedef struct {
    const mc_eval_opts *o;
    strvec *v;
    int col[NCOL];       /* field index per column, -1 when absent */
    mc_buf field[NCOL];
    int nfield, header_done, oom, bad;
    uint64_t record;
} predctx;

static void p_field(void *s, size_t n, void *ud)
{
    predctx *c = ud;
    int i = c->nfield++;
    if (!c->header_done) {
        for (int k = 0; k < NCOL; k++)
            if (n == strlen(colname[k]) && strncasecmp(s, colname[k], n) == 0 && c->col[k] < 0)
                c->col[k] = i;
        return;
    }
    for (int k = 0; k < NCOL; k++)
        if (c->col[k] == i) {
            c->field[k].len = 0;
            if (mc_buf_append(&c->field[k], s ? s : "", s ? n : 0)) c->oom = 1;
        }
}

static int is_one(const mc_buf *b)
{
    return b->len >= 1 && (strcmp(b->data, "1") == 0 || strcasecmp(b->data, "true") == 0 ||
                           strcasecmp(b->data, "yes") == 0);
}

static void p_row(int term, void *ud)
{
    predctx *c = ud;
    int nf = c->nfield;
    c->nfield = 0;
    if (!c->header_done) {
        c->header_done = 1;
        return;
    }
    c->record++;
    (void)nf; /* columns missing from a short row keep the empty value set below */
    const mc_buf *id = &c->field[COL_ID], *code = &c->field[COL_CODE];
    if (c->o->all_mentions) {
        if (c->col[COL_MATCHED] >= 0 && c->field[COL_MATCHED].len) code = &c->field[COL_MATCHED];
    } else {
        if (c->col[COL_COUNTED] >= 0 && !is_one(&c->field[COL_COUNTED])) return;
        if (c->col[COL_ASSERTION] >= 0 && c->field[COL_ASSERTION].len) {
            const char *a = c->field[COL_ASSERTION].data;
            if (c->o->ignore_negated && strcasecmp(a, "negated") == 0) return;
            if (c->o->ignore_uncertain && (strcasecmp(a, "uncertain") == 0 || strcasecmp(a, "possible") == 0))
                return;
        }
    }
    if (id->len && code->len && add_pair(c->v, id->data, id->len, code->data, code->len)) c->oom = 1;
}

/* Row callback wrapper: fields are cleared after every row so a short row reads empty. */
static void p_row_clear(int term, void *ud)
{
    predctx *c = ud;
    p_row(term, ud);
    for (int k = 0; k < NCOL; k++) {
        c->field[k].len = 0;
        if (c->field[k].data) c->field[k].data[0] = 0;
    }
}

static mc_status read_pred(const char *path, const mc_eval_opts *o, strvec *v, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_error_set(err, errno == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0,
                            "cannot open the prediction file");
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    }
    predctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.v = v;
    for (int k = 0; k < NCOL; k++) c.col[k] = -1;
    char buf[65536];
    size_t n;
    mc_status st = MC_OK;
    while (st == MC_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, p_field, p_row_clear, &c) != n)
            st = mc_error_set(err, MC_E_CSV, path, c.record + 1, 0, 0, "%s",
                              csv_strerror(csv_error(&p)));
        else if (c.header_done && (c.col[COL_ID] < 0 || c.col[COL_CODE] < 0))
            st = mc_error_set(err, MC_E_COLUMN, path, 0, 0, 0,
                              "the prediction file needs columns id and code");
        else if (c.oom)
            st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    }
    if (st == MC_OK && ferror(f)) st = mc_error_set(err, MC_E_IO, path, 0, 0, 0, "read failed");
    if (st == MC_OK && csv_fini(&p, p_field, p_row_clear, &c) != 0)
        st = mc_error_set(err, MC_E_CSV, path, c.record + 1, 0, 0, "%s", csv_strerror(csv_error(&p)));
    if (st == MC_OK && (!c.header_done || c.col[COL_ID] < 0 || c.col[COL_CODE] < 0))
        st = mc_error_set(err, MC_E_COLUMN, path, 0, 0, 0, "the prediction file needs columns id and code");
    if (st == MC_OK && c.oom) st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    csv_free(&p);
    for (int k = 0; k < NCOL; k++) mc_buf_free(&c.field[k]);
    fclose(f);
    if (st == MC_OK) sort_unique(v);
    return st;
}

/* ---- scoring */
static void finish(mc_eval_level *lv);
static int compare(const strvec *g, const strvec *p, mc_eval_level *lv, strvec *fn, strvec *fp)
{
    size_t i = 0, j = 0;
    memset(lv, 0, sizeof *lv);
    while (i < g->n || j < p->n) {
        int r = i == g->n ? 1 : j == p->n ? -1 : strcmp(g->items[i], p->items[j]);
        if (r == 0) {
            lv->tp++, i++, j++;
        } else if (r < 0) {
            lv->fn++;
            if (fn && mc_vec_push(fn, strchr(g->items[i], 0x1f) + 1)) return -1;
            i++;
        } else {
            lv->fp++;
            if (fp && mc_vec_push(fp, strchr(p->items[j], 0x1f) + 1)) return -1;
            j++;
        }
    }
    finish(lv);
    return 0;
}

static void finish(mc_eval_level *lv)
{
    lv->precision = lv->tp + lv->fp ? (double)lv->tp / (double)(lv->tp + lv->fp) : 0.0;
    lv->recall = lv->tp + lv->fn ? (double)lv->tp / (double)(lv->tp + lv->fn) : 0.0;
    lv->f1 = lv->precision + lv->recall > 0
                 ? 2.0 * lv->precision * lv->recall / (lv->precision + lv->recall)
                 : 0.0;
}

/* Length of the document part of a pair. */
static size_t doclen(const char *s) { return (size_t)(strchr(s, 0x1f) - s); }

static int same_doc(const char *a, const char *b)
{
    size_t n = doclen(a);
    return n == doclen(b) && memcmp(a, b, n) == 0;
}

static int cmp_doc(const char *a, const char *b)
{
    size_t na = doclen(a), nb = doclen(b);
    int r = memcmp(a, b, na < nb ? na : nb);
    return r ? r : na < nb ? -1 : na > nb ? 1 : 0;
}

/* Hierarchy-aware full-code level (see the top comment); fn/fp receive the codes left
 * unmatched. g and p are sorted and unique. */
static int compare_hier(const strvec *g, const strvec *p, mc_eval_level *lv, strvec *fn, strvec *fp)
{
    memset(lv, 0, sizeof *lv);
    unsigned char *gm = calloc(g->n + 1, 1), *pm = calloc(p->n + 1, 1);
    size_t *order = malloc((p->n + 1) * sizeof *order);
    int rc = -1;
    if (!gm || !pm || !order) goto out;
    size_t i = 0, j = 0;
    while (i < g->n || j < p->n) {
        int r = i == g->n ? 1 : j == p->n ? -1 : cmp_doc(g->items[i], p->items[j]);
        size_t gi = i, pj = j;
        if (r <= 0)
            while (i < g->n && same_doc(g->items[i], g->items[gi])) i++;
        if (r >= 0)
            while (j < p->n && same_doc(p->items[j], p->items[pj])) j++;
        /* gold [gi,i) and pred [pj,j) are one document's codes (either may be empty) */
        for (size_t a = gi; a < i; a++)
            for (size_t b = pj; b < j; b++)
                if (!pm[b] && strcmp(g->items[a], p->items[b]) == 0) {
                    gm[a] = pm[b] = 1;
                    lv->tp++;
                    break;
                }
        size_t no = 0;
        for (size_t b = pj; b < j; b++)
            if (!pm[b]) order[no++] = b;
        /* longest prediction first (stable: by position for equal lengths) */
        for (size_t x = 1; x < no; x++) {
            size_t v = order[x], y = x;
            size_t lvn = strlen(p->items[v]);
            while (y > 0 && strlen(p->items[order[y - 1]]) < lvn) order[y] = order[y - 1], y--;
            order[y] = v;
        }
        for (size_t x = 0; x < no; x++) {
            size_t b = order[x];
            const char *pc = strchr(p->items[b], 0x1f) + 1;
            size_t pl = strlen(pc), best = SIZE_MAX, bestl = 0;
            for (size_t a = gi; a < i; a++) {
                if (gm[a]) continue;
                const char *gc = strchr(g->items[a], 0x1f) + 1;
                size_t gl = strlen(gc);
                if (gl >= 3 && gl < pl && memcmp(gc, pc, gl) == 0 && gl > bestl) best = a, bestl = gl;
            }
            if (best != SIZE_MAX) {
                gm[best] = pm[b] = 1;
                lv->tp++;
            }
        }
        for (size_t a = gi; a < i; a++)
            if (!gm[a]) {
                lv->fn++;
                if (fn && mc_vec_push(fn, strchr(g->items[a], 0x1f) + 1)) goto out;
            }
        for (size_t b = pj; b < j; b++)
            if (!pm[b]) {
                lv->fp++;
                if (fp && mc_vec_push(fp, strchr(p->items[b], 0x1f) + 1)) goto out;
            }
    }
    finish(lv);
    rc = 0;
out:
    free(gm);
    free(pm);
    free(order);
    return rc;
}

typedef struct {
    const char *code;
    long n;
} codecount;

static int cmp_cc(const void *a, const void *b)
{
    const codecount *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->code, y->code);
}

static void dotted(const char *c, char *out, size_t cap)
{
    if (strlen(c) <= 3)
        snprintf(out, cap, "%s", c);
    else
        snprintf(out, cap, "%.3s.%s", c, c + 3);
}

static int print_top(FILE *out, const char *what, strvec *codes, int top, const mc_dict *dict)
{
    /* codes: borrowed pointers; count runs after sorting */
    if (codes->n) qsort(codes->items, codes->n, sizeof *codes->items, cmp_str);
    codecount *cc = malloc((codes->n ? codes->n : 1) * sizeof *cc);
    if (!cc) return -1;
    size_t m = 0;
    for (size_t i = 0; i < codes->n; i++) {
        if (m && strcmp(cc[m - 1].code, codes->items[i]) == 0)
            cc[m - 1].n++;
        else
            cc[m].code = codes->items[i], cc[m].n = 1, m++;
    }
    qsort(cc, m, sizeof *cc, cmp_cc);
    fprintf(out, "\ntop %d %s (code count)\n", top, what);
    for (size_t i = 0; i < m && i < (size_t)top; i++) {
        char d[40];
        dotted(cc[i].code, d, sizeof d);
        if (dict) {
            int64_t ix = mc_dict_find_code(dict, d);
            mc_code_info ci = {0};
            if (ix >= 0) mc_dict_code(dict, (uint32_t)ix, &ci);
            fprintf(out, "%-9s %-6ld %s\n", d, cc[i].n, ix >= 0 ? ci.title : "(not in the dictionary)");
        } else
            fprintf(out, "%-9s %ld\n", d, cc[i].n);
    }
    free(cc);
    return 0;
}

static long count_docs(const strvec *v)
{
    long n = 0;
    for (size_t i = 0; i < v->n; i++) {
        const char *s = v->items[i], *sep = strchr(s, 0x1f);
        if (i == 0) {
            n++;
            continue;
        }
        const char *t = v->items[i - 1], *tsep = strchr(t, 0x1f);
        if (sep - s != tsep - t || strncmp(s, t, (size_t)(sep - s)) != 0) n++;
    }
    return n;
}

mc_status mc_eval_levels_compute(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                                 mc_eval_levels *levels, mc_error *err)
{
    mc_eval_opts def = {0};
    if (!o) o = &def;
    int top = o->top > 0 ? o->top : 20;
    strvec g = {0}, p = {0}, gc = {0}, pc = {0}, fn = {0}, fp = {0};
    mc_eval_level lc, lh, lk;
    mc_status st = read_gold(gold, &g, err);
    if (st == MC_OK) st = read_pred(pred, o, &p, err);
    if (st == MC_OK && (to_category(&g, &gc) || to_category(&p, &pc) || compare(&g, &p, &lc, NULL, NULL) ||
                        compare_hier(&g, &p, &lh, &fn, &fp) || compare(&gc, &pc, &lk, NULL, NULL)))
        st = mc_error_set(err, MC_E_NOMEM, pred, 0, 0, 0, "out of memory");
    if (st == MC_OK && out) {
        fprintf(out, "gold: %ld documents, %zu codes; predicted: %ld documents, %zu codes; mode: %s\n",
                count_docs(&g), g.n, count_docs(&p), p.n,
                o->all_mentions ? "all mentions (matched_code)"
                                : o->ignore_negated || o->ignore_uncertain ? "counted, assertion filtered"
                                                                            : "counted");
        fprintf(out, "%-9s %-10s %-7s %-7s %-5s %-5s %s\n", "level", "precision", "recall", "f1", "tp",
                "fp", "fn");
        const mc_eval_level *lv[3] = {&lc, &lh, &lk};
        const char *name[3] = {"code", "hierarchy", "category"};
        for (int i = 0; i < 3; i++)
            fprintf(out, "%-9s %-10.4f %-7.4f %-7.4f %-5ld %-5ld %ld\n", name[i], lv[i]->precision,
                    lv[i]->recall, lv[i]->f1, lv[i]->tp, lv[i]->fp, lv[i]->fn);
        if (print_top(out, "false negatives", &fn, top, o->dict) || print_top(out, "false positives", &fp, top, o->dict))
            st = mc_error_set(err, MC_E_NOMEM, pred, 0, 0, 0, "out of memory");
    }
    if (st == MC_OK && levels) {
        levels->code = lc;
        levels->hierarchy = lh;
        levels->category = lk;
    }
    mc_vec_free(&fn); /* borrowed pointers */
    mc_vec_free(&fp);
    strvec_free(&g);
    strvec_free(&p);
    strvec_free(&gc);
    strvec_free(&pc);
    return st;
}

mc_status mc_eval_compute(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                          mc_eval_level *code_lv, mc_eval_level *cat_lv, mc_error *err)
{
    mc_eval_levels l;
    mc_status st = mc_eval_levels_compute(gold, pred, o, out, &l, err);
    if (st == MC_OK) {
        if (code_lv) *code_lv = l.code;
        if (cat_lv) *cat_lv = l.category;
    }
    return st;
}

mc_status mc_eval_run(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                      mc_error *err)
{
    return mc_eval_levels_compute(gold, pred, o, out, NULL, err);
}
