/* mc_import_groups.c — importers for AHRQ's diagnosis groupings, and their compilation
 * into the dictionary (sections MC_SEC_CCSR_*, MC_SEC_COMORB, MC_SEC_AHRQ):
 *   - CCSR for ICD-10-CM diagnoses (DXCCSR_vYYYY-N.csv), official single-quoted form
 *     ('A000') or plain; optional categories / body-systems CSV for names;
 *   - Elixhauser Comorbidity Software Refined: code<TAB>measure, measure names, index
 *     weights, and AHRQ's hierarchy (which measure clears which);
 *   - per code, the Quan 2005 Charlson/Elixhauser masks (engine/codes/mc_quan.c).
 * Codes are matched to the dictionary when it is written, so the order of flags on
 * the command line does not matter; codes the dictionary lacks are counted, skipped. */
#include "dict/mc_groups_build.h"
#include "codes/mc_quan.h"
#include "common/mc_strmap.h"
#include "common/mc_util.h"
#include "dict/mc_csvrows.h"
#include "trie/mc_format.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct { char *name, *title, *body; } gcat;
typedef struct { char *abbr, *title; } gbody;
typedef struct { char code[16]; uint16_t cat[6], ip, op; } gccsr;   /* category indexes into cats (unsorted) */
typedef struct { char *name, *title; int mort, readm, poa, has_w; } gmeasure;
typedef struct { char code[16]; uint64_t mask; } gahrq;

struct mc_bgroups {
    MC_VEC(gcat) cats;
    mc_strmap cat_ix;        /* name -> index + 1 */
    MC_VEC(gbody) bodies;
    mc_strmap body_ix;       /* abbreviation -> index + 1 */
    MC_VEC(gccsr) ccsr;
    mc_strmap ccsr_ix;       /* undotted code -> index + 1 */
    int has_ccsr;
    MC_VEC(gmeasure) measures;
    MC_VEC(gahrq) ahrq;
    mc_strmap ahrq_ix;       /* undotted code -> index + 1 */
    int has_ahrq;
};

void mc_bgroups_free(struct mc_bgroups *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->cats.n; i++) { free(g->cats.items[i].name); free(g->cats.items[i].title); free(g->cats.items[i].body); }
    for (size_t i = 0; i < g->bodies.n; i++) { free(g->bodies.items[i].abbr); free(g->bodies.items[i].title); }
    for (size_t i = 0; i < g->measures.n; i++) { free(g->measures.items[i].name); free(g->measures.items[i].title); }
    mc_vec_free(&g->cats); mc_vec_free(&g->bodies); mc_vec_free(&g->ccsr); mc_vec_free(&g->measures); mc_vec_free(&g->ahrq);
    mc_strmap_free(&g->cat_ix); mc_strmap_free(&g->body_ix); mc_strmap_free(&g->ccsr_ix); mc_strmap_free(&g->ahrq_ix);
    free(g);
}

static struct mc_bgroups *groups(mc_builder *b)
{
    struct mc_bgroups **slot = mc_builder_groups(b);
    if (!*slot) *slot = calloc(1, sizeof **slot);
    return *slot;
}

/* ---- small helpers -------------------------------------------------------------- */

/* Trim blanks and one pair of wrapping single quotes ('A000' -> A000), in place. */
static char *clean(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
    if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') { s[n - 1] = 0; s++; n -= 2; }
    while (*s == ' ') s++;
    n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    return s;
}

/* "E11.9" / "e119" -> "E119"; 0 ok, -1 when not code-shaped. */
static int undot(const char *in, char out[16])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') continue;
        if (!isalnum(c) || n >= 8) return -1;
        out[n++] = (char)toupper(c);
    }
    out[n] = 0;
    return n >= 3 ? 0 : -1;
}

static void source_meta(mc_builder *b, const char *name, const char *path, mc_error *err)
{
    char hex[17], key[64], val[64];
    uint64_t size = 0;
    if (mc_file_digest(path, hex, &size, err) != MC_OK) return;
    snprintf(key, sizeof key, "source:%s", name);
    snprintf(val, sizeof val, "%s %llu", hex, (unsigned long long)size);
    mc_builder_set_meta(b, key, val);
}

