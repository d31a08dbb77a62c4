/* mc_tables.c — table writers. Numbers come from engine/stats (counts, Wilson and
 * Fay-Feuer intervals, disclosure decisions); this file only selects and formats rows.
 * Fixed precision everywhere (%.3f, %.4f) so reruns are byte-identical. */
#include "output/mc_tables.h"
#include "context/mc_context.h"
#include "mc_groups.h"
#include "output/mc_output.h"
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* An item's ",level,code,title" columns in ctx_t.txt. */
typedef struct {
    uint32_t off;
    uint16_t len;
    int8_t bill;       /* item_head's billable flag */
    uint8_t made;
} head_t;

typedef struct {
    const mc_dict *d;
    const mc_stats_plan *p;
    const mc_agg *a;
    mc_disclosure x;
    size_t st;
    mc_afile *out;     /* the table being written (spill) */
    /* With strata, every stratum's columns and every item's columns repeat on many rows:
       their escaped text is made once (text_cache). pre_off NULL: made on each row. */
    mc_buf txt;
    uint32_t *pre_off;              /* [n_strata + 1] into txt */
    head_t *head[MC_LV__COUNT];     /* [n_items of the level] */
} ctx_t;

static const char *status_name(uint8_t s) { return s == MC_SUP_PRIMARY ? "primary" : s == MC_SUP_COMPLEMENTARY ? "complementary" : ""; }

/* MC_OK when the table buffer holds every byte written to it (mc_buf.oom). */
static mc_status buf_status(const mc_buf *b) { return b->data && !b->oom ? MC_OK : MC_E_NOMEM; }

static void header_prefix(const ctx_t *c, mc_buf *b)
{
    mc_buf_printf(b, "stratification");
    for (int v = 0; v < c->p->n_vars; v++) {
        mc_buf_putc(b, ',');
        mc_csv_str(b, c->p->vars[v].name);
    }
}

static void row_prefix(const ctx_t *c, mc_buf *b, uint32_t s)
{
    if (c->pre_off) {
        mc_buf_append(b, c->txt.data + c->pre_off[s], c->pre_off[s + 1] - c->pre_off[s]);
        return;
    }
    const uint32_t *t = &c->a->tuples[(size_t)s * c->st];
    mc_csv_str(b, c->p->strat[t[0]].name);
    for (int v = 0; v < c->p->n_vars; v++) {
        mc_buf_putc(b, ',');
        mc_csv_str(b, mc_agg_label(c->p, c->a, v, t[1 + v]));
    }
}

/* code and title of an item at a level */
static void item_text(const ctx_t *c, uint32_t lv, uint32_t item, char *code, size_t cap, const char **title, int *billable)
{
    *title = "";
    *billable = -1;
    code[0] = 0;
    switch (lv) {
    case MC_LV_CODE: {
        mc_code_info ci;
        mc_dict_code(c->d, item, &ci);
        snprintf(code, cap, "%s", ci.code);
        *title = ci.title;
        *billable = ci.billable;
        break;
    }
    case MC_LV_CATEGORY:
        snprintf(code, cap, "%s", c->p->cat_name[item]);
        if (c->p->cat_code[item] != UINT32_MAX) {
            mc_code_info ci;
            mc_dict_code(c->d, c->p->cat_code[item], &ci);
            *title = ci.title;
        }
        break;
    case MC_LV_BLOCK:
    case MC_LV_CHAPTER: {
        mc_range_info ri;
        if (lv == MC_LV_BLOCK) mc_dict_block(c->d, item, &ri);
        else mc_dict_chapter(c->d, item, &ri);
        if (strcmp(ri.first, ri.last)) snprintf(code, cap, "%s-%s", ri.first, ri.last);
        else snprintf(code, cap, "%s", ri.first);
        *title = ri.title;
        break;
    }
    case MC_LV_CCSR:
    case MC_LV_CCSR_DEFAULT: {
        const char *n, *t;
        mc_dict_ccsr_info(c->d, item, &n, &t, NULL, NULL);
        snprintf(code, cap, "%s", n);
        *title = t;
        break;
    }
    case MC_LV_BODY:
        snprintf(code, cap, "%s", c->p->body_name[item]);
        *title = c->p->body_title[item];
        break;
    case MC_LV_CHARLSON:
        snprintf(code, cap, "%s", mc_charlson_name((int)item));
        *title = mc_charlson_title((int)item);
        break;
    case MC_LV_ELIX:
        snprintf(code, cap, "%s", mc_elix_quan_name((int)item));
        *title = mc_elix_quan_title((int)item);
        break;
    case MC_LV_AHRQ:
        snprintf(code, cap, "%s", mc_ahrq_name(c->d, (int)item));
        *title = mc_ahrq_title(c->d, (int)item);
        break;
    case MC_LV_CHARLSON_BUCKET: {
        static const char *const B[] = {"0", "1", "2", "3-4", "5+"};
        snprintf(code, cap, "%s", B[item % 5]);
        break;
    }
    }
}

