/* mc_groups.h — diagnosis groups and comorbidity per record, from a compiled dictionary.
 *
 * What the dictionary holds (built by `medcode dict build`, see README "Sources"):
 *   - AHRQ CCSR for ICD-10-CM diagnoses (--ccsr DXCCSR_vYYYY-N.csv): a category table
 *     (e.g. DIG001 "Intestinal infection", body system DIG "Diseases of the digestive
 *     system") and, per code, up to 6 categories plus the default inpatient (IP) and
 *     outpatient (OP) category. A code has CCSR only when the DXCCSR file lists it. The
 *     file lists billable codes (v2026.1 also keeps 396 codes that FY2026 turned into
 *     headers, e.g. A04.7, and 610 codes FY2026 deleted); 3-character categories and
 *     other header codes it does not list have no CCSR (count 0, defaults -1): a
 *     category is not given the union of its children's groups.
 *   - AHRQ Elixhauser Comorbidity Software Refined (--elixhauser-ahrq FILE): per code a
 *     mask of the 38 measures (bit i = measure i of mc_ahrq_name), the mortality and
 *     readmission index weights. Absent: mc_ahrq_n() == 0 and ahrq fields are 0.
 *   - Quan et al. 2005 ICD-10 Charlson (17 conditions) and Elixhauser (31 conditions):
 *     built into medcode (engine/codes/mc_quan.c); each dictionary code's condition
 *     masks are resolved at `dict build` by prefix matching on the undotted code (a
 *     dictionary without that section is resolved by the same rule at lookup time).
 *     Header codes get a condition only when a listed prefix is a prefix of the code
 *     itself (E11 alone is not "diabetes": Quan splits E11 by its 4th character).
 *
 * Thread safety: every function here only reads the immutable mc_dict (or static
 * tables); none allocates. Call them from any number of threads on the hot path.
 * Indexes: `code` arguments are code indexes (mc_dict_code / mc_dict_find_code);
 * out-of-range indexes give "no group" results, never a crash.
 */
#ifndef MC_GROUPS_H
#define MC_GROUPS_H

#include <stddef.h>
#include <stdint.h>
#include "mc_dict.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CCSR ----------------------------------------------------------------------- */

#define MC_CCSR_MAX 6             /* categories per code in DXCCSR */

/* Number of CCSR categories in the dictionary; 0 when it was built without --ccsr. */
uint32_t mc_dict_ccsr_count(const mc_dict *d);

/* Category i (0..count-1, sorted by name): name "DIG001", title "Intestinal infection",
 * body_system "DIG", body_system_title "Diseases of the digestive system" (may be ""
 * when no body-system names were available). Any out pointer may be NULL. Strings live
 * as long as the dictionary. */
void mc_dict_ccsr_info(const mc_dict *d, uint32_t i, const char **name, const char **title,
                       const char **body_system, const char **body_system_title);

/* Index of a category by name ("DIG001", case-insensitive, quotes ignored), or -1. */
int mc_dict_ccsr_find(const mc_dict *d, const char *name);

/* The CCSR categories of one code, in the file's order (CCSR CATEGORY 1..6), as
 * indexes into the category table. Returns how many (0..6). *default_ip / *default_op
 * (either pointer may be NULL) get the default category index, or -1 when none. */
int mc_dict_code_ccsr(const mc_dict *d, uint32_t code, uint16_t cats[MC_CCSR_MAX],
                      int *default_ip, int *default_op);

/* Distinct CCSR categories of a record's codes, sorted ascending, written to out (at
 * most cap; returns the number written — with cap >= mc_dict_ccsr_count(d) nothing is
 * ever dropped). which: MC_CCSR_ALL (every category of every code), MC_CCSR_DEFAULT_IP
 * or MC_CCSR_DEFAULT_OP (the default category of each code). */
enum { MC_CCSR_ALL = 0, MC_CCSR_DEFAULT_IP = 1, MC_CCSR_DEFAULT_OP = 2 };
size_t mc_ccsr_record(const mc_dict *d, const uint32_t *codes, size_t n, int which,
                      uint16_t *out, size_t cap);

/* ---- comorbidity ---------------------------------------------------------------- */

