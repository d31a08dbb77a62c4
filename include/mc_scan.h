/* mc_scan.h — code one text: tokenize, match phrases (leftmost-longest), assert each
 * mention in its clinical context, apply the coding rules.
 *
 * Match semantics (tested as tables in tests/unit):
 *   - on token boundaries, after the normalisation of engine/text/mc_text.h, so case,
 *     punctuation, hyphens, possessives, simple plurals, roman numerals and accents do
 *     not matter: terms {"heart failure"} match "Heart-failure", "HEART FAILURE".
 *   - leftmost-longest, non-overlapping: terms {"heart", "heart failure",
 *     "failure to thrive"}, text "heart failure to thrive" -> "heart failure" (tokens
 *     0-1), then nothing for "to thrive"; terms {"a b", "b c d"}, text "a b c d" ->
 *     "a b" only (leftmost wins over longer-later).
 *   - a match never crosses a sentence boundary: "... no heart. Failure to ..." does
 *     not match "heart failure".
 *   - a term flagged upper (short abbreviations) matches only where the text span is
 *     all upper case: "MI" -> I21.9, "mi" (miles) -> nothing; the matcher then falls
 *     back to the longest shorter term that qualifies.
 *
 * Thread safety: an mc_dict is shared; each thread owns its mc_scratch. A scratch is
 * tied to one dictionary. Results stay valid until the next mc_scan on that scratch.
 */
#ifndef MC_SCAN_H
#define MC_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include "mc_dict.h"
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mc_scratch mc_scratch;

typedef enum { MC_SETTING_OUTPATIENT = 0, MC_SETTING_INPATIENT = 1 } mc_setting;

typedef struct {
    int context;             /* 1: assertions and coding rules (default); 0: every match counts */
    mc_setting setting;      /* outpatient (default) or inpatient: uncertain diagnoses */
    const uint8_t *only;     /* NULL, or one byte per dictionary code: 1 = in scope (--only-codes) */
    int resolve_specific;    /* 1: drop an unspecified code when a more specific one of the
                                same category counts in the record (default) */
} mc_scan_opts;
void mc_scan_opts_default(mc_scan_opts *o);

typedef struct {
    uint32_t start, end;         /* byte span of the phrase in the text */
    uint32_t tok_start, tok_end; /* token span [tok_start, tok_end) */
    uint32_t term;               /* dictionary term index */
    uint32_t matched_code;       /* code index of the phrase in the dictionary */
    uint32_t code;               /* code index that counts after the rules */
    int32_t trigger;             /* trigger index (dictionary) that decided, -1 none */
    uint8_t assertion;           /* MC_ASSERT_* (engine/context/mc_context.h) */
    uint8_t section;             /* MC_SECT_* */
    uint8_t rule;                /* MC_RULE_* */
    uint8_t counted;             /* 1 when the mention counts as `code` */
} mc_mention;

mc_scratch *mc_scratch_create(const mc_dict *d);
void mc_scratch_free(mc_scratch *s); /* accepts NULL */

/* Code one text. *out points into the scratch (n mentions, in text order). */
mc_status mc_scan(mc_scratch *s, const char *text, size_t len, const mc_scan_opts *o,
                  const mc_mention **out, size_t *n);

/* Parse an --only-codes list (codes, categories, prefixes like "E11", ranges like
 * "J09-J18", one per line, '#' comments) into one byte per dictionary code (1 = in
 * scope) for mc_scan_opts.only. Caller frees *out. */
mc_status mc_dict_load_scope(const mc_dict *d, const char *path, uint8_t **out, mc_error *err);

/* Names for output columns. */
const char *mc_assertion_str(unsigned a);  /* "affirmed", "negated", ... */
const char *mc_rule_str(unsigned r);       /* "coded", "negated", "family_z", ... */
const char *mc_section_str(unsigned s);    /* "none", "past_medical_history", ... */
/* Trigger phrase text for a trigger index, "" for -1. */
const char *mc_trigger_text(const mc_dict *d, int32_t trigger);

/* Per-stage time counters of a scratch (seconds), for --stats-timing: monotonic-clock
 * time the calling thread spent in each stage (its CPU time unless it was preempted;
 * the pipeline scales them per batch by the thread's CPU / wall ratio). */
typedef struct { double tokenize, match, context; uint64_t tokens, mentions; } mc_scan_timing;
void mc_scan_timing_get(const mc_scratch *s, mc_scan_timing *t);
void mc_scan_set_timing(mc_scratch *s, int on);

/* Tokenize only (for the assert tool and tests): token spans of text; valid until next call. */
typedef struct { uint32_t start, end; uint16_t flags; } mc_token_span;

/* Assertion of an arbitrary target span [start,end) of a sentence (the `medcode assert`
 * tool; the target need not be in the dictionary). Sets *assertion (MC_ASSERT_*),
 * *trigger (-1 none) and *section. */
mc_status mc_assert_span(mc_scratch *s, const char *text, size_t len, size_t start, size_t end,
                         int *assertion, int32_t *trigger, int *section);

/* The three ConText axes behind the last mc_assert_span (or mention k of the last
 * mc_scan) on s, as the NegEx/ConText kit names them: "Affirmed"/"Negated"/"Possible",
 * "Recent"/"Historical"/"Hypothetical", "Patient"/"Other". */
void mc_assert_labels(const mc_scratch *s, size_t k, const char **negation, const char **temporality,
                      const char **experiencer);

#ifdef __cplusplus
}
#endif
#endif
