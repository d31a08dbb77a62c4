/* test_import_icd10cm.c — the ICD-10-CM importers on hand-written fixtures in the
 * official formats, fed into the recording fake builder: order file (codes, titles,
 * meta, errors), index XML and CSV (phrase composition, nonessential modifiers, see
 * references, incomplete codes, codes not in the release, stoplist), tabular XML
 * (inclusion terms, chapters, sections), Neoplasm Table XML and CSV (written by the test:
 * site forms, behaviour templates, incomplete codes, see and see-also references). Usage: test_import_icd10cm FIXTURE_DIR */
#include "dict_test.h"
#include "fake_builder.h"
#include "mc_import_icd10cm.h"
#include <stdlib.h>
#include <unistd.h>

static char fx[1024];
static const char *fixture(const char *name)
{
    static char p[2][1200];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", fx, name);
    return p[k];
}

static mc_builder *with_order(void)
{
    mc_builder *b = mc_builder_create();
    mc_error err;
    DT_CHECK(mc_import_icd10cm_order(b, fixture("icd10cm-order-2026-mini.txt"), &err) == MC_OK);
    return b;
}

static void test_order(void)
{
    mc_builder *b = with_order();
    long bill = 0;
    DT_EQ_LONG(fb_ncodes(b, &bill), 31);
    DT_EQ_LONG(bill, 18);
    DT_EQ_STR(fb_meta(b, "release"), "ICD-10-CM FY2026");
    const char *src = fb_meta(b, "source:order");
    DT_CHECK(src && strlen(src) > 17 && src[16] == ' ');
    const char *sh = NULL;
    DT_EQ_STR(fb_code_title(b, "E11.21", &sh), "Type 2 diabetes mellitus with diabetic nephropathy");
    DT_EQ_STR(sh, "Type 2 diabetes mellitus w diabetic nephropathy");
    DT_CHECK(mc_builder_has_code(b, "S72009A"));
    /* long title as a term; short title too when it differs after normalisation */
    DT_EQ_LONG(fb_has_term(b, "E11.21", "Type 2 diabetes mellitus with diabetic nephropathy"), 1);
    DT_EQ_LONG(fb_has_term(b, "E11.21", "Type 2 diabetes mellitus w diabetic nephropathy"), 1);
    DT_EQ_LONG(fb_has_term(b, "A00.9", "Cholera, unspecified"), 1); /* short == long: once */
    DT_EQ_LONG(fb_term_flags(b, "E11", "Type 2 diabetes mellitus"), MC_TERMF_CATEGORY);
    DT_EQ_LONG(fb_term_flags(b, "E11.9", "Type 2 diabetes mellitus without complications"), 0);
    DT_EQ_LONG(fb_counter(b, "order.headers"), 13);
    mc_builder_free(b);

    /* malformed line: path and line number */
    b = mc_builder_create();
    mc_error err;
    memset(&err, 0, sizeof err);
    DT_EQ_LONG(mc_import_icd10cm_order(b, fixture("icd10cm-order-bad.txt"), &err), MC_E_DICT_BUILD);
    DT_EQ_LONG(err.record, 3);
    DT_CHECK(strstr(err.path, "icd10cm-order-bad.txt") != NULL);
    DT_CHECK(strstr(err.msg, "line 3") != NULL);
    DT_EQ_LONG(mc_import_icd10cm_order(b, fixture("no-such-file.txt"), &err), MC_E_NOTFOUND);
    mc_builder_free(b);
}

