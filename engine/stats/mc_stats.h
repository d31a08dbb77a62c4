/* mc_stats.h — aggregation of coded records into counts keyed by (stratum, level, item).
 *
 *   plan   (mc_stats_plan): immutable, shared by all threads: the stratum variables and
 *          stratifications, age bands, periods, item tables per level (code, category,
 *          block, chapter, CCSR, comorbidity), standard population, output options.
 *   shard  (mc_stats): one per worker thread, written without locks. Stratum values are
 *          interned per shard; counts live in open-addressing hash maps preallocated at
 *          creation (they grow by doubling, never per record).
 *   agg    (mc_agg): the exact sum of shards or of partial states, in canonical order:
 *          value strings sorted per variable ("unknown" last), strata sorted by
 *          (stratification, values), entries by (stratum, level, item). Tables are
 *          written from an agg only, so they do not depend on threads or input splits.
 *
 * Counts are exact integers: any order of addition gives the same agg.
 */
#ifndef MC_STATS_H
#define MC_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "common/mc_strmap.h"
#include "common/mc_util.h"
#include "context/mc_context.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include "mc_stats_api.h"

/* Levels (stable numbers: stored in state files). */
enum {
    MC_LV_CODE = 0, MC_LV_CATEGORY = 1, MC_LV_BLOCK = 2, MC_LV_CHAPTER = 3, /* codes.csv */
    MC_LV_CCSR_DEFAULT = 4, MC_LV_CCSR = 5, MC_LV_BODY = 6,                   /* ccsr.csv */
    MC_LV_CHARLSON = 7, MC_LV_ELIX = 8, MC_LV_AHRQ = 9,                      /* comorbidity.csv */
    MC_LV_CHARLSON_BUCKET = 10,                                              /* charlson_distribution.csv */
    MC_LV__COUNT = 11
};
const char *mc_level_name(int lv);

#define MC_MAX_VARS 8
#define MC_MAX_STRAT 64
#define MC_MAX_BANDS 32
#define MC_ALL UINT32_MAX          /* tuple value: stratification does not use this variable */
#define MC_UNKNOWN_STR "\xff"      /* the unknown level's key: sorts after every UTF-8 string */
enum { MC_VAR_COLUMN = 0, MC_VAR_AGE = 1, MC_VAR_PERIOD = 2 };
enum { MC_CHARLSON_BUCKETS = 5 };  /* 0, 1, 2, 3-4, 5+ */

typedef struct {
    int kind;                      /* MC_VAR_* */
    char name[64];                 /* output column: the input column, "age_band" or "period" */
    int col;                       /* index into plan->cols (the input column it reads) */
} mc_var;

typedef struct {
    uint32_t mask;                 /* bit v: variable v stratifies (0 = all records) */
    int hidden;                    /* only for standardisation (S x age_band), not published */
    int std_src;                   /* stratification holding S x age_band, -1 none */
    char name[256];                /* "all", "facility", "facility*sex" */
} mc_strat;

