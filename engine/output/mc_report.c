/* mc_report.c — `medcode report`: a run directory to one self-contained HTML page with
 * inline SVG charts drawn here (no script, no network). Inputs are read by column name
 * and every missing piece degrades to a note, so the page works with older or partial
 * output directories. A small JSON reader covers manifest.json (objects, arrays,
 * strings, numbers, literals); libcsv reads the tables. */
#include "mc_report.h"
#include "common/mc_util.h"
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- JSON (manifest) ------------------------------------------------------------ */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct jnode {
    int type;
    char *key;               /* member name inside an object */
    char *str;               /* J_STR */
    double num;              /* J_NUM, J_BOOL */
    struct jnode *kid;       /* J_ARR / J_OBJ */
    size_t nkid;
} jnode;

typedef struct { const char *p, *end; int depth, bad; } jparser;

static void jfree(jnode *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkid; i++) jfree(&n->kid[i]);
    free(n->kid);
    free(n->key);
    free(n->str);
}

static void jws(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static char *jstring(jparser *j)
{
    if (j->p >= j->end || *j->p != '"') { j->bad = 1; return NULL; }
    j->p++;
    mc_buf b = {0};
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && j->p < j->end) {
            char e = *j->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': { /* \uXXXX: BMP to UTF-8 (surrogates become '?') */
                unsigned v = 0;
                for (int k = 0; k < 4 && j->p < j->end; k++, j->p++) {
                    char h = *j->p;
                    v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : 0);
                }
                char u[4];
                size_t un;
                if (v >= 0xD800 && v < 0xE000) { u[0] = '?'; un = 1; }
                else if (v < 0x80) { u[0] = (char)v; un = 1; }
                else if (v < 0x800) { u[0] = (char)(0xC0 | v >> 6); u[1] = (char)(0x80 | (v & 63)); un = 2; }
                else { u[0] = (char)(0xE0 | v >> 12); u[1] = (char)(0x80 | (v >> 6 & 63)); u[2] = (char)(0x80 | (v & 63)); un = 3; }
                mc_buf_append(&b, u, un);
                continue;
            }
            default: c = e;
            }
        }
        mc_buf_putc(&b, c);
    }
    if (j->p >= j->end) { j->bad = 1; mc_buf_free(&b); return NULL; }
    j->p++;
    mc_buf_putc(&b, 0);
    return b.data;
}

static int jvalue(jparser *j, jnode *n)
{
    memset(n, 0, sizeof *n);
    jws(j);
    if (j->p >= j->end || ++j->depth > 64) { j->bad = 1; return -1; }
    char c = *j->p;
    int rc = 0;
    if (c == '{' || c == '[') {
        n->type = c == '{' ? J_OBJ : J_ARR;
        j->p++;
        MC_VEC(jnode) kids = {0};
        jws(j);
        if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) j->p++;
        else
            for (;;) {
                jnode k;
                char *key = NULL;
                jws(j);
                if (n->type == J_OBJ) {
                    key = jstring(j);
                    jws(j);
                    if (!key || j->p >= j->end || *j->p != ':') { free(key); j->bad = 1; break; }
                    j->p++;
                }
                if (jvalue(j, &k)) { free(key); jfree(&k); break; }
                k.key = key;
                if (mc_vec_push(&kids, k)) { jfree(&k); j->bad = 1; break; }
                jws(j);
                if (j->p < j->end && *j->p == ',') { j->p++; continue; }
                if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) { j->p++; break; }
                j->bad = 1;
                break;
            }
        n->kid = kids.items;
        n->nkid = kids.n;
        rc = j->bad ? -1 : 0;
    } else if (c == '"') {
        n->type = J_STR;
        n->str = jstring(j);
        rc = n->str ? 0 : -1;
    } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5) || !strncmp(j->p, "null", 4)) {
        n->type = c == 'n' ? J_NULL : J_BOOL;
        n->num = c == 't';
        j->p += c == 'f' ? 5 : 4;
    } else {
        char *e;
        n->type = J_NUM;
        n->num = strtod(j->p, &e);
        if (e == j->p) { j->bad = 1; rc = -1; }
        j->p = e;
    }
    j->depth--;
    return rc;
}