/* The same index content in both forms gives the same terms. */
static void check_index(mc_builder *b, const char *form)
{
    fprintf(stderr, "index form: %s\n", form);
    /* composition */
    DT_CHECK(fb_has_term(b, "E11.21", "type 2 Diabetes with nephropathy"));
    DT_CHECK(fb_has_term(b, "E11.21", "type 2 Diabetes mellitus with nephropathy"));
    DT_CHECK(fb_has_term(b, "E11.21", "type 2 diabetic nephropathy"));
    DT_CHECK(fb_has_term(b, "E11.29", "type 2 Diabetes with kidney complications")); /* NEC gone */
    DT_CHECK(fb_has_term(b, "E11.9", "type 2 Diabetes"));
    DT_CHECK(fb_has_term(b, "E11.9", "Diabetes mellitus"));
    DT_CHECK(!fb_has_term(b, NULL, "diabetic")); /* adjective alone: never */
    DT_CHECK(fb_has_term(b, "J69.0", "aspiration Pneumonia"));
    DT_CHECK(fb_has_term(b, "J69.0", "aspiration acute Pneumonia"));
    DT_CHECK(fb_has_term(b, "J18.9", "septic Pneumonia"));
    DT_CHECK(fb_has_term(b, "A00.9", "Pneumonia in cholera"));
    DT_CHECK(fb_has_term(b, "A00.9", "Pneumonia due to cholera"));
    DT_CHECK(fb_has_term(b, "A00.0", "classical Cholera"));
    DT_CHECK(fb_has_term(b, "A00.9", "Asiatic Cholera") || fb_has_term(b, "A00.9", "Cholera Asiatic"));
    DT_CHECK(fb_has_term(b, "A00.9", "Cholera epidemic") || fb_has_term(b, "A00.9", "epidemic Cholera"));
    /* incomplete codes: laterality -> unspecified side; 7th character -> initial encounter */
    DT_CHECK(fb_has_term(b, "H93.299", "abnormal Auditory perception"));
    DT_CHECK(fb_has_term(b, "S72.009A", "traumatic femur neck Fracture"));
    DT_CHECK(fb_has_term(b, "S72.009A", "traumatic femoral neck Fracture"));
    DT_CHECK(fb_has_term(b, "T07.XXXA", "Multiple injuries")); /* header T07: one initial form */
    DT_EQ_LONG(fb_counter(b, "index.incomplete_resolved"), 3);
    DT_EQ_LONG(fb_counter(b, "index.incomplete_unresolved"), 1); /* E11.2- */
    DT_CHECK(!fb_has_term(b, NULL, "type 2 Diabetes with complication"));
    /* codes not in the release */
    DT_EQ_LONG(fb_counter(b, "index.code_not_in_release"), 1);
    DT_CHECK(!fb_has_term(b, NULL, "Gout"));
    /* see references: resolved after the whole file */
    DT_CHECK(fb_has_term(b, "J69.0", "Aspiration pneumonia"));
    DT_EQ_LONG(fb_counter(b, "index.see_resolved"), 1);
    DT_EQ_LONG(fb_counter(b, "index.see_unresolved"), 1); /* Table of Drugs and Chemicals */
    /* stoplist */
    DT_CHECK(!fb_has_term(b, NULL, "Status"));
    DT_EQ_LONG(fb_counter(b, "index.stopword_skipped"), 1);
    /* every term is an index term with a declared billable code */
    for (long i = 0; i < fb_nterms(b); i++) {
        const fb_term *t = fb_term_at(b, i);
        if (t->src != MC_SRC_INDEX) continue;
        DT_CHECK_MSG(mc_builder_has_code(b, t->code), "%s", t->code);
    }
}

static void test_index(void)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = with_order();
    DT_EQ_LONG(mc_import_icd10cm_index(b, fixture("index-mini.xml"), &err), MC_OK);
    check_index(b, "XML");
    DT_EQ_LONG(fb_counter(b, "index.manif_skipped"), 1);
    DT_CHECK(fb_meta(b, "source:index") != NULL);
    long nx = fb_terms_by_source(b, MC_SRC_INDEX);
    mc_builder_free(b);

    b = with_order();
    DT_EQ_LONG(mc_import_icd10cm_index(b, fixture("index-mini.csv"), &err), MC_OK);
    check_index(b, "CSV");
    DT_EQ_LONG(fb_terms_by_source(b, MC_SRC_INDEX), nx);
    mc_builder_free(b);

    /* refused on an empty builder, and on a file of another kind */
    b = mc_builder_create();
    DT_EQ_LONG(mc_import_icd10cm_index(b, fixture("index-mini.xml"), &err), MC_E_DICT_BUILD);
    DT_CHECK(strstr(err.msg, "order file") != NULL);
    mc_builder_free(b);
    b = with_order();
    DT_EQ_LONG(mc_import_icd10cm_index(b, fixture("tabular-mini.xml"), &err), MC_E_DICT_BUILD);
    DT_EQ_LONG(mc_import_icd10cm_index(b, fixture("icd10cm-order-2026-mini.txt"), &err), MC_E_DICT_BUILD);
    mc_builder_free(b);
}

