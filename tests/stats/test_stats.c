/* test_stats.c — hand-worked checks of the statistics core: Wilson intervals (Newcombe
 * 1998's published examples), the Fay-Feuer interval (one band = the exact Poisson
 * interval), direct standardisation, and disclosure control on tables designed so that
 * naive primary suppression leaks a cell; co-occurrence counts that overflow their
 * compact counters (argument: a compiled dictionary). */
#include "mc_test.h"
#include "stats/mc_stats.h"
#include "common/mc_util.h"
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

static void test_wilson(void)
{
    /* Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
     * seven methods. Stat Med 1998;17:857-872, table II, method 3 (Wilson score). */
    static const struct { uint64_t x, n; double lo, hi; } T[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0000, 0.1611}, {1, 29, 0.0061, 0.1718},
    };
    for (size_t i = 0; i < sizeof T / sizeof *T; i++) {
        double lo, hi;
        mc_wilson(T[i].x, T[i].n, &lo, &hi);
        MC_CHECK(near(lo, T[i].lo, 0.00006));
        MC_CHECK(near(hi, T[i].hi, 0.00006));
    }
    /* by hand: 5/50, z = 1.96: centre (0.1 + 0.038415)/1.076829 = 0.128539,
       half 1.820151 * sqrt(0.0018 + 0.000384146) = 0.085065 -> 0.043474 .. 0.213604 */
    double lo, hi;
    mc_wilson(5, 50, &lo, &hi);
    MC_CHECK(near(lo, 0.043474, 0.000002));
    MC_CHECK(near(hi, 0.213604, 0.000002));
    mc_wilson(7, 7, &lo, &hi);
    MC_CHECK(hi == 1.0 && lo > 0.64 && lo < 0.65);
}

static void test_dsr(void)
{
    /* one band with weight 1: the Fay-Feuer interval is the exact (Garwood) Poisson
       interval; for x = 10: 4.795389 .. 18.390356 (chi-square quantiles / 2) */
    double w1[1] = {1.0}, r, lo, hi;
    uint64_t x1[1] = {10}, n1[1] = {1};
    MC_CHECK(mc_dsr(1, w1, x1, n1, &r, &lo, &hi) == 0);
    MC_CHECK(r == 10.0);
    MC_CHECK(near(lo, 4.795389, 0.00001));
    MC_CHECK(near(hi, 18.390356, 0.00001));
    x1[0] = 0; /* x = 0: lower 0, upper -ln(0.025) = 3.688879 */
    MC_CHECK(mc_dsr(1, w1, x1, n1, &r, &lo, &hi) == 0);
    MC_CHECK(r == 0.0 && lo == 0.0 && near(hi, 3.688879, 0.00001));
    /* two bands, weights 0.6 / 0.4, 10 of 1000 and 20 of 500:
       rate = 0.6 * 0.01 + 0.4 * 0.04 = 0.022 */
    double w[2] = {0.6, 0.4};
    uint64_t x[2] = {10, 20}, n[2] = {1000, 500};
    MC_CHECK(mc_dsr(2, w, x, n, &r, &lo, &hi) == 0);
    MC_CHECK(near(r, 0.022, 1e-15));
    MC_CHECK(lo < r && hi > r && lo > 0.012 && hi < 0.036);
    /* a band with weight but no records: undefined */
    uint64_t n0[2] = {1000, 0};
    MC_CHECK(mc_dsr(2, w, x, n0, &r, &lo, &hi) < 0);
    /* US 2000 standard million sums to 1,000,000 */
    long sum = 0;
    for (int i = 0; i < 19; i++) sum += mc_us2000_pop[i];
    MC_CHECK(sum == 1000000);
}

static void test_suppress_1d(void)
{
    /* cells A=5, B=20, C=25 and their total 50 (published constant): naive primary
       suppression of A alone leaks it (50 - 20 - 25 = 5). The solver must add B. */
    uint64_t v[4] = {5, 20, 25, 50};
    uint8_t st[4] = {MC_SUP_PRIMARY, 0, 0, 0};
    uint32_t off[2] = {0, 3}, cells[3] = {0, 1, 2};
    int64_t tot[1] = {3};
    mc_sdc_problem pr = {4, v, st, NULL, 1, off, cells, tot};
    size_t which;
    MC_CHECK(mc_sdc_audit(&pr, &which) == 1 && which == 0); /* the leak is detected */
    MC_CHECK(mc_sdc_solve(&pr) == 1);
    MC_CHECK(st[1] == MC_SUP_COMPLEMENTARY && st[2] == MC_PUB && st[3] == MC_PUB);
    MC_CHECK(mc_sdc_audit(&pr, &which) == 0);
}

