/* mc_audit.h — coding-quality review (`medcode audit`): draw a reproducible sample of
 * counted mentions per code for human reviewers, and score their labels.
 *
 * Sample. From a per-record file (`medcode run --per-record`; rows with counted = 1),
 * choose the codes (the `top` codes with the most distinct record ids, ties by code
 * string; or a list), and for each code `per_code` mentions from distinct records:
 *   record key  = XXH64(code 0x1f id, seed)               — the code's records, ranked
 *   mention key = XXH64(le64(start) le64(end), record key) — one mention per record
 * A code takes its records of smallest (record key, id), each with its mention of smallest
 * (mention key, start, end): a total order, so the sample depends only on the set of rows
 * and the seed, never on their order. Memory: one entry per (code, record) pair for the
 * distinct counts (top mode only) plus per_code entries per code; of the notes, only the
 * chosen records' texts are kept. The notes are read as `medcode run` reads them (same
 * reader, chunker and libcsv parser, so byte offsets agree; malformed or oversized records
 * are skipped, as the run rejected them). A chosen id must occur exactly once in the notes.
 *
 * The sample file is TSV, one header line then one row per mention:
 *   record_id code title start end mention context label reason
 * mention = text[start, end); context = up to `window` bytes either side (cut back to whole
 * UTF-8 characters) with the mention marked [[...]]; tab, CR and LF in any field become
 * spaces; label and reason are empty. Rows: codes in selection order (most records first,
 * or the list's order), then record id (byte order). It holds PATIENT TEXT: it is written
 * with mode 0600, atomically (temporary name, then rename), and is for internal review only.
 *
 * Score. Reads a labelled sample (or any TSV whose header names at least `code` and
 * `label`; other columns are ignored): label Y/y = correct, N/n = wrong, ? or empty = not
 * reviewed. Writes CSV (codes in byte order, then `all`):
 *   code,reviewed,correct,precision,ci_low,ci_high[,records,ppv_records,ppv_low,ppv_high]
 * precision = correct / reviewed with the Wilson 95% interval; with a per-record file,
 * records = distinct ids where the code counts and ppv_* = records x precision and bounds.
 * `all`: the weighted precision P = sum w_c p_c / sum w_c over reviewed codes (w_c =
 * records, or reviewed without a per-record file), with the Wilson interval at the
 * effective size n* = min(sum n_c, P(1-P)/V), V = sum (w_c / sum w)^2 p_c(1-p_c)/n_c
 * (Korn & Graubard 1998; with w_c = n_c it is the plain Wilson interval of sum correct of
 * sum reviewed). Numbers are %.3f; a code with nothing reviewed has blank figures.
 *
 * Errors (the library never prints): MC_E_USAGE (bad options, a listed code not in the
 * dictionary), MC_E_NOTFOUND / MC_E_IO (cannot open or read; err.path names the file, the
 * output path when writing failed), MC_E_ZSTD, MC_E_CSV (malformed row: file, record
 * number, byte offset), MC_E_COLUMN (a required header column is missing), MC_E_NOMEM.
 * Messages never contain note text. Thread safety: none needed (no shared state).
 */
#ifndef MC_AUDIT_H
#define MC_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "mc_dict.h"
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MC_AUDIT_DEFAULT_TOP 40
#define MC_AUDIT_DEFAULT_PER_CODE 8
#define MC_AUDIT_DEFAULT_WINDOW 80

typedef struct {
    const char *per_record;          /* per-record CSV (plain or zstd; "-" = standard input) */
    const char *const *inputs;       /* the notes: files, directories (their .csv/.csv.zst, sorted), "-" */
    size_t n_inputs;
    const char *text_col, *id_col;   /* note columns, found by header name */
    int top;                         /* codes chosen by distinct records (when codes_path is NULL) */
    const char *codes_path;          /* NULL, or a file of codes (one a line, '#' comments) */
    int per_code;                    /* mentions (distinct records) per code */
    uint64_t seed;
    int window;                      /* context bytes either side */
    size_t max_record;               /* note record size limit (as `run --max-record-mb`) */
    const char *out;                 /* the TSV to write */
} mc_audit_sample_opts;
void mc_audit_sample_opts_default(mc_audit_sample_opts *o);

typedef struct {
    size_t codes;                    /* codes selected */
    size_t rows;                     /* mentions written */
    size_t codes_short;              /* selected codes with fewer than per_code records */
} mc_audit_sample_result;

/* Draw the sample and write o->out. d gives the titles (codes absent from it get an empty
 * title) and resolves the codes of codes_path. res may be NULL. */
mc_status mc_audit_sample(const mc_dict *d, const mc_audit_sample_opts *o, mc_audit_sample_result *res,
                          mc_error *err);

/* Score a labelled sample. per_record may be NULL (no records / PPV columns). The CSV goes
 * to out_path (atomically) when it is non-NULL, else to out. */
mc_status mc_audit_score(const char *audit, const char *per_record, const char *out_path, FILE *out,
                         mc_error *err);

#ifdef __cplusplus
}
#endif
#endif