static void test_tabular(void)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = with_order();
    DT_EQ_LONG(mc_import_icd10cm_tabular(b, fixture("tabular-mini.xml"), &err), MC_OK);
    DT_EQ_LONG(fb_has_term(b, "A00.0", "Classical cholera"), 1);
    DT_CHECK(!fb_has_term(b, NULL, "never an inclusion term"));
    DT_CHECK(!fb_has_term(b, NULL, "Cholera eltor")); /* A00.1 is not in the mini release */
    DT_EQ_LONG(fb_counter(b, "tabular.code_not_in_release"), 1);
    DT_EQ_LONG(fb_term_flags(b, "E11", "diabetes (mellitus) due to insulin secretory defect"),
               MC_TERMF_CATEGORY);
    DT_EQ_LONG(fb_has_term(b, "S72.001A", "Fracture of right femoral neck NOS"), 1);
    DT_EQ_LONG(fb_counter(b, "tabular.incomplete_resolved"), 1);
    DT_EQ_LONG(fb_counter(b, "tabular.inclusion_terms"), 4);
    DT_EQ_LONG(fb_nchapters(b), 3);
    DT_EQ_LONG(fb_nblocks(b), 5);
    int num;
    const char *first, *last, *title;
    DT_CHECK(fb_chapter(b, 0, &num, &first, &last, &title) == 0);
    DT_EQ_LONG(num, 1);
    DT_EQ_STR(first, "A00");
    DT_EQ_STR(last, "B97");
    DT_EQ_STR(title, "Certain infectious and parasitic diseases");
    DT_CHECK(fb_chapter(b, 2, &num, &first, &last, &title) == 0);
    DT_EQ_LONG(num, 19);
    DT_EQ_STR(first, "S70");
    DT_EQ_STR(last, "T88");
    DT_EQ_LONG(mc_import_icd10cm_tabular(b, fixture("index-mini.xml"), &err), MC_E_DICT_BUILD);
    mc_builder_free(b);
}

/* Phrase composition table: titles (nemod after \x01) -> phrases that must appear. */
typedef struct {
    const char *titles[6];
    const char *expect[6];
    const char *never;
} compose_case;

static const compose_case cases[] = {
    {{"Diabetes, diabetic\x01(mellitus)", "type 2", "with", "nephropathy"},
     {"type 2 Diabetes with nephropathy", "type 2 Diabetes mellitus with nephropathy",
      "type 2 diabetic nephropathy"},
     "diabetic type 2"},
    {{"Pneumonia", "aspiration"}, {"aspiration Pneumonia"}, "Pneumonia aspiration"},
    {{"Pneumonia", "in\x01(due to)", "measles"}, {"Pneumonia in measles", "Pneumonia due to measles"},
     "Pneumonia in due to measles"},
    {{"Retinopathy", "nonproliferative", "mild"}, {"mild nonproliferative Retinopathy"}, NULL},
    {{"Fracture, traumatic", "femur, femoral", "neck"},
     {"traumatic femur neck Fracture", "traumatic femoral neck Fracture"}, NULL},
    {{"Aberrant", "artery", "cerebral"}, {"Aberrant cerebral artery"}, "artery Aberrant"},
    {{"Diabetes, diabetic", "with", "coma due to", "hyperosmolarity"},
     {"Diabetes with coma due to hyperosmolarity", "diabetic coma due to hyperosmolarity"}, NULL},
    {{"Retinopathy", "with macular edema", "resolved following treatment"},
     {"Retinopathy with macular edema resolved following treatment"}, NULL},
    {{"Glomerulosclerosis, intercapillary"}, {"intercapillary Glomerulosclerosis"}, NULL},
    {{"Abdomen, abdominal", "acute"}, {"acute Abdomen"}, NULL},
    {{"Abasia\x01(-astasia) (hysterical)"},
     {"Abasia", "Abasia-astasia", "hysterical Abasia", "hysterical Abasia-astasia"}, NULL},
    {{"Hypertension, hypertensive\x01(benign) (essential) (malignant)"},
     {"Hypertension", "essential Hypertension", "benign essential malignant Hypertension"},
     "hypertensive"},
    {{"Arthropathy NEC"}, {"Arthropathy"}, "Arthropathy NEC"},
    {{"Cholera", "due to Vibrio cholerae 01, biovar cholerae"},
     {"Cholera due to Vibrio cholerae 01 biovar cholerae"}, NULL},
    {{"Accident", "aircraft", "due to, caused by cataclysm"},
     {"aircraft Accident due to cataclysm", "aircraft Accident caused by cataclysm"}, NULL},
    {{"Anemia", "in\x01(due to) (with)", "chronic kidney disease"},
     {"Anemia in chronic kidney disease", "Anemia due to chronic kidney disease",
      "Anemia with chronic kidney disease"}, NULL},
    {{"Disease", "with"}, {NULL}, "Disease with"}, /* dangling connector: nothing */
};