/* ",level,code,title" of an item; returns its billable flag (-1 when not a code). */
static int item_cols(const ctx_t *c, mc_buf *b, uint32_t lv, uint32_t item)
{
    char code[64];
    const char *title;
    int bill;
    item_text(c, lv, item, code, sizeof code, &title, &bill);
    mc_buf_putc(b, ',');
    mc_buf_puts(b, mc_level_name((int)lv));
    mc_buf_putc(b, ',');
    mc_csv_str(b, code);
    mc_buf_putc(b, ',');
    mc_csv_str(b, title);
    return bill;
}

/* The cells every per-item row starts with: stratum columns, level, code, title.
 * Returns the item's billable flag (-1 when not a code). */
static int item_head(const ctx_t *c, mc_buf *b, const mc_entry *e)
{
    row_prefix(c, b, e->stratum);
    const head_t *h = c->head[e->level] ? &c->head[e->level][e->item] : NULL;
    if (!h || !h->made) return item_cols(c, b, e->level, e->item);
    mc_buf_append(b, c->txt.data + h->off, h->len);
    return h->bill;
}

/* Make the cache of ctx_t.txt for a run with strata: the prefix of every stratum, the
 * item columns of every item on a row. Without it (no strata, or no memory) rows are
 * formatted in full: the same bytes. */
static void text_cache(ctx_t *c)
{
    size_t ns = c->a->n_strata;
    if (ns < 2) return;
    uint32_t *pre = malloc((ns + 1) * sizeof *pre);
    int ok = pre != NULL;
    for (size_t s = 0; s < ns && ok; s++) {
        pre[s] = (uint32_t)c->txt.len;
        row_prefix(c, &c->txt, (uint32_t)s);
        ok = !c->txt.oom && c->txt.len < UINT32_MAX / 2;
    }
    if (ok) pre[ns] = (uint32_t)c->txt.len;
    for (int lv = 0; lv < MC_LV__COUNT && ok; lv++)
        ok = (c->head[lv] = calloc((size_t)c->p->n_items[lv] + 1, sizeof *c->head[lv])) != NULL;
    for (size_t i = 0; i < c->x.n_rows && ok; i++) {
        const mc_entry *e = c->x.rows[i];
        head_t *h = &c->head[e->level][e->item];
        if (h->made) continue;
        size_t at = c->txt.len;
        int bill = item_cols(c, &c->txt, e->level, e->item);
        ok = !c->txt.oom && c->txt.len < UINT32_MAX / 2 && c->txt.len - at <= UINT16_MAX;
        *h = (head_t){(uint32_t)at, (uint16_t)(c->txt.len - at), (int8_t)bill, 1};
    }
    if (ok) { c->pre_off = pre; return; }
    free(pre);
    for (int lv = 0; lv < MC_LV__COUNT; lv++) { free(c->head[lv]); c->head[lv] = NULL; }
    mc_buf_free(&c->txt);
}