/* A file in the directory of path whose name starts with stem and ends with one of
 * the suffixes (first in name order), written to out. 0 found, -1 not. */
static int sibling(const char *path, const char *stem, const char *sfx1, const char *sfx2, char *out, size_t cap)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *sl = strrchr(dir, '/');
    if (sl) sl[1] = 0;
    else snprintf(dir, sizeof dir, "./");
    DIR *dh = opendir(dir);
    if (!dh) return -1;
    char best[1024] = "";
    for (struct dirent *e; (e = readdir(dh));) {
        size_t n = strlen(e->d_name), ls1 = strlen(sfx1), ls2 = sfx2 ? strlen(sfx2) : 0;
        if (strncasecmp(e->d_name, stem, strlen(stem)) != 0) continue;
        int ok = (n > ls1 && strcasecmp(e->d_name + n - ls1, sfx1) == 0) || (sfx2 && n > ls2 && strcasecmp(e->d_name + n - ls2, sfx2) == 0);
        if (ok && (!best[0] || strcmp(e->d_name, best) < 0)) snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(dh);
    if (!best[0]) return -1;
    snprintf(out, cap, "%s%s", dir, best);
    return 0;
}

/* ---- CSV rows (libcsv) ---------------------------------------------------------- */

typedef int (*row_fn)(void *ud, char **f, size_t nf, unsigned long row, mc_error *err);
typedef struct { row_fn fn; void *ud; } cleanctx;

static int clean_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    cleanctx *c = ud;
    char *cf[MC_CSVROWS_MAXF]; /* clean() may return a pointer inside the field: keep the originals */
    for (size_t i = 0; i < nf; i++) cf[i] = clean(f[i]);
    return c->fn(c->ud, cf, nf, row, err);
}

/* Parse a CSV file. The official AHRQ files wrap every value in single quotes; when
 * the file starts with one, the single quote is the CSV quote character (so commas
 * inside 'a, b' stay in the field); otherwise double quotes are, and values wrapped in
 * single quotes inside them are unwrapped by clean(). A tab in the header line makes
 * it a TSV. Extra columns are ignored. */
static mc_status parse_rows(const char *path, row_fn on_row, void *ud, mc_error *err)
{
    cleanctx c = {on_row, ud};
    return mc_csv_rows(path, MC_CSVROWS_SNIFF, clean_row, &c, err);
}

static int colix(char **f, size_t nf, const char *name)
{
    for (size_t i = 0; i < nf; i++)
        if (strcasecmp(f[i], name) == 0) return (int)i;
    return -1;
}
static const char *fv(char **f, size_t nf, int i) { return i >= 0 && (size_t)i < nf ? f[i] : ""; }

/* ---- CCSR ----------------------------------------------------------------------- */

/* The 23 body systems of CCSR v2026.1 (AHRQ DXCCSR reference file), used when no
 * categories / body-systems file gives their names. */
static const char *const builtin_bodies[][2] = {
    {"BLD", "Diseases of the blood and blood-forming organs and certain disorders involving the immune mechanism"},
    {"CIR", "Diseases of the circulatory system"}, {"DEN", "Dental diseases"}, {"DIG", "Diseases of the digestive system"},
    {"EAR", "Diseases of the ear and mastoid process"}, {"END", "Endocrine, nutritional and metabolic diseases"},
    {"EXT", "External causes of morbidity"}, {"EYE", "Diseases of the eye and adnexa"},
    {"FAC", "Factors influencing health status and contact with health services"},
    {"GEN", "Diseases of the genitourinary system"}, {"INF", "Certain infectious and parasitic diseases"},
    {"INJ", "Injury, poisoning and certain other consequences of external causes"},
    {"MAL", "Congenital malformations, deformations and chromosomal abnormalities"},
    {"MBD", "Mental, behavioral and neurodevelopmental disorders"},
    {"MUS", "Diseases of the musculoskeletal system and connective tissue"}, {"NEO", "Neoplasms"},
    {"NVS", "Diseases of the nervous system"}, {"PNL", "Certain conditions originating in the perinatal period"},
    {"PRG", "Pregnancy, childbirth and the puerperium"}, {"RSP", "Diseases of the respiratory system"},
    {"SKN", "Diseases of the skin and subcutaneous tissue"},
    {"SYM", "Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified"},
    {"XXX", "Unacceptable principal diagnosis (inpatient data) or first-listed diagnosis (outpatient data)"},
};