typedef struct mc_stats_plan {
    const mc_dict *d;
    char build_id[33];
    char *opts_text;               /* canonical "key=value\n" of every option that changes a number */
    int n_vars;
    mc_var vars[MC_MAX_VARS];
    int n_cols;
    char *cols[MC_MAX_VARS];       /* input columns to read, by header name */
    int n_strat;
    mc_strat strat[MC_MAX_STRAT];
    int age_var;                   /* variable index of age_band, -1 */
    int n_bands;
    int band_lo[MC_MAX_BANDS], band_hi[MC_MAX_BANDS]; /* hi = INT32_MAX: open band */
    char band_label[MC_MAX_BANDS][24];
    double std_w[MC_MAX_BANDS];    /* standard weights per band, summing to 1 */
    char std_name[64];             /* "US 2000 standard population (19 age groups)" or the file */
    int std_split;                 /* a band edge fell inside a standard age group (split by years) */
    int period;                    /* mc_period */
    int min_cell, suppression;
    int cooc_top, cooc_level;      /* level of pairs; cooc_top 0 = off */
    int setting;                   /* mc_setting: which CCSR default */
    int context, resolve_specific;
    char only_codes[40];           /* "none" or XXH64 of the scope */
    /* items per level */
    uint32_t n_items[MC_LV__COUNT];
    uint32_t n_codes;
    uint32_t *grp_of;              /* [code] -> its row of grp_items (4 bytes a code: the
                                      per-mention lookup stays cache-resident) */
    uint32_t (*grp_items)[3];      /* [row] -> category, block, chapter items, UINT32_MAX none;
                                      one row per run of consecutive codes sharing them */
    char (*cat_name)[8];           /* category items: 3-character codes, sorted */
    uint32_t *cat_code;            /* category item -> code index of the category, UINT32_MAX */
    uint32_t n_ccsr;
    uint16_t *ccsr_body;           /* CCSR category -> body-system item */
    char **body_name, **body_title;
    int have_ccsr, n_ahrq;
    int cooc_max_items;            /* items per record considered for pairs */
} mc_stats_plan;

/* The item of code at levels 0..3 (code, category, block, chapter), UINT32_MAX none. */
static inline void mc_plan_code_items(const mc_stats_plan *p, uint32_t code, uint32_t it[4])
{
    const uint32_t *g = p->grp_items[p->grp_of[code]];
    it[0] = code;
    it[1] = g[0];
    it[2] = g[1];
    it[3] = g[2];
}

/* Build the plan; validates every option (MC_E_USAGE with a message). The standard
 * population file is read here. */
mc_status mc_stats_plan_create(const mc_dict *d, const mc_stats_opts *so, const mc_scan_opts *scan, const char *only_codes_path,
                               mc_stats_plan **out, mc_error *err);
/* Rebuild a plan from a state file's canonical options (merge). */
mc_status mc_stats_plan_from_text(const mc_dict *d, const char *opts_text, mc_stats_plan **out, mc_error *err);
void mc_stats_plan_free(mc_stats_plan *p);
/* "statistics": {...} for manifest.json. */
void mc_stats_plan_json(const mc_stats_plan *p, mc_buf *b);

/* Per-stratum scalars. */
typedef struct {
    uint64_t records, with_code, mentions, counted;
    int64_t charlson_sum, elix_vw_sum, ahrq_mort_sum, ahrq_readm_sum;
} mc_stratum_sc;

typedef struct {
    uint64_t records, mentions;
    uint64_t assert_[MC_ASSERT__COUNT];
} mc_cnt;

typedef struct {
    uint64_t records, records_with_code, mentions, counted;
    uint64_t rules[MC_RULE__COUNT];
} mc_totals;

/* ---- shard (one per thread) ---- */
typedef struct mc_stats mc_stats;
typedef struct { const char *p; size_t n; } mc_strval;

mc_stats *mc_stats_create(const mc_stats_plan *p);
void mc_stats_free(mc_stats *s); /* accepts NULL */
/* Add one coded record: its mentions and the values of plan->cols (NULL when n_cols = 0).
 * Returns 0, or -1 when out of memory (the shard is then unusable). */
int mc_stats_record(mc_stats *s, const mc_mention *ms, size_t n, const mc_strval *vals);
/* Tests only: the count at which a one-byte co-occurrence counter of the overall stratum
 * moves to the 64-bit pair map (default and most UINT8_MAX; 0 means 1); the tables do
 * not depend on it. */
void mc_stats_set_pair_spill(mc_stats *s, uint32_t at);
/* Tests only: the count at which an entry's 32-bit counter row of a hashed stratum moves
 * its counts to 64-bit counters (default and most 2^31; 0 means 1); the tables do not
 * depend on it. */
void mc_stats_set_entry_spill(mc_stats *s, uint32_t at);
/* Pairs counted by one packed (stratum, a, b) key (on, the default where the items fit in
 * 16 bits) or through the pair-id map (off; what larger levels use). For tests, before the
 * shard counts any pair; the tables do not depend on it. */
