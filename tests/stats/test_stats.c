/* test_stats.c — hand-worked checks of the statistics core: Wilson intervals (Newcombe
 * 1998's published examples), the Fay-Feuer interval (one band = the exact Poisson
 * interval), direct standardisation, and disclosure control on tables designed so that
 * naive primary suppression leaks a cell; co-occurrence counts that overflow their
 * compact counters (argument: a compiled dictionary). */
#include "mc_test.h"
#include "stats/mc_stats.h"
#include <math.h>

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

/* The overall stratum counts pairs in one-byte counters that spill into the 64-bit pair
 * map; with the spill point lowered to 2 the summed pairs must be the same as without,
 * whether the map keys pairs by one packed key or through pair ids. */
static void test_pair_spill(const char *dict_path)
{
    mc_dict *d = NULL;
    mc_error e;
    MC_CHECK(mc_dict_open(dict_path, &d, &e) == MC_OK);
    if (!d) return;
    mc_stats_opts so;
    mc_scan_opts sc;
    mc_stats_opts_default(&so);
    mc_scan_opts_default(&sc);
    mc_stats_plan *p = NULL;
    MC_CHECK(mc_stats_plan_create(d, &so, &sc, NULL, &p, &e) == MC_OK);
    if (!p) { mc_dict_close(d); return; }
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

int main(int argc, char **argv)
{
    test_wilson();
    test_dsr();
    test_suppress_1d();
    test_suppress_2d();
    test_suppress_frozen();
    if (argc > 1) test_pair_spill(argv[1]);
    else MC_CHECK(!"usage: test_stats DICT");
    return mc_test_result("test_stats");
}