/* Member by dotted path ("records.read"), or NULL. */
static const jnode *jget(const jnode *n, const char *path)
{
    while (n && *path) {
        const char *dot = strchr(path, '.');
        size_t l = dot ? (size_t)(dot - path) : strlen(path);
        const jnode *f = NULL;
        if (n->type == J_OBJ)
            for (size_t i = 0; i < n->nkid; i++)
                if (n->kid[i].key && strlen(n->kid[i].key) == l && !strncmp(n->kid[i].key, path, l)) { f = &n->kid[i]; break; }
        n = f;
        path += l + (dot != NULL);
    }
    return n;
}

/* ---- CSV tables ----------------------------------------------------------------- */

typedef struct {
    char **cell;             /* row-major, ncol per row (missing cells = "") */
    size_t ncol, nrow;       /* nrow excludes the header */
    char **head;
    int present, malformed;
} table;

typedef struct { MC_VEC(char *) cur; MC_VEC(char *) all; size_t ncol; int first; char **head; } tctx;

static void t_field(void *s, size_t len, void *u)
{
    tctx *c = u;
    char *p = malloc(len + 1);
    if (!p) return;
    if (len) memcpy(p, s, len);
    p[len] = 0;
    if (mc_vec_push(&c->cur, p)) free(p);
}

static void t_row(int t, void *u)
{
    (void)t;
    tctx *c = u;
    if (c->first) {
        c->ncol = c->cur.n;
        c->head = c->cur.items;
        memset(&c->cur, 0, sizeof c->cur);
        c->first = 0;
        return;
    }
    for (size_t i = 0; i < c->ncol; i++) {
        char *v = i < c->cur.n ? c->cur.items[i] : mc_strdup("");
        if (mc_vec_push(&c->all, v)) free(v);
    }
    for (size_t i = c->ncol; i < c->cur.n; i++) free(c->cur.items[i]);
    c->cur.n = 0;
}

static void table_load(const char *dir, const char *name, table *t)
{
    memset(t, 0, sizeof *t);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data;
    size_t len;
    if (mc_read_file(path, &data, &len, NULL) != MC_OK) return;
    t->present = 1;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    tctx c = {.first = 1};
    size_t off = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    if (csv_parse(&p, data + off, len - off, t_field, t_row, &c) != len - off || csv_fini(&p, t_field, t_row, &c)) t->malformed = 1;
    csv_free(&p);
    free(data);
    for (size_t i = 0; i < c.cur.n; i++) free(c.cur.items[i]);
    mc_vec_free(&c.cur);
    t->head = c.head;
    t->ncol = c.ncol;
    t->cell = c.all.items;
    t->nrow = c.ncol ? c.all.n / c.ncol : 0;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrow * t->ncol; i++) free(t->cell[i]);
    for (size_t i = 0; i < t->ncol; i++) free(t->head[i]);
    free(t->cell);
    free(t->head);
}

static int tcol(const table *t, const char *name)
{
    for (size_t i = 0; i < t->ncol; i++)
        if (!strcasecmp(t->head[i], name)) return (int)i;
    return -1;
}
static const char *tget(const table *t, size_t r, int c) { return c >= 0 ? t->cell[r * t->ncol + (size_t)c] : ""; }

static int num(const char *s, double *v)
{
    char *e;
    if (!s || !*s) return 0;
    *v = strtod(s, &e);
    return *e == 0 && isfinite(*v);
}

static int is_suppressed(const char *s)
{
    return s && (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "primary") ||
                 !strcasecmp(s, "complementary") || !strcasecmp(s, "suppressed"));
}

/* ---- HTML / SVG ----------------------------------------------------------------- */

static void esc(mc_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': mc_buf_append(b, "&lt;", 4); break;
        case '>': mc_buf_append(b, "&gt;", 4); break;
        case '&': mc_buf_append(b, "&amp;", 5); break;
        case '"': mc_buf_append(b, "&quot;", 6); break;
        default: mc_buf_putc(b, *s);
        }
    }
}

static void fmt_num(char *o, size_t cap, double v)
{
    if (fabs(v) >= 1e6) snprintf(o, cap, "%.3g", v);
    else if (v == floor(v) && fabs(v) < 1e15) snprintf(o, cap, "%.0f", v);
    else if (fabs(v) >= 100) snprintf(o, cap, "%.1f", v);
    else snprintf(o, cap, "%.2f", v);
}

/* Axis maximum rounded up to 1, 2, 2.5 or 5 times a power of ten (quarter ticks). */
static double nice_max(double m)
{
    if (m <= 0) return 1;
    double e = pow(10, floor(log10(m))), f = m / e;
    return e * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 4 ? 4 : f <= 5 ? 5 : f <= 8 ? 8 : 10);
}

