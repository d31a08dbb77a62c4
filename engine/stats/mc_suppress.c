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

/* The solver works from the unknown cells outwards, so that a family with a few
 * suppressed cells among thousands of strata costs what its suppressed cells touch, not
 * what the table holds. Its decisions are, one for one, those of the plain method:
 * sweep every line in order until a sweep changes nothing, giving a line with exactly one
 * unknown cell a second (pick); then audit the whole system and, while some unknown cell
 * is determined, suppress pick's best choice over that cell's lines and repeat. */

/* Each cell's lines (as a member or as the total), ascending (a line may repeat when a
 * cell is in it twice: harmless below). Built once for a set of lines. */
typedef struct {
    uint32_t *off;   /* [n_cells + 1] */
    uint32_t *lines;
} sdc_index;

static void sdc_index_free(sdc_index *ix) { free(ix->off); free(ix->lines); ix->off = ix->lines = NULL; }

static int sdc_index_build(const mc_sdc_problem *pr, sdc_index *ix)
{
    size_t nc = pr->n_cells, nl = pr->n_lines, m = pr->line_off[nl];
    ix->off = calloc(nc + 2, sizeof *ix->off);
    ix->lines = malloc((m + nl + 1) * sizeof *ix->lines);
    if (!ix->off || !ix->lines) { sdc_index_free(ix); return -1; }
    for (size_t l = 0; l < nl; l++) {
        if (pr->line_total[l] >= 0) ix->off[pr->line_total[l] + 2]++;
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) ix->off[pr->line_cells[k] + 2]++;
    }
    for (size_t c = 2; c <= nc + 1; c++) ix->off[c] += ix->off[c - 1];
    for (size_t l = 0; l < nl; l++) { /* off[c + 1] is the fill point of c's list */
        if (pr->line_total[l] >= 0) ix->lines[ix->off[pr->line_total[l] + 1]++] = (uint32_t)l;
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) ix->lines[ix->off[pr->line_cells[k] + 1]++] = (uint32_t)l;
    }
    return 0;
}

/* Per-thread workspace for problems over one set of lines: var[] all -1, lmark[] and
 * the bitmaps all 0 between solves; unk holds the unknown cells of the current solve. */
typedef struct {
    int64_t *var;          /* [n_cells] a cell's variable in the audit, -1 */
    uint64_t *cur, *next;  /* lines to examine in this sweep / the next one */
    uint8_t *lmark;        /* [n_lines] */
    uint32_t *ul;          /* [n_lines] lines with an unknown cell */
    MC_VEC(uint32_t) unk;
    size_t nw;             /* words of a bitmap */
} sdc_work;

static void sdc_work_free(sdc_work *w)
{
    free(w->var); free(w->cur); free(w->next); free(w->lmark); free(w->ul);
    mc_vec_free(&w->unk);
    memset(w, 0, sizeof *w);
}

static int sdc_work_init(sdc_work *w, size_t nc, size_t nl)
{
    memset(w, 0, sizeof *w);
    w->nw = (nl + 63) / 64;
    w->var = malloc((nc + 1) * sizeof *w->var);
    w->cur = calloc(w->nw + 1, sizeof *w->cur);
    w->next = calloc(w->nw + 1, sizeof *w->next);
    w->lmark = calloc(nl + 1, 1);
    w->ul = malloc((nl + 1) * sizeof *w->ul);
    if (!w->var || !w->cur || !w->next || !w->lmark || !w->ul) { sdc_work_free(w); return -1; }
    for (size_t c = 0; c < nc; c++) w->var[c] = -1;
    return 0;
}

#define BIT_SET(b, l) ((b)[(l) >> 6] |= 1ull << ((l) & 63))

/* Suppress cell c as complementary; the lines it is in are examined again: in this
 * sweep those after line `at`, in the next one the others. */
static int suppress(mc_sdc_problem *pr, const sdc_index *ix, sdc_work *w, int64_t c, size_t at)
{
    pr->status[c] = MC_SUP_COMPLEMENTARY;
    if (mc_vec_push(&w->unk, (uint32_t)c)) return -1;
    for (uint32_t k = ix->off[c]; k < ix->off[c + 1]; k++) {
        uint32_t l = ix->lines[k];
        if (l > at) BIT_SET(w->cur, l);
        else if (l < at) BIT_SET(w->next, l);
    }
    return 0;
}

