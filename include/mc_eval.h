/* mc_eval.h — coding accuracy against a gold standard (CodiEsp style): micro precision,
 * recall and F1 over unique (document, code) pairs, at full-code and category level,
 * plus the most frequent false negatives and false positives.
 *
 * gold: TSV "doc<TAB>code" per line, no header (CodiEsp: lower case, dotted).
 * pred: medcode per-record CSV with a header naming at least `id` and `code`; optional
 *   `counted`, `assertion`, `matched_code`. Rows used:
 *   - default: every row whose `counted` is 1 when that column exists, else every row;
 *     then, when `assertion` exists, rows asserted "negated" are dropped with
 *     ignore_negated and "uncertain"/"possible" with ignore_uncertain; the code is `code`;
 *   - all_mentions: every row, whatever `counted` and `assertion` say, with its
 *     `matched_code` (falling back to `code` when that column is absent or empty).
 * Codes compare case-insensitively with dots optional. Documents present in only one
 * file still count (all FN or all FP). Three levels:
 *   - code: exact full-code match;
 *   - hierarchy: full-code match through the hierarchy. A predicted code matches a gold
 *     code when they are equal, or when the gold code is an ancestor of the prediction
 *     (a proper prefix of at least 3 characters: gold R51 ~ pred R51.9, gold M54.5 ~ pred
 *     M54.50, gold T14.90 ~ pred T14.90XA — the gold was coded with an older edition,
 *     or a 3-character category, or without the 7th character). The reverse (a
 *     prediction less specific than the gold) is no match. Matching is one-to-one per
 *     document: exact pairs first, then each remaining prediction, longest first, takes
 *     the most specific unmatched gold ancestor. tp = matched pairs, fp = predictions left,
 *     fn = gold codes left. This is the headline full-code figure for CodiEsp;
 *   - category: both sides cut to their first 3 characters, then exact.
 *
 * Output (deterministic):
 *   level     precision  recall  f1      tp    fp    fn
 *   code      0.5000     0.4000  0.4444  2     2     3
 *   hierarchy ...
 *   category  ...
 * then "top N false negatives" / "top N false positives" blocks: the gold and predicted
 * codes left unmatched at the hierarchy level (code count, count descending then code).
 * top <= 0 means 20.
 *
 * Thread safety: none needed (no shared state). Errors: MC_E_NOTFOUND / MC_E_IO (cannot
 * open), MC_E_COLUMN (pred header lacks id or code), MC_E_CSV (malformed pred CSV or gold
 * line; err names the file and line/record), MC_E_NOMEM. Writes nothing on error. */
#ifndef MC_EVAL_H
#define MC_EVAL_H

#include <stdio.h>
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int ignore_negated;   /* default mode: drop rows with assertion "negated" */
    int ignore_uncertain; /* default mode: drop rows with assertion "uncertain"/"possible" */
    int top;              /* how many false negatives/positives to list (<= 0: 20) */
    int all_mentions;     /* use matched_code of every row (see above) */
    const struct mc_dict *dict; /* optional: titles for the false negative/positive lists */
} mc_eval_opts;

/* Figures of one level, for callers that want numbers rather than text. */
typedef struct {
    long tp, fp, fn;
    double precision, recall, f1;
} mc_eval_level;

/* The three levels (see above). */
typedef struct {
    mc_eval_level code, hierarchy, category;
} mc_eval_levels;

/* Compute and write the report to out. o may be NULL (defaults). When code/category are
 * non-NULL they receive the figures. */
mc_status mc_eval_run(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                      mc_error *err);
mc_status mc_eval_compute(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                          mc_eval_level *code, mc_eval_level *category, mc_error *err);
/* The same with all three levels; levels may be NULL. */
mc_status mc_eval_levels_compute(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                                 mc_eval_levels *levels, mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
