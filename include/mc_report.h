/* mc_report.h — `medcode report`: one self-contained HTML page (inline CSS and SVG made
 * by medcode; no script, no network) from a run's output directory.
 *
 * Reads DIR/manifest.json (run summary) and, when present, DIR/codes.csv (top codes with
 * 95% interval whiskers, prevalence by age band and by sex, chapter distribution) and
 * DIR/charlson_distribution.csv. Columns are found by header name; a table or column
 * that is absent leaves its chart out with a note, never an error. Suppressed cells
 * (small-cell disclosure control) are drawn as "suppressed", never as numbers.
 * Writes atomically (temporary file, then rename). Prints nothing; thread-compatible.
 */
#ifndef MC_REPORT_H
#define MC_REPORT_H

#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dir: a `medcode run --out` directory; out_path: the HTML file to write.
 * Errors: MC_E_NOTFOUND when dir has neither manifest.json nor codes.csv; MC_E_IO;
 * MC_E_NOMEM. Malformed manifest JSON or CSV is reported in the page, not an error. */
mc_status mc_report_write(const char *dir, const char *out_path, mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