/* The line rule: sweeps over the lines marked in cur (each sweep in line order) until
 * one changes nothing. -1 when out of memory. */
static int64_t sweeps(mc_sdc_problem *pr, const sdc_index *ix, sdc_work *w)
{
    int64_t added = 0;
    for (;;) {
        for (size_t wi = 0; wi < w->nw; wi++)
            while (w->cur[wi]) {
                size_t l = wi * 64 + (unsigned)__builtin_ctzll(w->cur[wi]);
                w->cur[wi] &= w->cur[wi] - 1;
                int u = cell_unknown(pr, pr->line_total[l]);
                for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1] && u < 2; k++) u += cell_unknown(pr, pr->line_cells[k]);
                if (u != 1) continue;
                int64_t c = pick(pr, l);
                if (c < 0) continue;
                if (suppress(pr, ix, w, c, l)) return -1;
                added++;
            }
        uint64_t *t = w->cur, any = 0;
        w->cur = w->next;
        w->next = t;
        for (size_t wi = 0; wi < w->nw; wi++) any |= w->cur[wi];
        if (!any) return added;
    }
}

static size_t uf_find(size_t *par, size_t x)
{
    while (par[x] != x) x = par[x] = par[par[x]];
    return x;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* The audit: Gaussian elimination of the lines with unknown cells, one connected
 * component at a time (components in the order of their first variable; variables
 * numbered in line order, rows in line order). 1 with *which = a determined cell. */
static int audit(const mc_sdc_problem *pr, const sdc_index *ix, sdc_work *w, size_t *which)
{
    size_t nul = 0;
    for (size_t i = 0; i < w->unk.n; i++) {
        uint32_t c = w->unk.items[i];
        for (uint32_t k = ix->off[c]; k < ix->off[c + 1]; k++)
            if (!w->lmark[ix->lines[k]]) { w->lmark[ix->lines[k]] = 1; w->ul[nul++] = ix->lines[k]; }
    }
    for (size_t j = 0; j < nul; j++) w->lmark[w->ul[j]] = 0;
    qsort(w->ul, nul, sizeof *w->ul, cmp_u32);
    int64_t *var = w->var;
    size_t nv = 0;
    for (size_t j = 0; j < nul; j++) { /* unknowns that appear in some line */
        size_t l = w->ul[j];
        int64_t t = pr->line_total[l];
        if (cell_unknown(pr, t) && var[t] < 0) var[t] = (int64_t)nv++;
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (cell_unknown(pr, c) && var[c] < 0) var[c] = (int64_t)nv++;
        }
    }
    int found = 0;
    size_t *par = malloc((nv + 1) * sizeof *par), *cellof = malloc((nv + 1) * sizeof *cellof);
    size_t *lroot = malloc((nul + 1) * sizeof *lroot), *comp = malloc((nv + 1) * sizeof *comp);
    size_t *cstart = calloc(nv + 2, sizeof *cstart), *rstart = calloc(nv + 2, sizeof *rstart);
    size_t *cvars = malloc((nv + 1) * sizeof *cvars), *rlines = malloc((nul + 1) * sizeof *rlines);
    int64_t *local = malloc((nv + 1) * sizeof *local);
    if (!par || !cellof || !lroot || !comp || !cstart || !rstart || !cvars || !rlines || !local) goto out;
    for (size_t i = 0; i < w->unk.n; i++)
        if (var[w->unk.items[i]] >= 0) cellof[var[w->unk.items[i]]] = w->unk.items[i];
    for (size_t i = 0; i < nv; i++) par[i] = i;
    for (size_t j = 0; j < nul; j++) {
        size_t l = w->ul[j];
        int64_t first = -1;
        int64_t t = pr->line_total[l];
        if (cell_unknown(pr, t)) first = var[t];
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (!cell_unknown(pr, c)) continue;
            if (first < 0) first = var[c];
            else par[uf_find(par, (size_t)var[c])] = uf_find(par, (size_t)first);
        }
        lroot[j] = first < 0 ? SIZE_MAX : (size_t)first;
    }
    /* components numbered by their first variable; their variables and lines grouped,
       each group in ascending order */
    size_t ncomp = 0; /* local[] maps a root to its component here, a variable to its column below */
    for (size_t i = 0; i < nv; i++) local[i] = -1;
    for (size_t i = 0; i < nv; i++) {
        size_t r = uf_find(par, i);
        if (local[r] < 0) local[r] = (int64_t)ncomp++;
        comp[i] = (size_t)local[r];
        cstart[comp[i] + 1]++;
    }
    for (size_t j = 0; j < nul; j++)
        if (lroot[j] != SIZE_MAX) { lroot[j] = comp[uf_find(par, lroot[j])]; rstart[lroot[j] + 1]++; }
    for (size_t k = 0; k < ncomp; k++) { cstart[k + 1] += cstart[k]; rstart[k + 1] += rstart[k]; }
    {
        size_t *cf = malloc((ncomp + 1) * sizeof *cf), *rf = malloc((ncomp + 1) * sizeof *rf);
        if (!cf || !rf) { free(cf); free(rf); goto out; }
        memcpy(cf, cstart, ncomp * sizeof *cf);
        memcpy(rf, rstart, ncomp * sizeof *rf);
        for (size_t i = 0; i < nv; i++) { local[i] = (int64_t)(cf[comp[i]] - cstart[comp[i]]); cvars[cf[comp[i]]++] = i; }
        for (size_t j = 0; j < nul; j++)
            if (lroot[j] != SIZE_MAX) rlines[rf[lroot[j]]++] = w->ul[j];
        free(cf);
        free(rf);
    }
    for (size_t q = 0; q < ncomp && !found; q++) {
        size_t ncol = cstart[q + 1] - cstart[q], nrow = rstart[q + 1] - rstart[q];
        if (ncol > 1500 || nrow > 6000) continue; /* too large to audit densely: the line rule stands */
        double *m = calloc(nrow * ncol + 1, sizeof *m);
        if (!m) continue;
        for (size_t r = 0; r < nrow; r++) {
            size_t l = rlines[rstart[q] + r];
            int64_t t = pr->line_total[l];
            if (cell_unknown(pr, t)) m[r * ncol + (size_t)local[var[t]]] -= 1.0;
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
                uint32_t c = pr->line_cells[k];
                if (cell_unknown(pr, c)) m[r * ncol + (size_t)local[var[c]]] += 1.0;
            }
        }
        /* reduced row echelon form; the row operations visit only the pivot row's
           non-zero columns (x - f * 0 is x: the same values as a dense sweep) */
        size_t prow = 0, *nzc = malloc((ncol + 1) * sizeof *nzc);
        if (!nzc) { free(m); continue; }
        for (size_t col = 0; col < ncol && prow < nrow; col++) {
            size_t best = prow;
            for (size_t i = prow + 1; i < nrow; i++)
                if (fabs(m[i * ncol + col]) > fabs(m[best * ncol + col])) best = i;
            if (fabs(m[best * ncol + col]) < 1e-9) continue;
            if (best != prow)
                for (size_t j = 0; j < ncol; j++) { double x = m[best * ncol + j]; m[best * ncol + j] = m[prow * ncol + j]; m[prow * ncol + j] = x; }
            double pv = m[prow * ncol + col], *pr_ = &m[prow * ncol];
            size_t nnz = 0;
            for (size_t j = 0; j < ncol; j++)
                if (pr_[j] != 0.0) { pr_[j] /= pv; nzc[nnz++] = j; }
            for (size_t i = 0; i < nrow; i++) {
                if (i == prow) continue;
                double f = m[i * ncol + col];
                if (fabs(f) < 1e-12) continue;
                for (size_t q2 = 0; q2 < nnz; q2++) m[i * ncol + nzc[q2]] -= f * pr_[nzc[q2]];
            }
            prow++;
        }
        free(nzc);
        for (size_t i = 0; i < prow && !found; i++) {
            int nz = 0;
            size_t at = 0;
            for (size_t j = 0; j < ncol; j++)
                if (fabs(m[i * ncol + j]) > 1e-9) { nz++; at = j; }
            if (nz == 1) { *which = cellof[cvars[cstart[q] + at]]; found = 1; }
        }
        free(m);
    }
