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
 * Codes compare case-insensitively with dots optional; the category is the first 3
 * characters. Documents present in only one file still count (all FN or all FP).
 *
 * Output (deterministic):
 *   level     precision  recall  f1      tp    fp    fn
 *   code      0.5000     0.4000  0.4444  2     2     3
 *   category  ...
 * then "top N false negatives" / "top N false positives" blocks (code count, count
 * descending then code). top <= 0 means 20.
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
} mc_eval_opts;

/* Figures of one level, for callers that want numbers rather than text. */
typedef struct {
    long tp, fp, fn;
    double precision, recall, f1;
} mc_eval_level;

/* Compute and write the report to out. o may be NULL (defaults). When code/category are
 * non-NULL they receive the figures. */
mc_status mc_eval_run(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                      mc_error *err);
mc_status mc_eval_compute(const char *gold, const char *pred, const mc_eval_opts *o, FILE *out,
                          mc_eval_level *code, mc_eval_level *category, mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
