/* mc_codes.h — per-record code resolution: the coding rules applied to asserted
 * mentions (what counts, and as which code), specificity (an unspecified code is
 * dropped when a more specific code of the same category counts in the record), and
 * the --only-codes scope. No I/O. */
#ifndef MC_CODES_H
#define MC_CODES_H

#include <stddef.h>
#include "mc_scan.h"

/* Sets code, rule and counted of each mention from its assertion and the options. */
void mc_codes_apply(const mc_dict *d, mc_mention *ms, size_t n, const mc_scan_opts *o);

/* Parse an --only-codes list (codes, categories, prefixes "E11", ranges "J09-J18",
 * one per line, '#' comments) into a per-code scope array (1 = in scope). Caller frees
 * *out. Errors name the file and line. */
mc_status mc_codes_load_scope(const mc_dict *d, const char *path, uint8_t **out, mc_error *err);

#endif
