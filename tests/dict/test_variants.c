/* test_variants.c — table-driven test of mc_variants (engine/dict/mc_variants.c):
 * for each phrase, the variants that must appear, one that must not, and the count. */
#include "dict_test.h"
#include "mc_variants.h"

typedef struct {
    char got[32][512];
    int n;
} got_t;

static void collect(void *ud, const char *p)
{
    got_t *g = ud;
    if (g->n < 32) snprintf(g->got[g->n++], 512, "%s", p);
}

static int has(const got_t *g, const char *p)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->got[i], p) == 0) return 1;
    return 0;
}

static const struct {
    const char *phrase;
    const char *expect[4];
    const char *never;
    int count; /* -1: not checked */
} cases[] = {
    {"Cholera, unspecified", {"Cholera"}, NULL, 1},
    {"Type 2 diabetes mellitus without complications", {"Type 2 diabetes mellitus"}, NULL, 1},
    {"Pneumonia NOS", {"Pneumonia"}, NULL, 1},
    {"Anemia (NOS)", {"Anemia"}, "Anemia (", -1},
    {"Disorder of kidney, not elsewhere classified", {"Disorder of kidney"}, NULL, -1},
    {"Arthropathy NEC", {"Arthropathy"}, NULL, 1},
    {"Hypertension, not otherwise specified", {"Hypertension"}, NULL, 1},
    {"Abscess of unspecified site", {"Abscess"}, "Abscess of", 1},
    {"Hepatitis, unspecified type", {"Hepatitis"}, NULL, 1},
    {"Gastritis without complication", {"Gastritis"}, NULL, 1},
    {"Otitis media, unspecified, unspecified ear", {NULL}, NULL, 0}, /* laterality stays */
    {"Fracture, femur, neck", {"femur neck Fracture", "Fracture of femur neck"}, NULL, 2},
    {"Glomerulosclerosis, intercapillary", {"intercapillary Glomerulosclerosis"},
     "Glomerulosclerosis of intercapillary", 1},
    {"diabetes (mellitus) due to insulin secretory defect",
     {"diabetes due to insulin secretory defect", "diabetes mellitus due to insulin secretory defect"},
     NULL, 2},
    {"Acute appendicitis", {NULL}, NULL, 0},
    {"Unspecified", {NULL}, NULL, 0},                       /* never an empty variant */
    {"Nausea with vomiting, unspecified", {"Nausea with vomiting"}, "Nausea with", 1},
    {"Other abnormal auditory perceptions, right ear", {NULL}, NULL, 0}, /* 4 words first */
    {"Pain in unspecified joint", {NULL}, NULL, 0},          /* qualifier not at the end */
};

int main(void)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        got_t g;
        g.n = 0;
        mc_variants(cases[c].phrase, collect, &g);
        for (int e = 0; e < 4 && cases[c].expect[e]; e++)
            DT_CHECK_MSG(has(&g, cases[c].expect[e]), "\"%s\": missing \"%s\"", cases[c].phrase,
                         cases[c].expect[e]);
        if (cases[c].never)
            DT_CHECK_MSG(!has(&g, cases[c].never), "\"%s\": unexpected \"%s\"", cases[c].phrase,
                         cases[c].never);
        if (cases[c].count >= 0)
            DT_CHECK_MSG(g.n == cases[c].count, "\"%s\": %d variants, expected %d", cases[c].phrase,
                         g.n, cases[c].count);
        for (int i = 0; i < g.n; i++)
            DT_CHECK_MSG(strcmp(g.got[i], cases[c].phrase) != 0 && g.got[i][0], "\"%s\"", cases[c].phrase);
    }
    /* deterministic and bounded */
    got_t a, b;
    a.n = b.n = 0;
    const char *p = "Fracture (closed) (open) (displaced) (nondisplaced), femur, neck, unspecified";
    mc_variants(p, collect, &a);
    mc_variants(p, collect, &b);
    DT_EQ_LONG(a.n, b.n);
    DT_CHECK(a.n <= 16);
    for (int i = 0; i < a.n && i < b.n; i++) DT_EQ_STR(a.got[i], b.got[i]);
    char longp[2000];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    got_t l;
    l.n = 0;
    mc_variants(longp, collect, &l);
    DT_EQ_LONG(l.n, 0);
    return DT_DONE();
}