static const char *const PALETTE[] = {"#3366aa", "#dd7733", "#44aa66", "#aa3377", "#777777", "#ccaa22"};

typedef struct {
    const char *label, *title;  /* title: hover text (may be NULL) */
    double v, lo, hi;           /* lo/hi < 0: no interval */
    int suppressed;
} bar;

/* A horizontal bar chart with optional 95% whiskers; suppressed bars drawn hatched. */
static void svg_hbars(mc_buf *b, const bar *bars, size_t n, const char *unit)
{
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        if (bars[i].suppressed) continue;
        if (bars[i].v > max) max = bars[i].v;
        if (bars[i].hi > max) max = bars[i].hi;
    }
    max = nice_max(max);
    int W = 1000, L = 260, R = 120, row = 22, H = (int)n * row + 54;
    double scale = (W - L - R) / max;
    mc_buf_printf(b, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' role='img'>\n", W, H, W, H);
    for (int k = 0; k <= 4; k++) { /* grid */
        double x = L + (W - L - R) * k / 4.0;
        char t[32];
        fmt_num(t, sizeof t, max * k / 4.0);
        mc_buf_printf(b, "<line x1='%.1f' y1='10' x2='%.1f' y2='%d' stroke='#ddd'/><text x='%.1f' y='%d' font-size='11' text-anchor='middle' fill='#555'>%s</text>\n",
                      x, x, H - 38, x, H - 22, t);
    }
    mc_buf_printf(b, "<text x='%d' y='%d' font-size='11' text-anchor='middle' fill='#555'>", L + (W - L - R) / 2, H - 4);
    esc(b, unit);
    mc_buf_printf(b, "</text>\n");
    for (size_t i = 0; i < n; i++) {
        const bar *r = &bars[i];
        int y = 12 + (int)i * row;
        mc_buf_printf(b, "<g><title>");
        esc(b, r->label);
        if (r->title && r->title[0]) { mc_buf_printf(b, " — "); esc(b, r->title); }
        mc_buf_printf(b, "</title><text x='%d' y='%d' font-size='12' text-anchor='end'>", L - 8, y + 14);
        char lab[64];
        size_t ll = strlen(r->label);
        snprintf(lab, sizeof lab, "%.34s", r->label);
        if (ll > 34) { /* cut on a UTF-8 boundary and mark the cut */
            size_t cut = 34, k = cut;
            while (k > 0 && ((unsigned char)lab[k - 1] & 0xC0) == 0x80) k--;
            if (k > 0 && ((unsigned char)lab[k - 1] & 0x80)) {
                unsigned char lead = (unsigned char)lab[k - 1];
                size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                if (cut - (k - 1) < need) cut = k - 1;
            }
            snprintf(lab + cut, sizeof lab - cut, "…");
        }
        esc(b, lab);
        mc_buf_printf(b, "</text>");
        if (r->suppressed) {
            mc_buf_printf(b, "<rect x='%d' y='%d' width='%d' height='%d' fill='url(#hatch)' stroke='#999'/>"
                             "<text x='%d' y='%d' font-size='11' fill='#666' font-style='italic'>suppressed (small cell)</text></g>\n",
                          L, y + 3, 40, row - 6, L + 48, y + 14);
            continue;
        }
        double w = r->v * scale;
        mc_buf_printf(b, "<rect x='%d' y='%d' width='%.1f' height='%d' fill='%s'/>", L, y + 3, w < 0 ? 0 : w, row - 6, PALETTE[0]);
        double tx = L + w + 6;
        if (r->lo >= 0 && r->hi >= r->lo) {
            double x1 = L + r->lo * scale, x2 = L + r->hi * scale, ym = y + row / 2.0;
            mc_buf_printf(b, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222' stroke-width='1.5'/>"
                             "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/><line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/>",
                          x1, ym, x2, ym, x1, ym - 5, x1, ym + 5, x2, ym - 5, x2, ym + 5);
            if (x2 + 6 > tx) tx = x2 + 6;
        }
        char t[32];
        fmt_num(t, sizeof t, r->v);
        mc_buf_printf(b, "<text x='%.1f' y='%d' font-size='11' fill='#333'>%s</text></g>\n", tx, y + 14, t);
    }
    mc_buf_printf(b, "</svg>\n");
}

/* Grouped vertical bars: groups (x) by series (colour); v[g * ns + s], NAN = no data,
 * sup[] = suppressed. */