typedef struct {
    char got[64][256];
    int n;
} got_t;

static void collect(void *ud, const char *p)
{
    got_t *g = ud;
    if (g->n < 64) snprintf(g->got[g->n++], 256, "%s", p);
}

static int has(const got_t *g, const char *p)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->got[i], p) == 0) return 1;
    return 0;
}

static void test_compose(void)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int n = 0;
        while (n < 6 && cases[c].titles[n]) n++;
        got_t g;
        g.n = 0;
        mc_index_compose(cases[c].titles, n, collect, &g);
        for (int e = 0; e < 6 && cases[c].expect[e]; e++) {
            DT_CHECK_MSG(has(&g, cases[c].expect[e]), "case %zu: missing \"%s\"", c, cases[c].expect[e]);
        }
        if (cases[c].never) DT_CHECK_MSG(!has(&g, cases[c].never), "case %zu: \"%s\"", c, cases[c].never);
        if (!cases[c].expect[0]) DT_EQ_LONG(g.n, 0);
    }
    /* bounded: many modifiers never give more than 8 forms of one title */
    const char *t[] = {"Pneumonia\x01(a1) (a2) (a3) (a4) (a5) (a6) (a7) (a8) (a9) (a10)"};
    got_t g;
    g.n = 0;
    DT_CHECK(mc_index_compose(t, 1, collect, &g) <= 9);
}

/* Neoplasm Table: a small table in both forms, written here, over a hand-declared code set. */
static const char *const neo_codes[] = {
    "C34.9", "-", "C34.90", "C34.91", "C34.92", "C34.10", "C34.11", "C34.12", "C78.00", "C78.01",
    "C78.02", "D02.20", "D02.21", "D02.22", "D14.30", "D14.31", "D14.32", "D38.1", "D49.1",
    "C50.911", "C50.912", "C50.919", "C50.921", "C50.922", "C50.929", "C79.81", "D05.00",
    "D05.01", "D05.02", "D05.10", "D05.11", "D05.12", "D24.1", "D24.2", "D24.9", "D49.3",
    "C18.9", "C78.5", "D01.0", "D12.6", "D37.4", "D49.0", "C80.1", "C79.9", "D09.9", "D36.9",
    "D48.9", "D49.9", NULL};

static mc_builder *neo_builder(void)
{
    mc_builder *b = mc_builder_create();
    for (int i = 0; neo_codes[i]; i++) {
        if (!strcmp(neo_codes[i], "-")) continue;
        int header = neo_codes[i + 1] && !strcmp(neo_codes[i + 1], "-");
        DT_CHECK(mc_builder_add_code(b, neo_codes[i], neo_codes[i], NULL, !header) == MC_OK);
    }
    return b;
}

#define NEO_CELLS(a, b, c, d, e, f)                                                           \
    "<cell col=\"2\">" a "</cell><cell col=\"3\">" b "</cell><cell col=\"4\">" c "</cell>"     \
    "<cell col=\"5\">" d "</cell><cell col=\"6\">" e "</cell><cell col=\"7\">" f "</cell>"
