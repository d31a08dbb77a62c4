/* mc_plan.c — the statistics plan: validates the options (strata, age bands, periods,
 * standard population, co-occurrence), writes them in a canonical text form (stored in
 * partial states, compared at merge) and precomputes the item of every code at each
 * level so that the per-record path is table lookups only. */
#include "stats/mc_stats.h"
#include "mc_groups.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *const LEVEL_NAMES[MC_LV__COUNT] = {"code", "category", "block", "chapter", "ccsr_default", "ccsr",
                                                      "body_system", "charlson", "elixhauser_quan", "ahrq_elixhauser",
                                                      "charlson_index"};
const char *mc_level_name(int lv) { return lv >= 0 && lv < MC_LV__COUNT ? LEVEL_NAMES[lv] : "?"; }

void mc_stats_opts_default(mc_stats_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_cell = MC_STATS_DEFAULT_MIN_CELL;
    o->cooc_top = MC_STATS_DEFAULT_COOC_TOP;
}

void mc_stats_plan_free(mc_stats_plan *p)
{
    if (!p) return;
    free(p->opts_text);
    for (int i = 0; i < p->n_cols; i++) free(p->cols[i]);
    free(p->grp_of);
    free(p->grp_items);
    free(p->cat_name);
    free(p->cat_code);
    free(p->ccsr_body);
    for (uint32_t i = 0; p->body_name && i < p->n_items[MC_LV_BODY]; i++) { free(p->body_name[i]); free(p->body_title[i]); }
    free(p->body_name);
    free(p->body_title);
    free(p);
}

#define USAGE(...) mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, __VA_ARGS__)

static int add_col(mc_stats_plan *p, const char *name)
{
    for (int i = 0; i < p->n_cols; i++)
        if (!strcmp(p->cols[i], name)) return i;
    if (p->n_cols >= MC_MAX_VARS) return -1;
    p->cols[p->n_cols] = mc_strdup(name);
    return p->cols[p->n_cols] ? p->n_cols++ : -1;
}

/* Variable index for a name in --strata: a column, or age_band / period (or their source column). */
static int var_for(mc_stats_plan *p, const char *name, const mc_stats_opts *so, mc_error *err)
{
    int kind = MC_VAR_COLUMN;
    const char *vname = name;
    if (!strcmp(name, "age_band") || (so->age_col && !strcmp(name, so->age_col))) {
        if (!so->age_col) { USAGE("--strata names age_band but no --age-col was given"); return -1; }
        kind = MC_VAR_AGE;
        vname = "age_band";
    } else if (!strcmp(name, "period") || (so->date_col && !strcmp(name, so->date_col))) {
        if (!so->date_col) { USAGE("--strata names period but no --date-col was given"); return -1; }
        kind = MC_VAR_PERIOD;
        vname = "period";
    }
    for (int v = 0; v < p->n_vars; v++)
        if (!strcmp(p->vars[v].name, vname)) return v;
    if (p->n_vars >= MC_MAX_VARS) { USAGE("at most %d stratum variables", MC_MAX_VARS); return -1; }
    if (!*name || strlen(vname) >= sizeof p->vars[0].name) { USAGE("--strata: bad column name '%s'", name); return -1; }
    mc_var *v = &p->vars[p->n_vars];
    v->kind = kind;
    snprintf(v->name, sizeof v->name, "%s", vname);
    if (!strcmp(v->name, "stratification") || !strcmp(v->name, "level") || !strcmp(v->name, "code")) {
        USAGE("--strata: a column may not be named '%s' (a table column has that name)", v->name);
        return -1;
    }
    v->col = add_col(p, kind == MC_VAR_AGE ? so->age_col : kind == MC_VAR_PERIOD ? so->date_col : name);
    if (v->col < 0) { USAGE("too many stratum columns"); return -1; }
    if (kind == MC_VAR_AGE) p->age_var = p->n_vars;
    return p->n_vars++;
}

