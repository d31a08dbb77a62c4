/* mc_variants.h — phrase variants generated once at dictionary build time, the same
 * for every source (curated, index, inclusion, title): trailing qualifiers a clinician
 * never writes dropped ("unspecified", "NOS", "not elsewhere classified", "without
 * complications"), inverted index order turned natural ("Fracture, femur, neck" ->
 * "fracture of femur neck", "femur neck fracture"), nonessential modifiers optional.
 * Numbers and roman numerals need no variants: the normaliser maps ii..ix to digits.
 */
#ifndef MC_VARIANTS_H
#define MC_VARIANTS_H

typedef void (*mc_variant_cb)(void *ud, const char *phrase);

/* Call cb once for each variant of phrase other than phrase itself. A variant may be
 * emitted more than once; the builder de-duplicates. Pure function, thread-safe. */
void mc_variants(const char *phrase, mc_variant_cb cb, void *ud);

/* 1 when w (one word, any case; "follow-up" may be written "follow up") never names a
 * diagnosis alone in running text: the importers skip such single-word phrases and no
 * variant is ever reduced to one. */
int mc_single_word_stop(const char *w);

#endif
