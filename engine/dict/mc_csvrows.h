/* mc_csvrows.h — the dictionary compiler's one CSV row reader (libcsv) for every source
 * file it takes as CSV/TSV: our lexicons and context lexicons (strict RFC 4180) and the
 * AHRQ files (lenient: the official files wrap values in single quotes, some are TSV).
 * Rows are handed over as NUL-terminated fields; blank lines are skipped; errors name
 * the file and the row. Build-time only. */
#ifndef MC_CSVROWS_H
#define MC_CSVROWS_H

#include <stddef.h>
#include "mc_status.h"

#define MC_CSVROWS_MAXF 40 /* fields a row may have (strict: more is an error; else ignored) */

enum {
    MC_CSVROWS_STRICT = 1, /* libcsv strict mode; an unterminated quote or > MAXF fields is an error */
    MC_CSVROWS_SNIFF = 2   /* a tab in the first line makes it TSV; a leading ' makes ' the quote */
};

/* on_row gets 1-based row numbers (the header is row 1); it returns MC_OK or a status
 * (with err filled) that stops the reading. */
typedef int (*mc_csvrow_fn)(void *ud, char **f, size_t nf, unsigned long row, mc_error *err);
mc_status mc_csv_rows(const char *path, unsigned flags, mc_csvrow_fn on_row, void *ud, mc_error *err);

#endif
