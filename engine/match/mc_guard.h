/* mc_guard.h — context guards on single-word dictionary terms, applied by the scanner
 * (mc_match.c) to every candidate term before it can win the leftmost-longest match.
 * Multi-word terms always pass. A single-word term is refused:
 *   1. when it comes from an official source (Alphabetic Index, inclusion term, title, or
 *      any generated variant) and its code is an injury or poisoning (S00-T88), an
 *      external cause (V00-Y99) or a factor influencing health status (Z00-Z99): a lone
 *      word from those files is a site, an agent or a heading listed under a category
 *      title ("axis", "trachea", "cocaine", "activity", "accident", "donor", "dyes"),
 *      never an event, an encounter or a status; and, from any source, when its code is
 *      a non-billable V-Z header ("BMI" -> Z68);
 *   2. when its code is a residual neoplasm code of unspecified site (C76.x, C79.9,
 *      C80.x, D09.9, D36.9, D48.9, D49.9), unless one of the 4 words before it in the
 *      sentence is a history word ("history of cancer", "FHx cancer"): a bare "tumor",
 *      "carcinoma", "malignancy", "metastasis" refers to a neoplasm whose site the note
 *      gives; the unspecified-site code is for notes that say the site is unknown, and
 *      those phrases ("unknown primary") are multi-word;
 *   3. when the next word of the sentence makes it a modifier of a procedural or
 *      measuring noun: "tumor markers", "tumor size", "pregnancy test", "pain scale",
 *      "DVT prophylaxis", "pneumonia workup", "seizure threshold";
 *   4. (terms flagged MC_TERMF_GUARDED, and generated variants) inside a hyphen/slash
 *      compound ("45-year-old", "blood-gas") or right after a number ("2 gas");
 *   5. (terms flagged MC_TERMF_UPPER: ambiguous short abbreviations) in text written in
 *      capitals, shown by a capitalised function word within 3 words in the sentence
 *      ("HISTORY OF MI AND DM"): there upper case does not mark an abbreviation.
 * Pure functions of the dictionary and the tokens; thread-safe. */
#ifndef MC_GUARD_H
#define MC_GUARD_H

#include "text/mc_text.h"
#include "trie/mc_trie.h"
#include <stddef.h>

/* 1 when term ft, matched over tokens [i, j) of t (text: the scanned text), may count. */
int mc_guard_single(const mc_dict *d, const mc_tokens *t, size_t i, const char *text, const mc_fterm *ft);

static inline int mc_guard_ok(const mc_dict *d, const mc_tokens *t, size_t i, size_t j, const char *text,
                              const mc_fterm *ft)
{
    return j - i != 1 || mc_guard_single(d, t, i, text, ft);
}

#endif
