/* mc_build.h — the dictionary compiler (builder side; never linked into the scanner).
 *
 * A builder collects codes (with titles and hierarchy), terms (phrase -> code) and
 * context triggers from any number of sources, generates variants once, resolves
 * phrases that map to several codes by a documented precedence, and writes the
 * compiled dictionary file (format: engine/trie/mc_format.h).
 *
 * Thread safety: a builder is used by one thread at a time.
 * Ownership: strings passed in are copied; the builder owns everything it holds.
 */
#ifndef MC_BUILD_H
#define MC_BUILD_H

#include <stdint.h>
#include "mc_status.h"
#include "mc_dict.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mc_builder mc_builder;

/* Where a term came from. Precedence when one phrase maps to several codes: curated >
 * abbreviation > lay > user > index > neoplasm > inclusion > title (mc_source_rank; user
 * lexicon rows carry the source they name). Stable numbers: stored in the file, so a
 * new source takes the next number whatever its rank. */
typedef enum {
    MC_SRC_CURATED = 0,      /* our curated lexicon, full phrase */
    MC_SRC_ABBREV = 1,       /* curated abbreviation / shorthand */
    MC_SRC_LAY = 2,          /* curated lay term */
    MC_SRC_USER = 3,         /* --lexicon file rows without a source column */
    MC_SRC_INDEX = 4,        /* ICD-10-CM Alphabetic Index (composed phrase) */
    MC_SRC_INCLUSION = 5,    /* Tabular List inclusion term */
    MC_SRC_TITLE = 6,        /* code title (long or short) */
    MC_SRC_NEOPLASM = 7,     /* ICD-10-CM Neoplasm Table (site x behaviour phrase) */
    MC_SRC__COUNT = 8
} mc_source;

const char *mc_source_name(mc_source s);          /* "curated", "abbreviation", ... */
int mc_source_rank(mc_source s);                  /* 0 = highest precedence */
int mc_source_parse(const char *name, mc_source *out); /* 0 ok, -1 unknown */

mc_builder *mc_builder_create(void);
void mc_builder_free(mc_builder *b);                /* accepts NULL */

/* Declare a code. code may be dotted ("E11.9") or not ("E119"); stored dotted.
 * billable: 1 billable, 0 header. title: long title (may be NULL: the first curated
 * term becomes the display title). Declaring a code twice keeps the first title
 * unless the earlier one was NULL. */
mc_status mc_builder_add_code(mc_builder *b, const char *code, const char *title,
                              const char *short_title, int billable);

/* Add a phrase for a code. Codes not declared with add_code are declared implicitly
 * (billable unless flags has MC_TERMF_CATEGORY). system: NULL = "ICD10CM".
 * The phrase is tokenised and normalised by engine/text (same as the scanner).
 * Returns MC_E_DICT_BUILD for an empty phrase (after normalisation). */
mc_status mc_builder_add_term(mc_builder *b, const char *code, const char *phrase,
                              mc_source src, unsigned flags, const char *system);

/* Context trigger lexicon (engine/context documents categories and directions). */
mc_status mc_builder_add_trigger(mc_builder *b, const char *phrase, int category,
                                 int direction, int window, int section);

/* Coding-rule map (engine/context, engine/codes): every code starting with prefix
 * (dotted or not; longest prefix wins) maps, for a family-history mention, to
 * family_code and, for a "history of" mention, to history_code (either may be NULL or
 * ""); chronic = 1 means "history of" still codes the condition itself. Target codes
 * not declared are declared with the given titles. */
mc_status mc_builder_add_zmap(mc_builder *b, const char *prefix, const char *family_code,
                              const char *family_title, const char *history_code,
                              const char *history_title, int chronic);
/* CSV form, header: prefix,family_code,history_code,chronic[,family_title][,history_title]. */
mc_status mc_builder_add_zmap_csv(mc_builder *b, const char *path, mc_error *err);

/* Chapter and block (section) ranges, e.g. (4, "E00", "E89", "Endocrine...").
 * When no chapters are given, the built-in 22 FY2026 chapter ranges are used. */
mc_status mc_builder_add_chapter(mc_builder *b, int number, const char *first,
                                 const char *last, const char *title);
mc_status mc_builder_add_block(mc_builder *b, const char *first, const char *last,
                               const char *title);