/* ",%.3f,%.3f,%.3f" (mc_buf_put_f3: the same bytes) */
static void put3(mc_buf *b, double x, double y, double z)
{
    mc_buf_putc(b, ',');
    mc_buf_put_f3(b, x);
    mc_buf_putc(b, ',');
    mc_buf_put_f3(b, y);
    mc_buf_putc(b, ',');
    mc_buf_put_f3(b, z);
}

/* records,denominator,prevalence_per_1000,ci_low,ci_high for a records cell */
static void prevalence(const ctx_t *c, mc_buf *b, uint32_t s, uint64_t x, uint8_t st)
{
    uint64_t n = c->a->sc[s].records;
    int dpub = c->x.denom[s] == MC_PUB;
    mc_buf_putc(b, ',');
    if (st == MC_PUB) mc_buf_put_u64(b, x);
    mc_buf_putc(b, ',');
    if (dpub) mc_buf_put_u64(b, n);
    if (st != MC_PUB || !dpub || !n) { mc_buf_puts(b, ",,,"); return; }
    double lo, hi;
    mc_wilson(x, n, &lo, &hi);
    put3(b, 1000.0 * (double)x / (double)n, 1000.0 * lo, 1000.0 * hi);
}

static const char *row_status(const ctx_t *c, uint32_t s, uint8_t st)
{
    if (st != MC_PUB) return status_name(st);
    return c->x.denom[s] != MC_PUB ? "denominator" : "";
}

/* Hand the table's text so far to its file once it passes a megabyte, at a row
 * boundary: a table's memory does not grow with its rows (a stratified codes.csv runs to
 * hundreds of MB). A write error is kept in the file and reported by its commit. */
static void spill(const ctx_t *c, mc_buf *b)
{
    if (b->len < (1u << 20) || b->oom) return;
    mc_afile_write(c->out, b->data, b->len);
    b->len = 0;
}

/* Rows 0..n of a table by row(c, b, i), formatted in parallel (OpenMP's team, sized to
 * the run's --threads) in consecutive blocks, one buffer a thread, and written to the
 * table's file in row order: the bytes are those of the serial loop. b holds what
 * precedes (the header); it is written first. */
typedef void (*row_fn)(const ctx_t *c, mc_buf *b, size_t i);
static mc_status rows_parallel(const ctx_t *c, mc_buf *b, size_t n, row_fn row)
{
    enum { BLOCK = 4096 };
    int nt = omp_get_max_threads();
    if (nt < 1) nt = 1;
    mc_buf *tb = calloc((size_t)nt, sizeof *tb);
    if (!tb) return MC_E_NOMEM;
    int oom = b->oom;
    for (size_t base = 0; base < n && !oom; base += (size_t)nt * BLOCK) {
#pragma omp parallel num_threads(nt)
        {
            mc_buf *t = &tb[omp_get_thread_num()];
            size_t lo = base + (size_t)omp_get_thread_num() * BLOCK, hi = MC_MIN(lo + BLOCK, n);
            t->len = 0;
            for (size_t i = lo; i < hi; i++) row(c, t, i);
        }
        if (b->len) { /* what precedes, then the blocks straight from their buffers */
            mc_afile_write(c->out, b->data, b->len);
            b->len = 0;
        }
        for (int t = 0; t < nt && !oom; t++) {
            oom = tb[t].oom;
            mc_afile_write(c->out, tb[t].data, tb[t].len);
        }
    }
    for (int t = 0; t < nt; t++) mc_buf_free(&tb[t]);
    free(tb);
    return oom ? MC_E_NOMEM : buf_status(b);
}

