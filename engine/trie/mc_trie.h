/* mc_trie.h — engine-internal view of a validated dictionary: raw section arrays for
 * the matcher and context stages (public users go through include/mc_dict.h), and the
 * vocabulary / trie lookups. All lookups are allocation-free and thread-safe. */
#ifndef MC_TRIE_H
#define MC_TRIE_H

#include "mc_dict.h"
#include "trie/mc_format.h"
#include "common/mc_util.h"
#include "common/mc_skey.h"
#include <string.h>

#define MC_TERMF_CONTEXT 0x80u /* term of trie 1 (context trigger) */

/* In-memory lookup tables built at load from the validated sections (mc_accel.c); no
 * file format depends on them. */
typedef struct {
    mc_skey_t key;           /* first 16 bytes of the token, zero-padded */
    uint32_t id1;            /* vocabulary id + 1, 0 = empty slot */
    uint32_t len;            /* token length (bytes past 16 are compared in the pool) */
    uint32_t root;           /* vocab[id].root[MC_TRIE_CODES]: its phrase-trie node, 0 none */
    uint32_t root_term;      /* nodes[root].term (MC_NONE when root is 0) */
} mc_vslot;                  /* 32 bytes: a lookup and the walk's first node in one line */
typedef struct {
    uint32_t node, tok;      /* the edge (node 0 = empty slot) */
    uint32_t child;          /* the child, | MC_ESLOT_HASHED when its own edges are hashed too */
    uint32_t child_term;     /* nodes[child].term: a walk ending here reads no node */
} mc_eslot;
#define MC_ESLOT_HASHED 0x80000000u

/* The edge hash holds every edge of the phrase trie's first-level nodes (so the walk's
 * first step needs no node read: mc_trie_edge_hashed) and of every node with more
 * children than MC_EDGE_LINEAR; mc_trie_child scans the others. */
#define MC_EDGE_LINEAR 8u

/* A section of the image as the header lists it, for its checksum. */
typedef struct {
    uint64_t off, len, sum;
    uint32_t id;
} mc_secsum;

struct mc_dict {
    mc_map map;              /* owned mapping (when opened from a file) */
    const unsigned char *base;
    size_t size;
    char name[256];
    uint32_t version, flags;
    char build_id[33];
    mc_secsum sec[MC_MAX_SECTIONS]; uint32_t n_sec; /* the header's sections, in its order */
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
    const mc_fccsr_cat *ccsr_cats; size_t n_ccsr_cats;   /* diagnosis groups (mc_groups.c) */
    const mc_fccsr_code *ccsr_codes; size_t n_ccsr_codes; /* n_codes entries, or 0 */
    const mc_fcomorb *comorb; size_t n_comorb;           /* n_codes entries, or 0 */
    const mc_fahrq *ahrq; size_t n_ahrq;                 /* <= 64 */
    uint32_t n_billable;
    double load_ms;
    mc_vslot *vtab; size_t vtab_mask;   /* vocabulary by mc_skey_hash, power of two */
    mc_eslot *etab; size_t etab_mask;   /* edges by (node, token): see MC_EDGE_LINEAR */
    uint32_t *ctx_root;                 /* per vocabulary id + 1: vocab[id].root[MC_TRIE_CONTEXT]; [0] = 0 for
                                           unknown tokens (id -1) (dense, cache resident) */
    uint32_t *code_key;                 /* per code: mc_code_key() */
    uint64_t *term_check;               /* bit per term: 1 = the walk must read the term
                                           (upper-case mask or single-word guard), 0 = a
                                           multi-word term that always matches */
    size_t vtab_bytes, etab_bytes;      /* mc_huge_alloc sizes */
    uint64_t *pair_bits; size_t pair_mask; /* filter of the first-level edges: bit
                                           mc_pair_hash(root, tok) & pair_mask is set for
                                           every edge of a first-level node (about 8 bits
                                           per edge, L2-resident), so most failed first
                                           steps of the walk cost no edge-hash probe */
    const uint32_t *wide; size_t n_wide; /* during the table build only: the nodes with
                                           more than MC_EDGE_LINEAR edges, in increasing
                                           order, when the loader's node pass listed them
                                           (NULL: part 1 finds them in the nodes) */
    uint64_t *ctx_pair_bits; size_t ctx_pair_mask; /* the same for every edge of the
                                           context trie (about 16 bits per edge, a few KB,
                                           L1-resident): the trigger scan's failed steps,
                                           most of its steps, read no node or edge */
};

static inline uint32_t mc_pair_hash(uint32_t node, uint32_t tok)
{
    uint64_t x = ((uint64_t)tok << 32 | node) * 0xC2B2AE3D27D4EB4Full;
    return (uint32_t)(x >> 32);
}

/* 0 when the phrase trie has certainly no edge (first-level node, tok). */
static inline int mc_pair_maybe(const struct mc_dict *d, uint32_t node, uint32_t tok)
{
    uint32_t h = mc_pair_hash(node, tok) & (uint32_t)d->pair_mask;
    return (int)((d->pair_bits[h >> 6] >> (h & 63)) & 1u);
}

