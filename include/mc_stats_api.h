/* mc_stats_api.h — statistics for research: the options of `medcode run` that shape the
 * summary tables (strata, age bands, periods, disclosure control, standardisation,
 * co-occurrence, partial state) and `medcode merge`, which adds partial states exactly
 * and writes the same tables.
 *
 * Ownership: every string in mc_stats_opts is borrowed (argv or a caller buffer) and
 * must outlive the run. Errors in the options are reported when the run starts
 * (MC_E_USAGE with a message naming the option). The library never prints.
 * See README "Outputs" for the tables and the methods.
 */
#ifndef MC_STATS_API_H
#define MC_STATS_API_H

#include <stddef.h>
#include "mc_dict.h"
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MC_STATS_MAX_STRATA 16       /* --strata given at most this many times */
#define MC_STATS_DEFAULT_MIN_CELL 11 /* k: counts 1..k-1 are suppressed */
#define MC_STATS_DEFAULT_BANDS "0-17,18-44,45-64,65-"
#define MC_STATS_DEFAULT_COOC_TOP 100

typedef enum { MC_PERIOD_NONE = 0, MC_PERIOD_YEAR = 1, MC_PERIOD_QUARTER = 2, MC_PERIOD_MONTH = 3 } mc_period;

typedef struct {
    const char *strata[MC_STATS_MAX_STRATA]; /* each "COL[,COL...]": one stratification (the
                                                combination of its columns); "age_band" and
                                                "period" name the derived variables */
    int n_strata;
    const char *age_col;        /* NULL: no age bands */
    const char *age_bands;      /* NULL: MC_STATS_DEFAULT_BANDS */
    const char *date_col;       /* NULL: no periods */
    mc_period period;           /* with date_col; default year */
    int min_cell;               /* k (default 11) */
    int no_suppression;         /* 1: publish every cell (internal use; in the manifest) */
    const char *standard_pop;   /* NULL: US 2000 standard (built in); else CSV age_band,weight */
    int cooc_top;               /* pairs reported (default 100); 0: no co-occurrence table */
    const char *cooc_level;     /* "category" (default), "code", "block", "chapter" */
    const char *state_out;      /* --state FILE: also write the aggregated state */
} mc_stats_opts;
void mc_stats_opts_default(mc_stats_opts *o);

/* Parse one `medcode run` statistics flag at argv[*i] (advancing *i past its value).
 * Returns 1 when consumed, 0 when argv[*i] is not a statistics flag, -1 on a usage
 * error (message in err->msg). Implemented by the CLI (engine/cli/mc_cli_stats.c). */
int mc_stats_parse_flag(int argc, char **argv, int *i, mc_stats_opts *o, mc_error *err);

/* `medcode merge`: read the partial states (files written by `run --state`), check that
 * each is intact (magic, version, size, XXH64 checksum) and that all were made with this
 * dictionary (build id) and the same options, add them exactly, and write the tables,
 * manifest.json and (when state_out is set) the merged state to out_dir. Tables are
 * byte-identical to those of one run over all the inputs. Errors: MC_E_STATE (corrupt,
 * incompatible dictionary or options; the message names the file and the check),
 * MC_E_IO, MC_E_NOMEM. */
mc_status mc_stats_merge_states(const mc_dict *d, const char *const *states, size_t n, const char *out_dir,
                                const char *state_out, const char *argv_line, mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
