/* mc_record.h — one CSV record to fields with libcsv (strict RFC 4180), one parser per
 * thread; header names to column indexes. A record is parsed on its own (the chunker
 * already found its bounds), so a malformed record is rejected alone and the run goes on. */
#ifndef MC_RECORD_H
#define MC_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "mc_status.h"

typedef struct mc_csvrec mc_csvrec;

mc_csvrec *mc_csvrec_create(void);
void mc_csvrec_free(mc_csvrec *p); /* accepts NULL */

/* Parse data[0..len) as exactly one record. On success *n fields, field i at
 * mc_csvrec_field(p, i, &len) (unescaped, NUL-terminated, valid until the next call).
 * On failure returns MC_E_CSV and *why names the problem (static string, no record
 * text): "unterminated quoted field", "malformed quoting", "more than one record". */
mc_status mc_csvrec_parse(mc_csvrec *p, const char *data, size_t len, size_t *n, const char **why);
const char *mc_csvrec_field(const mc_csvrec *p, size_t i, size_t *len);

/* on = 1 (default): plain-shaped records are split without libcsv, with the same result
 * (mc_record.c says which); 0: every record through libcsv (tests compare the two). */
void mc_csvrec_set_fast(mc_csvrec *p, int on);

/* Column index of name in the parsed header (exact, then case-insensitive), or -1. */
int mc_csvrec_column(const mc_csvrec *header, const char *name);

#endif