static const char neo_xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ICD10CM.index><version>2026</version>\n"
    "<indexHeading><head col=\"1\">Neoplasm</head><head col=\"2\">Malignant Primary</head>"
    "</indexHeading>\n<letter><title>N</title>\n<mainTerm><title>Neoplasm, neoplastic</title>"
    NEO_CELLS("C80.1", "C79.9", "D09.9", "D36.9", "D48.9", "D49.9") "\n"
    "<term level=\"1\"><title>breast<nemod>(connective tissue)</nemod></title>"
    NEO_CELLS("C50.9-", "C79.81", "D05.-", "D24.-", "-", "D49.3") "</term>\n"
    "<term level=\"1\"><title>colon</title><seeAlso>Neoplasm, intestine, large</seeAlso>"
    NEO_CELLS("C18.9", "C78.5", "-", "-", "-", "-") "</term>\n"
    "<term level=\"1\"><title>disseminated</title>" NEO_CELLS("C80.1", "C79.9", "-", "-", "-", "-")
    "</term>\n"
    "<term level=\"1\"><title>intestine, intestinal</title>"
    NEO_CELLS("C18.9", "C78.5", "D01.0", "D12.6", "D37.4", "D49.0") "\n"
    "  <term level=\"2\"><title>large</title>" NEO_CELLS("C18.9", "C78.5", "D01.0", "D12.6", "D37.4", "D49.0")
    "</term></term>\n"
    "<term level=\"1\"><title>lung NEC</title>" NEO_CELLS("C34.9-", "C78.0-", "D02.2-", "D14.3-", "D38.1", "D49.1")
    "\n  <term level=\"2\"><title>upper lobe</title>"
    NEO_CELLS("C34.1-", "C78.0-", "D02.2-", "D14.3-", "D38.1", "D49.1") "</term></term>\n"
    "<term level=\"1\"><title>pulmonary</title><see>Neoplasm, lung</see></term>\n"
    "<term level=\"1\"><title>sinus</title><see>Tumor, carcinoid</see></term>\n"
    "</mainTerm></letter></ICD10CM.index>\n";
static const char neo_csv[] =
    "RowID,Level,Term,SeeAlso,NonEssModif,MalignantPrimary,MalignantSecondary,CaInSitu,Benign,"
    "UncertainBehavior,UnspecifiedBehavior\n"
    "1,0,\"Neoplasm, neoplastic\",,,C80.1,C79.9,D09.9,D36.9,D48.9,D49.9\n"
    "2,1,breast,,(connective tissue),C50.9-,C79.81,D05.-,D24.-,-,D49.3\n"
    "3,1,colon,\"Neoplasm, intestine, large\",,C18.9,C78.5,-,-,-,-\n"
    "4,1,disseminated,,,C80.1,C79.9,-,-,-,-\n"
    "5,1,\"intestine, intestinal\",,,C18.9,C78.5,D01.0,D12.6,D37.4,D49.0\n"
    "6,2,large,,,C18.9,C78.5,D01.0,D12.6,D37.4,D49.0\n"
    "7,1,lung NEC,,,C34.9-,C78.0-,D02.2-,D14.3-,D38.1,D49.1\n"
    "8,2,upper lobe,,,C34.1-,C78.0-,D02.2-,D14.3-,D38.1,D49.1\n"
    "9,1,pulmonary,\"Neoplasm, lung\",,,,,,,\n"
    "10,1,sinus,\"Tumor, carcinoid\",,,,,,,\n";