static void test_suppress_2d(void)
{
    /* 4x4 table with row totals, column totals and a grand total, all published. The
       suppressed pattern has two suppressed cells or more in every row and column (so a
       per-line rule is satisfied) but cell (0,2) is a bridge between two 2x2 cycles and
       is determined exactly by the margins. The audit must find it and the solver fix it. */
    enum { N = 4 };
    uint64_t v[N * N + 2 * N + 1];
    uint8_t st[N * N + 2 * N + 1] = {0};
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++) v[r * N + c] = (uint64_t)(20 + 3 * r + 5 * c);
    for (int r = 0; r < N; r++) { v[16 + r] = 0; for (int c = 0; c < N; c++) v[16 + r] += v[r * N + c]; }
    for (int c = 0; c < N; c++) { v[20 + c] = 0; for (int r = 0; r < N; r++) v[20 + c] += v[r * N + c]; }
    v[24] = 0;
    for (int r = 0; r < N; r++) v[24] += v[16 + r];
    int pat[][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}, {0, 2}};
    for (size_t i = 0; i < sizeof pat / sizeof *pat; i++) st[pat[i][0] * N + pat[i][1]] = MC_SUP_PRIMARY;
    uint32_t off[2 * N + 3], cells[2 * N * N + 2 * N];
    int64_t tot[2 * N + 2];
    size_t nl = 0, k = 0;
    off[0] = 0;
    for (int r = 0; r < N; r++) { for (int c = 0; c < N; c++) cells[k++] = (uint32_t)(r * N + c); off[++nl] = (uint32_t)k; tot[nl - 1] = 16 + r; }
    for (int c = 0; c < N; c++) { for (int r = 0; r < N; r++) cells[k++] = (uint32_t)(r * N + c); off[++nl] = (uint32_t)k; tot[nl - 1] = 20 + c; }
    for (int r = 0; r < N; r++) cells[k++] = (uint32_t)(16 + r);
    off[++nl] = (uint32_t)k; tot[nl - 1] = 24;
    for (int c = 0; c < N; c++) cells[k++] = (uint32_t)(20 + c);
    off[++nl] = (uint32_t)k; tot[nl - 1] = 24;
    mc_sdc_problem pr = {25, v, st, NULL, nl, off, cells, tot};
    size_t which = 99;
    MC_CHECK(mc_sdc_audit(&pr, &which) == 1);
    MC_CHECK(which == 2); /* cell (0,2) */
    MC_CHECK(mc_sdc_solve(&pr) >= 1);
    MC_CHECK(mc_sdc_audit(&pr, &which) == 0);
    for (size_t l = 0; l < nl; l++) { /* and no line is left with exactly one unknown */
        int u = st[tot[l]] != MC_PUB;
        for (uint32_t j = off[l]; j < off[l + 1]; j++) u += st[cells[j]] != MC_PUB;
        MC_CHECK(u != 1);
    }
}

static void test_suppress_frozen(void)
{
    /* a frozen suppressed total (a denominator suppressed in strata.csv) with every
       member published would be recovered as their sum: one member must be suppressed,
       then a second one. */
    uint64_t v[4] = {3, 40, 50, 93};
    uint8_t st[4] = {0, 0, 0, MC_SUP_COMPLEMENTARY};
    uint8_t fr[4] = {0, 0, 0, 1};
    uint32_t off[2] = {0, 3}, cells[3] = {0, 1, 2};
    int64_t tot[1] = {3};
    mc_sdc_problem pr = {4, v, st, fr, 1, off, cells, tot};
    mc_sdc_solve(&pr);
    MC_CHECK(st[0] == MC_SUP_COMPLEMENTARY && st[1] == MC_PUB && st[3] == MC_SUP_COMPLEMENTARY);
    size_t which;
    MC_CHECK(mc_sdc_audit(&pr, &which) == 0);
}

/* ---- the solver against the plain method --------------------------------------------
 * The reference below is the solver as first written: sweep every line in order until a
 * sweep changes nothing, audit every line densely. mc_sdc_solve works outwards from the
 * unknown cells and groups the audit by component; its decisions must be the same, one
 * for one, on any problem. */


