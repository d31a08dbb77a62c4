/* test_groups.c — diagnosis groups with the real builder: CCSR import (official
 * single-quoted, plain and double-quoted-single-quoted forms), AHRQ Elixhauser Refined
 * (measures, weights, hierarchy), and Charlson / Elixhauser (Quan 2005) on hand-worked
 * records. Fixtures are hand-written (tests/groups/fixtures). */
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_groups.h"
#include "../mc_test.h"
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static const char *fx;
static char tmpdir[256];

static const char *path(const char *name)
{
    static char p[4][1200];
    static int k;
    k = (k + 1) & 3;
    snprintf(p[k], sizeof p[k], "%s/%s", fx, name);
    return p[k];
}

static int ok(mc_status st, const mc_error *err)
{
    if (st != MC_OK) {
        char buf[1024];
        mc_error_format(err, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    return st == MC_OK;
}

static const char *const CODES[] = {
    "A00.0", "B95.0", "E11", "E11.9", "E11.22", "I10", "I11.0", "I12.9", "I21.9", "I50.9", "I63.9", "I69.351",
    "K70.30", "K72.90", "C50.919", "C78.7", "D05.90", "J44.9", "N18.6", "B20", "G81.90", "G30.01", "Z99.89",
};

static mc_builder *fixture_builder(void)
{
    mc_builder *b = mc_builder_create();
    for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
        mc_builder_add_code(b, CODES[i], CODES[i], NULL, strcmp(CODES[i], "E11") != 0);
    return b;
}

static uint32_t ix(const mc_dict *d, const char *code)
{
    int64_t i = mc_dict_find_code(d, code);
    if (i < 0) { fprintf(stderr, "code %s not in the fixture dictionary\n", code); exit(1); }
    return (uint32_t)i;
}

static const char *cat_name(const mc_dict *d, int i)
{
    const char *n = "";
    if (i >= 0) mc_dict_ccsr_info(d, (uint32_t)i, &n, NULL, NULL, NULL);
    return n;
}

static long counter(const mc_dict *d, const char *key)
{
    for (size_t i = 0; i < mc_dict_counter_count(d); i++) {
        const char *k, *v;
        mc_dict_counter_at(d, i, &k, &v);
        if (!strcmp(k, key)) return atol(v);
    }
    return -1;
}

static void check_ccsr(const char *file, const char *categories)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = fixture_builder();
    MC_CHECK(ok(mc_import_ccsr(b, path(file), categories ? path(categories) : NULL, &err), &err));
    char out[512];
    snprintf(out, sizeof out, "%s/ccsr.dict", tmpdir);
    MC_CHECK(ok(mc_builder_write(b, out, &err), &err));
    mc_builder_free(b);
    mc_dict *d = NULL;
    MC_CHECK(ok(mc_dict_open(out, &d, &err), &err));
    if (!d) return;
    /* categories: every one named in the file, plus RSP002 from the categories file */
    uint32_t want = 15 + (categories ? 1 : 0); /* RSP002 only in the categories file */
    MC_CHECK(mc_dict_ccsr_count(d) == want);
    for (uint32_t i = 1; i < mc_dict_ccsr_count(d); i++) MC_CHECK(strcmp(cat_name(d, (int)i - 1), cat_name(d, (int)i)) < 0);
    int dig = mc_dict_ccsr_find(d, "'dig001'");
    MC_CHECK(dig >= 0);
    const char *n, *t, *bs, *bt;
    mc_dict_ccsr_info(d, (uint32_t)dig, &n, &t, &bs, &bt);
    MC_CHECK_STR(n, "DIG001");
    MC_CHECK_STR(t, "Intestinal infection");
    MC_CHECK_STR(bs, "DIG");
    MC_CHECK_STR(bt, "Diseases of the digestive system"); /* built-in name, or the categories file */
    int xxx = mc_dict_ccsr_find(d, "XXX111");
    MC_CHECK(xxx >= 0);
    mc_dict_ccsr_info(d, (uint32_t)xxx, NULL, NULL, &bs, &bt);
    MC_CHECK_STR(bs, "XXX");
    MC_CHECK(bt[0] != 0);

    uint16_t cats[MC_CCSR_MAX];
    int ip, op;
    MC_CHECK(mc_dict_code_ccsr(d, ix(d, "A00.0"), cats, &ip, &op) == 2);
    MC_CHECK_STR(cat_name(d, cats[0]), "DIG001");
    MC_CHECK_STR(cat_name(d, cats[1]), "INF003");
    MC_CHECK_STR(cat_name(d, ip), "DIG001");
    MC_CHECK_STR(cat_name(d, op), "DIG001");
    MC_CHECK(mc_dict_code_ccsr(d, ix(d, "B95.0"), cats, &ip, &op) == 1);
    MC_CHECK_STR(cat_name(d, ip), "XXX000");
    MC_CHECK_STR(cat_name(d, op), "XXX111");
    MC_CHECK(mc_dict_code_ccsr(d, ix(d, "G30.01"), cats, &ip, &op) == 6);
    MC_CHECK_STR(cat_name(d, cats[5]), "MBD001");
    mc_dict_ccsr_info(d, cats[0], NULL, &t, NULL, NULL);
    MC_CHECK_STR(t, "Neurocognitive disorders");
    /* header code and a code the file lacks: no CCSR */
    MC_CHECK(mc_dict_code_ccsr(d, ix(d, "E11"), cats, &ip, &op) == 0 && ip == -1 && op == -1);
    MC_CHECK(mc_dict_code_ccsr(d, ix(d, "Z99.89"), cats, &ip, &op) == 0 && ip == -1);
    MC_CHECK(mc_dict_code_ccsr(d, 999999, cats, &ip, &op) == 0);
    MC_CHECK(counter(d, "ccsr.code_not_in_dictionary") == 1); /* B99999 */
    MC_CHECK(counter(d, "ccsr.codes") == 6);
    MC_CHECK(counter(d, "ccsr.rows") == 7);

    /* per record: distinct, sorted */
    uint32_t rec[] = {ix(d, "A00.0"), ix(d, "B95.0"), ix(d, "E11.22"), ix(d, "A00.0"), ix(d, "Z99.89")};
    uint16_t out16[64];
    size_t k = mc_ccsr_record(d, rec, 5, MC_CCSR_ALL, out16, 64);
    MC_CHECK(k == 4); /* DIG001 END003 GEN003 INF003 */
    if (k == 4) {
        MC_CHECK_STR(cat_name(d, out16[0]), "DIG001");
        MC_CHECK_STR(cat_name(d, out16[3]), "INF003");
    }
    k = mc_ccsr_record(d, rec, 5, MC_CCSR_DEFAULT_OP, out16, 64);
    MC_CHECK(k == 3); /* DIG001 END003 XXX111 */
    k = mc_ccsr_record(d, rec, 5, MC_CCSR_ALL, out16, 2);
    MC_CHECK(k == 2); /* capacity respected */
    MC_CHECK(mc_ahrq_n(d) == 0);
    mc_dict_close(d);
}

static void check_ahrq(int explicit_paths)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = fixture_builder();
    MC_CHECK(ok(mc_import_ahrq_cmr(b, path("ahrq/cmr_fixture_dx_to_comorb_long.tsv"),
                                   explicit_paths ? path("ahrq/cmr_fixture_measures.tsv") : NULL,
                                   explicit_paths ? path("ahrq/cmr_fixture_index_weights.tsv") : NULL, &err), &err));
    char out[512];
    snprintf(out, sizeof out, "%s/ahrq.dict", tmpdir);
    MC_CHECK(ok(mc_builder_write(b, out, &err), &err));
    mc_builder_free(b);
    mc_dict *d = NULL;
    MC_CHECK(ok(mc_dict_open(out, &d, &err), &err));
    if (!d) return;
    MC_CHECK(mc_ahrq_n(d) == 10);
    MC_CHECK_STR(mc_ahrq_name(d, 0), "CMR_CANCER_METS");
    MC_CHECK_STR(mc_ahrq_title(d, 3), "Cerebrovascular disease");
    int m, r;
    mc_ahrq_weights(d, 6, &m, &r); /* CMR_HF */
    MC_CHECK_STR(mc_ahrq_name(d, 6), "CMR_HF");
    MC_CHECK(m == 14 && r == 7);
    MC_CHECK(counter(d, "ahrq.rows_unknown_measure") == 1);
    MC_CHECK(counter(d, "ahrq.code_not_in_dictionary") == 1);
    MC_CHECK(mc_dict_ccsr_count(d) == 0);

    /* bits: 0 METS 1 NSITU 2 SOLID 3 CBVD 4 DIAB_CX 5 DIAB_UNCX 6 HF 7 HTN_CX 8 HTN_UNCX 9 PARALYSIS */
    MC_CHECK(mc_code_ahrq_mask(d, ix(d, "I11.0")) == ((1u << 7) | (1u << 6)));
    MC_CHECK(mc_code_ahrq_mask(d, ix(d, "I63.9")) == (1u << 3));   /* CBVD_POA -> CBVD */
    MC_CHECK(mc_code_ahrq_mask(d, ix(d, "I69.351")) == ((1u << 3) | (1u << 9))); /* CBVD_SQLA */
    mc_comorb c;
    uint32_t r1[] = {ix(d, "E11.9"), ix(d, "E11.22"), ix(d, "I10"), ix(d, "I11.0")};
    mc_comorb_record(d, r1, 4, &c);
    MC_CHECK(c.ahrq_mask == ((1u << 4) | (1u << 7) | (1u << 6))); /* DIAB_CX > UNCX, HTN_CX > UNCX */
    MC_CHECK(c.ahrq_mortality == -2 + 1 + 14 && c.ahrq_readmission == 4 + 0 + 7);
    uint32_t r2[] = {ix(d, "C50.919"), ix(d, "D05.90"), ix(d, "C78.7")};
    mc_comorb_record(d, r2, 3, &c);
    MC_CHECK(c.ahrq_mask == 1u); /* METS clears SOLID and NSITU */
    MC_CHECK(c.ahrq_mortality == 22 && c.ahrq_readmission == 11);
    mc_comorb_record(d, r2, 2, &c);
    MC_CHECK(c.ahrq_mask == (1u << 2)); /* SOLID clears NSITU */
    mc_dict_close(d);
}