static mc_status add_body(struct mc_bgroups *g, const char *abbr, const char *title, int replace)
{
    int ins = 0;
    uint32_t *v = mc_strmap_put(&g->body_ix, abbr, strlen(abbr), &ins);
    if (!v) return MC_E_NOMEM;
    if (ins) {
        gbody bd = {mc_strdup(abbr), mc_strdup(title ? title : "")};
        if (!bd.abbr || !bd.title || mc_vec_push(&g->bodies, bd)) return MC_E_NOMEM;
        *v = (uint32_t)g->bodies.n;
    } else if (title && title[0] && (replace || !g->bodies.items[*v - 1].title[0])) {
        free(g->bodies.items[*v - 1].title);
        g->bodies.items[*v - 1].title = mc_strdup(title);
    }
    return MC_OK;
}

/* Category index for name (declared on first sight); title fills an empty one. */
static int cat_index(struct mc_bgroups *g, const char *name, const char *title, uint16_t *out)
{
    size_t n = strlen(name);
    if (n < 4 || n > 15) return -1;
    char up[16];
    for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)name[i]);
    int ins = 0;
    uint32_t *v = mc_strmap_put(&g->cat_ix, up, n, &ins);
    if (!v) return -2;
    if (ins) {
        if (g->cats.n >= MC_CCSR_NONE - 1) return -2;
        char body[4] = {up[0], up[1], up[2], 0};
        gcat c = {mc_strdup(up), mc_strdup(title ? title : ""), mc_strdup(body)};
        if (!c.name || !c.title || !c.body || mc_vec_push(&g->cats, c)) return -2;
        *v = (uint32_t)g->cats.n;
        if (add_body(g, body, NULL, 0)) return -2;
    } else if (title && title[0] && !g->cats.items[*v - 1].title[0]) {
        free(g->cats.items[*v - 1].title);
        g->cats.items[*v - 1].title = mc_strdup(title);
    }
    *out = (uint16_t)(*v - 1);
    return 0;
}

typedef struct {
    mc_builder *b;
    struct mc_bgroups *g;
    const char *path;
    int c_code, c_ip, c_ipd, c_op, c_opd, c_cat[6], c_catd[6];
    long rows, dup, bad;
} ccsrctx;

static int ccsr_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    ccsrctx *c = ud;
    if (row == 1) {
        c->c_code = colix(f, nf, "ICD-10-CM CODE");
        c->c_ip = colix(f, nf, "Default CCSR CATEGORY IP");
        c->c_ipd = colix(f, nf, "Default CCSR CATEGORY DESCRIPTION IP");
        c->c_op = colix(f, nf, "Default CCSR CATEGORY OP");
        c->c_opd = colix(f, nf, "Default CCSR CATEGORY DESCRIPTION OP");
        for (int k = 0; k < 6; k++) {
            char h[64];
            snprintf(h, sizeof h, "CCSR CATEGORY %d", k + 1);
            c->c_cat[k] = colix(f, nf, h);
            snprintf(h, sizeof h, "CCSR CATEGORY %d DESCRIPTION", k + 1);
            c->c_catd[k] = colix(f, nf, h);
        }
        if (c->c_code < 0 || c->c_cat[0] < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0,
                                "not a DXCCSR file: the header must name 'ICD-10-CM CODE' and 'CCSR CATEGORY 1'");
        return MC_OK;
    }
    c->rows++;
    char code[16];
    if (undot(fv(f, nf, c->c_code), code)) { c->bad++; return MC_OK; }
    gccsr e;
    memset(&e, 0xFF, sizeof e);
    memcpy(e.code, code, sizeof e.code);
    int n = 0, r;
    for (int k = 0; k < 6; k++) {
        const char *name = fv(f, nf, c->c_cat[k]);
        if (!name[0]) continue;
        uint16_t ix;
        if ((r = cat_index(c->g, name, fv(f, nf, c->c_catd[k]), &ix)) == -2) return MC_E_NOMEM;
        if (r == 0) e.cat[n++] = ix;
    }
    const char *ip = fv(f, nf, c->c_ip), *op = fv(f, nf, c->c_op);
    uint16_t ix;
    r = 0;
    if (ip[0] && (r = cat_index(c->g, ip, fv(f, nf, c->c_ipd), &ix)) == 0) e.ip = ix;
    else if (r == -2) return MC_E_NOMEM;
    r = 0;
    if (op[0] && (r = cat_index(c->g, op, fv(f, nf, c->c_opd), &ix)) == 0) e.op = ix;
    else if (r == -2) return MC_E_NOMEM;
    int ins = 0;
    uint32_t *v = mc_strmap_put(&c->g->ccsr_ix, code, strlen(code), &ins);
    if (!v) return MC_E_NOMEM;
    if (!ins) { c->dup++; c->g->ccsr.items[*v - 1] = e; return MC_OK; } /* last row wins */
    if (mc_vec_push(&c->g->ccsr, e)) return MC_E_NOMEM;
    *v = (uint32_t)c->g->ccsr.n;
    return MC_OK;
}

