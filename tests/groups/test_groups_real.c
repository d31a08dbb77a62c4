/* test_groups_real.c — the real AHRQ files (MEDCODE_DATA) compiled with the FY2026
 * ICD-10-CM order file: every DXCCSR code that the order file has is found with exactly
 * its 6 categories and IP/OP defaults; every code of the AHRQ long mapping that the
 * order file has carries exactly its measures; the measure weights are the TSV's.
 * Prints the import counts. Exit 77 (skip) when the data are absent. */
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_groups.h"
#include "../mc_test.h"
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static const char *data;
static char P[8][2048];
static const char *dp(int k, const char *rel) { snprintf(P[k], sizeof P[k], "%s/%s", data, rel); return P[k]; }

static int ok(mc_status st, const mc_error *err)
{
    if (st != MC_OK) {
        char buf[1024];
        mc_error_format(err, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    return st == MC_OK;
}

/* --- DXCCSR rows through libcsv --- */
typedef struct { char f[20][256]; int nf; long row; const mc_dict *d; long checked, absent, bad; } rowc;
static void on_field(void *s, size_t len, void *u)
{
    rowc *c = u;
    if (c->nf >= 20) return;
    if (len > 255) len = 255;
    memcpy(c->f[c->nf], s, len);
    c->f[c->nf][len] = 0;
    c->nf++;
}
static const char *cat_name(const mc_dict *d, int i)
{
    const char *n = "";
    if (i >= 0) mc_dict_ccsr_info(d, (uint32_t)i, &n, NULL, NULL, NULL);
    return n;
}
static void on_row(int t, void *u)
{
    (void)t;
    rowc *c = u;
    if (c->row++ > 0 && c->nf >= 18) {
        int64_t ix = mc_dict_find_code(c->d, c->f[0]);
        if (ix < 0) c->absent++;
        else {
            uint16_t cats[6];
            int ip, op, n = mc_dict_code_ccsr(c->d, (uint32_t)ix, cats, &ip, &op), want = 0, good = 1;
            for (int k = 0; k < 6; k++) {
                const char *w = c->f[6 + 2 * k];
                if (!w[0]) continue;
                if (want >= n || strcmp(cat_name(c->d, cats[want]), w) != 0) good = 0;
                want++;
            }
            good &= n == want && !strcmp(cat_name(c->d, ip), c->f[2]) && !strcmp(cat_name(c->d, op), c->f[4]);
            if (!good && c->bad++ < 5) fprintf(stderr, "CCSR mismatch for %s\n", c->f[0]);
            c->checked++;
        }
    }
    c->nf = 0;
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

int main(int argc, char **argv)
{
    if (argc < 2) return 77;
    data = argv[1];
    const char *order = dp(0, "icd10cm/fy2026/icd10cm-order-2026.txt");
    const char *ccsr = dp(1, "ccsr-v2026.1/DXCCSR_v2026-1.csv");
    const char *ahrq = dp(2, "comorbidity/ahrq-cmr-v2025.1/cmr_v2025.1_dx_to_comorb_long.tsv");
    const char *weights = dp(3, "comorbidity/ahrq-cmr-v2025.1/cmr_v2025.1_index_weights.tsv");
    if (access(order, R_OK) || access(ccsr, R_OK) || access(ahrq, R_OK)) { printf("skip: reference data absent\n"); return 77; }
    char tmpl[] = "/tmp/mc_groups_real_XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    char out[256];
    snprintf(out, sizeof out, "%s/real.dict", tmpl);
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = mc_builder_create();
    MC_CHECK(ok(mc_import_icd10cm_order(b, order, &err), &err));
    MC_CHECK(ok(mc_import_ccsr(b, ccsr, NULL, &err), &err));
    MC_CHECK(ok(mc_import_ahrq_cmr(b, ahrq, NULL, NULL, &err), &err));
    MC_CHECK(ok(mc_builder_write(b, out, &err), &err));
    mc_builder_free(b);
    mc_dict *d = NULL;
    MC_CHECK(ok(mc_dict_open(out, &d, &err), &err));
    if (!d) return 1;

    /* CCSR: every row whose code is in FY2026 */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = fopen(ccsr, "rb");
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    buf = malloc(len);
    MC_CHECK(fread(buf, 1, len, f) == len);
    fclose(f);
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    rowc *rc = calloc(1, sizeof *rc);
    rc->d = d;
    csv_parse(&p, buf, len, on_field, on_row, rc);
    csv_fini(&p, on_field, on_row, rc);
    csv_free(&p);
    free(buf);
    MC_CHECK(rc->bad == 0);
    MC_CHECK(rc->checked + rc->absent == rc->row - 1);
    MC_CHECK(counter(d, "ccsr.codes") == rc->checked);
    MC_CHECK(counter(d, "ccsr.code_not_in_dictionary") == rc->absent);
    /* a code absent from the dictionary must be absent from the FY2026 order file: the
     * dictionary holds every order-file code, so found + absent covers the file */
    printf("ccsr: %ld rows, %ld codes found with their categories, %ld not in FY2026 order file, %u categories\n",
           rc->row - 1, rc->checked, rc->absent, mc_dict_ccsr_count(d));
    MC_CHECK(mc_dict_ccsr_count(d) >= 554);
    int cir = mc_dict_ccsr_find(d, "CIR019");
    const char *t, *bs, *bt;
    mc_dict_ccsr_info(d, (uint32_t)(cir < 0 ? 0 : cir), NULL, &t, &bs, &bt);
    MC_CHECK(cir >= 0);
    MC_CHECK_STR(t, "Heart failure");
    MC_CHECK_STR(bt, "Diseases of the circulatory system");
    uint32_t nc = mc_dict_n_codes(d), headers_with = 0;
    for (uint32_t i = 0; i < nc; i++) {
        mc_code_info ci;
        mc_dict_code(d, i, &ci);
        uint16_t cats[6];
        if (!ci.billable && mc_dict_code_ccsr(d, i, cats, NULL, NULL) > 0) headers_with++;
    }
    printf("ccsr: %u header codes with CCSR\n", headers_with);
    free(rc);

    /* AHRQ: per code, the measures of the long file */
    MC_CHECK(mc_ahrq_n(d) == 38);
    f = fopen(ahrq, "r");
    char line[256], last[16] = "";
    uint64_t want = 0;
    long codes = 0, absent = 0, bad = 0;
    for (int more = 1; more;) {
        char code[16] = "", m[64] = "";
        more = fgets(line, sizeof line, f) != NULL;
        if (more && sscanf(line, "%15s %63s", code, m) != 2) continue;
        if (more && !strcmp(code, "icd10cm")) continue;
        if (!more || strcmp(code, last)) {
            if (last[0]) {
                int64_t ix = mc_dict_find_code(d, last);
                if (ix < 0) absent++;
                else if (codes++, mc_code_ahrq_mask(d, (uint32_t)ix) != want) {
                    if (bad++ < 5) fprintf(stderr, "AHRQ mismatch for %s\n", last);
                }
            }
            snprintf(last, sizeof last, "%s", code);
            want = 0;
        }
        if (!more) break;
        char full[80];
        size_t l = strlen(m);
        if (l > 4 && !strcmp(m + l - 4, "_POA")) m[l - 4] = 0;
        if (l > 5 && !strcmp(m + l - 5, "_SQLA")) m[l - 5] = 0;
        snprintf(full, sizeof full, "CMR_%s", m);
        int found = 0;
        for (int i = 0; i < mc_ahrq_n(d); i++)
            if (!strcmp(mc_ahrq_name(d, i), full)) { want |= 1ull << i; found = 1; }
        MC_CHECK(found);
    }
    fclose(f);
    MC_CHECK(bad == 0);
    printf("ahrq: %ld codes checked, %ld not in FY2026 order file, %d measures\n", codes, absent, mc_ahrq_n(d));
    f = fopen(weights, "r");
    long nw = 0;
    while (f && fgets(line, sizeof line, f)) {
        char m[64], full[80];
        int rw, mw, gm, gr, found = 0;
        if (sscanf(line, "%63s %d %d", m, &rw, &mw) != 3) continue;
        snprintf(full, sizeof full, "CMR_%s", m);
        for (int i = 0; i < mc_ahrq_n(d); i++)
            if (!strcmp(mc_ahrq_name(d, i), full)) {
                mc_ahrq_weights(d, i, &gm, &gr);
                found = gm == mw && gr == rw;
            }
        MC_CHECK(found);
        nw++;
    }
    if (f) fclose(f);
    MC_CHECK(nw == 38);
    /* one record through everything */
    const char *rec_codes[] = {"E11.22", "N18.6", "I11.0", "C78.7", "C50.911", "K70.30"};
    uint32_t rec[6];
    for (int i = 0; i < 6; i++) { int64_t x = mc_dict_find_code(d, rec_codes[i]); MC_CHECK(x >= 0); rec[i] = (uint32_t)(x < 0 ? 0 : x); }
    mc_comorb c;
    mc_comorb_record(d, rec, 6, &c);
    printf("record E11.22 N18.6 I11.0 C78.7 C50.911 K70.30: charlson %d (quan2011 %d), elixhauser %d conditions (vw %d), "
           "AHRQ mortality %d readmission %d\n", c.charlson_index, c.charlson_index_quan2011, c.elix_quan_count, c.elix_vw,
           c.ahrq_mortality, c.ahrq_readmission);
    MC_CHECK(c.charlson_index == 2 + 2 + 1 + 6 + 1); /* diabwc, rend, chf (I110), metacanc (>canc), mld */
    mc_dict_close(d);
    unlink(out);
    rmdir(tmpl);
    return mc_test_result("groups_real");
}
