/* mc_chapters.h — the 22 ICD-10-CM FY2026 chapters (first and last category, title),
 * a published fact from the FY2026 Tabular List, built in so that a dictionary built
 * without the Tabular XML still has its chapter level. Checked against
 * $MEDCODE_DATA/icd10cm/fy2026/icd10cm_chapters_ranges_fy2026.tsv by tests/dict. */
#ifndef MC_CHAPTERS_H
#define MC_CHAPTERS_H

typedef void (*mc_chapter_cb)(void *ud, int num, const char *first, const char *last, const char *title);
void mc_chapters_builtin(mc_chapter_cb cb, void *ud);

#endif