static int add_strat(mc_stats_plan *p, uint32_t mask, int hidden)
{
    for (int s = 0; s < p->n_strat; s++)
        if (p->strat[s].mask == mask) {
            if (!hidden) p->strat[s].hidden = 0;
            return s;
        }
    if (p->n_strat >= MC_MAX_STRAT) return -1;
    mc_strat *st = &p->strat[p->n_strat];
    st->mask = mask;
    st->hidden = hidden;
    st->std_src = -1;
    if (!mask) snprintf(st->name, sizeof st->name, "all");
    else {
        size_t l = 0;
        st->name[0] = 0;
        for (int v = 0; v < p->n_vars; v++)
            if (mask >> v & 1) l += (size_t)snprintf(st->name + l, sizeof st->name - MC_MIN(l, sizeof st->name), "%s%s", l ? "*" : "", p->vars[v].name);
    }
    return p->n_strat++;
}

static mc_status parse_bands(mc_stats_plan *p, const char *spec, mc_error *err)
{
    const char *s = spec;
    int prev_hi = -1;
    while (*s) {
        if (p->n_bands >= MC_MAX_BANDS) return USAGE("--age-bands: at most %d bands", MC_MAX_BANDS);
        char *end;
        errno = 0;
        long lo = strtol(s, &end, 10);
        if (end == s || *end != '-' || lo < 0 || lo > 150) return USAGE("--age-bands: '%s' is not LO-HI,... (e.g. %s)", spec, MC_STATS_DEFAULT_BANDS);
        s = end + 1;
        long hi = INT32_MAX;
        if (*s && *s != ',') {
            hi = strtol(s, &end, 10);
            if (end == s || hi < lo || hi > 150) return USAGE("--age-bands: '%s' is not LO-HI,... (e.g. %s)", spec, MC_STATS_DEFAULT_BANDS);
            s = end;
        }
        if (lo <= prev_hi) return USAGE("--age-bands: bands must be in increasing order without overlap ('%s')", spec);
        if (prev_hi == INT32_MAX) return USAGE("--age-bands: an open band (LO-) must be the last ('%s')", spec);
        p->band_lo[p->n_bands] = (int)lo;
        p->band_hi[p->n_bands] = (int)hi;
        if (hi == INT32_MAX) snprintf(p->band_label[p->n_bands], sizeof p->band_label[0], "%ld-", lo);
        else snprintf(p->band_label[p->n_bands], sizeof p->band_label[0], "%ld-%ld", lo, hi);
        p->n_bands++;
        prev_hi = (int)hi;
        if (*s == ',') s++;
        else if (*s) return USAGE("--age-bands: '%s' is not LO-HI,... (e.g. %s)", spec, MC_STATS_DEFAULT_BANDS);
    }
    if (!p->n_bands) return USAGE("--age-bands: no bands in '%s'", spec);
    return MC_OK;
}

/* US 2000 standard population, 19 age groups: NCHS, Klein & Schoenborn, "Age adjustment
 * using the 2000 projected U.S. population", Healthy People 2010 Statistical Notes no. 20
 * (2001), table 2 (from Census P25-1130); also SEER "Standard Populations - 19 age groups". */
const int mc_us2000_lo[19] = {0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85};
const int mc_us2000_pop[19] = {13818, 55317, 72533, 73032, 72169, 66478, 64529, 71044, 80762, 81851,
                               72118, 62716, 48454, 38793, 34264, 31773, 26999, 17842, 15508};

/* Standard weight of ages [lo, hi] (hi inclusive, INT32_MAX open): whole groups summed;
 * a group cut by a band edge contributes in proportion to the years inside the band (the
 * 85+ group is taken as 85-99 for that purpose). */
static double us2000_weight(int lo, int hi, int *split)
{
    double w = 0;
    for (int g = 0; g < 19; g++) {
        int glo = mc_us2000_lo[g], ghi = g < 18 ? mc_us2000_lo[g + 1] - 1 : 99;
        int a = MC_MAX(lo, glo), b = MC_MIN(hi, ghi);
        if (g == 18 && hi >= 85) b = ghi;
        if (a > b) continue;
        double frac = (double)(b - a + 1) / (double)(ghi - glo + 1);
        if (frac < 1.0) *split = 1;
        w += frac * mc_us2000_pop[g];
    }
    return w;
}