/* Categories CSV (ccsr_category, ccsr_category_description, body_system_abbr,
 * body_system) or body-systems CSV (body_system_abbr, body_system). */
typedef struct { struct mc_bgroups *g; const char *path; int c_cat, c_catd, c_abbr, c_body; long n; } catctx;

static int cat_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    catctx *c = ud;
    if (row == 1) {
        c->c_cat = colix(f, nf, "ccsr_category");
        if (c->c_cat < 0) c->c_cat = colix(f, nf, "CCSR Category");
        c->c_catd = colix(f, nf, "ccsr_category_description");
        if (c->c_catd < 0) c->c_catd = colix(f, nf, "CCSR Category Description");
        c->c_abbr = colix(f, nf, "body_system_abbr");
        c->c_body = colix(f, nf, "body_system");
        if (c->c_cat < 0 && (c->c_abbr < 0 || c->c_body < 0))
            return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0,
                                "CCSR categories file: the header must name ccsr_category or body_system_abbr and body_system");
        return MC_OK;
    }
    const char *abbr = fv(f, nf, c->c_abbr), *body = fv(f, nf, c->c_body);
    if (abbr[0] && body[0] && add_body(c->g, abbr, body, 1)) return MC_E_NOMEM;
    const char *name = fv(f, nf, c->c_cat);
    if (name[0]) {
        uint16_t ix;
        if (cat_index(c->g, name, fv(f, nf, c->c_catd), &ix) == -2) return MC_E_NOMEM;
    }
    c->n++;
    return MC_OK;
}

static mc_status load_categories(mc_builder *b, struct mc_bgroups *g, const char *path, mc_error *err)
{
    catctx cc = {.g = g, .path = path};
    mc_status st = parse_rows(path, cat_row, &cc, err);
    if (!st) source_meta(b, strstr(path, "body") ? "ccsr_body_systems" : "ccsr_categories", path, err);
    return st;
}

mc_status mc_import_ccsr(mc_builder *b, const char *path, const char *categories_path, mc_error *err)
{
    struct mc_bgroups *g = groups(b);
    if (!g) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    mc_status st = MC_OK;
    char sib[4200];
    if (categories_path) st = load_categories(b, g, categories_path, err);
    else {  /* AHRQ-style companions beside the file, when present */
        if (sibling(path, "CCSR_DX_categories", ".csv", NULL, sib, sizeof sib) == 0) st = load_categories(b, g, sib, err);
        if (!st && sibling(path, "CCSR_DX_body_systems", ".csv", NULL, sib, sizeof sib) == 0) st = load_categories(b, g, sib, err);
    }
    if (st) return st;
    ccsrctx c = {.b = b, .g = g, .path = path};
    st = parse_rows(path, ccsr_row, &c, err);
    if (st) return st;
    if (c.rows == 0) return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "no CCSR rows");
    for (size_t i = 0; i < MC_ARRAY_LEN(builtin_bodies); i++) /* fills names still missing */
        if (mc_strmap_get(&g->body_ix, builtin_bodies[i][0], 3) && add_body(g, builtin_bodies[i][0], builtin_bodies[i][1], 0))
            return MC_E_NOMEM;
    g->has_ccsr = 1;
    mc_builder_count(b, "ccsr.rows", c.rows);
    mc_builder_count(b, "ccsr.rows_duplicate", c.dup);
    mc_builder_count(b, "ccsr.rows_bad_code", c.bad);
    source_meta(b, "ccsr", path, err);
    const char *base = strrchr(path, '/');
    mc_builder_set_meta(b, "ccsr", base ? base + 1 : path);
    return MC_OK;
}