static int ref_cell_unknown(const mc_sdc_problem *pr, int64_t c) { return c >= 0 && pr->status[c] != MC_PUB; }
static int ref_cell_free(const mc_sdc_problem *pr, int64_t c)
{
    return c >= 0 && pr->status[c] == MC_PUB && !(pr->frozen && pr->frozen[c]);
}

/* Choose a cell of line l to suppress: smallest non-zero free member, then the total,
 * then a zero member. -1 when none. */
static int64_t ref_pick(const mc_sdc_problem *pr, size_t l)
{
    int64_t best = -1;
    for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
        uint32_t c = pr->line_cells[k];
        if (!ref_cell_free(pr, c) || !pr->value[c]) continue;
        if (best < 0 || pr->value[c] < pr->value[best] || (pr->value[c] == pr->value[best] && c < best)) best = c;
    }
    if (best >= 0) return best;
    int64_t t = pr->line_total[l];
    if (ref_cell_free(pr, t)) return t;
    for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++)
        if (ref_cell_free(pr, pr->line_cells[k])) return pr->line_cells[k];
    return -1;
}

static size_t ref_line_pass(mc_sdc_problem *pr)
{
    size_t added = 0;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t l = 0; l < pr->n_lines; l++) {
            int u = ref_cell_unknown(pr, pr->line_total[l]);
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1] && u < 2; k++) u += ref_cell_unknown(pr, pr->line_cells[k]);
            if (u != 1) continue;
            int64_t c = ref_pick(pr, l);
            if (c < 0) continue;
            pr->status[c] = MC_SUP_COMPLEMENTARY;
            added++;
            changed = 1;
        }
    }
    return added;
}

static size_t ref_uf_find(size_t *par, size_t x)
{
    while (par[x] != x) x = par[x] = par[par[x]];
    return x;
}

