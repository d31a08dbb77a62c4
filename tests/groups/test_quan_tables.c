/* test_quan_tables.c — the built-in Quan 2005 tables (engine/codes/mc_quan.c) against
 * the reference TSVs in MEDCODE_DATA/comorbidity/quan2005: every prefix of
 * charlson_icd10_quan and elixhauser_icd10_quan in its condition, nothing more, in the
 * same condition order; Charlson 1987 ("charlson"), Quan 2011 ("quan") and van Walraven
 * ("vw") weights. Exit 77 (skip) when the data folder is absent. */
#include "codes/mc_quan.h"
#include "../mc_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int in_list(const char *list, const char *p)
{
    size_t n = strlen(p);
    for (const char *q = list; *q;) {
        const char *sp = strchr(q, ' ');
        size_t l = sp ? (size_t)(sp - q) : strlen(q);
        if (l == n && memcmp(q, p, n) == 0) return 1;
        q += l;
        while (*q == ' ') q++;
    }
    return 0;
}

static int list_len(const char *list)
{
    int n = 0;
    for (const char *q = list; *q; q++)
        if (*q != ' ' && (q[1] == ' ' || q[1] == 0)) n++;
    return n;
}

static int find(const mc_quan_condition *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return i;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) return 77;
    char p[2048];
    snprintf(p, sizeof p, "%s/comorbidity/quan2005/comorbidity_maps_prefixes.tsv", argv[1]);
    FILE *f = fopen(p, "r");
    if (!f) { printf("skip: %s absent\n", p); return 77; }
    int seen_ch[17] = {0}, seen_el[31] = {0}, last_ch = -1, last_el = -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *alg = strtok(line, "\t"), *cond = strtok(NULL, "\t"), *pre = strtok(NULL, "\t");
        if (!alg || !cond || !pre) continue;
        const mc_quan_condition *t;
        int n, *seen, *last;
        if (!strcmp(alg, "charlson_icd10_quan")) { t = mc_quan_charlson; n = 17; seen = seen_ch; last = &last_ch; }
        else if (!strcmp(alg, "elixhauser_icd10_quan")) { t = mc_quan_elix; n = 31; seen = seen_el; last = &last_el; }
        else continue;
        int i = find(t, n, cond);
        MC_CHECK(i >= 0);
        if (i < 0) { fprintf(stderr, "%s: unknown condition %s\n", alg, cond); continue; }
        MC_CHECK(i >= *last); /* same condition order as the reference */
        *last = i;
        if (!in_list(t[i].prefixes, pre)) fprintf(stderr, "%s %s: prefix %s missing\n", alg, cond, pre);
        MC_CHECK(in_list(t[i].prefixes, pre));
        seen[i]++;
    }
    fclose(f);
    for (int i = 0; i < 17; i++) {
        if (seen_ch[i] != list_len(mc_quan_charlson[i].prefixes)) fprintf(stderr, "charlson %s: %d in reference, %d built in\n", mc_quan_charlson[i].name, seen_ch[i], list_len(mc_quan_charlson[i].prefixes));
        MC_CHECK(seen_ch[i] == list_len(mc_quan_charlson[i].prefixes));
    }
    for (int i = 0; i < 31; i++) {
        if (seen_el[i] != list_len(mc_quan_elix[i].prefixes)) fprintf(stderr, "elixhauser %s: %d in reference, %d built in\n", mc_quan_elix[i].name, seen_el[i], list_len(mc_quan_elix[i].prefixes));
        MC_CHECK(seen_el[i] == list_len(mc_quan_elix[i].prefixes));
    }

    snprintf(p, sizeof p, "%s/comorbidity/quan2005/comorbidity_weights.tsv", argv[1]);
    f = fopen(p, "r");
    MC_CHECK(f != NULL);
    int n_ch = 0, n_q = 0, n_vw = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *scheme = strtok(line, "\t"), *cond = strtok(NULL, "\t"), *w = strtok(NULL, "\t");
        if (!scheme || !cond || !w || !strcmp(scheme, "weight_scheme")) continue;
        int v = atoi(w), i;
        if (!strcmp(scheme, "charlson")) { i = find(mc_quan_charlson, 17, cond); MC_CHECK(i >= 0 && mc_quan_charlson[i].weight == v); n_ch++; }
        else if (!strcmp(scheme, "quan")) { i = find(mc_quan_charlson, 17, cond); MC_CHECK(i >= 0 && mc_quan_charlson[i].weight2 == v); n_q++; }
        else if (!strcmp(scheme, "vw")) { i = find(mc_quan_elix, 31, cond); MC_CHECK(i >= 0 && mc_quan_elix[i].weight == v); n_vw++; }
    }
    if (f) fclose(f);
    MC_CHECK(n_ch == 17 && n_q == 17 && n_vw == 31);
    /* prefix matching on undotted codes */
    MC_CHECK(mc_quan_charlson_mask("I25.2") == 1u << 0);
    MC_CHECK(mc_quan_charlson_mask("I252") == 1u << 0);
    MC_CHECK(mc_quan_charlson_mask("I25.1") == 0);
    MC_CHECK(mc_quan_charlson_mask("I2") == 0);
    return mc_test_result("quan_tables");
}