static mc_status std_from_file(mc_stats_plan *p, const char *path, mc_error *err)
{
    char *data;
    size_t len;
    mc_status st = mc_read_file(path, &data, &len, err);
    if (st) return st;
    int seen[MC_MAX_BANDS] = {0};
    char *save, *line = strtok_r(data, "\n", &save);
    int ln = 0;
    st = MC_OK;
    for (; line && !st; line = strtok_r(NULL, "\n", &save)) {
        ln++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[--l] = 0;
        if (!l || line[0] == '#') continue;
        char *comma = strrchr(line, ',');
        if (!comma) { st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "line %d: expected age_band,weight", ln); break; }
        *comma = 0;
        char *lab = line;
        if (*lab == '"') { lab++; size_t k = strlen(lab); if (k && lab[k - 1] == '"') lab[k - 1] = 0; }
        if (ln == 1 && !strcmp(lab, "age_band")) continue;
        char *end;
        double w = strtod(comma + 1, &end);
        if (end == comma + 1 || !(w >= 0)) { st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "line %d: bad weight", ln); break; }
        int b = -1;
        for (int k = 0; k < p->n_bands; k++)
            if (!strcmp(p->band_label[k], lab)) b = k;
        if (b < 0) { st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "line %d: age band '%s' is not one of --age-bands", ln, lab); break; }
        if (seen[b]++) { st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "line %d: age band '%s' given twice", ln, lab); break; }
        p->std_w[b] = w;
    }
    for (int k = 0; k < p->n_bands && !st; k++)
        if (!seen[k]) st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "no weight for age band '%s'", p->band_label[k]);
    free(data);
    return st;
}