static void codes_row(const ctx_t *c, mc_buf *b, size_t i)
{
    const mc_entry *e = c->x.rows[i];
    if (e->level > MC_LV_CHAPTER || !c->x.published[e->stratum]) return;
    uint8_t st = c->x.row_status[i];
    int bill = item_head(c, b, e);
    mc_buf_putc(b, ',');
    if (bill >= 0) mc_buf_put_u64(b, (uint64_t)bill);
    prevalence(c, b, e->stratum, e->c.records, st);
    if (st != MC_PUB) mc_buf_puts(b, ",,,,,,,");
    else {
        mc_buf_putc(b, ',');
        mc_buf_put_u64(b, e->c.mentions);
        for (int k = 0; k < MC_ASSERT__COUNT; k++) {
            mc_buf_putc(b, ',');
            mc_buf_put_u64(b, e->c.assert_[k]);
        }
    }
    mc_buf_putc(b, ',');
    mc_buf_puts(b, row_status(c, e->stratum, st));
    mc_buf_putc(b, '\n');
}

static mc_status write_codes(const ctx_t *c, mc_buf *b)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",level,code,title,billable,records,denominator,prevalence_per_1000,ci_low,ci_high,mentions");
    for (int k = 0; k < MC_ASSERT__COUNT; k++) mc_buf_printf(b, ",mentions_%s", mc_assert_name(k));
    mc_buf_printf(b, ",suppressed\n");
    return rows_parallel(c, b, c->x.n_rows, codes_row);
}

static void mean(mc_buf *b, int64_t sum, uint64_t n, int ok)
{
    if (ok && n) mc_buf_printf(b, ",%.3f", (double)sum / (double)n);
    else mc_buf_printf(b, ",");
}

static mc_status write_strata(const ctx_t *c, mc_buf *b)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",records,records_with_codes,mentions,mentions_counted,charlson_mean,elixhauser_vw_mean,"
                     "ahrq_mortality_mean,ahrq_readmission_mean,suppressed,suppressed_with_codes\n");
    for (uint32_t s = 0; s < c->a->n_strata; s++) {
        spill(c, b);
        if (!c->x.published[s]) continue;
        const mc_stratum_sc *sc = &c->a->sc[s];
        int ok = c->x.denom[s] == MC_PUB;
        row_prefix(c, b, s);
        if (ok) mc_buf_printf(b, ",%llu", (unsigned long long)sc->records);
        else mc_buf_printf(b, ",");
        if (c->x.with_code[s] == MC_PUB) mc_buf_printf(b, ",%llu", (unsigned long long)sc->with_code);
        else mc_buf_printf(b, ",");
        if (ok) mc_buf_printf(b, ",%llu,%llu", (unsigned long long)sc->mentions, (unsigned long long)sc->counted);
        else mc_buf_printf(b, ",,");
        mean(b, sc->charlson_sum, sc->records, ok);
        mean(b, sc->elix_vw_sum, sc->records, ok);
        mean(b, sc->ahrq_mort_sum, sc->records, ok && c->p->n_ahrq);
        mean(b, sc->ahrq_readm_sum, sc->records, ok && c->p->n_ahrq);
        mc_buf_printf(b, ",%s,%s\n", status_name(c->x.denom[s]), status_name(c->x.with_code[s]));
    }
    return buf_status(b);
}

/* ccsr.csv and comorbidity.csv: records-only rows of levels [lv0, lv1] */
static mc_status write_records_table(const ctx_t *c, mc_buf *b, uint32_t lv0, uint32_t lv1, const char *levelcol, const char *codecol)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",%s,%s,title,records,denominator,prevalence_per_1000,ci_low,ci_high,suppressed\n", levelcol, codecol);
    for (size_t i = 0; i < c->x.n_rows; i++) {
        spill(c, b);
        const mc_entry *e = c->x.rows[i];
        if (e->level < lv0 || e->level > lv1 || !c->x.published[e->stratum]) continue;
        if (e->c.records == 0 && c->x.row_status[i] == MC_PUB) continue;
        item_head(c, b, e);
        prevalence(c, b, e->stratum, e->c.records, c->x.row_status[i]);
        mc_buf_putc(b, ',');
        mc_buf_puts(b, row_status(c, e->stratum, c->x.row_status[i]));
        mc_buf_putc(b, '\n');
    }
    return buf_status(b);
}