/* ---- AHRQ Elixhauser Comorbidity Software Refined ------------------------------- */

/* AHRQ CMR_Mapping_Program: (more severe, less severe) pairs, measure names without
 * the CMR_ prefix. LIVER and RENLFL are the program's POA-dependent exclusions. */
static const char *const ahrq_rules[][2] = {
    {"DIAB_CX", "DIAB_UNCX"},        {"HTN_CX", "HTN_UNCX"},           {"CANCER_METS", "CANCER_SOLID"},
    {"CANCER_METS", "CANCER_NSITU"}, {"CANCER_SOLID", "CANCER_NSITU"}, {"LIVER_SEV", "LIVER_MLD"},
    {"RENLFL_SEV", "RENLFL_MOD"},
};

static const char *bare(const char *s) { return strncasecmp(s, "CMR_", 4) == 0 ? s + 4 : s; }

static int measure_ix(const struct mc_bgroups *g, const char *name)
{
    for (size_t i = 0; i < g->measures.n; i++)
        if (strcasecmp(bare(g->measures.items[i].name), bare(name)) == 0) return (int)i;
    return -1;
}

static mc_status add_measure(struct mc_bgroups *g, const char *name, const char *title, int poa)
{
    if (measure_ix(g, name) >= 0) return MC_OK;
    if (g->measures.n >= 64) return MC_E_DICT_BUILD;
    char full[64];
    snprintf(full, sizeof full, "CMR_%s", bare(name));
    for (char *p = full; *p; p++) *p = (char)toupper((unsigned char)*p);
    gmeasure m = {mc_strdup(full), mc_strdup(title && title[0] ? title : full), 0, 0, poa, 0};
    if (!m.name || !m.title || mc_vec_push(&g->measures, m)) return MC_E_NOMEM;
    return MC_OK;
}

typedef struct { struct mc_bgroups *g; const char *path; int c1, c2, c3; long n; } tsvctx;

static int measures_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    tsvctx *c = ud;
    if (row == 1) {
        c->c1 = colix(f, nf, "measure");
        c->c2 = colix(f, nf, "description");
        c->c3 = colix(f, nf, "uses_poa");
        if (c->c1 < 0) return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0, "AHRQ measures file: no 'measure' column");
        return MC_OK;
    }
    const char *m = fv(f, nf, c->c1), *poa = fv(f, nf, c->c3);
    if (!m[0]) return MC_OK;
    mc_status st = add_measure(c->g, m, fv(f, nf, c->c2), poa[0] == 'Y' || poa[0] == 'y' || poa[0] == '1');
    if (st == MC_E_DICT_BUILD) return mc_error_set(err, st, c->path, row, 0, 0, "more than 64 AHRQ measures");
    c->n += st == MC_OK;
    return st;
}