/* 0 when the context trie has certainly no edge (node, tok). */
static inline int mc_ctx_pair_maybe(const struct mc_dict *d, uint32_t node, uint32_t tok)
{
    uint32_t h = mc_pair_hash(node, tok) & (uint32_t)d->ctx_pair_mask;
    return (int)((d->ctx_pair_bits[h >> 6] >> (h & 63)) & 1u);
}

/* 1 when term t needs mc_guard_ok / the upper-case check before it may match. */
static inline int mc_term_needs_check(const struct mc_dict *d, uint32_t t)
{
    return (int)((d->term_check[t >> 6] >> (t & 63)) & 1u);
}

/* Per-code key for the coding rules: the first three bytes of the dotted code (NUL
 * padded, so equal keys mean strncmp(a, b, 3) == 0) in bits 0..23, MC_CODEK_HISTORY
 * when the code itself records a history or status (Z codes, I25.2), and the guard
 * classes below. */
#define MC_CODEK_CATEGORY 0xFFFFFFu
#define MC_CODEK_HISTORY 0x1000000u
/* Classes the single-word guards test (match/mc_guard.h rules 1 and 2), so that a
 * candidate reads one dense word instead of the code's record and string: */
#define MC_CODEK_SZ        0x2000000u /* injury, external cause or status code (S-Z except U) */
#define MC_CODEK_VZ_HEADER 0x4000000u /* a non-billable V-Z code */
#define MC_CODEK_RESIDUAL  0x8000000u /* residual neoplasm code of unspecified site */

/* Build / free the in-memory tables (mc_accel.c); called by mc_dict_open_mem / close.
 * The build is MC_ACCEL_PARTS independent parts (each writes only its own tables, and
 * reads the validated dictionary), which may run on different threads:
 * mc_dict_accel_part returns -1 when out of memory, its tables then freed by
 * mc_dict_accel_free with the rest. mc_dict_accel_build runs them in turn. */
#define MC_ACCEL_PARTS 3
mc_status mc_dict_accel_build(mc_dict *d);
int mc_dict_accel_part(mc_dict *d, int part);
void mc_dict_accel_free(mc_dict *d);

static inline uint32_t mc_edge_hash(uint32_t node, uint32_t tok)
{
    uint64_t x = ((uint64_t)node << 32 | tok) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32);
}

static inline const char *mc_dict_str(const mc_dict *d, uint32_t off) { return d->strs + off; }

/* Vocabulary slot of a normalised token s[0..n) (k = mc_skey(s, n), h = mc_skey_hash),
 * or NULL. */
static inline const mc_vslot *mc_vocab_slot(const mc_dict *d, const char *s, size_t n, mc_skey_t k, uint32_t h)
{
    size_t mask = d->vtab_mask;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const mc_vslot *sl = &d->vtab[i];
        if (sl->id1 == 0) return NULL;
        if (sl->key.w[0] == k.w[0] && sl->key.w[1] == k.w[1] && sl->len == n &&
            (n <= 16 || memcmp(d->strs + d->vocab[sl->id1 - 1].str + 16, s + 16, n - 16) == 0))
            return sl;
    }
}

/* Vocabulary id of a normalised token s[0..n) with h = mc_skey_hash(mc_skey(s, n), n)
 * (mc_token.hash), or -1. */
static inline int32_t mc_vocab_find(const mc_dict *d, const char *s, size_t n, uint32_t h)
{
    const mc_vslot *sl = mc_vocab_slot(d, s, n, mc_skey(s, n), h);
    return sl ? (int32_t)(sl->id1 - 1) : -1;
}

/* Edge of node for token id, or NULL, for a node whose edges are all in the edge hash
 * (a first-level node of the phrase trie, or one with > MC_EDGE_LINEAR children). */
static inline const mc_eslot *mc_trie_edge_hashed(const mc_dict *d, uint32_t node, uint32_t tok)
{
    size_t mask = d->etab_mask;
    for (size_t i = mc_edge_hash(node, tok) & mask;; i = (i + 1) & mask) {
        const mc_eslot *sl = &d->etab[i];
        if (sl->node == node && sl->tok == tok) return sl;
        if (sl->node == 0) return NULL;
    }
}

static inline uint32_t mc_trie_child_hashed(const mc_dict *d, uint32_t node, uint32_t tok)
{
    const mc_eslot *e = mc_trie_edge_hashed(d, node, tok);
    return e ? e->child & ~MC_ESLOT_HASHED : 0;
}

/* Child of node for token id, or 0. */
static inline uint32_t mc_trie_child(const mc_dict *d, uint32_t node, uint32_t tok)
{
    const mc_fnode *nd = &d->nodes[node];
    if (nd->n_edges > MC_EDGE_LINEAR) return mc_trie_child_hashed(d, node, tok);
    const mc_fedge *e = d->edges + nd->edge;
    for (uint32_t k = 0; k < nd->n_edges; k++)
        if (e[k].tok == tok) return e[k].child;
    return 0;
}

#endif
