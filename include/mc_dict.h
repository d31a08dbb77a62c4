/* mc_dict.h — the compiled dictionary at run time: open (mmap + validate), inspect.
 *
 * An mc_dict is immutable after open and may be shared by any number of threads.
 * Opening validates every structure (see engine/trie/mc_format.h); a file that fails
 * a check is refused with MC_E_DICT_MAGIC / MC_E_DICT_VERSION / MC_E_DICT_CORRUPT and
 * a message naming the check. No allocation happens per lookup.
 */
#ifndef MC_DICT_H
#define MC_DICT_H

#include <stddef.h>
#include <stdint.h>
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mc_dict mc_dict;

/* Term flags (stored in the file). */
#define MC_TERMF_UPPER     0x01u /* only counts where every letter of the text span is upper case */
#define MC_TERMF_CATEGORY  0x02u /* maps to a non-billable header code on purpose */
#define MC_TERMF_VARIANT   0x04u /* generated variant, not a phrase given by the source */
#define MC_TERMF_GUARDED   0x08u /* short/ambiguous form: matcher applies context guards */


/* Map and validate a dictionary file. On success *out owns the mapping. */
mc_status mc_dict_open(const char *path, mc_dict **out, mc_error *err);
/* Validate a dictionary image already in memory (8-byte aligned; must outlive the
 * mc_dict). name is used in messages. */
mc_status mc_dict_open_mem(const void *data, size_t len, const char *name, mc_dict **out,
                           mc_error *err);
void mc_dict_close(mc_dict *d); /* accepts NULL */

typedef struct {
    uint32_t format_version;
    char build_id[33];       /* 32 hex digits */
    uint64_t file_size;
    uint32_t flags;          /* MC_BUILDF_* */
    uint32_t n_codes, n_billable, n_terms, n_vocab, n_nodes, n_edges, n_triggers;
    uint32_t n_blocks, n_chapters;
    double load_ms;          /* open + validate time */
} mc_dict_info;
void mc_dict_get_info(const mc_dict *d, mc_dict_info *out);

/* Metadata ("release", "source:order", ...) and build counters. NULL when absent. */
const char *mc_dict_meta(const mc_dict *d, const char *key);
size_t mc_dict_meta_count(const mc_dict *d);
void mc_dict_meta_at(const mc_dict *d, size_t i, const char **key, const char **val);
size_t mc_dict_counter_count(const mc_dict *d);
void mc_dict_counter_at(const mc_dict *d, size_t i, const char **key, const char **val);

/* Codes, indexed 0..n_codes-1 in code order. */
typedef struct {
    const char *code;        /* dotted */
    const char *title;
    const char *short_title;
    int billable;
    int title_official;
    int chapter;             /* 1..22, 0 unknown */
    uint32_t category;       /* code index of the category, UINT32_MAX if none */
    uint32_t block;          /* block index, UINT32_MAX if unknown */
    uint32_t parent;         /* code index of nearest shorter code present, UINT32_MAX */
} mc_code_info;
uint32_t mc_dict_n_codes(const mc_dict *d);
void mc_dict_code(const mc_dict *d, uint32_t idx, mc_code_info *out);
/* Index of a code, dotted or not, any case; -1 when absent. */
int64_t mc_dict_find_code(const mc_dict *d, const char *code);

typedef struct { const char *first, *last, *title; int chapter; } mc_range_info;
uint32_t mc_dict_n_blocks(const mc_dict *d);
void mc_dict_block(const mc_dict *d, uint32_t idx, mc_range_info *out);
uint32_t mc_dict_n_chapters(const mc_dict *d);
void mc_dict_chapter(const mc_dict *d, uint32_t idx, mc_range_info *out); /* chapter = number */

/* Terms (phrases), indexed 0..n_terms-1. */
typedef struct {
    const char *text;        /* as written by its source */
    const char *system;
    uint32_t target;         /* code index (trie 0) or trigger index (trie 1) */
    int trie;                /* 0 codes, 1 context */
    int source;              /* mc_source */
    unsigned flags;          /* MC_TERMF_* */
    unsigned ntok;
} mc_term_info;
uint32_t mc_dict_n_terms(const mc_dict *d);
void mc_dict_term(const mc_dict *d, uint32_t idx, mc_term_info *out);

#ifdef __cplusplus
}
#endif
#endif