static void check_neoplasm(mc_builder *b, const char *form)
{
    fprintf(stderr, "neoplasm form: %s\n", form);
    /* every behaviour column of a site, 0 = unspecified side in C34/C78/D02/D14 */
    DT_CHECK(fb_has_term(b, "C34.90", "lung cancer"));
    DT_CHECK(fb_has_term(b, "C34.90", "cancer of the lung"));
    DT_CHECK(fb_has_term(b, "C34.90", "carcinoma of lung"));
    DT_CHECK(fb_has_term(b, "C34.90", "malignant neoplasm of lung"));
    DT_CHECK(fb_has_term(b, "C78.00", "lung metastases"));
    DT_CHECK(fb_has_term(b, "C78.00", "metastasis to the lung"));
    DT_CHECK(fb_has_term(b, "C78.00", "metastatic disease to the lung"));
    DT_CHECK(fb_has_term(b, "D02.20", "carcinoma in situ of lung"));
    DT_CHECK(fb_has_term(b, "D14.30", "benign neoplasm of lung"));
    DT_CHECK(fb_has_term(b, "D38.1", "neoplasm of uncertain behavior of lung"));
    DT_CHECK(fb_has_term(b, "D49.1", "lung tumor"));
    DT_CHECK(fb_has_term(b, "D49.1", "lung tumour"));
    DT_CHECK(fb_has_term(b, "D49.1", "neoplasm of the lung"));
    DT_CHECK(!fb_has_term(b, NULL, "lung mass"));
    DT_CHECK(!fb_has_term(b, NULL, "metastatic lung cancer"));
    /* nested site, core templates */
    DT_CHECK(fb_has_term(b, "C34.10", "upper lobe lung cancer"));
    DT_CHECK(fb_has_term(b, "C78.00", "upper lobe lung metastasis"));
    /* nonessential modifier optional; breast: female, unspecified side; D24.- -> D24.9 */
    DT_CHECK(fb_has_term(b, "C50.919", "breast cancer"));
    DT_CHECK(fb_has_term(b, "C50.919", "carcinoma of the breast"));
    DT_CHECK(fb_has_term(b, "C50.919", "breast connective tissue cancer"));
    DT_CHECK(fb_has_term(b, "C79.81", "breast metastasis"));
    DT_CHECK(fb_has_term(b, "D24.9", "benign breast tumor"));
    DT_CHECK(!fb_has_term(b, NULL, "carcinoma in situ of breast")); /* D05.- unresolved */
    DT_CHECK(!fb_has_term(b, NULL, "neoplasm of uncertain behavior of breast")); /* "-" */
    /* see: the target's codes; an adjective site only before its noun */
    DT_CHECK(fb_has_term(b, "C34.90", "pulmonary carcinoma"));
    DT_CHECK(fb_has_term(b, "C78.00", "pulmonary metastases"));
    DT_CHECK(!fb_has_term(b, NULL, "cancer of the pulmonary"));
    /* see also: the empty columns from the target ("colon" -> intestine, large) */
    DT_CHECK(fb_has_term(b, "C18.9", "colon cancer"));
    DT_CHECK(fb_has_term(b, "D12.6", "benign neoplasm of colon"));
    DT_CHECK(fb_has_term(b, "D12.6", "large intestine adenoma"));
    DT_CHECK(fb_has_term(b, "C78.5", "intestinal metastases"));
    /* top row: explicit behaviour phrases only; residual rows none */
    DT_CHECK(fb_has_term(b, "C80.1", "malignant neoplasm"));
    DT_CHECK(fb_has_term(b, "D36.9", "benign tumor"));
    DT_CHECK(fb_has_term(b, "D49.9", "neoplasm of unspecified behavior"));
    DT_CHECK(!fb_has_term(b, NULL, "cancer"));
    DT_CHECK(!fb_has_term(b, NULL, "tumor"));
    DT_CHECK(!fb_has_term(b, NULL, "neoplasm"));
    DT_CHECK(!fb_has_term(b, NULL, "disseminated cancer"));
    DT_EQ_LONG(fb_counter(b, "neoplasm.rows"), 8); /* with the top row */
    DT_EQ_LONG(fb_counter(b, "neoplasm.incomplete_resolved"), 10);
    DT_EQ_LONG(fb_counter(b, "neoplasm.incomplete_unresolved"), 1);
    DT_EQ_LONG(fb_counter(b, "neoplasm.see_resolved"), 1);
    DT_EQ_LONG(fb_counter(b, "neoplasm.see_unresolved"), 1);
    DT_EQ_LONG(fb_counter(b, "neoplasm.see_also_filled"), 1);
    DT_EQ_LONG(fb_counter(b, "neoplasm.residual_rows"), 1);
    DT_CHECK(fb_counter(b, "neoplasm.phrases") > 100);
    DT_EQ_LONG(fb_terms_by_source(b, MC_SRC_NEOPLASM), fb_counter(b, "neoplasm.phrases"));
    for (long i = 0; i < fb_nterms(b); i++) {
        const fb_term *t = fb_term_at(b, i);
        DT_CHECK_MSG(t->src == MC_SRC_NEOPLASM && mc_builder_has_code(b, t->code), "%s", t->code);
    }
}

