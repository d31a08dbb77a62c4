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
    "hierarchy 0.5000     0.5000  0.5000  3     3     3\n"
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

    /* hierarchy: gold h1 R51 M54.5 T14.90, h2 E11 E11.9, h3 S72.001, h4 I10, h6 A01 A01.0 = 9
     *            pred h1 R51.0 R51.9 M54.50 T14.90XA, h2 E11.9 E11.65, h3 S72, h4 I10,
     *                 h5 J18.9, h6 A01.00 A01.1 = 11
     * exact: tp 2 (E11.9 I10), fp 9, fn 7
     * hierarchy: exact E11.9 I10; then longest first: T14.90XA->T14.90, M54.50->M54.5,
     *   E11.65->E11, A01.00->A01.0 (the most specific ancestor, so A01.1->A01 still
     *   matches), R51.0->R51 (equal lengths: file order), R51.9 none left (fp); S72 is less
     *   specific than S72.001: no match (fp, and S72.001 fn); J18.9 fp (h5 has no gold)
     *   -> tp 8, fp 3, fn 1: P 8/11 R 8/9
     * category: gold R51 M54 T14 E11 S72 I10 A01 = 7, pred the same + h5 J18 = 8: tp 7 fp 1 fn 0 */
    {
        mc_eval_levels l;
        o = (mc_eval_opts){0};
        buf = NULL;
        out = open_memstream(&buf, &len);
        DT_EQ_LONG(mc_eval_levels_compute(path("gold-hier.tsv"), path("pred-hier.csv"), &o, out, &l, &err), MC_OK);
        fclose(out);
        check(&l.code, 2, 9, 7);
        check(&l.hierarchy, 8, 3, 1);
        NEAR(l.hierarchy.f1, 2 * (8.0 / 11) * (8.0 / 9) / (8.0 / 11 + 8.0 / 9));
        check(&l.category, 7, 1, 0);
        DT_CHECK_MSG(buf && strstr(buf, "hierarchy 0.7273     0.8889  0.8000  8     3     1\n"), "report:\n%s", buf ? buf : "");
        DT_CHECK_MSG(buf && strstr(buf, "top 20 false negatives (code count)\nS72.001   1\n\n"), "report:\n%s", buf ? buf : "");
        DT_CHECK_MSG(buf && strstr(buf, "top 20 false positives (code count)\nJ18.9     1\nR51.9     1\nS72       1\n"),
                     "report:\n%s", buf ? buf : "");
        free(buf);
        /* the two-level entry point agrees */
        DT_EQ_LONG(mc_eval_compute(path("gold-hier.tsv"), path("pred-hier.csv"), &o, NULL, &c, &k, &err), MC_OK);
        check(&c, 2, 9, 7);
        check(&k, 7, 1, 0);
    }

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