void mc_stats_set_pair_pack(mc_stats *s, int on);
const mc_totals *mc_stats_totals(const mc_stats *s);

/* ---- agg (canonical sum) ---- */
typedef struct {
    uint32_t stratum;
    uint32_t level;
    uint32_t item;
    mc_cnt c;
} mc_entry;

typedef struct {
    uint32_t stratum, a, b;
    uint64_t n;
} mc_pairc;

typedef struct {
    int n_vars;
    uint32_t n_vals[MC_MAX_VARS];
    char **vals[MC_MAX_VARS];      /* sorted (strcmp), MC_UNKNOWN_STR last when present */
    uint32_t n_strata;
    uint32_t *tuples;              /* [n_strata][1 + n_vars]: stratification, value ids (MC_ALL) */
    mc_stratum_sc *sc;
    size_t n_entries;
    mc_entry *e;
    size_t n_pairs;
    mc_pairc *pairs;
    mc_totals tot;
    uint64_t records_read, records_rejected; /* from the run(s), for the merge manifest */
} mc_agg;

void mc_agg_free(mc_agg *a); /* accepts NULL */
/* Sum of shards (any number, any order). The shards' counts are released as they are
 * summed (the run's peak memory is then one copy of them, not two): afterwards a shard
 * keeps only its totals and strata and can only be freed. */
mc_status mc_agg_from_shards(const mc_stats_plan *p, mc_stats *const *shards, size_t n, mc_agg **out, mc_error *err);
/* into := into + from (exact). */
mc_status mc_agg_add(const mc_stats_plan *p, mc_agg *into, const mc_agg *from, mc_error *err);
/* Entry lookup (binary search) */
const mc_entry *mc_agg_find(const mc_agg *a, uint32_t stratum, uint32_t level, uint32_t item);
/* Stratum lookup by tuple; UINT32_MAX when absent. */
uint32_t mc_agg_find_stratum(const mc_agg *a, const uint32_t *tuple);
/* Pair count of (stratum, a, b), 0 when absent. */
uint64_t mc_agg_pair(const mc_agg *a, uint32_t stratum, uint32_t ia, uint32_t ib);
/* Label of a variable's value id ("unknown" for the unknown level; age bands by label). */
const char *mc_agg_label(const mc_stats_plan *p, const mc_agg *a, int var, uint32_t id);

/* ---- partial state (mc_state.c) ---- */
mc_status mc_state_write(const char *path, const mc_stats_plan *p, const mc_agg *a, mc_error *err);
/* Reads and verifies a state; *opts_text (caller frees) gets its canonical options. */
mc_status mc_state_read(const char *path, const mc_dict *d, char **opts_text, mc_agg **out, mc_error *err);

/* ---- intervals and standardisation (mc_interval.c) ---- */
#define MC_Z95 1.959963984540054
/* Wilson score interval for x of n at 95% (proportions, 0..1). n > 0. */
void mc_wilson(uint64_t x, uint64_t n, double *lo, double *hi);
/* The same interval for a proportion p (0..1) at a non-integer sample size n > 0 (an
 * effective size, e.g. of a weighted estimate; used by `medcode audit score`). */
void mc_wilson_n(double p, double n, double *lo, double *hi);
/* Inverse of the regularised lower incomplete gamma P(a, x) = p, a > 0, 0 < p < 1. */
double mc_gamma_inv(double a, double p);
/* Direct standardisation over k bands: rate = sum w_i x_i / n_i (bands with n_i = 0 must
 * have w_i = 0 or the result is invalid: returns -1). Fay-Feuer (1997) gamma 95% interval. */
int mc_dsr(int k, const double *w, const uint64_t *x, const uint64_t *n, double *rate, double *lo, double *hi);
/* US 2000 standard population, 19 age groups (NCHS / Census P25-1130). */
extern const int mc_us2000_lo[19];
extern const int mc_us2000_pop[19];

