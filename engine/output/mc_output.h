/* mc_output.h — writers: CSV fields (quoted with libcsv's csv_write where needed),
 * JSON strings, atomic files (temporary name, then rename), and the summary tables.
 * Computes no statistics. */
#ifndef MC_OUTPUT_H
#define MC_OUTPUT_H

#include <stdio.h>
#include <string.h>
#include "common/mc_util.h"
#include "mc_dict.h"
#include "stats/mc_stats.h"

/* Append one CSV field (quoted when it holds a comma, quote, CR/LF or edge spaces). */
int mc_csv_field(mc_buf *b, const char *s, size_t n);
static inline int mc_csv_str(mc_buf *b, const char *s) { return mc_csv_field(b, s, strlen(s)); }
/* Append a JSON string literal (with quotes), escaping as RFC 8259 requires. */
int mc_json_str(mc_buf *b, const char *s);

/* Atomic output file: written as "<path>.tmp.<pid>", renamed over path on commit. */
typedef struct {
    FILE *f;
    char path[4096], tmp[4160];
    int failed;
} mc_afile;
mc_status mc_afile_open(mc_afile *a, const char *path, mc_error *err);
mc_status mc_afile_write(mc_afile *a, const void *p, size_t n);
mc_status mc_afile_commit(mc_afile *a, mc_error *err);  /* flush, fsync-free close, rename */
void mc_afile_abort(mc_afile *a);                        /* close and remove the temp file */
/* Write a whole buffer atomically. */
mc_status mc_write_atomic(const char *path, const mc_buf *b, mc_error *err);

/* The summary tables are written by output/mc_tables.h. */

#endif