static int ref_audit(const mc_sdc_problem *pr, size_t *which)
{
    size_t nc = pr->n_cells;
    int64_t *var = malloc((nc + 1) * sizeof *var);
    if (!var) return 0;
    size_t nv = 0;
    for (size_t c = 0; c < nc; c++) var[c] = -1;
    for (size_t l = 0; l < pr->n_lines; l++) { /* unknowns that appear in some line */
        int64_t t = pr->line_total[l];
        if (ref_cell_unknown(pr, t) && var[t] < 0) var[t] = (int64_t)nv++;
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (ref_cell_unknown(pr, c) && var[c] < 0) var[c] = (int64_t)nv++;
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
        if (ref_cell_unknown(pr, t)) first = var[t];
        for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
            uint32_t c = pr->line_cells[k];
            if (!ref_cell_unknown(pr, c)) continue;
            if (first < 0) first = var[c];
            else par[ref_uf_find(par, (size_t)var[c])] = ref_uf_find(par, (size_t)first);
        }
        lroot[l] = first < 0 ? SIZE_MAX : (size_t)first;
    }
    for (size_t l = 0; l < pr->n_lines; l++)
        if (lroot[l] != SIZE_MAX) lroot[l] = ref_uf_find(par, lroot[l]);
    /* each component: dense elimination */
    int64_t *local = malloc((nv + 1) * sizeof *local);
    uint8_t *done = calloc(nv + 1, 1);
    if (!local || !done) { free(local); free(done); goto out; }
    for (size_t r0 = 0; r0 < nv && !found; r0++) {
        size_t root = ref_uf_find(par, r0);
        if (done[root]) continue;
        done[root] = 1;
        size_t ncol = 0, nrow = 0;
        for (size_t i = 0; i < nv; i++) local[i] = ref_uf_find(par, i) == root ? (int64_t)ncol++ : -1;
        for (size_t l = 0; l < pr->n_lines; l++) nrow += lroot[l] == root;
        if (ncol > 1500 || nrow > 6000) continue; /* too large to audit densely: the line rule stands */
        double *m = calloc(nrow * ncol + 1, sizeof *m);
        if (!m) continue;
        size_t r = 0;
        for (size_t l = 0; l < pr->n_lines; l++) {
            if (lroot[l] != root) continue;
            int64_t t = pr->line_total[l];
            if (ref_cell_unknown(pr, t)) m[r * ncol + (size_t)local[var[t]]] -= 1.0;
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1]; k++) {
                uint32_t c = pr->line_cells[k];
                if (ref_cell_unknown(pr, c)) m[r * ncol + (size_t)local[var[c]]] += 1.0;
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

static size_t ref_solve(mc_sdc_problem *pr)
{
    size_t added = 0;
    for (;;) {
        added += ref_line_pass(pr);
        size_t c;
        if (!ref_audit(pr, &c)) break;
        /* c is determined: suppress the smallest free non-zero member of one of its lines */
        int64_t best = -1;
        for (size_t l = 0; l < pr->n_lines; l++) {
            int in = pr->line_total[l] == (int64_t)c;
            for (uint32_t k = pr->line_off[l]; k < pr->line_off[l + 1] && !in; k++) in = pr->line_cells[k] == c;
            if (!in) continue;
            int64_t cand = ref_pick(pr, l);
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

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13; rnd_state ^= rnd_state >> 7; rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

/* A random R x C x D table with every margin (cells, the sums over each axis, and so on
 * to the grand total) as cells, and their additive lines; some totals become published
 * constants (-1), some cells frozen, small counts primary. */
static void test_suppress_random(void)
{
    enum { MAXC = 600, MAXL = 2000, MAXM = 8000 };
    static uint64_t v[MAXC];
    static uint8_t st[MAXC], st2[MAXC], fr[MAXC];
    static uint32_t off[MAXL + 1], cells[MAXM];
    static int64_t tot[MAXL];
    int agree = 1, leaks = 0;
    size_t suppressed = 0;
    for (int trial = 0; trial < 400 && agree; trial++) {
        int dim[3] = {1 + (int)rnd(6), 1 + (int)rnd(6), 1 + (int)rnd(4)};
        int ext[3] = {dim[0] + 1, dim[1] + 1, dim[2] + 1}; /* index dim[k] is the margin */
        size_t nc = (size_t)ext[0] * ext[1] * ext[2];
#define CELL(i, j, k) ((size_t)(((i) * ext[1] + (j)) * ext[2] + (k)))
        int zeros = (int)rnd(4);
        for (int i = 0; i < dim[0]; i++)
            for (int j = 0; j < dim[1]; j++)
                for (int k = 0; k < dim[2]; k++) v[CELL(i, j, k)] = rnd(4) < (uint32_t)zeros ? 0 : rnd(40);
        /* margins: sum over the axes at their margin index */
        for (int i = 0; i < ext[0]; i++)
            for (int j = 0; j < ext[1]; j++)
                for (int k = 0; k < ext[2]; k++) {
                    if (i < dim[0] && j < dim[1] && k < dim[2]) continue;
                    uint64_t sum = 0;
                    for (int a = 0; a < dim[0]; a++)
                        for (int b = 0; b < dim[1]; b++)
                            for (int c = 0; c < dim[2]; c++)
                                if ((i == dim[0] || a == i) && (j == dim[1] || b == j) && (k == dim[2] || c == k)) sum += v[CELL(a, b, c)];
                    v[CELL(i, j, k)] = sum;
                }
        /* lines: along each axis, the members at index < dim sum to the margin cell */
        size_t nl = 0, m = 0;
        off[0] = 0;
        for (int ax = 0; ax < 3; ax++)
            for (int i = 0; i < ext[0]; i++)
                for (int j = 0; j < ext[1]; j++)
                    for (int k = 0; k < ext[2]; k++) {
                        int at[3] = {i, j, k};
                        if (at[ax] != dim[ax]) continue; /* one line per margin cell of this axis */
                        for (int q = 0; q < dim[ax]; q++) {
                            int b[3] = {i, j, k};
                            b[ax] = q;
                            cells[m++] = (uint32_t)CELL(b[0], b[1], b[2]);
                        }
                        tot[nl] = rnd(8) == 0 ? -1 : (int64_t)CELL(i, j, k);
                        off[++nl] = (uint32_t)m;
                    }
#undef CELL
        for (size_t c = 0; c < nc; c++) {
            fr[c] = rnd(12) == 0;
            st[c] = v[c] >= 1 && v[c] < 5 ? MC_SUP_PRIMARY : fr[c] && rnd(3) == 0 ? MC_SUP_COMPLEMENTARY : MC_PUB;
            st2[c] = st[c];
        }
        int use_frozen = (int)rnd(2);
        mc_sdc_problem a = {nc, v, st, use_frozen ? fr : NULL, nl, off, cells, tot};
        mc_sdc_problem b = {nc, v, st2, use_frozen ? fr : NULL, nl, off, cells, tot};
        size_t w1 = SIZE_MAX, w2 = SIZE_MAX;
        int f1 = mc_sdc_audit(&a, &w1), f2 = ref_audit(&b, &w2);
        if (f1 != f2 || (f1 && w1 != w2)) agree = 0;
        size_t n1 = mc_sdc_solve(&a), n2 = ref_solve(&b);
        if (n1 != n2 || memcmp(st, st2, nc)) agree = 0;
        suppressed += n1;
        leaks += mc_sdc_audit(&a, &w1);
    }
    MC_CHECK(agree);
    MC_CHECK(suppressed > 100); /* the problems did call for complementary cells */
    (void)leaks;                /* frozen cells can leave a leak neither method may fix */
}

/* The tables print their rates with mc_buf_put_f3 instead of printf "%.3f": the bytes
 * must be the same for every value, exact ties (x.xxx5 representable) included. */
static void test_put_f3(void)
{
    char want[512];
    mc_buf b = {0};
    int same = 1;
    size_t n = 0;
    for (int i = 0; i < 400000 && same; i++) {
        double v;
        switch (i % 5) {
        case 0: v = 1000.0 * (double)rnd(100000) / (double)(1 + rnd(100000)); break;    /* rates */
        case 1: v = (double)rnd(2000000) / 2000.0; break;                                  /* ties k + 0.5 */
        case 2: v = (double)rnd(1u << 30) / 16384.0; break;                                /* exact binary */
        case 3: { uint64_t bits = ((uint64_t)rnd(1u << 31) << 32 | rnd(0xffffffffu)) & 0x42afffffffffffffull;
                  memcpy(&v, &bits, sizeof v); break; }                                    /* any < 2^43 */
        default: v = ldexp((double)(1 + rnd(1000)), -(int)rnd(80)); break;                 /* tiny */
        }
        snprintf(want, sizeof want, "%.3f", v);
        b.len = 0;
        mc_buf_put_f3(&b, v);
        same = b.len == strlen(want) && !memcmp(b.data, want, b.len);
        n++;
    }
    double edge[] = {0.0, -0.0, 0.0005, 0.0015, 0.0025, 999.9995, 1.0625, 2.5e-4, 8.99e12, 9e12, 1e300, -1.5};
    for (size_t i = 0; i < sizeof edge / sizeof *edge && same; i++) {
        snprintf(want, sizeof want, "%.3f", edge[i]);
        b.len = 0;
        mc_buf_put_f3(&b, edge[i]);
        same = b.len == strlen(want) && !memcmp(b.data, want, b.len);
    }
    MC_CHECK(same);
    MC_CHECK(n == 400000);
    mc_buf_free(&b);
}

/* mc_radix_sort_kv against a comparison sort on (key, original position): sorted by key,
 * equal keys in their original order, whatever the thread count. */
static int cmp_kv_pos(const void *x, const void *y)
{
    const mc_kv64 *a = x, *b = y;
    if (a->k != b->k) return a->k < b->k ? -1 : 1;
    return a->v < b->v ? -1 : a->v > b->v;
}

static void test_radix_sort(void)
{
    size_t sizes[] = {0, 1, 7, 1000, 70000, 300001};
    uint64_t masks[] = {~0ull, 0xffffull, 0x7ffffffff0000ull, 0xf0000000000000ffull, 0};
    int ok = 1, saved = omp_get_max_threads();
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (size_t mi = 0; mi < sizeof masks / sizeof *masks; mi++)
            for (int nt = 1; nt <= 3; nt += 2) {
                size_t n = sizes[si];
                mc_kv64 *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
                for (size_t i = 0; i < n; i++) {
                    uint64_t k = ((uint64_t)rnd(0xffffffffu) << 32 | rnd(0xffffffffu)) & masks[mi];
                    if (rnd(4) == 0 && i) k = x[rnd((uint32_t)i)].k; /* repeated keys */
                    x[i] = y[i] = (mc_kv64){k, i};
                }
                omp_set_num_threads(nt);
                ok &= mc_radix_sort_kv(x, n) == 0;
                if (n) qsort(y, n, sizeof *y, cmp_kv_pos);
                ok &= n == 0 || memcmp(x, y, n * sizeof *x) == 0;
                free(x);
                free(y);
            }
    omp_set_num_threads(saved);
    MC_CHECK(ok);
}

/* The overall stratum counts pairs in one-byte counters that spill into the 64-bit pair
 * map; with the spill point lowered to 2 the summed pairs must be the same as without,
 * whether the map keys pairs by one packed key or through pair ids. */
/* The dictionary at dict_path and a statistics plan with the options so (default scan
 * options); NULL (and *d NULL) when either fails, a failed check counted. */
static mc_stats_plan *open_plan(const char *dict_path, const mc_stats_opts *so, mc_dict **d)
{
    mc_error e;
    mc_scan_opts sc;
    mc_scan_opts_default(&sc);
    *d = NULL;
    MC_CHECK(mc_dict_open(dict_path, d, &e) == MC_OK);
    if (!*d) return NULL;
    mc_stats_plan *p = NULL;
    MC_CHECK(mc_stats_plan_create(*d, so, &sc, NULL, &p, &e) == MC_OK);
    if (!p) { mc_dict_close(*d); *d = NULL; }
    return p;
}

static void test_pair_spill(const char *dict_path)
{
    mc_dict *d;
    mc_error e;
    mc_stats_opts so;
    mc_stats_opts_default(&so);
    mc_stats_plan *p = open_plan(dict_path, &so, &d);
    if (!p) return;
    /* every code's items: itself, its category (first three characters), its block */
    uint32_t bad_items = 0;
    for (uint32_t c = 0; c < p->n_codes; c++) {
        uint32_t its[4];
        mc_code_info ci;
        mc_plan_code_items(p, c, its);
        mc_dict_code(d, c, &ci);
        bad_items += its[MC_LV_CODE] != c || its[MC_LV_CATEGORY] >= p->n_items[MC_LV_CATEGORY] ||
                     strncmp(p->cat_name[its[MC_LV_CATEGORY]], ci.code, 3) != 0 || its[MC_LV_BLOCK] != ci.block;
    }
    MC_CHECK(bad_items == 0);
    uint32_t pick[24], np = 0, last = UINT32_MAX;
    for (uint32_t c = 0; c < p->n_codes && np < 24; c += 97) { /* codes of distinct categories */
        uint32_t its[4];
        mc_plan_code_items(p, c, its);
        uint32_t it = its[MC_LV_CATEGORY];
        if (it != UINT32_MAX && it != last) pick[np++] = c, last = it;
    }
    MC_CHECK(np == 24);
    mc_stats *sh[3] = {mc_stats_create(p), mc_stats_create(p), mc_stats_create(p)};
    MC_CHECK(sh[0] && sh[1] && sh[2]);
    if (!sh[0] || !sh[1] || !sh[2]) return;
    mc_stats_set_pair_spill(sh[1], 2);
    mc_stats_set_pair_spill(sh[2], 2);
    mc_stats_set_pair_pack(sh[2], 0);
    uint64_t x = 12345;
    for (int r = 0; r < 3000; r++) {
        mc_mention ms[10];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 1 + x % 10;
        for (size_t k = 0; k < n; k++) {
            memset(&ms[k], 0, sizeof ms[k]);
            ms[k].code = ms[k].matched_code = pick[(x >> (4 * k + 8)) % np];
            ms[k].counted = 1;
            ms[k].trigger = -1;
        }
        for (int k = 0; k < 3; k++) MC_CHECK(mc_stats_record(sh[k], ms, n, NULL) == 0);
    }
    mc_agg *g[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) MC_CHECK(mc_agg_from_shards(p, &sh[k], 1, &g[k], &e) == MC_OK);
    for (int k = 1; k < 3; k++) {
        if (!g[0] || !g[k]) continue;
        MC_CHECK(g[0]->n_pairs == g[k]->n_pairs && g[0]->n_pairs > 100);
        uint64_t most = 0;
        for (size_t i = 0; i < g[0]->n_pairs && i < g[k]->n_pairs; i++) {
            const mc_pairc *a = &g[0]->pairs[i], *b = &g[k]->pairs[i];
            MC_CHECK(a->stratum == b->stratum && a->a == b->a && a->b == b->b && a->n == b->n);
            if (a->n > most) most = a->n;
        }
        MC_CHECK(most > 10); /* counters did spill, many times */
    }
    for (int k = 0; k < 3; k++) {
        mc_agg_free(g[k]);
        mc_stats_free(sh[k]);
    }
    mc_stats_plan_free(p);
    mc_dict_close(d);
}

/* The hashed strata count entries in 32-bit rows that move their counts to 64-bit
 * counters when one reaches the spill point; lowered to 1 (every add spills) and to 3,
 * the aggregate must be the same as without, entry for entry. A stratification by sex
 * with age bands (so also the hidden sex x age_band strata of the standardised rates). */
static void test_entry_spill(const char *dict_path)
{
    mc_dict *d;
    mc_error e;
    mc_stats_opts so;
    mc_stats_opts_default(&so);
    so.strata[0] = "sex";
    so.n_strata = 1;
    so.age_col = "age";
    mc_stats_plan *p = open_plan(dict_path, &so, &d);
    if (!p) return;
    int col_sex = -1, col_age = -1;
    for (int c = 0; c < p->n_cols; c++) {
        if (!strcmp(p->cols[c], "sex")) col_sex = c;
        if (!strcmp(p->cols[c], "age")) col_age = c;
    }
    MC_CHECK(col_sex >= 0 && col_age >= 0 && p->n_cols == 2);
    if (col_sex < 0 || col_age < 0) { mc_stats_plan_free(p); mc_dict_close(d); return; }
    mc_stats *sh[3] = {mc_stats_create(p), mc_stats_create(p), mc_stats_create(p)};
    MC_CHECK(sh[0] && sh[1] && sh[2]);
    if (!sh[0] || !sh[1] || !sh[2]) return;
    mc_stats_set_entry_spill(sh[1], 1);
    mc_stats_set_entry_spill(sh[2], 3);
    static const char *const sexes[] = {"F", "M", "U"}, *const ages[] = {"7", "30", "52", "80", ""};
    uint32_t n_codes = mc_dict_n_codes(d);
    uint64_t x = 777;
    for (int r = 0; r < 4000; r++) {
        mc_mention ms[8];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = x % 8; /* records without a mention too */
        for (size_t k = 0; k < n; k++) {
            memset(&ms[k], 0, sizeof ms[k]);
            ms[k].code = ms[k].matched_code = (uint32_t)((x >> (5 * k + 3)) % 64) * (n_codes / 64);
            ms[k].counted = (x >> (k + 40)) & 1 ? 1 : 0;
            ms[k].assertion = (uint8_t)((x >> (k + 50)) % 3);
            ms[k].trigger = -1;
        }
        mc_strval vals[2];
        const char *sx = sexes[(x >> 20) % 3], *ag = ages[(x >> 24) % 5];
        vals[col_sex] = (mc_strval){sx, strlen(sx)};
        vals[col_age] = (mc_strval){ag, strlen(ag)};
        for (int k = 0; k < 3; k++) MC_CHECK(mc_stats_record(sh[k], ms, n, vals) == 0);
    }
    mc_agg *g[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) MC_CHECK(mc_agg_from_shards(p, &sh[k], 1, &g[k], &e) == MC_OK);
    for (int k = 1; k < 3; k++) {
        if (!g[0] || !g[k]) continue;
        MC_CHECK(g[0]->n_strata == g[k]->n_strata && g[0]->n_strata > 10);
        MC_CHECK(g[0]->n_entries == g[k]->n_entries && g[0]->n_entries > 1000);
        size_t differ = 0;
        uint64_t most = 0;
        for (size_t i = 0; i < g[0]->n_entries && i < g[k]->n_entries; i++) {
            const mc_entry *a = &g[0]->e[i], *b = &g[k]->e[i];
            differ += a->stratum != b->stratum || a->level != b->level || a->item != b->item || memcmp(&a->c, &b->c, sizeof a->c) != 0;
            if (a->stratum != 0 && a->c.records > most) most = a->c.records;
        }
        MC_CHECK(differ == 0);
        MC_CHECK(most > 10); /* hashed entries counted past the spill point */
    }
    for (int k = 0; k < 3; k++) {
        mc_agg_free(g[k]);
        mc_stats_free(sh[k]);
    }
    mc_stats_plan_free(p);
    mc_dict_close(d);
}

int main(int argc, char **argv)
{
    test_wilson();
    test_dsr();
    test_suppress_1d();
    test_suppress_2d();
    test_suppress_frozen();
    test_suppress_random();
    test_put_f3();
    test_radix_sort();
    if (argc > 1) test_pair_spill(argv[1]);
    if (argc > 1) test_entry_spill(argv[1]);
    else MC_CHECK(!"usage: test_stats DICT");
    return mc_test_result("test_stats");
}
