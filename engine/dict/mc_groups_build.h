/* mc_groups_build.h — builder-side store for diagnosis groups (CCSR, AHRQ Elixhauser
 * Refined) and its compilation into the dictionary's group sections. Internal to
 * engine/dict: mc_builder.c owns the store and calls mc_bgroups_compile while writing. */
#ifndef MC_GROUPS_BUILD_H
#define MC_GROUPS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "mc_build.h"

struct mc_bgroups;
void mc_bgroups_free(struct mc_bgroups *g); /* accepts NULL */

/* The builder's slot for the store (defined in mc_builder.c). */
struct mc_bgroups **mc_builder_groups(mc_builder *b);

typedef struct { uint32_t id, esize; size_t len; void *data; } mc_bsection; /* data: free() */
typedef uint32_t (*mc_intern_fn)(void *ud, const char *s);

/* Resolve groups and Quan comorbidity for the final code table (codes: dotted, sorted,
 * nc entries), interning strings through intern. Writes up to 4 sections to out and
 * counts "ccsr.*" / "ahrq.*" build counters on b. g may be NULL (Quan masks only). */
mc_status mc_bgroups_compile(mc_builder *b, const struct mc_bgroups *g, const char *const *codes, size_t nc,
                             mc_intern_fn intern, void *ud, mc_bsection out[4], size_t *n_out);

#endif
