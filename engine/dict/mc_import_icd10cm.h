/* mc_import_icd10cm.h — importers for the official ICD-10-CM release files.
 *
 * Each importer reads one file and feeds the builder (include/mc_build.h). Import the
 * order file FIRST: the index and tabular importers check every code against the code
 * set already declared in the builder (they refuse to run on an empty builder) and never
 * emit a code the release does not contain.
 *
 * Thread safety: an importer uses the builder it is given; one thread per builder.
 * Errors: MC_E_IO / MC_E_NOTFOUND (cannot open), MC_E_DICT_BUILD (malformed data; err
 * names the path and, for line-oriented files, the line number in err->record),
 * MC_E_NOMEM. Messages never contain more than a short excerpt of reference text.
 *
 * Counters reported through mc_builder_count (shown by `dict info`):
 *   order.codes, order.billable, order.headers, order.short_titles
 *   index.nodes, index.phrases, index.terms_with_code, index.incomplete_resolved,
 *   index.incomplete_unresolved, index.header_code, index.code_not_in_release,
 *   index.see_resolved, index.see_unresolved, index.manif_skipped, index.stopword_skipped,
 *   index.guarded, index.no_phrase
 *   tabular.chapters, tabular.sections, tabular.inclusion_terms, tabular.incomplete_resolved,
 *   tabular.header_code, tabular.code_not_in_release
 *   neoplasm.rows, neoplasm.cells, neoplasm.phrases, neoplasm.incomplete_resolved,
 *   neoplasm.incomplete_unresolved, neoplasm.header_code, neoplasm.code_not_in_release,
 *   neoplasm.see_resolved, neoplasm.see_unresolved, neoplasm.see_also_filled,
 *   neoplasm.see_also_unresolved, neoplasm.residual_rows, neoplasm.phrase_conflicts,
 *   neoplasm.no_phrase
 */
#ifndef MC_IMPORT_ICD10CM_H
#define MC_IMPORT_ICD10CM_H

#include "mc_build.h"
#include "mc_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Official order file (icd10cm-order-YYYY.txt): fixed width, CRLF or LF.
 *   cols 1-5 order number, 7-13 code without dot (padded), 15 flag (1 billable, 0 header),
 *   17-76 short title (padded), 78- long title.
 * Every row: mc_builder_add_code(dotted, long, short, billable); the long title (and the
 * short title when it differs after normalisation) as MC_SRC_TITLE terms, flagged
 * MC_TERMF_CATEGORY for header rows. Sets meta "release" ("ICD-10-CM FY<year>" from a
 * 20xx in the file name, else "ICD-10-CM") and "source:order" ("<xxh64 hex> <bytes>"). */
mc_status mc_import_icd10cm_order(mc_builder *b, const char *path, mc_error *err);

/* Alphabetic Index, official XML (root ICD10CM.index) or the CSV conversion
 * (RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code), detected by content.
 * Every index entry with a code becomes MC_SRC_INDEX phrases composed the way a
 * clinician writes them (rules and examples in mc_import_icd10cm.c). Meta "source:index". */
mc_status mc_import_icd10cm_index(mc_builder *b, const char *path, mc_error *err);

/* Tabular List XML (root ICD10CM.tabular): inclusion terms (MC_SRC_INCLUSION), chapter
 * ranges (from each chapter's sections) and section (block) ranges. Meta "source:tabular". */
mc_status mc_import_icd10cm_tabular(mc_builder *b, const char *path, mc_error *err);

/* Neoplasm Table, official XML (root ICD10CM.index with <cell col="2..7"> behaviour
 * columns) or the CSV conversion (RowID,Level,Term,SeeAlso,NonEssModif,MalignantPrimary,
 * MalignantSecondary,CaInSitu,Benign,UncertainBehavior,UnspecifiedBehavior), detected by
 * content. Every site row gives MC_SRC_NEOPLASM phrases for each behaviour column with a
 * code (site forms and templates in mc_import_icd10cm.c). Meta "source:neoplasm". */
mc_status mc_import_icd10cm_neoplasm(mc_builder *b, const char *path, mc_error *err);

/* Exposed for tests: compose the phrases of one index path. titles[0] is the main term,
 * titles[1..n-1] the subterms, each as written in the index, nonessential modifiers
 * wrapped in parentheses after "\x01" (e.g. "Diabetes, diabetic\x01(mellitus) (sugar)").
 * Calls cb once per distinct phrase (at most 64). Returns the number of phrases. */
int mc_index_compose(const char *const *titles, int n,
                     void (*cb)(void *ud, const char *phrase), void *ud);

/* Exposed for tests: the incomplete-code rule (see mc_import_icd10cm.c) over a sorted
 * list of declared codes (undotted, upper case) with billable flags. Writes the resolved
 * dotted code to out and returns 1, or returns 0 when no sound single code exists. */
int mc_icd10cm_resolve_incomplete(const char *const *codes, const unsigned char *billable,
                                  int ncodes, const char *prefix, char out[16]);

#ifdef __cplusplus
}
#endif
#endif