out:
    for (size_t i = 0; i < w->unk.n; i++) var[w->unk.items[i]] = -1;
    free(par); free(cellof); free(lroot); free(comp); free(cstart); free(rstart); free(cvars); free(rlines); free(local);
    return found;
}

/* Solve from the unknown cells listed in w->unk (every cell whose status is not MC_PUB);
 * on return w->unk also lists the cells suppressed here. -1 when out of memory. */
static int64_t sdc_run(mc_sdc_problem *pr, const sdc_index *ix, sdc_work *w)
{
    int64_t added = 0;
    for (size_t i = 0; i < w->unk.n; i++) {
        uint32_t c = w->unk.items[i];
        for (uint32_t k = ix->off[c]; k < ix->off[c + 1]; k++) BIT_SET(w->cur, ix->lines[k]);
    }
    for (;;) {
        int64_t a = sweeps(pr, ix, w);
        if (a < 0) return -1;
        added += a;
        size_t c;
        if (!audit(pr, ix, w, &c)) break;
        /* c is determined: suppress the smallest free non-zero member of one of its lines */
        int64_t best = -1;
        for (uint32_t k = ix->off[c]; k < ix->off[c + 1]; k++) {
            int64_t cand = pick(pr, ix->lines[k]);
            if (cand < 0) continue;
            if (best < 0 || (pr->value[cand] && (!pr->value[best] || pr->value[cand] < pr->value[best])) ||
                (pr->value[cand] == pr->value[best] && cand < best))
                best = cand;
        }
        if (best < 0) break; /* nothing left to suppress in its lines */
        if (suppress(pr, ix, w, best, SIZE_MAX)) return -1; /* all its lines: next sweep */
        uint64_t *t = w->cur;
        w->cur = w->next;
        w->next = t;
        added++;
    }
    return added;
}