static int cmp_row(const void *k, const void *r)
{
    const mc_entry *a = k, *b = *(const mc_entry *const *)r;
    if (a->stratum != b->stratum) return a->stratum < b->stratum ? -1 : 1;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

static const mc_entry *row_find(const ctx_t *c, uint32_t s, uint32_t lv, uint32_t item, uint8_t *st)
{
    mc_entry k;
    memset(&k, 0, sizeof k);
    k.stratum = s; k.level = lv; k.item = item;
    const mc_entry *const *r = bsearch(&k, c->x.rows, c->x.n_rows, sizeof *c->x.rows, cmp_row);
    *st = r ? c->x.row_status[r - c->x.rows] : MC_PUB;
    return r ? *r : NULL;
}

static mc_status write_charlson(const ctx_t *c, mc_buf *b)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",charlson_index,records,denominator,percent,suppressed\n");
    char code[16];
    for (uint32_t s = 0; s < c->a->n_strata; s++) {
        spill(c, b);
        if (!c->x.published[s]) continue;
        for (uint32_t k = 0; k < MC_CHARLSON_BUCKETS; k++) {
            uint8_t st;
            const mc_entry *r = row_find(c, s, MC_LV_CHARLSON_BUCKET, k, &st);
            uint64_t x = r ? r->c.records : 0, n = c->a->sc[s].records;
            const char *title;
            int bill;
            item_text(c, MC_LV_CHARLSON_BUCKET, k, code, sizeof code, &title, &bill);
            row_prefix(c, b, s);
            mc_buf_printf(b, ",%s", code);
            if (st == MC_PUB) mc_buf_printf(b, ",%llu", (unsigned long long)x);
            else mc_buf_printf(b, ",");
            int dpub = c->x.denom[s] == MC_PUB;
            if (dpub) mc_buf_printf(b, ",%llu", (unsigned long long)n);
            else mc_buf_printf(b, ",");
            if (st == MC_PUB && dpub && n) mc_buf_printf(b, ",%.3f", 100.0 * (double)x / (double)n);
            else mc_buf_printf(b, ",");
            mc_buf_printf(b, ",%s\n", row_status(c, s, st));
        }
    }
    return buf_status(b);
}