static void svg_grouped(mc_buf *b, char **groups, size_t ng, char **series, size_t ns, const double *v, const double *lo,
                        const double *hi, const int *sup, const char *unit)
{
    double max = 0;
    for (size_t i = 0; i < ng * ns; i++) {
        if (sup[i] || isnan(v[i])) continue;
        if (v[i] > max) max = v[i];
        if (!isnan(hi[i]) && hi[i] > max) max = hi[i];
    }
    max = nice_max(max);
    int W = 1000, T = 16, B = 70, L = 60, H = 320, ph = H - T - B;
    double gw = (double)(W - L - 20) / (double)(ng ? ng : 1), bw = gw * 0.8 / (double)(ns ? ns : 1);
    mc_buf_printf(b, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' role='img'>\n", W, H, W, H);
    for (int k = 0; k <= 4; k++) {
        double y = T + ph - ph * k / 4.0;
        char t[32];
        fmt_num(t, sizeof t, max * k / 4.0);
        mc_buf_printf(b, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/><text x='%d' y='%.1f' font-size='11' text-anchor='end' fill='#555'>%s</text>\n",
                      L, y, W - 10, y, L - 6, y + 4, t);
    }
    mc_buf_printf(b, "<text x='12' y='%d' font-size='11' fill='#555' transform='rotate(-90 12 %d)' text-anchor='middle'>", T + ph / 2, T + ph / 2);
    esc(b, unit);
    mc_buf_printf(b, "</text>\n");
    for (size_t g = 0; g < ng; g++) {
        double gx = L + g * gw + gw * 0.1;
        for (size_t s = 0; s < ns; s++) {
            size_t i = g * ns + s;
            double x = gx + s * bw;
            if (sup[i]) {
                mc_buf_printf(b, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='url(#hatch)' stroke='#999'><title>suppressed (small cell)</title></rect>\n",
                              x, T + ph - 14, bw - 1, 14);
                continue;
            }
            if (isnan(v[i])) continue;
            double h = ph * v[i] / max;
            mc_buf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>", x, T + ph - h, bw - 1, h, PALETTE[s % 6]);
            esc(b, series[s]);
            mc_buf_printf(b, " / ");
            esc(b, groups[g]);
            char t[32];
            fmt_num(t, sizeof t, v[i]);
            mc_buf_printf(b, ": %s</title></rect>", t);
            if (!isnan(lo[i]) && !isnan(hi[i])) {
                double xm = x + (bw - 1) / 2, y1 = T + ph - ph * lo[i] / max, y2 = T + ph - ph * hi[i] / max;
                mc_buf_printf(b, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/>", xm, y1, xm, y2);
            }
            mc_buf_putc(b, '\n');
        }
        mc_buf_printf(b, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>", L + g * gw + gw / 2, T + ph + 16);
        esc(b, groups[g]);
        mc_buf_printf(b, "</text>\n");
    }
    for (size_t s = 0; s < ns; s++) { /* legend */
        double x = L + (double)s * 150;
        mc_buf_printf(b, "<rect x='%.1f' y='%d' width='12' height='12' fill='%s'/><text x='%.1f' y='%d' font-size='12'>", x, H - 26,
                      PALETTE[s % 6], x + 16, H - 16);
        esc(b, series[s]);
        mc_buf_printf(b, "</text>\n");
    }
    mc_buf_printf(b, "</svg>\n");
}

/* ---- sections ------------------------------------------------------------------- */

typedef struct {
    const table *t;
    int c_code, c_title, c_records, c_prev, c_lo, c_hi, c_sup, c_level, c_strat;
} codes_view;

static void view_init(codes_view *v, const table *t)
{
    v->t = t;
    v->c_code = tcol(t, "code");
    if (v->c_code < 0) v->c_code = tcol(t, "item");
    v->c_title = tcol(t, "title");
    v->c_records = tcol(t, "records");
    v->c_prev = tcol(t, "prevalence_per_1000");
    v->c_lo = tcol(t, "ci_low");
    v->c_hi = tcol(t, "ci_high");
    v->c_sup = tcol(t, "suppressed");
    v->c_level = tcol(t, "level");
    v->c_strat = tcol(t, "stratification");
}

/* Row belongs to (level, stratification)? Absent columns match "code" / "all". */
static int row_is(const codes_view *v, size_t r, const char *level, const char *strat)
{
    const char *l = tget(v->t, r, v->c_level), *s = tget(v->t, r, v->c_strat);
    if (v->c_level >= 0 && strcasecmp(l, level) != 0) return 0;
    if (v->c_level < 0 && strcmp(level, "code") != 0) return 0;
    if (v->c_strat >= 0) return strcasecmp(s, strat) == 0 || (!strcmp(strat, "all") && !s[0]);
    return !strcmp(strat, "all");
}

static void row_bar(const codes_view *v, size_t r, bar *o)
{
    memset(o, 0, sizeof *o);
    o->label = tget(v->t, r, v->c_code);
    o->title = tget(v->t, r, v->c_title);
    double x;
    o->lo = o->hi = -1;
    int has_v = v->c_prev >= 0 ? num(tget(v->t, r, v->c_prev), &x) : num(tget(v->t, r, v->c_records), &x);
    o->suppressed = is_suppressed(tget(v->t, r, v->c_sup)) || !has_v;
    o->v = has_v ? x : 0;
    double lo, hi;
    if (v->c_prev >= 0 && num(tget(v->t, r, v->c_lo), &lo) && num(tget(v->t, r, v->c_hi), &hi)) { o->lo = lo; o->hi = hi; }
}

static int cmp_bar_desc(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->suppressed != y->suppressed) return x->suppressed - y->suppressed;
    if (x->v != y->v) return x->v < y->v ? 1 : -1;
    return strcmp(x->label, y->label);
}

static void section_top(mc_buf *b, const codes_view *v, int top, bar **top_out, size_t *n_top)
{
    MC_VEC(bar) bars = {0};
    for (size_t r = 0; r < v->t->nrow; r++) {
        if (!row_is(v, r, "code", "all")) continue;
        bar x;
        row_bar(v, r, &x);
        mc_vec_push(&bars, x);
    }
    *top_out = NULL;
    *n_top = 0;
    mc_buf_printf(b, "<h2>Top codes</h2>\n");
    if (!bars.n) { mc_buf_printf(b, "<p class='note'>No code rows for all records in codes.csv.</p>\n"); return; }
    qsort(bars.items, bars.n, sizeof(bar), cmp_bar_desc);
    size_t n = 0, nsup = 0;
    for (size_t i = 0; i < bars.n; i++) nsup += bars.items[i].suppressed;
    n = bars.n - nsup < (size_t)top ? bars.n - nsup : (size_t)top;
    size_t show_sup = nsup < 5 ? nsup : 5;
    const char *unit = v->c_prev >= 0 ? "records per 1,000 (95% interval)" : "records";
    mc_buf_printf(b, "<p>The %zu most frequent codes by %s%s. %zu code%s suppressed by disclosure control%s.</p>\n", n, unit,
                  v->c_prev >= 0 ? "; whiskers show the 95% interval" : "", nsup, nsup == 1 ? " is" : "s are",
                  show_sup ? " (the first are shown hatched)" : "");
    /* shown: the top n, then a few suppressed ones */
    bar *shown = calloc(n + show_sup + 1, sizeof *shown);
    if (shown) {
        memcpy(shown, bars.items, n * sizeof *shown);
        memcpy(shown + n, bars.items + (bars.n - nsup), show_sup * sizeof *shown);
        svg_hbars(b, shown, n + show_sup, unit);
        mc_buf_printf(b, "<table><tr><th>code</th><th>title</th><th>records</th><th>per 1,000</th><th>95%% interval</th></tr>\n");
        for (size_t i = 0; i < n + show_sup; i++) {
            mc_buf_printf(b, "<tr><td>");
            esc(b, shown[i].label);
            mc_buf_printf(b, "</td><td>");
            esc(b, shown[i].title);
            if (shown[i].suppressed) { mc_buf_printf(b, "</td><td colspan='3' class='sup'>suppressed</td></tr>\n"); continue; }
            /* the published cells as written (label points into the row's code cell) */
            size_t r = 0;
            while (r < v->t->nrow && tget(v->t, r, v->c_code) != shown[i].label) r++;
            const char *lo = r < v->t->nrow ? tget(v->t, r, v->c_lo) : "", *hi = r < v->t->nrow ? tget(v->t, r, v->c_hi) : "";
            mc_buf_printf(b, "</td><td class='n'>");
            esc(b, r < v->t->nrow ? tget(v->t, r, v->c_records) : "");
            mc_buf_printf(b, "</td><td class='n'>");
            esc(b, r < v->t->nrow ? tget(v->t, r, v->c_prev) : "");
            mc_buf_printf(b, "</td><td class='n'>");
            if (lo[0] && hi[0]) { esc(b, lo); mc_buf_printf(b, " – "); esc(b, hi); }
            mc_buf_printf(b, "</td></tr>\n");
        }
        mc_buf_printf(b, "</table>\n");
    }
    *top_out = shown;
    *n_top = n < 5 ? n : 5;
    mc_vec_free(&bars);
}

/* Prevalence of the top codes by the values of one stratification (age_band, sex). */
static void section_by(mc_buf *b, const codes_view *v, const char *strat, const char *heading, const bar *top, size_t ntop)
{
    mc_buf_printf(b, "<h2>");
    esc(b, heading);
    mc_buf_printf(b, "</h2>\n");
    int cv = tcol(v->t, strat);
    if (v->c_strat < 0 || cv < 0 || !ntop) {
        mc_buf_printf(b, "<p class='note'>Not available: the run was not stratified by <code>");
        esc(b, strat);
        mc_buf_printf(b, "</code> (or codes.csv has no stratum columns).</p>\n");
        return;
    }
    MC_VEC(char *) groups = {0};
    for (size_t r = 0; r < v->t->nrow; r++) {
        if (!row_is(v, r, "code", strat)) continue;
        const char *g = tget(v->t, r, cv);
        int seen = 0;
        for (size_t i = 0; i < groups.n; i++) seen |= !strcmp(groups.items[i], g);
        if (!seen && groups.n < 40) mc_vec_push(&groups, (char *)g);
    }
    if (!groups.n) {
        mc_buf_printf(b, "<p class='note'>No rows for this stratification.</p>\n");
        mc_vec_free(&groups);
        return;
    }
    size_t ng = groups.n, ns = ntop;
    double *val = malloc(ng * ns * sizeof *val), *lo = malloc(ng * ns * sizeof *lo), *hi = malloc(ng * ns * sizeof *hi);
    int *sup = calloc(ng * ns, sizeof *sup);
    char **series = calloc(ns, sizeof *series);
    if (val && lo && hi && sup && series) {
        for (size_t i = 0; i < ng * ns; i++) val[i] = lo[i] = hi[i] = NAN;
        for (size_t s = 0; s < ns; s++) series[s] = (char *)top[s].label;
        for (size_t r = 0; r < v->t->nrow; r++) {
            if (!row_is(v, r, "code", strat)) continue;
            const char *code = tget(v->t, r, v->c_code), *g = tget(v->t, r, cv);
            for (size_t s = 0; s < ns; s++) {
                if (strcmp(code, top[s].label)) continue;
                for (size_t k = 0; k < ng; k++) {
                    if (strcmp(groups.items[k], g)) continue;
                    bar x;
                    row_bar(v, r, &x);
                    size_t i = k * ns + s;
                    sup[i] = x.suppressed;
                    val[i] = x.v;
                    if (x.lo >= 0) { lo[i] = x.lo; hi[i] = x.hi; }
                }
            }
        }
        svg_grouped(b, groups.items, ng, series, ns, val, lo, hi, sup, v->c_prev >= 0 ? "per 1,000" : "records");
    }
    free(val); free(lo); free(hi); free(sup); free(series);
    mc_vec_free(&groups);
}

static void section_chapters(mc_buf *b, const codes_view *v)
{
    mc_buf_printf(b, "<h2>Chapter distribution</h2>\n");
    MC_VEC(bar) bars = {0};
    for (size_t r = 0; r < v->t->nrow; r++) {
        if (!row_is(v, r, "chapter", "all")) continue;
        bar x;
        row_bar(v, r, &x);
        mc_vec_push(&bars, x);
    }
    char (*lab)[72] = bars.n ? calloc(bars.n, sizeof *lab) : NULL;
    for (size_t i = 0; lab && i < bars.n; i++) { /* "4 Endocrine, nutritional and ..." */
        snprintf(lab[i], sizeof lab[i], "%s%s%.60s", bars.items[i].label, bars.items[i].title[0] ? " " : "", bars.items[i].title);
        bars.items[i].label = lab[i];
    }
    if (!bars.n) mc_buf_printf(b, "<p class='note'>Not available: codes.csv has no chapter-level rows.</p>\n");
    else {
        mc_buf_printf(b, "<p>Records with at least one code in each ICD-10-CM chapter (%s).</p>\n",
                      v->c_prev >= 0 ? "per 1,000 records" : "records");
        svg_hbars(b, bars.items, bars.n, v->c_prev >= 0 ? "records per 1,000" : "records");
    }
    free(lab);
    mc_vec_free(&bars);
}

static void section_charlson(mc_buf *b, const table *t)
{
    mc_buf_printf(b, "<h2>Charlson comorbidity index</h2>\n");
    if (!t->present) { mc_buf_printf(b, "<p class='note'>Not available: no charlson_distribution.csv.</p>\n"); return; }
    static const char *const xs[] = {"charlson", "charlson_index", "bucket", "score", "index", "value"};
    static const char *const ys[] = {"records", "n", "count"};
    int cx = -1, cy = -1, cs = tcol(t, "stratification"), csup = tcol(t, "suppressed"), cp = tcol(t, "percent");
    if (cp < 0) cp = tcol(t, "share");
    for (size_t i = 0; i < MC_ARRAY_LEN(xs) && cx < 0; i++) cx = tcol(t, xs[i]);
    for (size_t i = 0; i < MC_ARRAY_LEN(ys) && cy < 0; i++) cy = tcol(t, ys[i]);
    if (cx < 0 || cy < 0) { mc_buf_printf(b, "<p class='note'>charlson_distribution.csv has no recognised columns.</p>\n"); return; }
    MC_VEC(bar) bars = {0};
    for (size_t r = 0; r < t->nrow; r++) {
        const char *s = tget(t, r, cs);
        if (cs >= 0 && s[0] && strcasecmp(s, "all")) continue;
        bar x;
        memset(&x, 0, sizeof x);
        x.label = tget(t, r, cx);
        x.lo = x.hi = -1;
        double y = 0;
        int has = num(tget(t, r, cy), &y);
        x.suppressed = is_suppressed(tget(t, r, csup)) || !has;
        x.v = has ? y : 0;
        mc_vec_push(&bars, x);
    }
    mc_buf_printf(b, "<p>Records by Charlson index (Quan 2005 ICD-10 coding, Charlson 1987 weights, hierarchy applied).</p>\n");
    if (bars.n) svg_hbars(b, bars.items, bars.n, "records");
    else mc_buf_printf(b, "<p class='note'>No rows for all records.</p>\n");
    mc_vec_free(&bars);
}

static void kv(mc_buf *b, const char *k, const jnode *n)
{
    if (!n) return;
    mc_buf_printf(b, "<tr><th>");
    esc(b, k);
    mc_buf_printf(b, "</th><td>");
    if (n->type == J_STR) esc(b, n->str);
    else if (n->type == J_NUM) { char t[48]; fmt_num(t, sizeof t, n->num); esc(b, t); }
    else if (n->type == J_BOOL) mc_buf_printf(b, "%s", n->num ? "yes" : "no");
    mc_buf_printf(b, "</td></tr>\n");
}

static void section_summary(mc_buf *b, const jnode *m, int manifest_state)
{
    mc_buf_printf(b, "<h2>Run summary</h2>\n");
    if (manifest_state == 0) { mc_buf_printf(b, "<p class='note'>No manifest.json in this directory.</p>\n"); return; }
    if (manifest_state < 0) { mc_buf_printf(b, "<p class='note'>manifest.json could not be parsed.</p>\n"); return; }
    mc_buf_printf(b, "<table class='kv'>\n");
    kv(b, "records read", jget(m, "records.read"));
    kv(b, "records coded", jget(m, "records.coded"));
    kv(b, "records rejected", jget(m, "records.rejected"));
    kv(b, "records with codes", jget(m, "records.with_codes"));
    kv(b, "mentions", jget(m, "mentions.total"));
    kv(b, "seconds", jget(m, "seconds"));
    kv(b, "MB/s", jget(m, "mb_per_s"));
    kv(b, "records/s", jget(m, "records_per_s"));
    kv(b, "threads", jget(m, "threads"));
    kv(b, "dictionary", jget(m, "dictionary.source"));
    kv(b, "release", jget(m, "dictionary.release"));
    kv(b, "dictionary build id", jget(m, "dictionary.build_id"));
    kv(b, "medcode", jget(m, "medcode_version"));
    kv(b, "setting", jget(m, "options.setting"));
    mc_buf_printf(b, "</table>\n");
    const jnode *in = jget(m, "inputs");
    if (in && in->type == J_ARR && in->nkid) {
        mc_buf_printf(b, "<table><tr><th>input</th><th>records</th><th>rejected</th><th>complete</th></tr>\n");
        for (size_t i = 0; i < in->nkid && i < 200; i++) {
            const jnode *p = jget(&in->kid[i], "path"), *r = jget(&in->kid[i], "records"), *x = jget(&in->kid[i], "rejected"),
                        *c = jget(&in->kid[i], "complete");
            char t1[48] = "", t2[48] = "";
            if (r && r->type == J_NUM) fmt_num(t1, sizeof t1, r->num);
            if (x && x->type == J_NUM) fmt_num(t2, sizeof t2, x->num);
            mc_buf_printf(b, "<tr><td>");
            esc(b, p && p->type == J_STR ? p->str : "");
            mc_buf_printf(b, "</td><td class='n'>%s</td><td class='n'>%s</td><td>%s</td></tr>\n", t1, t2,
                          c && c->type == J_BOOL ? (c->num ? "yes" : "no") : "");
        }
        if (in->nkid > 200) mc_buf_printf(b, "<tr><td colspan='4'>… %zu more</td></tr>\n", in->nkid - 200);
        mc_buf_printf(b, "</table>\n");
    }
}

static const char *const CSS =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;max-width:1040px;color:#222}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc;padding-bottom:4px}"
    "table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
    "td.n{text-align:right}td.sup{color:#777;font-style:italic}.note{color:#777;font-style:italic}"
    "table.kv th{background:#f4f4f4;width:180px}";

mc_status mc_report_write(const char *dir, const char *out_path, mc_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *js = NULL;
    size_t jl = 0;
    int mstate = 0;
    jnode root;
    memset(&root, 0, sizeof root);
    if (mc_read_file(path, &js, &jl, NULL) == MC_OK) {
        jparser jp = {js, js + jl, 0, 0};
        mstate = (jvalue(&jp, &root) == 0 && !jp.bad && root.type == J_OBJ) ? 1 : -1;
    }
    table codes, ch;
    table_load(dir, "codes.csv", &codes);
    table_load(dir, "charlson_distribution.csv", &ch);
    mc_status st = MC_OK;
    if (!mstate && !codes.present) {
        st = mc_error_set(err, MC_E_NOTFOUND, dir, 0, 0, 0, "no manifest.json or codes.csv: not a medcode run directory");
        goto out;
    }
    mc_buf b = {0};
    mc_buf_printf(&b, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>medcode report</title>\n<style>%s</style></head><body>\n", CSS);
    /* the hatch pattern of suppressed cells, defined once for every chart */
    mc_buf_printf(&b, "<svg width='0' height='0' style='position:absolute'><defs><pattern id='hatch' width='6' height='6' "
                      "patternUnits='userSpaceOnUse' patternTransform='rotate(45)'><rect width='6' height='6' fill='#eee'/>"
                      "<line x1='0' y1='0' x2='0' y2='6' stroke='#bbb' stroke-width='3'/></pattern></defs></svg>\n");
    mc_buf_printf(&b, "<h1>medcode report</h1>\n<p class='note'>Generated from ");
    esc(&b, dir);
    mc_buf_printf(&b, ". Counts are records (notes); small cells are suppressed as in the published tables.</p>\n");
    section_summary(&b, &root, mstate);
    if (codes.present) {
        if (codes.malformed) mc_buf_printf(&b, "<p class='note'>codes.csv is malformed; the charts show the rows read before the problem.</p>\n");
        codes_view v;
        view_init(&v, &codes);
        bar *top = NULL;
        size_t ntop = 0;
        section_top(&b, &v, 25, &top, &ntop);
        section_by(&b, &v, "age_band", "Prevalence by age band (top codes)", top, ntop);
        section_by(&b, &v, "sex", "Prevalence by sex (top codes)", top, ntop);
        section_chapters(&b, &v);
        free(top);
    } else
        mc_buf_printf(&b, "<h2>Codes</h2><p class='note'>No codes.csv in this directory.</p>\n");
    section_charlson(&b, &ch);
    mc_buf_printf(&b, "<p class='note'>medcode %s. Intervals: Wilson 95%%.</p>\n</body></html>\n", MEDCODE_VERSION);
    if (!b.data) { st = mc_error_set(err, MC_E_NOMEM, out_path, 0, 0, 0, "out of memory"); goto out; }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out_path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) { st = mc_error_set(err, MC_E_IO, out_path, 0, 0, 0, "cannot create %s: %s", tmp, strerror(errno)); mc_buf_free(&b); goto out; }
    int bad = fwrite(b.data, 1, b.len, f) != b.len;
    bad |= fclose(f) != 0;
    mc_buf_free(&b);
    if (bad || rename(tmp, out_path) != 0) {
        remove(tmp);
        st = mc_error_set(err, MC_E_IO, out_path, 0, 0, 0, "write failed: %s", strerror(errno));
    }
out:
    jfree(&root);
    free(js);
    table_free(&codes);
    table_free(&ch);
    return st;
}
