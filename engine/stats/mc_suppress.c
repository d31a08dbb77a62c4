/* mc_suppress.c — disclosure control for every published table.
 *
 * A "table" is a set of cells tied by additive lines: for a stratification S and each of
 * its variables v, the cells of S that agree on every other variable sum to the cell of
 * S without v (the "parent": a one-way stratification's parent is `all`). When the parent
 * stratification is not published its total is treated as known all the same
 * (conservative). Each measure is its own family of such tables: the denominators
 * (strata.csv), records with any code, each (level, item) of codes.csv / ccsr.csv /
 * comorbidity.csv, each reported pair of cooccurrence.csv, and the Charlson index
 * distribution, whose five buckets also sum to the stratum's denominator.
 *
 * Primary suppression: a count from 1 to k-1, or a non-zero count whose complement in its stratum
 * (denominator - count) is from 1 to k-1. Complementary suppression: (1) every line must
 * hold zero or at least two unknown cells (its total included): a line with one is given
 * a second, the smallest non-zero published member (then the total, then a zero member);
 * (2) an audit solves the linear system of all lines of a family (Gaussian elimination
 * over the unknown cells, per connected component) and, while some suppressed cell is
 * still determined, suppresses another cell of one of its lines and repeats. */
#include "stats/mc_stats.h"
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* ---- generic solver ------------------------------------------------------------- */

static int cell_unknown(const mc_sdc_problem *pr, int64_t c) { return c >= 0 && pr->status[c] != MC_PUB; }
static int cell_free(const mc_sdc_problem *pr, int64_t c)
{
    return c >= 0 && pr->status[c] == MC_PUB && !(pr->frozen && pr->frozen[c]);
}

/* Choose a cell of line l to suppress: smallest non-zero free member, then the total,
 * then a zero member. -1 when none. */
static int64_t pick(const mc_sdc_problem *pr, size_t l)
{
    int64_t best = -1;
    for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
        uint32_t c = pr->line_cells[k];
        if (!cell_free(pr, c) || !pr->value[c]) continue;
        if (best < 0 || pr->value[c] < pr->value[best] || (pr->value[c] == pr->value[best] && c < best)) best = c;
    }
    if (best >= 0) return best;
    int64_t t = pr->line_total[l];
    if (cell_free(pr, t)) return t;
    for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++)
        if (cell_free(pr, pr->line_cells[k])) return pr->line_cells[k];
    return -1;
}

static size_t line_pass(mc_sdc_problem *pr)
{
    size_t added = 0;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t l = 0; l < pr->n_lines; l++) {
            int u = cell_unknown(pr, pr->line_total[l]);
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1] && u < 2; k++) u += cell_unknown(pr, pr->line_cells[k]);
            if (u != 1) continue;
            int64_t c = pick(pr, l);
            if (c < 0) continue;
            pr->status[c] = MC_SUP_COMPLEMENTARY;
            added++;
            changed = 1;
        }
    }
    return added;
}

static size_t uf_find(size_t *par, size_t x)
{
    while (par[x] != x) x = par[x] = par[par[x]];
    return x;
}