/* The public entry points build the index and the workspace for one problem. */
static int sdc_prepare(const mc_sdc_problem *pr, sdc_index *ix, sdc_work *w)
{
    if (sdc_index_build(pr, ix)) return -1;
    if (sdc_work_init(w, pr->n_cells, pr->n_lines)) { sdc_index_free(ix); return -1; }
    for (size_t c = 0; c < pr->n_cells; c++)
        if (pr->status[c] != MC_PUB && mc_vec_push(&w->unk, (uint32_t)c)) { sdc_work_free(w); sdc_index_free(ix); return -1; }
    return 0;
}

int mc_sdc_audit(const mc_sdc_problem *pr, size_t *which)
{
    sdc_index ix;
    sdc_work w;
    if (sdc_prepare(pr, &ix, &w)) return 0;
    int found = audit(pr, &ix, &w, which);
    sdc_work_free(&w);
    sdc_index_free(&ix);
    return found;
}

size_t mc_sdc_solve(mc_sdc_problem *pr)
{
    sdc_index ix;
    sdc_work w;
    if (sdc_prepare(pr, &ix, &w)) return 0;
    int64_t added = sdc_run(pr, &ix, &w);
    sdc_work_free(&w);
    sdc_index_free(&ix);
    return added < 0 ? 0 : (size_t)added;
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

/* One records-type family over the strata (ix: the index of L's lines, w: a workspace
 * for them). val[] holds the counts; the cells that can be non-zero are nz[0..nnz), or
 * every stratum when nz is NULL (val[] is zero elsewhere). status[] is all MC_PUB on
 * entry; on return it holds the verdicts, and w->unk lists the cells not published
 * (a caller that reuses status[] sets those back to MC_PUB). Returns 1 when anything is
 * suppressed, 0 when nothing is, -1 when out of memory. */
static int family(const mc_stats_plan *p, const mc_agg *a, const lines_t *L, const sdc_index *ix, sdc_work *w,
                  const uint32_t *pub, const uint64_t *val, const uint32_t *nz, size_t nnz, int complement, uint8_t *status)
{
    size_t n = nz ? nnz : a->n_strata;
    w->unk.n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = nz ? nz[i] : i;
        if (!pub[s]) continue;
        if (small(val[s], p->min_cell) || (complement && val[s] && small(a->sc[s].records - val[s], p->min_cell))) {
            status[s] = MC_SUP_PRIMARY;
            if (mc_vec_push(&w->unk, (uint32_t)s)) return -1;
        }
    }
    if (!w->unk.n) return 0;
    mc_sdc_problem pr = {a->n_strata, val, status, NULL, L->n_lines, L->off, L->cells, L->total};
    return sdc_run(&pr, ix, w) < 0 ? -1 : 1;
}

