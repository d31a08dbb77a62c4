/* mc_quan.h — the Quan et al. (2005) ICD-10 coding algorithms for the Charlson and
 * Elixhauser comorbidities, built into medcode as data (engine/codes/mc_quan.c).
 * A code has a condition when one of the condition's prefixes is a prefix of the
 * undotted code ("I252" matches I25.2, I25.20...). Static tables: thread-safe. */
#ifndef MC_QUAN_H
#define MC_QUAN_H

#include <stdint.h>

typedef struct {
    const char *name;        /* short id, as in the R package 'comorbidity' ("mi", "chf") */
    const char *title;       /* English label */
    int weight;              /* Charlson: Charlson 1987 weight; Elixhauser: van Walraven 2009 */
    int weight2;             /* Charlson: Quan 2011 updated weight; Elixhauser: 0 */
    const char *prefixes;    /* undotted ICD-10 prefixes, each followed by one space */
} mc_quan_condition;

extern const mc_quan_condition mc_quan_charlson[17];
extern const mc_quan_condition mc_quan_elix[31];

/* Condition masks of one code (dotted or not, upper case). Linear in the prefix
 * count: used at dictionary build, and at lookup only for dictionaries without the
 * per-code comorbidity section. */
uint32_t mc_quan_charlson_mask(const char *code);
uint64_t mc_quan_elix_mask(const char *code);

#endif
