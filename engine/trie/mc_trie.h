/* mc_trie.h — engine-internal view of a validated dictionary: raw section arrays for
 * the matcher and context stages (public users go through include/mc_dict.h), and the
 * vocabulary / trie lookups. All lookups are allocation-free and thread-safe. */
#ifndef MC_TRIE_H
#define MC_TRIE_H

#include "mc_dict.h"
#include "trie/mc_format.h"
#include "common/mc_util.h"
#include <string.h>

#define MC_TERMF_CONTEXT 0x80u /* term of trie 1 (context trigger) */

struct mc_dict {
    mc_map map;              /* owned mapping (when opened from a file) */
    const unsigned char *base;
    size_t size;
    char name[256];
    uint32_t version, flags;
    char build_id[33];
    const char *strs; size_t strs_len;
    const mc_fmeta *meta; size_t n_meta;
    const mc_fmeta *counters; size_t n_counters;
    const mc_fvocab *vocab; size_t n_vocab;
    const mc_fslot *vhash; size_t n_slots;   /* power of two */
    const mc_fnode *nodes; size_t n_nodes;
    const mc_fedge *edges; size_t n_edges;
    const mc_fterm *terms; size_t n_terms;
    const mc_fcode *codes; size_t n_codes;
    const mc_fblock *blocks; size_t n_blocks;
    const mc_fchapter *chapters; size_t n_chapters;
    const mc_ftrigger *triggers; size_t n_triggers;
    const mc_fzmap *zmap; size_t n_zmap;     /* n_codes entries, or 0 when absent */
    const mc_fzrule *zrules; size_t n_zrules;
    uint32_t n_billable;
    double load_ms;
};

static inline const char *mc_dict_str(const mc_dict *d, uint32_t off) { return d->strs + off; }

/* Vocabulary id of a normalised token, or -1. */
static inline int32_t mc_vocab_find(const mc_dict *d, const char *s, size_t n, uint32_t h)
{
    size_t mask = d->n_slots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const mc_fslot *sl = &d->vhash[i];
        if (sl->id1 == 0) return -1;
        if (sl->hash == h) {
            const mc_fvocab *v = &d->vocab[sl->id1 - 1];
            if (v->len == n && memcmp(d->strs + v->str, s, n) == 0) return (int32_t)(sl->id1 - 1);
        }
    }
}

/* Child of node for token id, or 0. */
static inline uint32_t mc_trie_child(const mc_dict *d, uint32_t node, uint32_t tok)
{
    const mc_fnode *nd = &d->nodes[node];
    const mc_fedge *e = d->edges + nd->edge;
    size_t lo = 0, hi = nd->n_edges;
    while (lo < hi) {
        size_t mid = (lo + hi) >> 1;
        if (e[mid].tok < tok) lo = mid + 1;
        else hi = mid;
    }
    return (lo < nd->n_edges && e[lo].tok == tok) ? e[lo].child : 0;
}

#endif