/* Charlson conditions (Quan 2005 ICD-10), bit i of charlson_mask = condition i. */
enum {
    MC_CH_MI, MC_CH_CHF, MC_CH_PVD, MC_CH_CEVD, MC_CH_DEMENTIA, MC_CH_CPD, MC_CH_RHEUMD,
    MC_CH_PUD, MC_CH_MLD, MC_CH_DIAB, MC_CH_DIABWC, MC_CH_HP, MC_CH_REND, MC_CH_CANC,
    MC_CH_MSLD, MC_CH_METACANC, MC_CH_AIDS, MC_CH__COUNT /* 17 */
};
/* Elixhauser conditions (Quan 2005 ICD-10), bit i of elix_quan_mask = condition i. */
enum {
    MC_EQ_CHF, MC_EQ_CARIT, MC_EQ_VALV, MC_EQ_PCD, MC_EQ_PVD, MC_EQ_HYPUNC, MC_EQ_HYPC,
    MC_EQ_PARA, MC_EQ_OND, MC_EQ_CPD, MC_EQ_DIABUNC, MC_EQ_DIABC, MC_EQ_HYPOTHY, MC_EQ_RF,
    MC_EQ_LD, MC_EQ_PUD, MC_EQ_AIDS, MC_EQ_LYMPH, MC_EQ_METACANC, MC_EQ_SOLIDTUM,
    MC_EQ_RHEUMD, MC_EQ_COAG, MC_EQ_OBES, MC_EQ_WLOSS, MC_EQ_FED, MC_EQ_BLANE, MC_EQ_DANE,
    MC_EQ_ALCOHOL, MC_EQ_DRUG, MC_EQ_PSYCHO, MC_EQ_DEPRE, MC_EQ__COUNT /* 31 */
};

typedef struct {
    uint32_t charlson_mask;     /* Charlson conditions present (raw: before the hierarchy) */
    int charlson_index;         /* Charlson 1987 weights, hierarchy applied (see below) */
    int charlson_index_quan2011;/* Quan 2011 updated weights, same hierarchy */
    uint64_t elix_quan_mask;    /* Quan Elixhauser conditions present (raw) */
    int elix_quan_count;        /* conditions counted after the hierarchy */
    int elix_vw;                /* van Walraven 2009 weighted score, after the hierarchy */
    uint64_t ahrq_mask;         /* AHRQ Refined measures AFTER AHRQ's hierarchy rules */
    int ahrq_mortality;         /* AHRQ mortality index (sum of weights of ahrq_mask) */
    int ahrq_readmission;       /* AHRQ readmission index */
} mc_comorb;

/* Comorbidity of one record. codes: the record's counted code indexes (duplicates are
 * harmless). Hierarchy (Charlson index; Quan Elixhauser count and score): when both are
 * present, only the more severe counts — mld < msld, diab < diabwc, canc < metacanc;
 * hypunc < hypc, diabunc < diabc, solidtum < metacanc. AHRQ rules: see mc_groups.c. */
void mc_comorb_record(const mc_dict *d, const uint32_t *codes, size_t n, mc_comorb *out);

/* Per-code raw masks (no hierarchy): handy for evidence output and tests. */
uint32_t mc_code_charlson_mask(const mc_dict *d, uint32_t code);
uint64_t mc_code_elix_quan_mask(const mc_dict *d, uint32_t code);
uint64_t mc_code_ahrq_mask(const mc_dict *d, uint32_t code);

/* Names for output tables. name: short id ("mi", "chf"; AHRQ "CMR_AIDS"); title: the
 * English label. Out-of-range i gives "". */
int mc_charlson_n(void);
const char *mc_charlson_name(int i);
const char *mc_charlson_title(int i);
int mc_charlson_weight(int i);          /* Charlson 1987 weight, as used by Quan 2005 */
int mc_charlson_weight_quan2011(int i); /* Quan 2011 updated weight */
int mc_elix_quan_n(void);
const char *mc_elix_quan_name(int i);
const char *mc_elix_quan_title(int i);
int mc_elix_vw_weight(int i);           /* van Walraven 2009 weight */
int mc_ahrq_n(const mc_dict *d);        /* 0 when the dictionary has no AHRQ data */
const char *mc_ahrq_name(const mc_dict *d, int i);
const char *mc_ahrq_title(const mc_dict *d, int i);
void mc_ahrq_weights(const mc_dict *d, int i, int *mortality, int *readmission);

#ifdef __cplusplus
}
#endif
#endif