static void check_quan(void)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = fixture_builder();
    char out[512];
    snprintf(out, sizeof out, "%s/quan.dict", tmpdir);
    MC_CHECK(ok(mc_builder_write(b, out, &err), &err));
    mc_builder_free(b);
    mc_dict *d = NULL;
    MC_CHECK(ok(mc_dict_open(out, &d, &err), &err));
    if (!d) return;
    MC_CHECK(mc_charlson_n() == 17 && mc_elix_quan_n() == 31);
    MC_CHECK_STR(mc_charlson_name(MC_CH_METACANC), "metacanc");
    MC_CHECK_STR(mc_elix_quan_name(MC_EQ_DEPRE), "depre");
    MC_CHECK_STR(mc_charlson_name(17), "");
    MC_CHECK(mc_code_charlson_mask(d, ix(d, "I21.9")) == 1u << MC_CH_MI);
    MC_CHECK(mc_code_charlson_mask(d, ix(d, "E11")) == 0); /* header: Quan splits E11 by its 4th character */
    MC_CHECK(mc_code_elix_quan_mask(d, ix(d, "I12.9")) == 1ull << MC_EQ_HYPC);

    /* Hand-worked Charlson: weights 1987 / Quan 2011 */
    static const struct { const char *codes[6]; uint32_t mask; int ch, q11; } cases[] = {
        {{"E11.9", "E11.22", "I21.9"}, (1u << MC_CH_DIAB) | (1u << MC_CH_DIABWC) | (1u << MC_CH_MI), 2 + 1, 1 + 0},
        {{"K70.30", "K72.90"}, (1u << MC_CH_MLD) | (1u << MC_CH_MSLD), 3, 4},
        {{"K70.30"}, 1u << MC_CH_MLD, 1, 2},
        {{"C50.919", "C78.7"}, (1u << MC_CH_CANC) | (1u << MC_CH_METACANC), 6, 6},
        {{"C50.919"}, 1u << MC_CH_CANC, 2, 2},
        {{"I50.9", "J44.9", "N18.6", "B20", "G81.90"},
         (1u << MC_CH_CHF) | (1u << MC_CH_CPD) | (1u << MC_CH_REND) | (1u << MC_CH_AIDS) | (1u << MC_CH_HP), 1 + 1 + 2 + 6 + 2,
         2 + 1 + 1 + 4 + 2},
        {{"G30.01", "I63.9", "I10"}, (1u << MC_CH_DEMENTIA) | (1u << MC_CH_CEVD), 2, 2},
        {{"E11"}, 0, 0, 0},
        {{NULL}, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t rec[6];
        size_t n = 0;
        while (n < 6 && cases[i].codes[n]) { rec[n] = ix(d, cases[i].codes[n]); n++; }
        mc_comorb c;
        mc_comorb_record(d, rec, n, &c);
        if (c.charlson_mask != cases[i].mask || c.charlson_index != cases[i].ch || c.charlson_index_quan2011 != cases[i].q11)
            fprintf(stderr, "case %zu: mask %x index %d quan2011 %d\n", i, c.charlson_mask, c.charlson_index, c.charlson_index_quan2011);
        MC_CHECK(c.charlson_mask == cases[i].mask);
        MC_CHECK(c.charlson_index == cases[i].ch);
        MC_CHECK(c.charlson_index_quan2011 == cases[i].q11);
        MC_CHECK(c.ahrq_mask == 0 && c.ahrq_mortality == 0); /* no AHRQ data in this dictionary */
    }
    /* Elixhauser (Quan): hypc > hypunc, diabc > diabunc, metacanc > solidtum; van Walraven */
    uint32_t r[] = {ix(d, "I10"), ix(d, "I12.9"), ix(d, "E11.9"), ix(d, "E11.22"), ix(d, "C50.919"), ix(d, "C78.7")};
    mc_comorb c;
    mc_comorb_record(d, r, 6, &c);
    MC_CHECK(c.elix_quan_mask == ((1ull << MC_EQ_HYPUNC) | (1ull << MC_EQ_HYPC) | (1ull << MC_EQ_DIABUNC) | (1ull << MC_EQ_DIABC) |
                                  (1ull << MC_EQ_SOLIDTUM) | (1ull << MC_EQ_METACANC)));
    MC_CHECK(c.elix_quan_count == 3);
    MC_CHECK(c.elix_vw == 0 + 0 + 12);
    uint32_t r3[] = {ix(d, "C50.919"), ix(d, "I50.9")};
    mc_comorb_record(d, r3, 2, &c);
    MC_CHECK(c.elix_quan_count == 2 && c.elix_vw == 4 + 7);
    mc_dict_close(d);
}

int main(int argc, char **argv)
{
    fx = argc > 1 ? argv[1] : "tests/groups/fixtures";
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mc_groups_XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    check_ccsr("ccsr-plain.csv", NULL);
    check_ccsr("ccsr-quoted.csv", NULL);
    check_ccsr("ccsr-dquoted.csv", NULL);
    check_ccsr("ccsr-plain.csv", "ccsr-categories.csv");
    check_ahrq(1);
    check_ahrq(0); /* measures and weights found beside the mapping */
    check_quan();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return mc_test_result("groups");
}