static mc_status write_cooc(const ctx_t *c, mc_buf *b)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",level,rank,code_a,title_a,code_b,title_b,records_both,records_a,records_b,denominator,lift,jaccard,suppressed\n");
    size_t ns = c->a->n_strata;
    char ca[64], cb[64];
    uint32_t lv = (uint32_t)c->p->cooc_level;
    for (uint32_t s = 0; s < ns; s++) {
        spill(c, b);
        if (!c->x.published[s]) continue;
        for (size_t i = 0; i < c->x.n_cooc; i++) {
            uint32_t ia = c->x.cooc[2 * i], ib = c->x.cooc[2 * i + 1];
            uint64_t nab = mc_disc_pair(c->a, &c->x, s, ia, ib);
            uint8_t pst = c->x.pair_status ? c->x.pair_status[i * ns + s] : MC_PUB;
            if (!nab && pst == MC_PUB) continue;
            uint8_t sa, sb;
            const mc_entry *ea = row_find(c, s, lv, ia, &sa), *eb = row_find(c, s, lv, ib, &sb);
            uint64_t na = ea ? ea->c.records : 0, nb = eb ? eb->c.records : 0, n = c->a->sc[s].records;
            const char *ta, *tb;
            int bill;
            item_text(c, lv, ia, ca, sizeof ca, &ta, &bill);
            item_text(c, lv, ib, cb, sizeof cb, &tb, &bill);
            row_prefix(c, b, s);
            mc_buf_printf(b, ",%s,%zu,", mc_level_name((int)lv), i + 1);
            mc_csv_str(b, ca);
            mc_buf_putc(b, ',');
            mc_csv_str(b, ta);
            mc_buf_putc(b, ',');
            mc_csv_str(b, cb);
            mc_buf_putc(b, ',');
            mc_csv_str(b, tb);
            int dpub = c->x.denom[s] == MC_PUB;
            if (pst == MC_PUB) mc_buf_printf(b, ",%llu", (unsigned long long)nab); else mc_buf_printf(b, ",");
            if (sa == MC_PUB) mc_buf_printf(b, ",%llu", (unsigned long long)na); else mc_buf_printf(b, ",");
            if (sb == MC_PUB) mc_buf_printf(b, ",%llu", (unsigned long long)nb); else mc_buf_printf(b, ",");
            if (dpub) mc_buf_printf(b, ",%llu", (unsigned long long)n); else mc_buf_printf(b, ",");
            int all = pst == MC_PUB && sa == MC_PUB && sb == MC_PUB;
            if (all && dpub && na && nb) mc_buf_printf(b, ",%.3f", (double)nab * (double)n / ((double)na * (double)nb));
            else mc_buf_printf(b, ",");
            if (all && na + nb > nab) mc_buf_printf(b, ",%.4f", (double)nab / (double)(na + nb - nab));
            else mc_buf_printf(b, ",");
            mc_buf_printf(b, ",%s\n", pst != MC_PUB ? status_name(pst) : sa != MC_PUB || sb != MC_PUB ? "codes" : dpub ? "" : "denominator");
        }
    }
    return buf_status(b);
}

static void std_row(const ctx_t *c, mc_buf *b, size_t i)
{
    const mc_entry *e = &c->a->e[i];
    if (e->level > MC_LV_CHAPTER || !e->c.records || !c->x.published[e->stratum]) return;
    uint32_t t0 = c->a->tuples[(size_t)e->stratum * c->st];
    if (c->p->strat[t0].std_src < 0) return;
    uint64_t x[MC_MAX_BANDS + 1], n[MC_MAX_BANDS + 1];
    uint32_t cells[MC_MAX_BANDS + 1];
    static _Thread_local size_t hint[MC_MAX_BANDS + 1]; /* rows_parallel: a thread's rows come in order */
    int nb = mc_std_cells(c->p, c->a, &c->x, e->stratum, e->level, e->item, x, n, cells, NULL, hint);
    if (nb < 0) return;
    item_head(c, b, e);
    double rate, lo, hi;
    if (!c->x.std_ok[i]) mc_buf_printf(b, ",,,,%s,primary\n", c->p->std_name);
    else if (mc_dsr(nb, c->p->std_w, x, n, &rate, &lo, &hi)) mc_buf_printf(b, ",,,,%s,undefined\n", c->p->std_name);
    else {
        put3(b, 1000.0 * rate, 1000.0 * lo, 1000.0 * hi);
        mc_buf_putc(b, ',');
        mc_buf_puts(b, c->p->std_name);
        mc_buf_puts(b, ",\n");
    }
}

static mc_status write_std(const ctx_t *c, mc_buf *b)
{
    header_prefix(c, b);
    mc_buf_printf(b, ",level,code,title,standardised_per_1000,ci_low,ci_high,standard,suppressed\n");
    if (c->p->age_var < 0) return buf_status(b);
    return rows_parallel(c, b, c->a->n_entries, std_row);
}

