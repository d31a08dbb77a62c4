/* test_eval.c — mc_eval on a tiny hand-made gold set and prediction files, with the
 * figures computed by hand (see the comments) and the default report compared whole. */
#include "../dict/dict_test.h"
#include "mc_eval.h"
#include <math.h>
#include <stdlib.h>

static char fx[1024];
static const char *path(const char *name)
{
    static char p[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", fx, name);
    return p[k];
}

#define NEAR(a, b) DT_CHECK_MSG(fabs((a) - (b)) < 1e-9, "%.10f != %.10f", (double)(a), (double)(b))

static void check(const mc_eval_level *l, long tp, long fp, long fn)
{
    DT_EQ_LONG(l->tp, tp);
    DT_EQ_LONG(l->fp, fp);
    DT_EQ_LONG(l->fn, fn);
    double p = tp + fp ? (double)tp / (double)(tp + fp) : 0, r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    NEAR(l->precision, p);
    NEAR(l->recall, r);
    NEAR(l->f1, p + r > 0 ? 2 * p * r / (p + r) : 0);
}

static const char *expected_default =
    "gold: 3 documents, 6 codes; predicted: 3 documents, 6 codes; mode: counted\n"
    "level     precision  recall  f1      tp    fp    fn\n"
    "code      0.5000     0.5000  0.5000  3     3     3\n"
    "category  0.6000     0.5000  0.5455  3     2     3\n"
    "\n"
    "top 20 false negatives (code count)\n"
    "N18.3     1\n"
    "R05       1\n"
    "Z99.89    1\n"
    "\n"
    "top 20 false positives (code count)\n"
    "E11.65    1\n"
    "K21.9     1\n"
    "R50.9     1\n";

int main(int argc, char **argv)
{
    snprintf(fx, sizeof fx, "%s", argc > 1 ? argv[1] : "tests/eval/fixtures");
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_eval_level c, k;

    /* default: counted rows, their `code`.
     * gold pairs: d1 E11.9 I10 N18.3, d2 J18.9 R05, d3 Z99.89 (the duplicate "I10" merges) = 6
     * pred pairs: d1 E11.9 I10 E11.65, d2 J18.9 (twice) R50.9, d4 K21.9 = 6
     * code: tp 3 (E11.9 I10 J18.9), fp 3, fn 3 -> P 0.5 R 0.5 F1 0.5
     * category: pred d1 E11 I10, d2 J18 R50, d4 K21 = 5: tp 3, fp 2, fn 3 (N18 R05 Z99)
     *           -> P 0.6 R 0.5 F1 0.5455 */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    mc_eval_opts o = {0};
    DT_EQ_LONG(mc_eval_compute(path("gold.tsv"), path("pred.csv"), &o, out, &c, &k, &err), MC_OK);
    fclose(out);
    check(&c, 3, 3, 3);
    check(&k, 3, 2, 3);
    DT_CHECK_MSG(buf && strcmp(buf, expected_default) == 0, "report:\n%s", buf ? buf : "");
    free(buf);

    /* all mentions: matched_code of every row, negated and uncertain included:
     * + d1 N18.3, d2 R05 -> 8 pairs; tp 5, fp 3, fn 1 (Z99.89) -> P 0.625 R 0.8333 F1 0.7143 */
    o.all_mentions = 1;
    DT_EQ_LONG(mc_eval_compute(path("gold.tsv"), path("pred.csv"), &o, NULL, &c, &k, &err), MC_OK);
    check(&c, 5, 3, 1);
    NEAR(c.f1, 2 * 0.625 * (5.0 / 6.0) / (0.625 + 5.0 / 6.0));
    check(&k, 5, 2, 1);

    /* no counted column: every row; assertion filters on request */
    o.all_mentions = 0;
    DT_EQ_LONG(mc_eval_compute(path("gold.tsv"), path("pred-nocounted.csv"), &o, NULL, &c, &k, &err), MC_OK);
    check(&c, 3, 0, 3); /* E11.9 N18.3 R05 */
    o.ignore_negated = 1;
    DT_EQ_LONG(mc_eval_compute(path("gold.tsv"), path("pred-nocounted.csv"), &o, NULL, &c, &k, &err), MC_OK);
    check(&c, 2, 0, 4);
    o.ignore_uncertain = 1;
    DT_EQ_LONG(mc_eval_compute(path("gold.tsv"), path("pred-nocounted.csv"), &o, NULL, &c, &k, &err), MC_OK);
    check(&c, 1, 0, 5);

    /* --top 1 limits the lists (ties broken by code) */
    o = (mc_eval_opts){.top = 1};
    buf = NULL;
    out = open_memstream(&buf, &len);
    DT_EQ_LONG(mc_eval_run(path("gold.tsv"), path("pred.csv"), &o, out, &err), MC_OK);
    fclose(out);
    DT_CHECK(buf && strstr(buf, "top 1 false negatives (code count)\nN18.3     1\n\n"));
    free(buf);

    /* errors */
    DT_EQ_LONG(mc_eval_run(path("gold.tsv"), path("pred-nocode.csv"), &o, NULL, &err), MC_E_COLUMN);
    DT_EQ_LONG(mc_eval_run(path("no-such.tsv"), path("pred.csv"), &o, NULL, &err), MC_E_NOTFOUND);
    DT_EQ_LONG(mc_eval_run(path("pred.csv"), path("pred.csv"), &o, NULL, &err), MC_E_CSV); /* no tab */
    DT_EQ_LONG(err.record, 1);
    return DT_DONE();
}
