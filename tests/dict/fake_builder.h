/* fake_builder.h — a recording stand-in for the dictionary builder (include/mc_build.h)
 * so the importer tests do not depend on engine/dict/mc_builder.c. Test-only. */
#ifndef FAKE_BUILDER_H
#define FAKE_BUILDER_H
#include "mc_build.h"

typedef struct {
    char *code, *phrase;
    int src;
    unsigned flags;
} fb_term;

/* Inspection helpers. */
long fb_nterms(const mc_builder *b);
const fb_term *fb_term_at(const mc_builder *b, long i);
/* Number of terms with this code and phrase (exact, case-insensitive); code NULL = any. */
int fb_has_term(const mc_builder *b, const char *code, const char *phrase);
/* Flags of the first matching term, or -1. */
int fb_term_flags(const mc_builder *b, const char *code, const char *phrase);
long fb_counter(const mc_builder *b, const char *name);
const char *fb_meta(const mc_builder *b, const char *key);
long fb_ncodes(const mc_builder *b, long *billable);
const char *fb_code_title(const mc_builder *b, const char *code, const char **short_title);
int fb_nchapters(const mc_builder *b);
int fb_chapter(const mc_builder *b, int i, int *num, const char **first, const char **last,
               const char **title);
int fb_nblocks(const mc_builder *b);
long fb_terms_by_source(const mc_builder *b, int src);
/* Print every term (code<TAB>src<TAB>flags<TAB>phrase) to a file, for inspection. */
void fb_dump(const mc_builder *b, const char *path);

int mc_builder_has_code(const mc_builder *b, const char *code_dotted_or_not);
void mc_builder_codes_with_prefix(const mc_builder *b, const char *prefix,
                                  void (*cb)(void *ud, const char *code, int billable), void *ud);
#endif