int mc_sdc_audit(const mc_sdc_problem *pr, size_t *which)
{
    size_t nc = pr->n_cells;
    int64_t *var = malloc((nc + 1) * sizeof *var);
    if (!var) return 0;
    size_t nv = 0;
    for (size_t c = 0; c < nc; c++) var[c] = -1;
    for (size_t l = 0; l < pr->n_lines; l++) { /* unknowns that appear in some line */
        int64_t t = pr->line_total[l];
        if (cell_unknown(pr, t) && var[t] < 0) var[t] = (int64_t)nv++;
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (cell_unknown(pr, c) && var[c] < 0) var[c] = (int64_t)nv++;
        }
    }
    int found = 0;
    size_t *par = malloc((nv + 1) * sizeof *par), *cellof = malloc((nv + 1) * sizeof *cellof);
    size_t *lroot = malloc((pr->n_lines + 1) * sizeof *lroot);
    if (!par || !cellof || !lroot) goto out;
    for (size_t c = 0; c < nc; c++)
        if (var[c] >= 0) cellof[var[c]] = c;
    for (size_t i = 0; i < nv; i++) par[i] = i;
    for (size_t l = 0; l < pr->n_lines; l++) {
        int64_t first = -1;
        int64_t t = pr->line_total[l];
        if (cell_unknown(pr, t)) first = var[t];
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (!cell_unknown(pr, c)) continue;
            if (first < 0) first = var[c];
            else par[uf_find(par, (size_t)var[c])] = uf_find(par, (size_t)first);
        }
        lroot[l] = first < 0 ? SIZE_MAX : (size_t)first;
    }
    for (size_t l = 0; l < pr->n_lines; l++)
        if (lroot[l] != SIZE_MAX) lroot[l] = uf_find(par, lroot[l]);
    /* each component: dense elimination */
    int64_t *local = malloc((nv + 1) * sizeof *local);
    uint8_t *done = calloc(nv + 1, 1);
    if (!local || !done) { free(local); free(done); goto out; }
    for (size_t r0 = 0; r0 < nv && !found; r0++) {
        size_t root = uf_find(par, r0);
        if (done[root]) continue;
        done[root] = 1;
        size_t ncol = 0, nrow = 0;
        for (size_t i = 0; i < nv; i++) local[i] = uf_find(par, i) == root ? (int64_t)ncol++ : -1;
        for (size_t l = 0; l < pr->n_lines; l++) nrow += lroot[l] == root;
        if (ncol > 1500 || nrow > 6000) continue; /* too large to audit densely: the line rule stands */
        double *m = calloc(nrow * ncol + 1, sizeof *m);
        if (!m) continue;
        size_t r = 0;
        for (size_t l = 0; l < pr->n_lines; l++) {
            if (lroot[l] != root) continue;
            int64_t t = pr->line_total[l];
            if (cell_unknown(pr, t)) m[r * ncol + (size_t)local[var[t]]] -= 1.0;
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
                uint32_t c = pr->line_cells[k];
                if (cell_unknown(pr, c)) m[r * ncol + (size_t)local[var[c]]] += 1.0;
            }
            r++;
        }
        /* reduced row echelon form */
        size_t prow = 0;
        for (size_t col = 0; col < ncol && prow < nrow; col++) {
            size_t best = prow;
            for (size_t i = prow + 1; i < nrow; i++)
                if (fabs(m[i * ncol + col]) > fabs(m[best * ncol + col])) best = i;
            if (fabs(m[best * ncol + col]) < 1e-9) continue;
            if (best != prow)
                for (size_t j = 0; j < ncol; j++) { double x = m[best * ncol + j]; m[best * ncol + j] = m[prow * ncol + j]; m[prow * ncol + j] = x; }
            double pv = m[prow * ncol + col];
            for (size_t j = 0; j < ncol; j++) m[prow * ncol + j] /= pv;
            for (size_t i = 0; i < nrow; i++) {
                if (i == prow) continue;
                double f = m[i * ncol + col];
                if (fabs(f) < 1e-12) continue;
                for (size_t j = 0; j < ncol; j++) m[i * ncol + j] -= f * m[prow * ncol + j];
            }
            prow++;
        }
        for (size_t i = 0; i < prow && !found; i++) {
            int nz = 0;
            size_t at = 0;
            for (size_t j = 0; j < ncol; j++)
                if (fabs(m[i * ncol + j]) > 1e-9) { nz++; at = j; }
            if (nz == 1) {
                for (size_t q = 0; q < nv; q++)
                    if (local[q] == (int64_t)at) { *which = cellof[q]; found = 1; break; }
            }
        }
        free(m);
    }
    free(local);
    free(done);
out:
    free(var);
    free(par);
    free(cellof);
    free(lroot);
    return found;
}

size_t mc_sdc_solve(mc_sdc_problem *pr)
{
    size_t added = 0;
    for (;;) {
        added += line_pass(pr);
        size_t c;
        if (!mc_sdc_audit(pr, &c)) break;
        /* c is determined: suppress the smallest free non-zero member of one of its lines */
        int64_t best = -1;
        for (size_t l = 0; l < pr->n_lines; l++) {
            int in = pr->line_total[l] == (int64_t)c;
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1] && !in; k++) in = pr->line_cells[k] == c;
            if (!in) continue;
            int64_t cand = pick(pr, l);
            if (cand < 0) continue;
            if (best < 0 || (pr->value[cand] && (!pr->value[best] || pr->value[cand] < pr->value[best])) ||
                (pr->value[cand] == pr->value[best] && cand < best))
                best = cand;
        }
        if (best < 0) break; /* nothing left to suppress in its lines */
        pr->status[best] = MC_SUP_COMPLEMENTARY;
        added++;
    }
    return added;
}