static void test_neoplasm(void)
{
    char dir[] = "/tmp/mc_neo_XXXXXX";
    DT_CHECK(mkdtemp(dir) != NULL);
    char px[1100], pc[1100];
    snprintf(px, sizeof px, "%s/neoplasm.xml", dir);
    snprintf(pc, sizeof pc, "%s/neoplasm.csv", dir);
    FILE *f = fopen(px, "w");
    DT_CHECK(f && fputs(neo_xml, f) >= 0 && fclose(f) == 0);
    f = fopen(pc, "w");
    DT_CHECK(f && fputs(neo_csv, f) >= 0 && fclose(f) == 0);
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = neo_builder();
    DT_EQ_LONG(mc_import_icd10cm_neoplasm(b, px, &err), MC_OK);
    check_neoplasm(b, "XML");
    DT_CHECK(fb_meta(b, "source:neoplasm") != NULL);
    long nx = fb_nterms(b);
    mc_builder_free(b);
    b = neo_builder();
    DT_EQ_LONG(mc_import_icd10cm_neoplasm(b, pc, &err), MC_OK);
    check_neoplasm(b, "CSV");
    DT_EQ_LONG(fb_nterms(b), nx);
    /* other files are refused: the index XML has no cells, the index CSV another header */
    DT_EQ_LONG(mc_import_icd10cm_neoplasm(b, fixture("index-mini.xml"), &err), MC_E_DICT_BUILD);
    DT_EQ_LONG(mc_import_icd10cm_neoplasm(b, fixture("index-mini.csv"), &err), MC_E_DICT_BUILD);
    mc_builder_free(b);
    b = mc_builder_create();
    DT_EQ_LONG(mc_import_icd10cm_neoplasm(b, px, &err), MC_E_DICT_BUILD); /* no order file */
    mc_builder_free(b);
    remove(px);
    remove(pc);
    rmdir(dir);
}

static void test_incomplete(void)
{
    static const char *const codes[] = {"H93.291", "H93.292", "H93.293", "H93.299", "S72.001A",
                                        "S72.001D", "S72.002A", "S72.009A", "E11.21", "E11.22",
                                        "E11.29", "O36.5910", "O36.5911", "R10.0", "E11.9",
                                        "C34.90", "C34.91", "C34.92", "C90.00", "C90.01", "C90.02"};
    static const unsigned char bill[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    int n = (int)(sizeof codes / sizeof codes[0]);
    static const struct { const char *prefix, *want; } tab[] = {
        {"H93.29-", "H93.299"},  /* laterality: unspecified side */
        {"S72.00-", "S72.009A"}, /* 7th character A, then laterality */
        {"S72.001", "S72.001A"}, /* one initial-encounter form */
        {"E11.2-", NULL},        /* several specific codes: unresolved */
        {"O36.591", "O36.5910"}, /* no A: 7th character 0 */
        {"R10.0", "R10.0"},      /* the single code under the prefix */
        {"E11", NULL},
        {"Z99", NULL},           /* nothing under the prefix */
        {"C34.9-", "C34.90"},    /* solid neoplasm: 0 is the unspecified side */
        {"C90.0-", NULL},        /* C90-C95: 0 is "not having achieved remission" */
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        char out[16] = "";
        int r = mc_icd10cm_resolve_incomplete(codes, bill, n, tab[i].prefix, out);
        if (tab[i].want) {
            DT_CHECK_MSG(r == 1 && strcmp(out, tab[i].want) == 0, "%s -> %s", tab[i].prefix, r ? out : "-");
        } else {
            DT_CHECK_MSG(r == 0, "%s -> %s", tab[i].prefix, out);
        }
    }
}

int main(int argc, char **argv)
{
    snprintf(fx, sizeof fx, "%s", argc > 1 ? argv[1] : "tests/dict/fixtures");
    test_order();
    test_index();
    test_tabular();
    test_compose();
    test_neoplasm();
    test_incomplete();
    return DT_DONE();
}
