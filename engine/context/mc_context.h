/* mc_context.h — clinical context of each mention (ConText-style assertion), section
 * detection, and the coding rules a certified coder applies to the result.
 *
 * Triggers and section headers are terms of trie 1 in the dictionary (compiled from
 * datasets/context/triggers.csv or --context FILE). For one record, mc_context_apply
 * finds trigger matches over the record's tokens, detects sections, and sets for each
 * mention its assertion, section, deciding trigger, and the rule that decides whether
 * and as which code it counts (engine/codes maps family/history mentions to Z codes).
 *
 * Thread safety: mc_context_apply uses only its mc_ctx_scratch (one per thread).
 */
#ifndef MC_CONTEXT_H
#define MC_CONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include "mc_dict.h"
#include "text/mc_text.h"

/* Trigger categories (stored in the dictionary: stable numbers). */
enum {
    MC_CTX_NEGATED = 1,      /* "no", "denies", "negative for", "was ruled out" */
    MC_CTX_POSSIBLE = 2,     /* "possible", "probable", "rule out", "r/o", "cannot be excluded" */
    MC_CTX_HYPOTHETICAL = 3, /* "if", "return for", "should ... develop" */
    MC_CTX_HISTORICAL = 4,   /* "history of", "h/o", "s/p", "status post", "previous" */
    MC_CTX_FAMILY = 5,       /* "mother", "father", "family history of" (experiencer Other) */
    MC_CTX_PSEUDO = 6,       /* looks like a trigger, is not: "no increase", "gram negative" */
    MC_CTX_TERMINATE = 7,    /* ends a trigger's scope: "but", "however", "except" */
    MC_CTX_SECTION = 8,      /* a section header ("Past Medical History", "FHx") */
    MC_CTX_HABIT = 9,        /* names a habit or allergy: "smoker", "drug use"; applies only
                                inside the target's own span (weak historical, mc_ctx_axes.h) */
    MC_CTX_ONGOING = 10,     /* began before and is still there: "unchanged", "redemonstrated"
                                (temporality Historical, weak: the coding assertion stays) */
    MC_CTX__COUNT = 11
};
/* Trigger directions (bits). MC_DIR_ADJACENT: the trigger also reaches a target that
 * directly precedes it in the same clause (only a comma between), as a weak historical:
 * "coronary artery disease status post CABG". */
enum { MC_DIR_NONE = 0, MC_DIR_FORWARD = 1, MC_DIR_BACKWARD = 2, MC_DIR_BOTH = 3, MC_DIR_ADJACENT = 4,
       MC_DIR__COUNT = 8 };
/* Sections (stable numbers). */
enum {
    MC_SECT_NONE = 0, MC_SECT_CHIEF_COMPLAINT, MC_SECT_HPI, MC_SECT_PMH, MC_SECT_PSH,
    MC_SECT_FAMILY_HISTORY, MC_SECT_SOCIAL_HISTORY, MC_SECT_MEDICATIONS, MC_SECT_ALLERGIES,
    MC_SECT_ROS, MC_SECT_EXAM, MC_SECT_ASSESSMENT, MC_SECT_PLAN, MC_SECT_IMPRESSION,
    MC_SECT_DIAGNOSES, MC_SECT_LABS, MC_SECT_OTHER, MC_SECT__COUNT
};
/* Assertion of a mention. */
enum {
    MC_ASSERT_AFFIRMED = 0, MC_ASSERT_NEGATED = 1, MC_ASSERT_POSSIBLE = 2,
    MC_ASSERT_HYPOTHETICAL = 3, MC_ASSERT_HISTORICAL = 4, MC_ASSERT_FAMILY = 5,
    MC_ASSERT__COUNT = 6
};
/* The coding rule that decided a mention (per-record output column `rule`). */
enum {
    MC_RULE_CODED = 0,           /* affirmed: coded as matched */
    MC_RULE_NEGATED = 1,         /* negated: not coded */
    MC_RULE_HYPOTHETICAL = 2,    /* hypothetical: not coded */
    MC_RULE_UNCERTAIN_OUT = 3,   /* uncertain, outpatient: not coded (guideline IV.H) */
    MC_RULE_UNCERTAIN_IN = 4,    /* uncertain, inpatient: coded as if established (II.H / III.C) */
    MC_RULE_FAMILY_Z = 5,        /* family history -> Z80-Z84 code */
    MC_RULE_FAMILY_DROP = 6,     /* family mention without a family-history code: dropped */
    MC_RULE_HISTORY_Z = 7,       /* history of a resolved condition -> personal history code */
    MC_RULE_HISTORY_DROP = 8,    /* history without a personal-history code: dropped */
    MC_RULE_HISTORY_CHRONIC = 9, /* history of a chronic condition: still coded */
    MC_RULE_NOT_DIAGNOSIS = 10,  /* not a diagnosis here: any mention in Allergies or Medications; a
                                    substance use code (F1x.9-) in Social History (guideline I.C.5.b.3) */
    MC_RULE_SUPERSEDED = 11,     /* an unspecified code dropped for a more specific one */
    MC_RULE_OUT_OF_SCOPE = 12,   /* --only-codes excludes it */
    MC_RULE_CONTEXT_OFF = 13,    /* --no-context: coded as matched */
    MC_RULE__COUNT = 14
};

const char *mc_ctx_category_name(int c);   /* "negated", ... */
int mc_ctx_category_parse(const char *s);  /* -1 unknown */
const char *mc_ctx_direction_name(int d);  /* "forward", "backward", "both", "none", "forward_adjacent", ... */
int mc_ctx_direction_parse(const char *s);
const char *mc_section_name(int s);        /* "past_medical_history", ... */
int mc_section_parse(const char *s);
const char *mc_assert_name(int a);         /* "affirmed", "negated", "possible", ... */
const char *mc_rule_name(int r);           /* "coded", "negated", "family_z", ... */

/* ---- the context pass (engine/context/mc_context.c) ---- */
struct mc_mention_s;
typedef struct mc_ctx_scratch mc_ctx_scratch;
mc_ctx_scratch *mc_ctx_scratch_create(void);
void mc_ctx_scratch_free(mc_ctx_scratch *c); /* accepts NULL */

/* For one record: toks are its tokens with vocabulary ids set (id -1 = unknown);
 * ms[0..n) its mentions in text order with tok_start/tok_end set. Sets each mention's
 * assertion (MC_ASSERT_*), section (MC_SECT_*) and trigger (trigger index or -1). */
#include "mc_scan.h"
void mc_context_assert(const mc_dict *d, const mc_tokens *toks, mc_mention *ms, size_t n, mc_ctx_scratch *cs);

#endif