/* 1 when code (dotted or not) was declared with mc_builder_add_code. */
int mc_builder_has_code(const mc_builder *b, const char *code);
/* Calls cb for each declared code (dotted) starting with prefix (dotted or not; a
 * trailing "-" is ignored), in code order. */
void mc_builder_codes_with_prefix(const mc_builder *b, const char *prefix,
                                  void (*cb)(void *ud, const char *code, int billable), void *ud);
/* OR build option bits (MC_BUILDF_* in engine/trie/mc_format.h) into the header. */
void mc_builder_set_flags(mc_builder *b, uint32_t flags);
/* on = 0: generate no phrase variants (the baselines of bench/codiesp-baselines.sh). */
void mc_builder_set_variants(mc_builder *b, int on);

/* Free-form metadata recorded in the header area ("release" = "ICD-10-CM FY2026",
 * "source:<name>" = "<xxh64 hex> <bytes>", "options" = ...). Last value wins. */
mc_status mc_builder_set_meta(mc_builder *b, const char *key, const char *value);

/* Counters a source importer wants reported by `dict info` (e.g. "index.incomplete_codes"). */
void mc_builder_count(mc_builder *b, const char *counter, long delta);

/* Import a lexicon CSV (header: code,term[,system][,source][,flags]); see README.
 * Errors name the file and line. */
mc_status mc_builder_add_lexicon_csv(mc_builder *b, const char *path, mc_source default_src,
                                     mc_error *err);

/* Import a context trigger CSV (header: phrase,category,direction[,window][,section]). */
mc_status mc_builder_add_context_csv(mc_builder *b, const char *path, mc_error *err);

/* Official ICD-10-CM release files (engine/dict/mc_import_icd10cm.c). Import the order
 * file first: the index and tabular importers keep only codes it declared. */
mc_status mc_import_icd10cm_order(mc_builder *b, const char *path, mc_error *err);
mc_status mc_import_icd10cm_index(mc_builder *b, const char *path, mc_error *err);
mc_status mc_import_icd10cm_tabular(mc_builder *b, const char *path, mc_error *err);
/* Neoplasm Table, official XML or its CSV conversion: MC_SRC_NEOPLASM phrases per site
 * and behaviour column (rules and templates in engine/dict/mc_import_icd10cm.c). */
mc_status mc_import_icd10cm_neoplasm(mc_builder *b, const char *path, mc_error *err);

/* Diagnosis groups (engine/dict/mc_import_groups.c; run-time API include/mc_groups.h).
 * Codes are matched to the dictionary when it is written (any import order); codes it
 * lacks are counted ("ccsr.code_not_in_dictionary", "ahrq.code_not_in_dictionary").
 * AHRQ CCSR: DXCCSR_vYYYY-N.csv, values single-quoted ('A000', official) or not.
 * categories_path (may be NULL): a categories CSV (ccsr_category,
 * ccsr_category_description,body_system_abbr,body_system) or a body-systems CSV
 * (body_system_abbr,body_system); when NULL, CCSR_DX_categories*.csv and
 * CCSR_DX_body_systems*.csv beside path are read if present, and built-in names of the
 * 23 body systems fill any still missing. */
mc_status mc_import_ccsr(mc_builder *b, const char *path, const char *categories_path, mc_error *err);
/* AHRQ Elixhauser Comorbidity Software Refined: path is the long mapping
 * (icd10cm<TAB>measure); measures_path (measure,description,uses_poa) and weights_path
 * (measure,readmission_weight,mortality_weight) may be NULL: cmr_*measures.tsv and
 * cmr_*weights.tsv beside path are used if present. */
mc_status mc_import_ahrq_cmr(mc_builder *b, const char *path, const char *measures_path,
                             const char *weights_path, mc_error *err);

/* Add everything a compiled dictionary holds (terms other than generated variants,
 * code titles, triggers, history map) — how `dict build` includes the embedded default
 * dictionary built from datasets/. */
struct mc_dict;
mc_status mc_builder_add_dict(mc_builder *b, const struct mc_dict *d, mc_error *err);

/* Compile and write atomically (temp file + rename). Prints nothing. */
mc_status mc_builder_write(mc_builder *b, const char *path, mc_error *err);

/* Build summary for `dict build` output. */
typedef struct {
    long codes, billable, terms, variants, phrases, ambiguous, vocab, triggers;
    long per_source[MC_SRC__COUNT];
} mc_build_summary;
void mc_builder_summary(const mc_builder *b, mc_build_summary *out);

#ifdef __cplusplus
}
#endif
#endif
