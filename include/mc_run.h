/* mc_run.h — the batch job: stream archives through the parallel pipeline and write
 * the summary tables, manifest, rejects and (optionally) per-record codes.
 *
 * Inputs are processed in the order given (directories expand to their .csv and
 * .csv.zst files, sorted by name). The reader thread decompresses and cuts
 * record-aligned batches; OpenMP worker threads parse, scan and aggregate into their
 * own shards; shards are summed (exact integer counts) and per-record output is
 * written in input order, so every output is byte-identical for any thread count and
 * any split of the records across files.
 *
 * Outputs are written to temporary files and renamed into place only when the run
 * completes; an interrupted run leaves no partial tables.
 */
#ifndef MC_RUN_H
#define MC_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "mc_dict.h"
#include "mc_scan.h"
#include "mc_stats_api.h"
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t bytes_in, bytes_out, bytes_total; /* bytes_total: compressed size of all inputs, 0 if unknown */
    uint64_t records, rejected;
    double seconds;
    int done;
} mc_progress;

typedef struct {
    const char *const *inputs;   /* files, directories or "-" */
    size_t n_inputs;
    const char *text_col;        /* header name of the note column (required) */
    const char *id_col;          /* header name of the record id column (required) */
    const char *out_dir;         /* created if absent */
    const char *per_record;      /* NULL or path of the per-record codes CSV */
    const char *dict_label;      /* how the dictionary was given ("embedded default" or a path) */
    int threads;                 /* worker threads, >= 1 */
    size_t batch_bytes;          /* target batch size (default 1 MiB) */
    size_t max_record;           /* record size limit (default 16 MiB) */
    int stats_timing;            /* record per-stage CPU seconds in the manifest */
    mc_scan_opts scan;
    const char *only_codes_path; /* recorded in the manifest */
    const char *argv_line;       /* the command line, recorded in the manifest */
    volatile sig_atomic_t *stop; /* set to non-zero to interrupt */
    void (*progress)(void *ud, const mc_progress *p); /* called ~2x per second from one thread */
    void *progress_ud;
    mc_stats_opts stats;         /* strata, disclosure control, standardisation, --state (mc_stats_api.h) */
} mc_run_opts;
void mc_run_opts_default(mc_run_opts *o);

typedef struct {
    uint64_t records_read, records_coded, records_rejected;
    uint64_t mentions, mentions_counted;
    uint64_t bytes_in, bytes_out;
    size_t inputs_failed;        /* inputs that could not be read to the end */
    double seconds;
    mc_error first_input_error;  /* the first such input error, for the CLI message */
} mc_run_result;

/* Run the job. Returns MC_OK when outputs were written (inputs_failed may be > 0: those
 * inputs' errors are in the manifest and first_input_error); an error status when no
 * outputs could be written (missing column, output I/O, interrupted). */
mc_status mc_run(const mc_dict *d, const mc_run_opts *o, mc_run_result *res, mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
