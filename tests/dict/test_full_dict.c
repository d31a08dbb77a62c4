/* test_full_dict.c — the complete recipe (FY2026 order file + Alphabetic Index + Tabular
 * List + our lexicon) compiled by `medcode dict build`: every billable FY2026 code is in
 * the dictionary with its official title and its place in the hierarchy (category,
 * block, chapter), and well-known phrases resolve (with "neoplasm": also phrases of the
 * Neoplasm Table). usage: test_full_dict DICT ORDER_FILE [neoplasm] */
#include "mc_test.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    mc_dict *d;
    mc_error e;
    if (mc_dict_open(argv[1], &d, &e) != MC_OK) { fprintf(stderr, "cannot open %s: %s\n", argv[1], e.msg); return 1; }
    FILE *f = fopen(argv[2], "r");
    if (!f) return 77;
    char line[512];
    long billable = 0, found = 0, titled = 0, placed = 0;
    while (fgets(line, sizeof line, f)) {
        if (strlen(line) < 16 || line[14] != '1') continue;
        char code[8];
        int n = 0;
        for (int i = 6; i < 13 && line[i] != ' '; i++) code[n++] = line[i];
        code[n] = 0;
        billable++;
        int64_t ix = mc_dict_find_code(d, code);
        if (ix < 0) { if (found == billable - 1) fprintf(stderr, "missing %s\n", code); continue; }
        found++;
        mc_code_info c;
        mc_dict_code(d, (uint32_t)ix, &c);
        titled += c.billable && c.title_official && c.title[0];
        placed += c.chapter >= 1 && c.chapter <= 22 && c.category != UINT32_MAX && c.block != UINT32_MAX;
    }
    fclose(f);
    printf("billable in order file %ld, in dictionary %ld, with official title %ld, with category/block/chapter %ld\n",
           billable, found, titled, placed);
    MC_CHECK(billable == 74719);
    MC_CHECK(found == billable);
    MC_CHECK(titled == billable);
    MC_CHECK(placed == billable);
    mc_dict_info di;
    mc_dict_get_info(d, &di);
    MC_CHECK(di.n_chapters == 22 && di.n_blocks >= 283);
    /* a few phrases a coder would expect, through the whole scanner */
    static const struct { const char *text, *code; } ex[] = {
        {"Type 2 diabetes mellitus with diabetic nephropathy", "E11.21"},
        {"essential hypertension", "I10"},
        {"chronic obstructive pulmonary disease", "J44.9"},
        {"acute kidney injury", "N17.9"},
        /* the Neoplasm Table (argument "neoplasm": the dictionary was built with it) */
        {"lung cancer", "C34.90"},
        {"carcinoma of the breast", "C50.919"},
        {"liver metastasis", "C78.7"},
        {"metastatic disease to bone", "C79.51"},
        {"benign neoplasm of colon", "D12.6"},
        {"carcinoma in situ of cervix", "D06.9"},
        {"hepatic metastases", "C78.7"},
        {"lymph node metastases", "C77.9"},
        {"bladder tumor", "D49.4"},
    };
    size_t nex = sizeof ex / sizeof ex[0];
    if (argc < 4 || strcmp(argv[3], "neoplasm") != 0) nex = 4;
    mc_scratch *s = mc_scratch_create(d);
    mc_scan_opts o;
    mc_scan_opts_default(&o);
    for (size_t i = 0; i < nex; i++) {
        const mc_mention *ms;
        size_t n;
        MC_CHECK(mc_scan(s, ex[i].text, strlen(ex[i].text), &o, &ms, &n) == MC_OK);
        int ok = 0;
        for (size_t k = 0; k < n; k++) {
            mc_code_info c;
            mc_dict_code(d, ms[k].code, &c);
            ok |= ms[k].counted && !strcmp(c.code, ex[i].code);
        }
        if (!ok) fprintf(stderr, "\"%s\" did not code as %s\n", ex[i].text, ex[i].code);
        MC_CHECK(ok);
    }
    mc_scratch_free(s);
    mc_dict_close(d);

    /* A large image is checksummed on a second thread beside validation and the table
     * build (mc_dict.c): one flipped byte anywhere in it is still refused as a checksum
     * mismatch, and the intact image still opens. */
    FILE *df = fopen(argv[1], "rb");
    MC_CHECK(df != NULL);
    if (df) {
        fseek(df, 0, SEEK_END);
        long sz = ftell(df);
        fseek(df, 0, SEEK_SET);
        uint64_t *img = malloc((size_t)sz + 8);
        MC_CHECK(img && fread(img, 1, (size_t)sz, df) == (size_t)sz);
        fclose(df);
        unsigned char *b = (unsigned char *)img;
        for (int k = 1; img && k <= 7; k++) {
            size_t at = (size_t)sz / 8 * (size_t)k + 4096u * (size_t)k;
            b[at] ^= 0x10;
            mc_dict *bad = NULL;
            mc_status st = mc_dict_open_mem(img, (size_t)sz, "flipped", &bad, &e);
            MC_CHECK(st == MC_E_DICT_CORRUPT && bad == NULL && strstr(e.msg, "checksum mismatch"));
            b[at] ^= 0x10;
        }
        mc_dict *good = NULL;
        MC_CHECK(img && mc_dict_open_mem(img, (size_t)sz, "intact", &good, &e) == MC_OK && good);
        mc_dict_close(good);
        free(img);
    }
    return mc_test_result("test_full_dict");
}