static int weights_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    tsvctx *c = ud;
    if (row == 1) {
        c->c1 = colix(f, nf, "measure");
        c->c2 = colix(f, nf, "readmission_weight");
        c->c3 = colix(f, nf, "mortality_weight");
        if (c->c1 < 0 || c->c2 < 0 || c->c3 < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0,
                                "AHRQ weights file: the header must name measure, readmission_weight and mortality_weight");
        return MC_OK;
    }
    const char *m = fv(f, nf, c->c1);
    if (!m[0]) return MC_OK;
    int ix = measure_ix(c->g, m);
    if (ix < 0) {
        mc_status st = add_measure(c->g, m, NULL, 0);
        if (st) return st == MC_E_DICT_BUILD ? mc_error_set(err, st, c->path, row, 0, 0, "more than 64 AHRQ measures") : st;
        ix = (int)c->g->measures.n - 1;
    }
    char *e1, *e2;
    long rw = strtol(fv(f, nf, c->c2), &e1, 10), mw = strtol(fv(f, nf, c->c3), &e2, 10);
    if (*e1 || *e2 || e1 == fv(f, nf, c->c2) || e2 == fv(f, nf, c->c3))
        return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0, "weights must be integers");
    gmeasure *gm = &c->g->measures.items[ix];
    gm->readm = (int)rw;
    gm->mort = (int)mw;
    gm->has_w = 1;
    c->n++;
    return MC_OK;
}

/* Map a long-file measure token to a measure: CMR_<token>, or with AHRQ's
 * POA/sequela split suffix dropped (CBVD_POA, CBVD_SQLA -> CMR_CBVD). */
static int token_measure(struct mc_bgroups *g, const char *tok)
{
    int ix = measure_ix(g, tok);
    if (ix >= 0) return ix;
    char t[64];
    snprintf(t, sizeof t, "%s", tok);
    size_t n = strlen(t);
    if (n > 4 && strcasecmp(t + n - 4, "_POA") == 0) t[n - 4] = 0;
    else if (n > 5 && strcasecmp(t + n - 5, "_SQLA") == 0) t[n - 5] = 0;
    else return -1;
    return measure_ix(g, t);
}

typedef struct { mc_builder *b; struct mc_bgroups *g; const char *path; int c_code, c_m, derive; long rows, unknown, bad; } longctx;

static int long_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    longctx *c = ud;
    if (row == 1) {
        c->c_code = colix(f, nf, "icd10cm");
        if (c->c_code < 0) c->c_code = colix(f, nf, "code");
        c->c_m = colix(f, nf, "measure");
        if (c->c_code < 0 || c->c_m < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, c->path, row, 0, 0,
                                "AHRQ mapping: expected the long form with columns icd10cm (or code) and measure");
        return MC_OK;
    }
    c->rows++;
    char code[16];
    const char *tok = fv(f, nf, c->c_m);
    if (undot(fv(f, nf, c->c_code), code) || !tok[0]) { c->bad++; return MC_OK; }
    int ix = token_measure(c->g, tok);
    if (ix < 0 && c->derive) { /* no measures file: the measure set comes from the mapping */
        char t[64];
        snprintf(t, sizeof t, "%s", tok);
        size_t n = strlen(t);
        if (n > 4 && strcasecmp(t + n - 4, "_POA") == 0) t[n - 4] = 0;
        else if (n > 5 && strcasecmp(t + n - 5, "_SQLA") == 0) t[n - 5] = 0;
        mc_status st = add_measure(c->g, t, NULL, 0);
        if (st) return st == MC_E_DICT_BUILD ? mc_error_set(err, st, c->path, row, 0, 0, "more than 64 AHRQ measures") : st;
        ix = (int)c->g->measures.n - 1;
    }
    if (ix < 0) { c->unknown++; return MC_OK; }
    int ins = 0;
    uint32_t *v = mc_strmap_put(&c->g->ahrq_ix, code, strlen(code), &ins);
    if (!v) return MC_E_NOMEM;
    if (ins) {
        gahrq a;
        memset(&a, 0, sizeof a);
        memcpy(a.code, code, sizeof a.code);
        if (mc_vec_push(&c->g->ahrq, a)) return MC_E_NOMEM;
        *v = (uint32_t)c->g->ahrq.n;
    }
    c->g->ahrq.items[*v - 1].mask |= 1ull << ix;
    return MC_OK;
}

static int cmp_measure(const void *a, const void *b)
{
    return strcmp(((const gmeasure *)a)->name, ((const gmeasure *)b)->name);
}