static int cmp_lvl_item(const void *x, const void *y)
{
    const mc_entry *a = *(mc_entry *const *)x, *b = *(mc_entry *const *)y;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    if (a->item != b->item) return a->item < b->item ? -1 : 1;
    return a->stratum < b->stratum ? -1 : a->stratum > b->stratum;
}

static int cmp_entry_key(const void *x, const void *y)
{
    const mc_entry *a = x, *b = y;
    if (a->stratum != b->stratum) return a->stratum < b->stratum ? -1 : 1;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

/* byf[0..n_entries) = the entries in (level, item, stratum) order. The agg's entries
 * are in (stratum, level, item) order, so a stable counting sort by (level, item) gives
 * it in two passes; were they not (checked), a radix sort by the packed key (levels < 16,
 * items < 2^24, strata < 2^31), or qsort when memory is short. */
static void by_family(const mc_agg *a, const mc_entry **byf)
{
    size_t n = a->n_entries;
    uint64_t top[16] = {0}; /* per level: 1 + the largest item */
    int sorted = 1;
    for (size_t i = 0; i < n && sorted; i++) {
        const mc_entry *e = &a->e[i];
        sorted = e->level < 16 && (!i || cmp_entry_key(&a->e[i - 1], e) < 0);
        if (sorted && e->item + 1ull > top[e->level]) top[e->level] = e->item + 1ull;
    }
    size_t lo[17] = {0};
    for (int l = 0; l < 16; l++) lo[l + 1] = lo[l] + top[l];
    size_t *at = sorted && lo[16] <= 4 * n + 1024 ? calloc(lo[16] + 1, sizeof *at) : NULL;
    if (at) {
        for (size_t i = 0; i < n; i++) at[lo[a->e[i].level] + a->e[i].item + 1]++;
        for (size_t f = 0; f < lo[16]; f++) at[f + 1] += at[f];
        for (size_t i = 0; i < n; i++) byf[at[lo[a->e[i].level] + a->e[i].item]++] = &a->e[i];
        free(at);
        return;
    }
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
    free(x->rows); free(x->row_status); free(x->pair_status); free(x->zero_rows);
    free(x->e_off); free(x->p_off); free(x->bands);
    memset(x, 0, sizeof *x);
}

/* The entry (stratum, key = level << 32 | item) or NULL, found from *hint by galloping
 * when the entry there is in the stratum and not past the key, else by bisection; *hint
 * = where the key is or would go. */
static const mc_entry *find_from(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint64_t k, size_t *hint)
{
#define EKEY(i) ((uint64_t)a->e[i].level << 32 | a->e[i].item)
    size_t lo = x->e_off[stratum], end = x->e_off[stratum + 1], hi = end, h = *hint;
    if (h >= lo && h < end && EKEY(h) <= k) {
        size_t step = 1;
        lo = h; /* EKEY(lo) <= k */
        while (h + step < end && EKEY(h + step) <= k) { lo = h + step; step *= 2; }
        hi = MC_MIN(h + step, end);
    }
    while (lo < hi) { /* the first position whose key is not below k */
        size_t mid = lo + (hi - lo) / 2;
        if (EKEY(mid) < k) lo = mid + 1;
        else hi = mid;
    }
    *hint = lo;
    return lo < end && EKEY(lo) == k ? &a->e[lo] : NULL;
#undef EKEY
}

const mc_entry *mc_disc_entry(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint32_t level, uint32_t item)
{
    size_t no_hint = SIZE_MAX;
    return find_from(a, x, stratum, (uint64_t)level << 32 | item, &no_hint);
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

int mc_std_cells(const mc_stats_plan *p, const mc_agg *a, const mc_disclosure *d, uint32_t stratum, uint32_t level,
                 uint32_t item, uint64_t *x, uint64_t *n, uint32_t *cells, const mc_entry **ent, size_t *hint)
{
    if (p->age_var < 0 || p->strat[a->tuples[(size_t)stratum * (1 + (size_t)a->n_vars)]].std_src < 0) return -1;
    int nb = p->n_bands;
    const uint32_t *row = &d->bands[(size_t)stratum * (size_t)(nb + 1)];
    for (int k = 0; k <= nb; k++) {
        uint32_t sid = row[k];
        cells[k] = sid;
        x[k] = n[k] = 0;
        if (ent) ent[k] = NULL;
        if (sid == UINT32_MAX) continue;
        n[k] = a->sc[sid].records;
        size_t h0 = 0;
        const mc_entry *e = find_from(a, d, sid, (uint64_t)level << 32 | item, hint ? &hint[k] : &h0);
        x[k] = e ? e->c.records : 0;
        if (ent) ent[k] = e;
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
    sdc_index ix = {NULL, NULL};
    sdc_work w0;
    memset(&w0, 0, sizeof w0);
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
    {
        mc_sdc_problem lp = {ns, NULL, NULL, NULL, L.n_lines, L.off, L.cells, L.total};
        if (sdc_index_build(&lp, &ix) || sdc_work_init(&w0, ns, L.n_lines)) goto nomem;
    }
    /* denominators, records with any code */
    for (size_t s = 0; s < ns; s++) val[s] = a->sc[s].records;
    if (family(p, a, &L, &ix, &w0, x->published, val, NULL, 0, 0, x->denom) < 0) goto nomem;
    for (size_t s = 0; s < ns; s++) val[s] = a->sc[s].with_code;
    if (family(p, a, &L, &ix, &w0, x->published, val, NULL, 0, 1, x->with_code) < 0) goto nomem;
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
        /* zero / MC_PUB between families: each sets its cells and clears them after */
        uint64_t *fv = calloc(ns + 1, sizeof *fv);
        uint8_t *fs = calloc(ns + 1, 1);
        uint32_t *nz = malloc((ns + 1) * sizeof *nz);
        sdc_work w;
        int wfail = sdc_work_init(&w, ns, L.n_lines);
        oom |= !fv || !fs || !nz || wfail;
#pragma omp for schedule(dynamic, 8)
        for (size_t f = 0; f < nf; f++) {
            size_t i = fam[f], j = fam[f + 1];
            uint32_t lv = byf[i]->level;
            if (oom || lv == MC_LV_CHARLSON_BUCKET) continue;
            for (size_t k = i; k < j; k++) { fv[byf[k]->stratum] = byf[k]->c.records; nz[k - i] = byf[k]->stratum; }
            int any = family(p, a, &L, &ix, &w, x->published, fv, nz, j - i, 1, fs);
            for (size_t k = i; k < j; k++) fv[byf[k]->stratum] = 0;
            if (any < 0) oom = 1;
            if (any <= 0) continue;
            /* the cells not published, in stratum order beside the family's entries */
            qsort(w.unk.items, w.unk.n, sizeof *w.unk.items, cmp_u32);
            for (size_t u = 0, k = i; u < w.unk.n; u++) {
                uint32_t s = w.unk.items[u];
                while (k < j && byf[k]->stratum < s) k++;
                const mc_entry *e = k < j && byf[k]->stratum == s ? byf[k] : NULL;
                if (e) x->entry[e - a->e] = fs[s];
                else {
                    mc_entry zc;
                    memset(&zc, 0, sizeof zc);
                    zc.stratum = s; zc.level = lv; zc.item = byf[i]->item;
                    zc.c.mentions = fs[s]; /* its status, carried to the rows below */
                    oom |= mc_vec_push(z, zc) != 0;
                }
                fs[s] = MC_PUB;
            }
        }
        free(fv);
        free(fs);
        free(nz);
        sdc_work_free(&w);
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
    memset(stat, MC_PUB, ns);
    for (size_t i = 0; i < x->n_cooc; i++) {
        for (size_t s = 0; s < ns; s++) val[s] = mc_disc_pair(a, x, (uint32_t)s, x->cooc[2 * i], x->cooc[2 * i + 1]);
        int any = family(p, a, &L, &ix, &w0, x->published, val, NULL, 0, 1, stat);
        if (any < 0) goto nomem;
        if (!any) continue;
        memcpy(&x->pair_status[i * ns], stat, ns);
        for (size_t u = 0; u < w0.unk.n; u++) stat[w0.unk.items[u]] = MC_PUB;
    }
    /* standardised rates: published only when the crude count and the denominator are,
       and every age-specific count and complement of the stratum is 0 or >= k (and, when
       the stratum x age_band table is published, none of its cells is suppressed); each
       entry's verdict is its own: in parallel */
#pragma omp parallel
    {
        size_t hint[MC_MAX_BANDS + 1] = {0}; /* this thread's entries come in order */
#pragma omp for schedule(dynamic, 4096)
        for (size_t i = 0; i < a->n_entries; i++) {
            const mc_entry *e = &a->e[i];
            if (e->level > MC_LV_CHAPTER || x->entry[i] != MC_PUB || x->denom[e->stratum] != MC_PUB || !x->published[e->stratum]) continue;
            uint64_t xs[MC_MAX_BANDS + 1], nn[MC_MAX_BANDS + 1];
            uint32_t cells[MC_MAX_BANDS + 1];
            const mc_entry *ent[MC_MAX_BANDS + 1];
            int nb = mc_std_cells(p, a, x, e->stratum, e->level, e->item, xs, nn, cells, ent, hint);
            if (nb < 0) continue;
            int ok = 1;
            for (int k = 0; k < nb && ok; k++) { /* the bands used; the unknown age is not */
                if (small(xs[k], p->min_cell) || (xs[k] && small(nn[k] - xs[k], p->min_cell))) ok = 0;
                if (ok && cells[k] != UINT32_MAX && x->published[cells[k]]) {
                    const mc_entry *c = ent[k];
                    if ((c && x->entry[c - a->e] != MC_PUB) || x->denom[cells[k]] != MC_PUB) ok = 0;
                }
            }
            x->std_ok[i] = (uint8_t)ok;
        }
    }
rows:
    /* rows: entries plus suppressed zero cells, in (stratum, level, item) order */
    x->n_rows = a->n_entries + extra.n;
    x->rows = malloc((x->n_rows + 1) * sizeof *x->rows);
    x->row_status = malloc(x->n_rows + 1);
    if (!x->rows || !x->row_status) goto nomem;
    {
        /* the zero cells sorted (unique keys), their status carried in c.mentions until here */
        mc_entry *z = extra.items;
        for (size_t i = 0; i < extra.n; i++) z[i].c.mentions = extra_st.items[i];
        if (extra.n) qsort(z, extra.n, sizeof *z, cmp_entry_key);
        size_t i = 0, j = 0, w = 0;
        while (i < a->n_entries || j < extra.n) {
            if (j >= extra.n || (i < a->n_entries && cmp_entry_key(&a->e[i], &z[j]) < 0)) {
                x->rows[w] = &a->e[i];
                x->row_status[w++] = x->entry[i];
                i++;
            } else {
                x->row_status[w] = (uint8_t)z[j].c.mentions;
                z[j].c.mentions = 0;
                x->rows[w++] = &z[j];
                j++;
            }
        }
        x->zero_rows = z;
        extra.items = NULL;
        extra.n = extra.cap = 0;
    }
    free(L.off); free(L.cells); free(L.total);
    free(val); free(stat); free(byf); free(fam);
    mc_vec_free(&extra); mc_vec_free(&extra_st);
    sdc_index_free(&ix);
    sdc_work_free(&w0);
    return MC_OK;
nomem:
    free(L.off); free(L.cells); free(L.total);
    free(val); free(stat); free(byf); free(fam);
    mc_vec_free(&extra); mc_vec_free(&extra_st);
    sdc_index_free(&ix);
    sdc_work_free(&w0);
    mc_disclosure_free(x);
    return mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory");
}