/* ---- disclosure control (mc_suppress.c) ---- */
enum { MC_PUB = 0, MC_SUP_PRIMARY = 1, MC_SUP_COMPLEMENTARY = 2 };
typedef struct {
    uint32_t *published;           /* [n_strata] 1: the stratum's stratification is published */
    uint8_t *denom;                /* [n_strata] status of the denominator (records) */
    uint8_t *with_code;            /* [n_strata] status of records with any code */
    uint8_t *entry;                /* [n_entries] status of each entry's records */
    uint8_t *std_ok;               /* [n_entries] 1: its standardised rate may be published */
    const mc_entry **rows;         /* entries plus suppressed zero cells, in entry order: the
                                      agg's entries and zero_rows (not copies) */
    uint8_t *row_status;           /* [n_rows] */
    size_t n_rows;
    mc_entry *zero_rows;           /* the suppressed zero cells (counts 0) */
    uint32_t *cooc;                /* reported pairs: [n_cooc][2] items (a, b), in rank order */
    size_t n_cooc;
    uint8_t *pair_status;          /* [n_cooc][n_strata] */
    /* lookups by stratum (the agg's entries and pairs are sorted by stratum first) */
    size_t *e_off;                 /* [n_strata + 1]: stratum s's entries are e[e_off[s]..e_off[s+1]) */
    size_t *p_off;                 /* [n_strata + 1]: likewise its pairs */
    uint32_t *bands;               /* [n_strata][n_bands + 1]: the strata of s x age_band, one per
                                      band and the unknown age last (UINT32_MAX absent); NULL
                                      when the plan has no age bands */
} mc_disclosure;
mc_status mc_disclose(const mc_stats_plan *p, const mc_agg *a, mc_disclosure *out, mc_error *err);
void mc_disclosure_free(mc_disclosure *x);
/* mc_agg_find and mc_agg_pair through the disclosure's stratum index: a search among one
 * stratum's rows instead of all of them. */
const mc_entry *mc_disc_entry(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint32_t level, uint32_t item);
uint64_t mc_disc_pair(const mc_agg *a, const mc_disclosure *x, uint32_t stratum, uint32_t ia, uint32_t ib);

/* Age-specific cells behind the standardised rate of (stratum, level, item): x[k], n[k]
 * for bands k < n_bands and the unknown age at k = n_bands; cells[k] their strata
 * (UINT32_MAX absent); ent[k] (when ent is given) their entries, NULL when none.
 * Returns n_bands, or -1 when the stratum has no age breakdown. hint (or NULL): n_bands
 * + 1 positions kept by the caller between calls; a caller that asks for increasing
 * (level, item) of a stratum, as in entry order, then finds each cell by galloping
 * forward instead of bisecting (any values are safe: a hint that does not fit is not used). */
int mc_std_cells(const mc_stats_plan *p, const mc_agg *a, const mc_disclosure *d, uint32_t stratum, uint32_t level,
                 uint32_t item, uint64_t *x, uint64_t *n, uint32_t *cells, const mc_entry **ent, size_t *hint);

/* Generic solver (exposed for tests): cells with values, linear "lines" (sum of members =
 * total, total -1 = a published constant). status[] in/out: primary marks set by the caller
 * (or by min_cell when prim is 1), frozen cells may not change. Returns the number of
 * complementary suppressions added. */
typedef struct {
    size_t n_cells;
    const uint64_t *value;
    uint8_t *status;
    const uint8_t *frozen;         /* NULL: none */
    size_t n_lines;
    const uint32_t *line_off;      /* [n_lines + 1] into line_cells */
    const uint32_t *line_cells;    /* members */
    const int64_t *line_total;     /* [n_lines] total cell or -1 */
} mc_sdc_problem;
size_t mc_sdc_solve(mc_sdc_problem *pr);
/* 1 when some unknown (suppressed) cell's value is determined by the published cells. */
int mc_sdc_audit(const mc_sdc_problem *pr, size_t *which);

#endif