static int cmp_cat(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static int level_parse(const char *s)
{
    if (!s || !strcmp(s, "category")) return MC_LV_CATEGORY;
    if (!strcmp(s, "code")) return MC_LV_CODE;
    if (!strcmp(s, "block")) return MC_LV_BLOCK;
    if (!strcmp(s, "chapter")) return MC_LV_CHAPTER;
    return -1;
}

static mc_status build_items(mc_stats_plan *p, mc_error *err)
{
    const mc_dict *d = p->d;
    uint32_t n = p->n_codes = mc_dict_n_codes(d);
    if (n >= (1u << 24)) return mc_error_set(err, MC_E_INTERNAL, NULL, 0, 0, 0, "too many codes for the statistics key");
    p->grp_of = malloc(((size_t)n + 1) * sizeof *p->grp_of);
    p->grp_items = malloc(((size_t)n + 1) * sizeof *p->grp_items);
    if (!p->grp_of || !p->grp_items) return MC_E_NOMEM;
    p->cat_name = calloc((size_t)n + 1, sizeof *p->cat_name);
    if (!p->cat_name) return MC_E_NOMEM;
    /* categories: distinct first three characters, sorted (the dictionary lists codes
     * in order, so the sort is usually skipped) */
    uint32_t nc = 0;
    int sorted = 1;
    for (uint32_t i = 0; i < n; i++) {
        mc_code_info ci;
        mc_dict_code(d, i, &ci);
        for (int k = 0; k < 3 && ci.code[k]; k++) p->cat_name[nc][k] = ci.code[k]; /* calloc'd: NUL after */
        sorted &= !nc || memcmp(p->cat_name[nc - 1], p->cat_name[nc], 8) <= 0; /* NUL-padded: as strcmp */
        nc++;
    }
    if (!sorted) qsort(p->cat_name, nc, sizeof *p->cat_name, cmp_cat);
    uint32_t u = 0;
    for (uint32_t i = 0; i < nc; i++)
        if (!u || memcmp(p->cat_name[u - 1], p->cat_name[i], 8)) memcpy(p->cat_name[u++], p->cat_name[i], 8);
    p->n_items[MC_LV_CATEGORY] = u;
    p->cat_code = malloc(((size_t)u + 1) * sizeof(uint32_t));
    if (!p->cat_code) return MC_E_NOMEM;
    for (uint32_t k = 0; k < u; k++) {
        int64_t ix = mc_dict_find_code(d, p->cat_name[k]);
        p->cat_code[k] = ix >= 0 ? (uint32_t)ix : UINT32_MAX;
    }
    uint32_t nch = mc_dict_n_chapters(d);
    p->n_items[MC_LV_CODE] = n;
    p->n_items[MC_LV_BLOCK] = mc_dict_n_blocks(d);
    p->n_items[MC_LV_CHAPTER] = nch;
    uint32_t chapter_item[256]; /* chapter number -> its item */
    for (int k = 0; k < 256; k++) chapter_item[k] = UINT32_MAX;
    for (uint32_t k = 0; k < nch; k++) { /* the last of equal numbers, as before */
        mc_range_info ri;
        mc_dict_chapter(d, k, &ri);
        if (ri.chapter > 0 && ri.chapter < 256) chapter_item[ri.chapter] = k;
    }
    uint32_t ng = 0, cur = 0; /* cur: codes in order meet their categories in order */
    for (uint32_t i = 0; i < n; i++) {
        mc_code_info ci;
        mc_dict_code(d, i, &ci);
        char c3[8] = {0};
        for (int k = 0; k < 3 && ci.code[k]; k++) c3[k] = ci.code[k];
        uint32_t cat = UINT32_MAX;
        if (sorted) {
            while (cur < u && memcmp(p->cat_name[cur], c3, 8) < 0) cur++;
            if (cur < u && !memcmp(p->cat_name[cur], c3, 8)) cat = cur;
        } else {
            void *f = bsearch(c3, p->cat_name, u, sizeof *p->cat_name, cmp_cat);
            if (f) cat = (uint32_t)((char (*)[8])f - p->cat_name);
        }
        uint32_t g[3] = {cat, ci.block, ci.chapter > 0 && ci.chapter < 256 ? chapter_item[ci.chapter] : UINT32_MAX};
        if (!ng || memcmp(p->grp_items[ng - 1], g, sizeof g)) memcpy(p->grp_items[ng++], g, sizeof g);
        p->grp_of[i] = ng - 1;
    }
    /* CCSR and body systems */
    p->n_ccsr = mc_dict_ccsr_count(d);
    p->have_ccsr = p->n_ccsr > 0;
    p->n_items[MC_LV_CCSR] = p->n_items[MC_LV_CCSR_DEFAULT] = p->n_ccsr;
    if (p->have_ccsr) {
        p->ccsr_body = calloc(p->n_ccsr, sizeof *p->ccsr_body);
        p->body_name = calloc(p->n_ccsr, sizeof(char *));
        p->body_title = calloc(p->n_ccsr, sizeof(char *));
        if (!p->ccsr_body || !p->body_name || !p->body_title) return MC_E_NOMEM;
        uint32_t nb = 0;
        for (uint32_t i = 0; i < p->n_ccsr; i++) { /* categories are sorted by name, so body systems come sorted */
            const char *body, *bt;
            mc_dict_ccsr_info(d, i, NULL, NULL, &body, &bt);
            uint32_t k = 0;
            while (k < nb && strcmp(p->body_name[k], body)) k++;
            if (k == nb) {
                p->body_name[nb] = mc_strdup(body);
                p->body_title[nb] = mc_strdup(bt ? bt : "");
                if (!p->body_name[nb] || !p->body_title[nb]) return MC_E_NOMEM;
                nb++;
                p->n_items[MC_LV_BODY] = nb;
            }
            p->ccsr_body[i] = (uint16_t)k;
        }
    }
    p->n_items[MC_LV_CHARLSON] = (uint32_t)mc_charlson_n();
    p->n_items[MC_LV_ELIX] = (uint32_t)mc_elix_quan_n();
    p->n_ahrq = mc_ahrq_n(d);
    p->n_items[MC_LV_AHRQ] = (uint32_t)p->n_ahrq;
    p->n_items[MC_LV_CHARLSON_BUCKET] = MC_CHARLSON_BUCKETS;
    return MC_OK;
}

static mc_status finish(mc_stats_plan *p, const mc_stats_opts *so, mc_error *err)
{
    mc_status st;
    /* stratifications: all, then each --strata in order, then age_band / period alone when
       they appear in no --strata; hidden S x age_band for standardisation */
    add_strat(p, 0, 0);
    for (int i = 0; i < so->n_strata; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", so->strata[i]);
        uint32_t mask = 0;
        char *save, *tok = strtok_r(buf, ",", &save);
        if (!tok) return USAGE("--strata needs COL[,COL...]");
        for (; tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ') tok++;
            int v = var_for(p, tok, so, err);
            if (v < 0) return err ? err->status : MC_E_USAGE;
            mask |= 1u << v;
        }
        if (add_strat(p, mask, 0) < 0) return USAGE("too many stratifications");
    }
    if (so->age_col) {
        int v = var_for(p, "age_band", so, err);
        if (v < 0) return MC_E_USAGE;
        int used = 0;
        for (int s = 0; s < p->n_strat; s++) used |= (int)(p->strat[s].mask >> v & 1);
        if (!used) add_strat(p, 1u << v, 0);
    }
    if (so->date_col) {
        int v = var_for(p, "period", so, err);
        if (v < 0) return MC_E_USAGE;
        int used = 0;
        for (int s = 0; s < p->n_strat; s++) used |= (int)(p->strat[s].mask >> v & 1);
        if (!used) add_strat(p, 1u << v, 0);
    }
    if (p->age_var >= 0) {
        int n = p->n_strat;
        for (int s = 0; s < n; s++) {
            if (p->strat[s].mask >> p->age_var & 1) continue;
            int t = add_strat(p, p->strat[s].mask | 1u << p->age_var, 1);
            if (t < 0) return USAGE("too many stratifications");
            p->strat[s].std_src = t;
        }
    }
    if (so->min_cell < 1 || so->min_cell > 1000000) return USAGE("--min-cell must be from 1 to 1000000");
    p->min_cell = so->min_cell;
    p->suppression = !so->no_suppression;
    p->cooc_top = so->cooc_top;
    if (p->cooc_top < 0) return USAGE("--cooc-top must be >= 0");
    p->cooc_level = level_parse(so->cooc_level);
    if (p->cooc_level < 0) return USAGE("--cooc-level is category, code, block or chapter, not '%s'", so->cooc_level);
    p->cooc_max_items = 256;
    if ((st = build_items(p, err))) return st;
    return MC_OK;
}

/* Canonical options text: every option that changes a number in a table. */
static mc_status make_text(mc_stats_plan *p, const mc_stats_opts *so)
{
    mc_buf b = {0};
    mc_buf_printf(&b, "format=1\ndict=%s\n", p->build_id);
    for (int i = 0; i < so->n_strata; i++) mc_buf_printf(&b, "strata=%s\n", so->strata[i]);
    mc_buf_printf(&b, "age_col=%s\n", so->age_col ? so->age_col : "");
    mc_buf_printf(&b, "age_bands=%s\n", so->age_col ? (so->age_bands ? so->age_bands : MC_STATS_DEFAULT_BANDS) : "");
    mc_buf_printf(&b, "date_col=%s\n", so->date_col ? so->date_col : "");
    mc_buf_printf(&b, "period=%d\n", so->date_col ? (int)p->period : 0);
    mc_buf_printf(&b, "min_cell=%d\nsuppression=%d\n", p->min_cell, p->suppression);
    mc_buf_printf(&b, "standard=");
    if (p->n_bands && !strncmp(p->std_name, "file:", 5)) {
        for (int k = 0; k < p->n_bands; k++) mc_buf_printf(&b, "%s%s:%.17g", k ? ";" : "", p->band_label[k], p->std_w[k]);
    } else mc_buf_printf(&b, "%s", p->n_bands ? "us2000" : "");
    mc_buf_printf(&b, "\nstandard_name=%s\n", p->std_name);
    mc_buf_printf(&b, "cooc_top=%d\ncooc_level=%s\n", p->cooc_top, mc_level_name(p->cooc_level));
    mc_buf_printf(&b, "setting=%s\ncontext=%d\nresolve_specific=%d\nonly_codes=%s\n",
                  p->setting == MC_SETTING_INPATIENT ? "inpatient" : "outpatient", p->context, p->resolve_specific, p->only_codes);
    if (!b.data) return MC_E_NOMEM;
    p->opts_text = b.data;
    return MC_OK;
}

static mc_status create(const mc_dict *d, const mc_stats_opts *so, const mc_scan_opts *scan, const char *only_digest,
                        const double *std_w, const char *std_name, mc_stats_plan **out, mc_error *err)
{
    *out = NULL;
    mc_stats_plan *p = calloc(1, sizeof *p);
    if (!p) return MC_E_NOMEM;
    p->d = d;
    p->age_var = -1;
    mc_dict_info di;
    mc_dict_get_info(d, &di);
    memcpy(p->build_id, di.build_id, sizeof p->build_id);
    p->setting = scan->setting;
    p->context = scan->context;
    p->resolve_specific = scan->resolve_specific;
    snprintf(p->only_codes, sizeof p->only_codes, "%s", only_digest);
    mc_status st = MC_OK;
    p->period = so->date_col ? (so->period ? (int)so->period : MC_PERIOD_YEAR) : 0;
    if (!so->age_col && (so->age_bands || so->standard_pop)) st = USAGE("--age-bands and --standard-pop need --age-col");
    else if (!so->date_col && so->period) st = USAGE("--period needs --date-col");
    if (!st && so->age_col) {
        st = parse_bands(p, so->age_bands ? so->age_bands : MC_STATS_DEFAULT_BANDS, err);
        if (!st && std_w) {
            memcpy(p->std_w, std_w, sizeof p->std_w);
            snprintf(p->std_name, sizeof p->std_name, "%s", std_name);
        } else if (!st && so->standard_pop) {
            st = std_from_file(p, so->standard_pop, err);
            const char *base = strrchr(so->standard_pop, '/');
            snprintf(p->std_name, sizeof p->std_name, "file:%s", base ? base + 1 : so->standard_pop);
        } else if (!st) {
            for (int k = 0; k < p->n_bands; k++) p->std_w[k] = us2000_weight(p->band_lo[k], p->band_hi[k], &p->std_split);
            snprintf(p->std_name, sizeof p->std_name, "us2000");
        }
        if (!st) {
            double sum = 0;
            for (int k = 0; k < p->n_bands; k++) sum += p->std_w[k];
            if (!(sum > 0)) st = USAGE("the standard population's weights sum to zero");
            else if (!std_w)
                for (int k = 0; k < p->n_bands; k++) p->std_w[k] /= sum;
        }
    }
    if (!st) st = finish(p, so, err);
    if (!st) st = make_text(p, so);
    if (st) {
        if (st == MC_E_NOMEM) mc_error_set(err, st, NULL, 0, 0, 0, "out of memory");
        mc_stats_plan_free(p);
        return st;
    }
    *out = p;
    return MC_OK;
}

mc_status mc_stats_plan_create(const mc_dict *d, const mc_stats_opts *so, const mc_scan_opts *scan, const char *only_codes_path,
                               mc_stats_plan **out, mc_error *err)
{
    char digest[40] = "none";
    if (scan->only) {
        uint64_t h = XXH64(scan->only, mc_dict_n_codes(d), 0);
        snprintf(digest, sizeof digest, "%016llx", (unsigned long long)h);
    }
    (void)only_codes_path;
    return create(d, so, scan, digest, NULL, NULL, out, err);
}

mc_status mc_stats_plan_from_text(const mc_dict *d, const char *text, mc_stats_plan **out, mc_error *err)
{
    mc_stats_opts so;
    mc_stats_opts_default(&so);
    mc_scan_opts scan;
    mc_scan_opts_default(&scan);
    char *copy = mc_strdup(text);
    if (!copy) return MC_E_NOMEM;
    char only[40] = "none", std_name[64] = "", *std = NULL, *level = NULL;
    char *save, *line;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = 0;
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "strata") && so.n_strata < MC_STATS_MAX_STRATA) so.strata[so.n_strata++] = v;
        else if (!strcmp(k, "age_col") && *v) so.age_col = v;
        else if (!strcmp(k, "age_bands") && *v) so.age_bands = v;
        else if (!strcmp(k, "date_col") && *v) so.date_col = v;
        else if (!strcmp(k, "period")) so.period = (mc_period)atoi(v);
        else if (!strcmp(k, "min_cell")) so.min_cell = atoi(v);
        else if (!strcmp(k, "suppression")) so.no_suppression = !atoi(v);
        else if (!strcmp(k, "standard")) std = eq + 1;
        else if (!strcmp(k, "standard_name")) snprintf(std_name, sizeof std_name, "%s", v);
        else if (!strcmp(k, "cooc_top")) so.cooc_top = atoi(v);
        else if (!strcmp(k, "cooc_level")) level = eq + 1;
        else if (!strcmp(k, "setting")) scan.setting = !strcmp(v, "inpatient") ? MC_SETTING_INPATIENT : MC_SETTING_OUTPATIENT;
        else if (!strcmp(k, "context")) scan.context = atoi(v);
        else if (!strcmp(k, "resolve_specific")) scan.resolve_specific = atoi(v);
        else if (!strcmp(k, "only_codes")) snprintf(only, sizeof only, "%s", v);
    }
    so.cooc_level = level;
    double w[MC_MAX_BANDS] = {0};
    int have_w = 0;
    mc_status st = MC_OK;
    if (std && strcmp(std, "us2000") && *std) { /* label:weight;... in band order */
        have_w = 1;
        int k = 0;
        for (char *s2, *t = strtok_r(std, ";", &s2); t && k < MC_MAX_BANDS; t = strtok_r(NULL, ";", &s2)) {
            char *c = strrchr(t, ':');
            w[k++] = c ? strtod(c + 1, NULL) : 0;
        }
    }
    if (!st) st = create(d, &so, &scan, only, have_w ? w : NULL, std_name, out, err);
    if (!st && strcmp((*out)->opts_text, text)) {
        mc_stats_plan_free(*out);
        *out = NULL;
        st = mc_error_set(err, MC_E_STATE, NULL, 0, 0, 0, "the state's options could not be reproduced");
    }
    free(copy);
    return st;
}