/* ---- tables of the plan ---------------------------------------------------------- */

typedef struct {
    size_t n_lines;
    uint32_t *off, *cells;
    int64_t *total;
} lines_t;

static const uint32_t *g_t;
static size_t g_st;
static int g_skip;
static int cmp_parent(const void *x, const void *y)
{
    const uint32_t *a = &g_t[*(const uint32_t *)x * g_st], *b = &g_t[*(const uint32_t *)y * g_st];
    for (size_t i = 1; i < g_st; i++) {
        if ((int)i == g_skip) continue;
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
    return p < q ? -1 : p > q;
}

static int find_strat(const mc_stats_plan *p, uint32_t mask)
{
    for (int s = 0; s < p->n_strat; s++)
        if (p->strat[s].mask == mask && !p->strat[s].hidden) return s;
    return -1;
}

static mc_status build_lines(const mc_stats_plan *p, const mc_agg *a, lines_t *L)
{
    size_t st = 1 + (size_t)a->n_vars, ns = a->n_strata;
    MC_VEC(uint32_t) off = {0}, cells = {0};
    MC_VEC(int64_t) tot = {0};
    uint32_t *mem = malloc((ns + 1) * sizeof *mem), *tup = malloc(st * sizeof *tup);
    if (!mem || !tup || mc_vec_push(&off, 0)) goto nomem;
    for (int s = 0; s < p->n_strat; s++) {
        const mc_strat *sp = &p->strat[s];
        if (sp->hidden || !sp->mask) continue;
        size_t nm = 0;
        for (uint32_t i = 0; i < ns; i++)
            if (a->tuples[(size_t)i * st] == (uint32_t)s) mem[nm++] = i;
        for (int v = 0; v < p->n_vars; v++) {
            if (!(sp->mask >> v & 1)) continue;
            int ps = find_strat(p, sp->mask & ~(1u << v));
            g_t = a->tuples;
            g_st = st;
            g_skip = 1 + v;
            qsort(mem, nm, sizeof *mem, cmp_parent);
            for (size_t i = 0; i < nm;) {
                size_t j = i + 1;
                while (j < nm) {
                    const uint32_t *x = &a->tuples[(size_t)mem[i] * st], *y = &a->tuples[(size_t)mem[j] * st];
                    int same = 1;
                    for (size_t k = 1; k < st && same; k++) same = (int)k == 1 + v || x[k] == y[k];
                    if (!same) break;
                    j++;
                }
                int64_t total = -1;
                if (ps >= 0) {
                    memcpy(tup, &a->tuples[(size_t)mem[i] * st], st * sizeof *tup);
                    tup[0] = (uint32_t)ps;
                    tup[1 + v] = MC_ALL;
                    uint32_t t = mc_agg_find_stratum(a, tup);
                    if (t != UINT32_MAX) total = t;
                }
                for (size_t k = i; k < j; k++)
                    if (mc_vec_push(&cells, mem[k])) goto nomem;
                if (mc_vec_push(&off, (uint32_t)cells.n) || mc_vec_push(&tot, total)) goto nomem;
                i = j;
            }
        }
    }
    free(mem);
    free(tup);
    L->n_lines = tot.n;
    L->off = off.items;
    L->cells = cells.items;
    L->total = tot.items;
    return MC_OK;
nomem:
    free(mem);
    free(tup);
    mc_vec_free(&off);
    mc_vec_free(&cells);
    mc_vec_free(&tot);
    return MC_E_NOMEM;
}

static int small(uint64_t v, int k) { return v >= 1 && v < (uint64_t)k; }

/* One records-type family over the strata: values[ns] in, status[ns] out. Returns 1 when
 * anything is suppressed. */
static int family(const mc_stats_plan *p, const mc_agg *a, const lines_t *L, const uint32_t *pub, const uint64_t *val,
                  int complement, uint8_t *status)
{
    size_t ns = a->n_strata;
    int any = 0;
    for (size_t s = 0; s < ns; s++) {
        status[s] = MC_PUB;
        if (!pub[s]) continue;
        if (small(val[s], p->min_cell) || (complement && val[s] && small(a->sc[s].records - val[s], p->min_cell))) {
            status[s] = MC_SUP_PRIMARY;
            any = 1;
        }
    }
    if (!any) return 0;
    mc_sdc_problem pr = {ns, val, status, NULL, L->n_lines, L->off, L->cells, L->total};
    mc_sdc_solve(&pr);
    return 1;
}

static int cmp_lvl_item(const void *x, const void *y)
{
    const mc_entry *a = *(mc_entry *const *)x, *b = *(mc_entry *const *)y;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    if (a->item != b->item) return a->item < b->item ? -1 : 1;
    return a->stratum < b->stratum ? -1 : a->stratum > b->stratum;
}

/* byf[0..n_entries) = the entries in (level, item, stratum) order: radix-sorted by that
 * packed key (levels < 16, items < 2^24, strata < 2^31), by qsort when memory is short. */
static void by_family(const mc_agg *a, const mc_entry **byf)
{
    size_t n = a->n_entries;
    mc_kv64 *x = malloc((n + 1) * sizeof *x);
    int ok = x != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const mc_entry *e = &a->e[i];
        x[i] = (mc_kv64){(uint64_t)e->level << 55 | (uint64_t)e->item << 31 | e->stratum, i};
        ok = e->level < 16 && e->item < (1u << 24) && e->stratum < (1u << 31);
    }
    if (ok && mc_radix_sort_kv(x, n) == 0)
        for (size_t i = 0; i < n; i++) byf[i] = &a->e[x[i].v];
    else {
        for (size_t i = 0; i < n; i++) byf[i] = &a->e[i];
        qsort(byf, n, sizeof *byf, cmp_lvl_item);
    }
    free(x);
}