mc_status mc_import_ahrq_cmr(mc_builder *b, const char *path, const char *measures_path, const char *weights_path,
                             mc_error *err)
{
    struct mc_bgroups *g = groups(b);
    if (!g) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    if (g->has_ahrq) return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "AHRQ comorbidity data given twice");
    char sm[4200], sw[4200];
    if (!measures_path && sibling(path, "cmr_", "measures.tsv", "measures.csv", sm, sizeof sm) == 0) measures_path = sm;
    if (!weights_path && sibling(path, "cmr_", "weights.tsv", "weights.csv", sw, sizeof sw) == 0) weights_path = sw;
    mc_status st = MC_OK;
    if (measures_path) {
        tsvctx mc = {.g = g, .path = measures_path};
        if ((st = parse_rows(measures_path, measures_row, &mc, err))) return st;
        if (g->measures.n > 1) qsort(g->measures.items, g->measures.n, sizeof(gmeasure), cmp_measure);
        source_meta(b, "ahrq_measures", measures_path, err);
    }
    longctx lc = {.b = b, .g = g, .path = path, .derive = measures_path == NULL};
    if ((st = parse_rows(path, long_row, &lc, err))) return st;
    if (!measures_path && g->measures.n > 1) { /* derived: sort by name, remap the masks */
        int old_of_new[64];
        char *names[64];
        for (size_t i = 0; i < g->measures.n; i++) names[i] = g->measures.items[i].name;
        qsort(g->measures.items, g->measures.n, sizeof(gmeasure), cmp_measure);
        for (size_t i = 0; i < g->measures.n; i++)
            for (size_t k = 0; k < g->measures.n; k++)
                if (names[k] == g->measures.items[i].name) old_of_new[i] = (int)k;
        for (size_t a = 0; a < g->ahrq.n; a++) {
            uint64_t m = g->ahrq.items[a].mask, nm = 0;
            for (size_t i = 0; i < g->measures.n; i++)
                if (m >> old_of_new[i] & 1) nm |= 1ull << i;
            g->ahrq.items[a].mask = nm;
        }
    }
    if (weights_path) {
        tsvctx wc = {.g = g, .path = weights_path};
        if ((st = parse_rows(weights_path, weights_row, &wc, err))) return st;
        source_meta(b, "ahrq_weights", weights_path, err);
    }
    if (g->ahrq.n == 0) return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "no AHRQ mapping rows");
    g->has_ahrq = 1;
    long nw = 0;
    for (size_t i = 0; i < g->measures.n; i++) nw += g->measures.items[i].has_w;
    mc_builder_count(b, "ahrq.rows", lc.rows);
    mc_builder_count(b, "ahrq.rows_unknown_measure", lc.unknown);
    mc_builder_count(b, "ahrq.rows_bad_code", lc.bad);
    mc_builder_count(b, "ahrq.measures", (long)g->measures.n);
    mc_builder_count(b, "ahrq.measures_weighted", nw);
    source_meta(b, "ahrq_mapping", path, err);
    return MC_OK;
}

/* ---- compile -------------------------------------------------------------------- */

typedef struct { const char *name; uint16_t old; } catsort;
static int cmp_catsort(const void *a, const void *b) { return strcmp(((const catsort *)a)->name, ((const catsort *)b)->name); }