static void json_kv(mc_buf *b, const char *k, const char *v, int comma)
{
    mc_buf_printf(b, "%s\"%s\": ", comma ? ", " : "", k);
    if (v) {
        mc_buf_putc(b, '"');
        for (const char *s = v; *s; s++) {
            if (*s == '"' || *s == '\\') mc_buf_putc(b, '\\');
            if ((unsigned char)*s >= 0x20) mc_buf_putc(b, *s);
        }
        mc_buf_putc(b, '"');
    } else mc_buf_printf(b, "null");
}

void mc_stats_plan_json(const mc_stats_plan *p, mc_buf *b)
{
    mc_buf_printf(b, "\"statistics\": {\"stratifications\": [");
    int first = 1;
    for (int s = 0; s < p->n_strat; s++) {
        if (p->strat[s].hidden) continue;
        mc_buf_printf(b, "%s\"%s\"", first ? "" : ", ", p->strat[s].name);
        first = 0;
    }
    mc_buf_printf(b, "], \"columns\": {");
    for (int v = 0; v < p->n_vars; v++) {
        json_kv(b, p->vars[v].name, p->cols[p->vars[v].col], v > 0);
    }
    mc_buf_printf(b, "}, \"age_bands\": ");
    if (p->n_bands) {
        mc_buf_printf(b, "[");
        for (int k = 0; k < p->n_bands; k++) mc_buf_printf(b, "%s\"%s\"", k ? ", " : "", p->band_label[k]);
        mc_buf_printf(b, "], \"standard_population\": ");
        mc_buf_printf(b, "{");
        json_kv(b, "name", p->std_name, 0);
        mc_buf_printf(b, ", \"weights\": [");
        for (int k = 0; k < p->n_bands; k++) mc_buf_printf(b, "%s%.9f", k ? ", " : "", p->std_w[k]);
        mc_buf_printf(b, "], \"split_groups\": %s}", p->std_split ? "true" : "false");
    } else mc_buf_printf(b, "null");
    static const char *const PER[] = {"none", "year", "quarter", "month"};
    mc_buf_printf(b, ", \"period\": \"%s\", \"min_cell\": %d, \"suppression\": %s, \"cooccurrence\": {\"top\": %d, \"level\": \"%s\"}, "
                     "\"ccsr\": %s, \"ccsr_default\": \"%s\", \"ahrq_elixhauser\": %s}",
                  PER[p->period & 3], p->min_cell, p->suppression ? "true" : "false", p->cooc_top, mc_level_name(p->cooc_level),
                  p->have_ccsr ? "true" : "false", p->setting == MC_SETTING_INPATIENT ? "inpatient" : "outpatient",
                  p->n_ahrq ? "true" : "false");
}