typedef MC_VEC(mc_entry) zvec; /* suppressed zero cells found by one thread */

static const mc_pairc *g_pairs;
static int cmp_top(const void *x, const void *y)
{
    const mc_pairc *a = &g_pairs[*(const uint32_t *)x], *b = &g_pairs[*(const uint32_t *)y];
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* ord[0..k) = the first k of the n pairs of g_pairs in cmp_top order, sorted: a heap of
 * the k best seen so far, its worst at the root (n log k, not a sort of every pair). */
static void top_pairs(size_t n, size_t k, uint32_t *ord)
{
    if (!k) return;
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)i;
        size_t c;
        if (h < k) { /* sift up */
            for (c = h++; c > 0 && cmp_top(&ord[(c - 1) / 2], &v) < 0; c = (c - 1) / 2) ord[c] = ord[(c - 1) / 2];
            ord[c] = v;
            continue;
        }
        if (cmp_top(&v, &ord[0]) >= 0) continue; /* no better than the worst kept */
        for (c = 0;;) { /* sift down from the root */
            size_t l = 2 * c + 1, w = c;
            const uint32_t *wv = &v;
            if (l < h && cmp_top(&ord[l], wv) > 0) w = l, wv = &ord[l];
            if (l + 1 < h && cmp_top(&ord[l + 1], wv) > 0) w = l + 1;
            if (w == c) break;
            ord[c] = ord[w];
            c = w;
        }
        ord[c] = v;
    }
    qsort(ord, h, sizeof *ord, cmp_top);
}

void mc_disclosure_free(mc_disclosure *x)
{
    free(x->denom); free(x->with_code); free(x->entry); free(x->std_ok); free(x->cooc); free(x->published);
    free(x->rows); free(x->row_status); free(x->pair_status);
    free(x->e_off); free(x->p_off); free(x->bands);
    memset(x, 0, sizeof *x);
}