mc_status mc_bgroups_compile(mc_builder *b, const struct mc_bgroups *g, const char *const *codes, size_t nc,
                             mc_intern_fn intern, void *ud, mc_bsection out[4], size_t *n_out)
{
    *n_out = 0;
    mc_fcomorb *cm = calloc(nc + 1, sizeof *cm);
    if (!cm) return MC_E_NOMEM;
    long n_ahrq = 0, n_ccsr = 0;
    for (size_t i = 0; i < nc; i++) {
        cm[i].charlson = mc_quan_charlson_mask(codes[i]);
        cm[i].elix_quan = mc_quan_elix_mask(codes[i]);
        if (g && g->has_ahrq) {
            char u[16];
            uint32_t *v = undot(codes[i], u) ? NULL : mc_strmap_get(&g->ahrq_ix, u, strlen(u));
            if (v) { cm[i].ahrq = g->ahrq.items[*v - 1].mask; n_ahrq++; }
        }
    }
    out[(*n_out)++] = (mc_bsection){MC_SEC_COMORB, sizeof(mc_fcomorb), nc * sizeof(mc_fcomorb), cm};
    if (g && g->has_ahrq) {
        mc_fahrq *am = calloc(g->measures.n + 1, sizeof *am);
        if (!am) return MC_E_NOMEM;
        for (size_t i = 0; i < g->measures.n; i++) {
            const gmeasure *m = &g->measures.items[i];
            am[i] = (mc_fahrq){intern(ud, m->name), intern(ud, m->title), m->mort, m->readm, m->poa ? MC_AHRQF_POA : 0, 0, 0};
        }
        for (size_t r = 0; r < MC_ARRAY_LEN(ahrq_rules); r++) {
            int hi = measure_ix(g, ahrq_rules[r][0]), lo = measure_ix(g, ahrq_rules[r][1]);
            if (hi >= 0 && lo >= 0) am[hi].clears |= 1ull << lo;
        }
        out[(*n_out)++] = (mc_bsection){MC_SEC_AHRQ, sizeof(mc_fahrq), g->measures.n * sizeof(mc_fahrq), am};
        mc_builder_count(b, "ahrq.codes", n_ahrq);
        mc_builder_count(b, "ahrq.code_not_in_dictionary", (long)g->ahrq.n - n_ahrq);
    }
    if (g && g->has_ccsr) {
        size_t nk = g->cats.n;
        catsort *cs = calloc(nk + 1, sizeof *cs);
        uint16_t *remap = calloc(nk + 1, sizeof *remap);
        mc_fccsr_cat *fc = calloc(nk + 1, sizeof *fc);
        mc_fccsr_code *fk = calloc(nc + 1, sizeof *fk);
        if (!cs || !remap || !fc || !fk) { free(cs); free(remap); free(fc); free(fk); return MC_E_NOMEM; }
        for (size_t i = 0; i < nk; i++) cs[i] = (catsort){g->cats.items[i].name, (uint16_t)i};
        if (nk > 1) qsort(cs, nk, sizeof *cs, cmp_catsort);
        for (size_t i = 0; i < nk; i++) {
            const gcat *c = &g->cats.items[cs[i].old];
            remap[cs[i].old] = (uint16_t)i;
            uint32_t *bv = mc_strmap_get(&g->body_ix, c->body, strlen(c->body));
            fc[i] = (mc_fccsr_cat){intern(ud, c->name), intern(ud, c->title), intern(ud, c->body),
                                   intern(ud, bv ? g->bodies.items[*bv - 1].title : "")};
        }
        for (size_t i = 0; i < nc; i++) {
            memset(&fk[i], 0xFF, sizeof fk[i]);
            char u[16];
            uint32_t *v = undot(codes[i], u) ? NULL : mc_strmap_get(&g->ccsr_ix, u, strlen(u));
            if (!v) continue;
            const gccsr *e = &g->ccsr.items[*v - 1];
            for (int k = 0; k < 6; k++) fk[i].cat[k] = e->cat[k] == MC_CCSR_NONE ? MC_CCSR_NONE : remap[e->cat[k]];
            fk[i].ip = e->ip == MC_CCSR_NONE ? MC_CCSR_NONE : remap[e->ip];
            fk[i].op = e->op == MC_CCSR_NONE ? MC_CCSR_NONE : remap[e->op];
            n_ccsr++;
        }
        free(cs);
        free(remap);
        out[(*n_out)++] = (mc_bsection){MC_SEC_CCSR_CATS, sizeof(mc_fccsr_cat), nk * sizeof(mc_fccsr_cat), fc};
        out[(*n_out)++] = (mc_bsection){MC_SEC_CCSR_CODES, sizeof(mc_fccsr_code), nc * sizeof(mc_fccsr_code), fk};
        mc_builder_count(b, "ccsr.categories", (long)nk);
        mc_builder_count(b, "ccsr.codes", n_ccsr);
        mc_builder_count(b, "ccsr.code_not_in_dictionary", (long)g->ccsr.n - n_ccsr);
    }
    return MC_OK;
}