mc_status mc_tables_write(const char *dir, const mc_dict *d, const mc_stats_plan *p, const mc_agg *a, mc_buf *names, mc_error *err)
{
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.p = p;
    c.a = a;
    c.st = 1 + (size_t)a->n_vars;
    mc_status st = mc_disclose(p, a, &c.x, err);
    if (st) return st;
    text_cache(&c);
    mc_buf b = {0};
    mc_afile out;
    c.out = &out;
    struct { const char *name; int which; } files[] = {
        {"codes.csv", 0}, {"strata.csv", 1}, {"ccsr.csv", 2}, {"comorbidity.csv", 3},
        {"charlson_distribution.csv", 4}, {"cooccurrence.csv", 5}, {"standardised.csv", 6}};
    for (size_t f = 0; f < MC_ARRAY_LEN(files) && !st; f++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[f].name);
        if ((st = mc_afile_open(&out, path, err))) break;
        b.len = 0;
        switch (files[f].which) {
        case 0: st = write_codes(&c, &b); break;
        case 1: st = write_strata(&c, &b); break;
        case 2: st = write_records_table(&c, &b, MC_LV_CCSR_DEFAULT, MC_LV_BODY, "level", "code"); break;
        case 3: st = write_records_table(&c, &b, MC_LV_CHARLSON, MC_LV_AHRQ, "system", "condition"); break;
        case 4: st = write_charlson(&c, &b); break;
        case 5: st = write_cooc(&c, &b); break;
        case 6: st = write_std(&c, &b); break;
        }
        if (st) {
            mc_afile_abort(&out);
            mc_error_set(err, st, path, 0, 0, 0, "out of memory while writing");
            break;
        }
        mc_afile_write(&out, b.data, b.len);
        if ((st = mc_afile_commit(&out, err))) break;
        if (names) mc_buf_printf(names, "%s\"%s\"", names->len > 0 ? ", " : "", files[f].name);
    }
    mc_buf_free(&b);
    mc_disclosure_free(&c.x);
    mc_buf_free(&c.txt);
    free(c.pre_off);
    for (int lv = 0; lv < MC_LV__COUNT; lv++) free(c.head[lv]);
    return st;
}

/* ---- medcode merge ------------------------------------------------------------------ */

#include "mc_stats_api.h"
#include <errno.h>
#include <sys/stat.h>

/* The first option line that differs between two canonical option texts. */
static void first_diff(const char *a, const char *b, char *out, size_t cap)
{
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la)) break;
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    const char *e = strchr(a, '=');
    size_t n = e ? (size_t)(e - a) : strcspn(a, "\n");
    if (!*a) { e = strchr(b, '='); n = e ? (size_t)(e - b) : strcspn(b, "\n"); a = b; }
    snprintf(out, cap, "%.*s", (int)MC_MIN(n, 60), a);
}

static mc_status validate(const mc_stats_plan *p, const mc_agg *a, const char *path, mc_error *err)
{
    size_t st = 1 + (size_t)a->n_vars;
    if (a->n_vars != p->n_vars) return mc_error_set(err, MC_E_STATE, path, 0, 0, 0, "variable count does not match its options");
    for (uint32_t s = 0; s < a->n_strata; s++)
        if (a->tuples[(size_t)s * st] >= (uint32_t)p->n_strat) return mc_error_set(err, MC_E_STATE, path, 0, 0, 0, "stratum %u: unknown stratification", s);
    for (size_t i = 0; i < a->n_entries; i++)
        if (a->e[i].item >= p->n_items[a->e[i].level]) return mc_error_set(err, MC_E_STATE, path, 0, 0, 0, "entry %zu: item out of range", i);
    for (size_t i = 0; i < a->n_pairs; i++)
        if (a->pairs[i].a >= p->n_items[p->cooc_level] || a->pairs[i].b >= p->n_items[p->cooc_level])
            return mc_error_set(err, MC_E_STATE, path, 0, 0, 0, "pair %zu: item out of range", i);
    return MC_OK;
}

