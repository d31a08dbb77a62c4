/* mc_tables.h — the summary tables (tidy long CSV, README "Outputs"): codes.csv,
 * strata.csv, ccsr.csv, comorbidity.csv, charlson_distribution.csv, cooccurrence.csv,
 * standardised.csv. They are written from an aggregate and its disclosure decisions
 * only, with fixed precision, so equal aggregates give byte-identical files. Every file
 * is written atomically (temporary name, then rename). */
#ifndef MC_TABLES_H
#define MC_TABLES_H

#include "common/mc_util.h"
#include "mc_dict.h"
#include "stats/mc_stats.h"

/* Write every table into dir. *names (optional) gets the JSON list of files written
 * (for the manifest's "outputs"). */
mc_status mc_tables_write(const char *dir, const mc_dict *d, const mc_stats_plan *p, const mc_agg *a, mc_buf *names,
                          mc_error *err);

#endif