const mc_entry *mc_disc_entry(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint32_t level, uint32_t item)
{
    size_t lo = x->e_off[stratum], hi = x->e_off[stratum + 1];
    uint64_t k = (uint64_t)level << 32 | item;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t m = (uint64_t)a->e[mid].level << 32 | a->e[mid].item;
        if (m == k) return &a->e[mid];
        if (m < k) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

uint64_t mc_disc_pair(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint32_t ia, uint32_t ib)
{
    size_t lo = x->p_off[stratum], hi = x->p_off[stratum + 1];
    uint64_t k = (uint64_t)ia << 32 | ib;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t m = (uint64_t)a->pairs[mid].a << 32 | a->pairs[mid].b;
        if (m == k) return a->pairs[mid].n;
        if (m < k) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* The stratum index of x (e_off, p_off, bands). Returns -1 when out of memory. */
static int disc_index(const mc_stats_plan *p, const mc_agg *a, mc_disclosure *x)
{
    size_t ns = a->n_strata, st = 1 + (size_t)a->n_vars;
    x->e_off = calloc(ns + 2, sizeof *x->e_off);
    x->p_off = calloc(ns + 2, sizeof *x->p_off);
    if (!x->e_off || !x->p_off) return -1;
    for (size_t i = 0; i < a->n_entries; i++) x->e_off[a->e[i].stratum + 1]++;
    for (size_t i = 0; i < a->n_pairs; i++) x->p_off[a->pairs[i].stratum + 1]++;
    for (size_t s = 0; s < ns; s++) {
        x->e_off[s + 1] += x->e_off[s];
        x->p_off[s + 1] += x->p_off[s];
    }
    if (p->age_var < 0) return 0;
    size_t nb = (size_t)p->n_bands + 1;
    x->bands = malloc((ns * nb + 1) * sizeof *x->bands);
    if (!x->bands) return -1;
    uint32_t tup[1 + MC_MAX_VARS];
    for (size_t s = 0; s < ns; s++) {
        uint32_t *row = &x->bands[s * nb];
        for (size_t k = 0; k < nb; k++) row[k] = UINT32_MAX;
        const uint32_t *t = &a->tuples[s * st];
        int src = p->strat[t[0]].std_src;
        if (src < 0) continue;
        memcpy(tup, t, st * sizeof *tup);
        tup[0] = (uint32_t)src;
        /* value ids of the age variable: "%05d" band index, or unknown */
        for (uint32_t id = 0; id < a->n_vals[p->age_var]; id++) {
            const char *v = a->vals[p->age_var][id];
            int k = strcmp(v, MC_UNKNOWN_STR) ? atoi(v) : p->n_bands;
            if (k < 0 || k > p->n_bands) continue;
            tup[1 + p->age_var] = id;
            uint32_t sid = mc_agg_find_stratum(a, tup);
            if (sid != UINT32_MAX) row[k] = sid;
        }
    }
    return 0;
}

static int cmp_entry_key(const void *x, const void *y)
{
    const mc_entry *a = x, *b = y;
    if (a->stratum != b->stratum) return a->stratum < b->stratum ? -1 : 1;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

int mc_std_cells(const mc_stats_plan *p, const mc_agg *a, const mc_disclosure *d, uint32_t stratum, uint32_t level,
                 uint32_t item, uint64_t *x, uint64_t *n, uint32_t *cells)
{
    if (p->age_var < 0 || p->strat[a->tuples[(size_t)stratum * (1 + (size_t)a->n_vars)]].std_src < 0) return -1;
    int nb = p->n_bands;
    const uint32_t *row = &d->bands[(size_t)stratum * (size_t)(nb + 1)];
    for (int k = 0; k <= nb; k++) {
        uint32_t sid = row[k];
        cells[k] = sid;
        x[k] = n[k] = 0;
        if (sid == UINT32_MAX) continue;
        n[k] = a->sc[sid].records;
        const mc_entry *e = mc_disc_entry(a, d, sid, level, item);
        x[k] = e ? e->c.records : 0;
    }
    return nb;
}

mc_status mc_disclose(const mc_stats_plan *p, const mc_agg *a, mc_disclosure *x, mc_error *err)
{
    memset(x, 0, sizeof *x);
    size_t ns = a->n_strata, st = 1 + (size_t)a->n_vars;
    lines_t L = {0, NULL, NULL, NULL};
    uint64_t *val = NULL;
    uint8_t *stat = NULL;
    const mc_entry **byf = NULL;
    size_t *fam = NULL;
    MC_VEC(mc_entry) extra = {0};
    MC_VEC(uint8_t) extra_st = {0};
    x->published = calloc(ns + 1, sizeof *x->published);
    x->denom = calloc(ns + 1, 1);
    x->with_code = calloc(ns + 1, 1);
    x->entry = calloc(a->n_entries + 1, 1);
    x->std_ok = calloc(a->n_entries + 1, 1);
    val = calloc(ns * 6 + 1, sizeof *val);
    stat = calloc(ns * 6 + 1, 1);
    byf = malloc((a->n_entries + 1) * sizeof *byf);
    fam = malloc((a->n_entries + 1) * sizeof *fam);
    if (!x->published || !x->denom || !x->with_code || !x->entry || !x->std_ok || !val || !stat || !byf || !fam) goto nomem;
    if (disc_index(p, a, x)) goto nomem;
    for (size_t s = 0; s < ns; s++) x->published[s] = !p->strat[a->tuples[s * st]].hidden;
    /* co-occurrence: top pairs of the `all` stratum (stratum 0: stratification 0 sorts first) */
    if (p->cooc_top > 0 && ns) {
        size_t n0 = 0;
        while (n0 < a->n_pairs && a->pairs[n0].stratum == 0) n0++;
        x->n_cooc = MC_MIN(n0, (size_t)p->cooc_top);
        uint32_t *ord = malloc((x->n_cooc + 1) * sizeof *ord);
        if (!ord) goto nomem;
        g_pairs = a->pairs;
        top_pairs(n0, x->n_cooc, ord);
        x->cooc = malloc((x->n_cooc * 2 + 1) * sizeof *x->cooc);
        x->pair_status = calloc(x->n_cooc * ns + 1, 1);
        if (!x->cooc || !x->pair_status) { free(ord); goto nomem; }
        for (size_t i = 0; i < x->n_cooc; i++) { x->cooc[2 * i] = a->pairs[ord[i]].a; x->cooc[2 * i + 1] = a->pairs[ord[i]].b; }
        free(ord);
    }
    if (!p->suppression) {
        for (size_t i = 0; i < a->n_entries; i++) x->std_ok[i] = 1;
        goto rows;
    }
    if (build_lines(p, a, &L)) goto nomem;
    /* denominators, records with any code */
    for (size_t s = 0; s < ns; s++) val[s] = a->sc[s].records;
    family(p, a, &L, x->published, val, 0, x->denom);
    for (size_t s = 0; s < ns; s++) val[s] = a->sc[s].with_code;
    family(p, a, &L, x->published, val, 1, x->with_code);
    /* each (level, item) except the Charlson buckets: the entries by (level, item,
       stratum), each family's strata in order. Families are independent: they are solved
       in parallel (OpenMP's team, which the run sizes to its --threads), each thread with
       its own cells and its own list of suppressed zero cells; those lists are sorted by
       their unique keys below, so the result does not depend on the threads. */
    by_family(a, byf);
    size_t nf = 0;
    for (size_t i = 0; i < a->n_entries; i++)
        if (!i || byf[i]->level != byf[i - 1]->level || byf[i]->item != byf[i - 1]->item) fam[nf++] = i;
    fam[nf] = a->n_entries;
    int nt = omp_get_max_threads(), oom = 0;
    if (nt < 1) nt = 1;
    zvec *zx = calloc((size_t)nt, sizeof *zx);
    if (!zx) goto nomem;
#pragma omp parallel num_threads(nt) reduction(| : oom)
    {
        zvec *z = &zx[omp_get_thread_num()];
        uint64_t *fv = calloc(ns + 1, sizeof *fv); /* zero: each family sets its cells and clears them after */
        uint8_t *fs = malloc(ns + 1);
        oom |= !fv || !fs;
#pragma omp for schedule(dynamic, 8)
        for (size_t f = 0; f < nf; f++) {
            size_t i = fam[f], j = fam[f + 1];
            uint32_t lv = byf[i]->level;
            if (oom || lv == MC_LV_CHARLSON_BUCKET) continue;
            for (size_t k = i; k < j; k++) fv[byf[k]->stratum] = byf[k]->c.records;
            int any = family(p, a, &L, x->published, fv, 1, fs);
            for (size_t k = i; k < j; k++) fv[byf[k]->stratum] = 0;
            if (!any) continue;
            for (size_t s = 0, k = i; s < ns; s++) {
                while (k < j && byf[k]->stratum < s) k++;
                if (fs[s] == MC_PUB) continue;
                const mc_entry *e = k < j && byf[k]->stratum == s ? byf[k] : NULL;
                if (e) x->entry[e - a->e] = fs[s];
                else {
                    mc_entry zc;
                    memset(&zc, 0, sizeof zc);
                    zc.stratum = (uint32_t)s; zc.level = lv; zc.item = byf[i]->item;
                    zc.c.mentions = fs[s]; /* its status, carried to the rows below */
                    oom |= mc_vec_push(z, zc) != 0;
                }
            }
        }
        free(fv);
        free(fs);
    }
    for (int t = 0; t < nt && !oom; t++)
        for (size_t k = 0; k < zx[t].n && !oom; k++)
            oom |= mc_vec_push(&extra, zx[t].items[k]) || mc_vec_push(&extra_st, (uint8_t)zx[t].items[k].c.mentions);
    for (int t = 0; t < nt; t++) mc_vec_free(&zx[t]);
    free(zx);
    if (oom) goto nomem;
    /* Charlson buckets: cells [b * ns + s] for b < 5, denominators frozen at [5 * ns + s] */
    {
        size_t nb = MC_CHARLSON_BUCKETS, nc = (nb + 1) * ns;
        uint8_t *frozen = calloc(nc + 1, 1);
        MC_VEC(uint32_t) off = {0}, cells = {0};
        MC_VEC(int64_t) tot = {0};
        int ok = frozen && !mc_vec_push(&off, 0);
        memset(val, 0, nc * sizeof *val);
        int any = 0;
        for (size_t s = 0; s < ns && ok; s++) {
            val[nb * ns + s] = a->sc[s].records;
            stat[nb * ns + s] = x->denom[s];
            frozen[nb * ns + s] = 1;
            for (size_t b = 0; b < nb; b++) {
                const mc_entry *e = mc_disc_entry(a, x, (uint32_t)s, MC_LV_CHARLSON_BUCKET, (uint32_t)b);
                val[b * ns + s] = e ? e->c.records : 0;
                stat[b * ns + s] = MC_PUB;
                if (x->published[s] && (small(val[b * ns + s], p->min_cell) || (val[b * ns + s] && small(a->sc[s].records - val[b * ns + s], p->min_cell)))) {
                    stat[b * ns + s] = MC_SUP_PRIMARY;
                    any = 1;
                }
            }
            any |= x->denom[s] != MC_PUB;
        }
        for (size_t b = 0; b < nb && ok && any; b++)
            for (size_t l = 0; l < L.n_lines && ok; l++) {
                for (uint32_t k = L.off[l]; k < L.off[l + 1] && ok; k++) ok = !mc_vec_push(&cells, (uint32_t)(b * ns + L.cells[k]));
                ok = ok && !mc_vec_push(&off, (uint32_t)cells.n) && !mc_vec_push(&tot, L.total[l] < 0 ? -1 : (int64_t)(b * ns) + L.total[l]);
            }
        for (size_t s = 0; s < ns && ok && any; s++) {
            if (!x->published[s]) continue;
            for (size_t b = 0; b < nb && ok; b++) ok = !mc_vec_push(&cells, (uint32_t)(b * ns + s));
            ok = ok && !mc_vec_push(&off, (uint32_t)cells.n) && !mc_vec_push(&tot, (int64_t)(nb * ns + s));
        }
        if (ok && any) {
            mc_sdc_problem pr = {nc, val, stat, frozen, tot.n, off.items, cells.items, tot.items};
            mc_sdc_solve(&pr);
            for (size_t s = 0; s < ns; s++)
                for (size_t b = 0; b < nb; b++) {
                    uint8_t sv = stat[b * ns + s];
                    if (sv == MC_PUB) continue;
                    const mc_entry *e = mc_disc_entry(a, x, (uint32_t)s, MC_LV_CHARLSON_BUCKET, (uint32_t)b);
                    if (e) x->entry[e - a->e] = sv;
                    else {
                        mc_entry z;
                        memset(&z, 0, sizeof z);
                        z.stratum = (uint32_t)s; z.level = MC_LV_CHARLSON_BUCKET; z.item = (uint32_t)b;
                        if (mc_vec_push(&extra, z) || mc_vec_push(&extra_st, sv)) ok = 0;
                    }
                }
        }
        free(frozen);
        mc_vec_free(&off);
        mc_vec_free(&cells);
        mc_vec_free(&tot);
        if (!ok) goto nomem;
    }
    /* co-occurrence pairs */
    for (size_t i = 0; i < x->n_cooc; i++) {
        for (size_t s = 0; s < ns; s++) val[s] = mc_disc_pair(a, x, (uint32_t)s, x->cooc[2 * i], x->cooc[2 * i + 1]);
        if (family(p, a, &L, x->published, val, 1, stat)) memcpy(&x->pair_status[i * ns], stat, ns);
    }
    /* standardised rates: published only when the crude count and the denominator are,
       and every age-specific count and complement of the stratum is 0 or >= k (and, when
       the stratum x age_band table is published, none of its cells is suppressed); each
       entry's verdict is its own: in parallel */
#pragma omp parallel for schedule(dynamic, 4096)
    for (size_t i = 0; i < a->n_entries; i++) {
        const mc_entry *e = &a->e[i];
        if (e->level > MC_LV_CHAPTER || x->entry[i] != MC_PUB || x->denom[e->stratum] != MC_PUB || !x->published[e->stratum]) continue;
        uint64_t xs[MC_MAX_BANDS + 1], nn[MC_MAX_BANDS + 1];
        uint32_t cells[MC_MAX_BANDS + 1];
        int nb = mc_std_cells(p, a, x, e->stratum, e->level, e->item, xs, nn, cells);
        if (nb < 0) continue;
        int ok = 1;
        for (int k = 0; k < nb && ok; k++) { /* the bands used; the unknown age is not */
            if (small(xs[k], p->min_cell) || (xs[k] && small(nn[k] - xs[k], p->min_cell))) ok = 0;
            if (ok && cells[k] != UINT32_MAX && x->published[cells[k]]) {
                const mc_entry *c = mc_disc_entry(a, x, cells[k], e->level, e->item);
                if ((c && x->entry[c - a->e] != MC_PUB) || x->denom[cells[k]] != MC_PUB) ok = 0;
            }
        }
        x->std_ok[i] = (uint8_t)ok;
    }
rows:
    /* rows: entries plus suppressed zero cells, in (stratum, level, item) order */
    x->n_rows = a->n_entries + extra.n;
    x->rows = malloc((x->n_rows + 1) * sizeof *x->rows);
    x->row_status = malloc(x->n_rows + 1);
    if (!x->rows || !x->row_status) goto nomem;
    {
        /* sort extra */
        uint32_t *ord = malloc((extra.n + 1) * sizeof *ord);
        mc_entry *tmp = malloc((extra.n + 1) * sizeof *tmp);
        uint8_t *tst = malloc(extra.n + 1);
        if (!ord || !tmp || !tst) { free(ord); free(tmp); free(tst); goto nomem; }
        for (size_t i = 0; i < extra.n; i++) { tmp[i] = extra.items[i]; tmp[i].c.mentions = extra_st.items[i]; }
        if (extra.n) qsort(tmp, extra.n, sizeof *tmp, cmp_entry_key);
        size_t i = 0, j = 0, w = 0;
        while (i < a->n_entries || j < extra.n) {
            if (j >= extra.n || (i < a->n_entries && cmp_entry_key(&a->e[i], &tmp[j]) < 0)) {
                x->rows[w] = a->e[i];
                x->row_status[w++] = x->entry[i];
                i++;
            } else {
                x->rows[w] = tmp[j];
                x->rows[w].c.mentions = 0;
                x->row_status[w++] = (uint8_t)tmp[j].c.mentions;
                j++;
            }
        }
        free(ord);
        free(tmp);
        free(tst);
    }
    free(L.off); free(L.cells); free(L.total);
    free(val); free(stat); free(byf); free(fam);
    mc_vec_free(&extra); mc_vec_free(&extra_st);
    return MC_OK;
nomem:
    free(L.off); free(L.cells); free(L.total);
    free(val); free(stat); free(byf); free(fam);
    mc_vec_free(&extra); mc_vec_free(&extra_st);
    mc_disclosure_free(x);
    return mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory");
}