mc_status mc_stats_merge_states(const mc_dict *d, const char *const *states, size_t n, const char *out_dir, const char *state_out,
                                const char *argv_line, mc_error *err)
{
    if (!n) return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "merge needs at least one state file");
    char *text0 = NULL;
    mc_stats_plan *p = NULL;
    mc_agg *acc = NULL;
    mc_buf names = {0}, mb = {0};
    mc_status st = MC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        char *text = NULL;
        mc_agg *ag = NULL;
        if ((st = mc_state_read(states[i], d, &text, &ag, err))) break;
        if (!i) {
            text0 = text;
            acc = ag;
            st = mc_stats_plan_from_text(d, text0, &p, err);
            if (st == MC_E_USAGE || st == MC_E_STATE) {
                char m[256];
                snprintf(m, sizeof m, "%s", err ? err->msg : "");
                st = mc_error_set(err, MC_E_STATE, states[i], 0, 0, 0, "options cannot be used: %s", m);
            }
            if (!st) st = validate(p, acc, states[i], err);
            continue;
        }
        if (strcmp(text, text0)) {
            char k[64];
            first_diff(text0, text, k, sizeof k);
            st = mc_error_set(err, MC_E_STATE, states[i], 0, 0, 0, "made with other options than %s (%s differs)", states[0], k);
        }
        if (!st) st = validate(p, ag, states[i], err);
        if (!st) st = mc_agg_add(p, acc, ag, err);
        free(text);
        mc_agg_free(ag);
    }
    if (!st && mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        st = mc_error_set(err, MC_E_IO, out_dir, 0, 0, 0, "cannot create output directory: %s", strerror(errno));
    if (!st) st = mc_tables_write(out_dir, d, p, acc, &names, err);
    if (!st && state_out) st = mc_state_write(state_out, p, acc, err);
    if (!st) {
        mc_dict_info di;
        mc_dict_get_info(d, &di);
        mc_buf_printf(&mb, "{\n  \"medcode_version\": \"%s\",\n  \"command\": ", MEDCODE_VERSION);
        mc_json_str(&mb, argv_line ? argv_line : "");
        mc_buf_printf(&mb, ",\n  \"dictionary\": {\"build_id\": \"%s\", \"format_version\": %u},\n  \"states\": [", di.build_id, di.format_version);
        for (size_t i = 0; i < n; i++) {
            char hex[17] = "";
            uint64_t size = 0;
            mc_file_digest(states[i], hex, &size, NULL);
            mc_buf_printf(&mb, "%s\n    {\"path\": ", i ? "," : "");
            mc_json_str(&mb, states[i]);
            mc_buf_printf(&mb, ", \"bytes\": %llu, \"xxh64\": \"%s\"}", (unsigned long long)size, hex);
        }
        mc_buf_printf(&mb, "\n  ],\n  \"options\": {");
        mc_stats_plan_json(p, &mb);
        mc_buf_printf(&mb, "},\n  \"records\": {\"read\": %llu, \"coded\": %llu, \"rejected\": %llu, \"with_codes\": %llu},\n",
                      (unsigned long long)acc->records_read, (unsigned long long)acc->tot.records,
                      (unsigned long long)acc->records_rejected, (unsigned long long)acc->tot.records_with_code);
        mc_buf_printf(&mb, "  \"mentions\": {\"total\": %llu, \"counted\": %llu, \"by_rule\": {", (unsigned long long)acc->tot.mentions,
                      (unsigned long long)acc->tot.counted);
        for (int i = 0; i < MC_RULE__COUNT; i++)
            mc_buf_printf(&mb, "%s\"%s\": %llu", i ? ", " : "", mc_rule_name(i), (unsigned long long)acc->tot.rules[i]);
        mc_buf_printf(&mb, "}},\n  \"outputs\": [%s, \"manifest.json\"%s]\n}\n", names.data ? names.data : "", state_out ? ", \"state\"" : "");
        char path[4200];
        snprintf(path, sizeof path, "%s/manifest.json", out_dir);
        st = mb.data && !mb.oom ? mc_write_atomic(path, &mb, err) : mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory");
    }
    mc_buf_free(&names);
    mc_buf_free(&mb);
    free(text0);
    mc_agg_free(acc);
    mc_stats_plan_free(p);
    return st;
}
