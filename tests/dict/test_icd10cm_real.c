/* test_icd10cm_real.c — imports the real ICD-10-CM files from $MEDCODE_DATA into the
 * recording fake builder and checks the code counts; prints the import counters.
 * Skips (77) when the data folder is absent. Usage: test_icd10cm_real [DATA_DIR] [DUMP] */
#include "dict_test.h"
#include "fake_builder.h"
#include "mc_import_icd10cm.h"
#include <stdlib.h>
#include <unistd.h>

static const char *const counters[] = {
    "order.codes", "order.billable", "order.headers", "order.short_titles", "index.nodes",
    "index.terms_with_code", "index.phrases", "index.incomplete_resolved",
    "index.incomplete_unresolved", "index.header_code", "index.code_not_in_release",
    "index.see_resolved", "index.see_unresolved", "index.manif_skipped",
    "index.stopword_skipped", "index.guarded", "index.no_phrase", "tabular.chapters",
    "tabular.sections", "tabular.inclusion_terms", "tabular.incomplete_resolved",
    "tabular.header_code", "tabular.code_not_in_release", "neoplasm.rows", "neoplasm.cells",
    "neoplasm.phrases", "neoplasm.incomplete_resolved", "neoplasm.incomplete_unresolved",
    "neoplasm.header_code", "neoplasm.code_not_in_release", "neoplasm.see_resolved",
    "neoplasm.see_unresolved", "neoplasm.see_also_filled", "neoplasm.see_also_unresolved",
    "neoplasm.residual_rows", "neoplasm.phrase_conflicts", "neoplasm.no_phrase", NULL};

static void report(const char *what, mc_builder *b)
{
    printf("== %s: terms title=%ld index=%ld inclusion=%ld\n", what,
           fb_terms_by_source(b, MC_SRC_TITLE), fb_terms_by_source(b, MC_SRC_INDEX),
           fb_terms_by_source(b, MC_SRC_INCLUSION));
    for (int i = 0; counters[i]; i++)
        if (fb_counter(b, counters[i])) printf("   %-30s %ld\n", counters[i], fb_counter(b, counters[i]));
}

static int run(mc_status (*fn)(mc_builder *, const char *, mc_error *), mc_builder *b,
               const char *path)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_status st = fn(b, path, &err);
    if (st != MC_OK) {
        char buf[1024];
        mc_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    return st;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : getenv("MEDCODE_DATA");
    if (!data) return DT_SKIP;
    char order[1024], csvidx[1024], eidx[1024], tab[1024];
    snprintf(order, sizeof order, "%s/icd10cm/fy2026/icd10cm-order-2026.txt", data);
    snprintf(csvidx, sizeof csvidx, "%s/icd10cm/fy2025-index/ICD10CM_2025_Index.csv", data);
    snprintf(eidx, sizeof eidx, "%s/icd10cm/fy2026/xml/icd10cm-eindex-April-1-2026-XML.xml", data);
    snprintf(tab, sizeof tab, "%s/icd10cm/tabular-fy2021/icd10cm_tabular_2021.xml", data);
    if (access(order, R_OK) != 0) {
        printf("skipped: %s not found\n", order);
        return DT_SKIP;
    }
    mc_builder *b = mc_builder_create();
    DT_CHECK(run(mc_import_icd10cm_order, b, order) == MC_OK);
    long bill = 0, n = fb_ncodes(b, &bill);
    DT_EQ_LONG(n, 98186);
    DT_EQ_LONG(bill, 74719);
    DT_EQ_STR(fb_meta(b, "release"), "ICD-10-CM FY2026");
    DT_CHECK(fb_meta(b, "source:order") && strlen(fb_meta(b, "source:order")) > 17);
    DT_EQ_LONG(fb_counter(b, "order.codes"), 98186);
    DT_CHECK(fb_has_term(b, "E11.9", "Type 2 diabetes mellitus without complications") == 1);
    DT_CHECK(fb_term_flags(b, "E11", "Type 2 diabetes mellitus") == MC_TERMF_CATEGORY);
    report("order", b);

    if (access(csvidx, R_OK) == 0) {
        DT_CHECK(run(mc_import_icd10cm_index, b, csvidx) == MC_OK);
        report("order + index CSV", b);
        DT_CHECK(fb_has_term(b, "E11.21", "type 2 diabetic nephropathy") >= 1);
        DT_CHECK(fb_has_term(b, "J69.0", "aspiration pneumonia") >= 1);
        DT_CHECK(fb_counter(b, "index.phrases") > 100000);
    }
    if (access(eidx, R_OK) == 0) {
        mc_builder *e = mc_builder_create();
        DT_CHECK(run(mc_import_icd10cm_order, e, order) == MC_OK);
        DT_CHECK(run(mc_import_icd10cm_index, e, eidx) == MC_OK);
        report("order + external cause index XML", e);
        DT_CHECK(fb_counter(e, "index.phrases") > 1000);
        mc_builder_free(e);
    }
    if (access(tab, R_OK) == 0) {
        DT_CHECK(run(mc_import_icd10cm_tabular, b, tab) == MC_OK);
        report("order + index CSV + tabular", b);
        DT_EQ_LONG(fb_counter(b, "tabular.chapters"), 22);
        DT_CHECK(fb_has_term(b, "A00.0", "Classical cholera") >= 1);
    }
    /* Neoplasm Table: the official FY2026 XML, and the FY2025 CSV conversion */
    char neox[1024], neoc[1024];
    snprintf(neox, sizeof neox, "%s/icd10cm/fy2026/xml/icd10cm-neoplasm-April-1-2026-XML.xml", data);
    snprintf(neoc, sizeof neoc, "%s/icd10cm/fy2025-index/ICD10CM_2025_neoplasms.csv", data);
    for (int form = 0; form < 2; form++) {
        const char *np = form ? neoc : neox;
        if (access(np, R_OK) != 0) continue;
        mc_builder *nb = mc_builder_create();
        DT_CHECK(run(mc_import_icd10cm_order, nb, order) == MC_OK);
        DT_CHECK(run(mc_import_icd10cm_neoplasm, nb, np) == MC_OK);
        report(form ? "order + neoplasm CSV" : "order + neoplasm XML", nb);
        printf("   terms neoplasm=%ld\n", fb_terms_by_source(nb, MC_SRC_NEOPLASM));
        DT_CHECK(fb_has_term(nb, "C34.90", "lung cancer"));
        DT_CHECK(fb_has_term(nb, "C50.919", "carcinoma of the breast"));
        DT_CHECK(fb_has_term(nb, "C78.7", "liver metastasis"));
        DT_CHECK(fb_has_term(nb, "C79.51", "metastatic disease to bone"));
        /* the CSV conversion drops see-also references of rows with codes ("colon") */
        if (form == 0) DT_CHECK(fb_has_term(nb, "D12.6", "benign neoplasm of colon"));
        DT_CHECK(fb_has_term(nb, "D06.9", "carcinoma in situ of cervix"));
        DT_CHECK(fb_has_term(nb, "D49.1", "lung tumor"));
        DT_CHECK(!fb_has_term(nb, NULL, "lung mass"));
        DT_CHECK(!fb_has_term(nb, NULL, "cancer"));
        DT_CHECK(fb_counter(nb, "neoplasm.rows") > 1700);
        DT_CHECK(fb_counter(nb, "neoplasm.phrases") > 100000);
        DT_CHECK(fb_counter(nb, "neoplasm.incomplete_unresolved") < 100);
        mc_builder_free(nb);
    }
    if (argc > 2) fb_dump(b, argv[2]);
    mc_builder_free(b);
    return DT_DONE();
}
