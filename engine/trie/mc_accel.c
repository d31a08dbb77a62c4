/* mc_accel.c — in-memory lookup tables derived from a validated dictionary at load:
 * the vocabulary keyed by mc_skey (the token's first 16 bytes inline, its phrase-trie
 * node and that node's term beside it: one cache line per lookup) and a hash of the
 * edges of first-level and large nodes (one probe instead of a node read and a binary
 * search); dense copies of the context-trie roots and of per-code keys for the
 * coding rules. Built once, read-only after. */
#include "trie/mc_trie.h"
#include <stdlib.h>

/* Residual neoplasm codes of unspecified site (C76.x, C79.9, C80.x, D09.9, D36.9,
 * D48.9, D49.9): the guard's rule 2 (match/mc_guard.h). */
static int residual_neoplasm(const char *c)
{
    static const char *const codes[] = {"C79.9", "C80.0", "C80.1", "C80.2", "D09.9", "D36.9",
                                        "D48.9", "D49.9", NULL};
    if (c[0] == 'C' && c[1] == '7' && c[2] == '6') return 1;
    if (c[0] != 'C' && c[0] != 'D') return 0;
    for (int i = 0; codes[i]; i++)
        if (strcmp(codes[i], c) == 0) return 1;
    return 0;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n) p *= 2;
    return p;
}

/* Every edge of the context trie (depth-first from the roots, the only way to tell its
 * nodes from the phrase trie's) into the filter mc_ctx_pair_maybe reads. */
static int ctx_filter_build(mc_dict *d)
{
    size_t cap = 256, n = 0, ne = 0;
    uint32_t *stack = malloc(cap * sizeof *stack);
    if (!stack) return -1;
    for (size_t i = 0; i < d->n_vocab; i++)
        if (d->ctx_root[i + 1]) ne += d->nodes[d->ctx_root[i + 1]].n_edges;
    /* first pass counts edges below the first level, second sets bits */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t nbits = pow2_at_least(ne * 16 + 64);
            d->ctx_pair_bits = calloc(nbits / 64, sizeof *d->ctx_pair_bits);
            if (!d->ctx_pair_bits) { free(stack); return -1; }
            d->ctx_pair_mask = nbits - 1;
        }
        for (size_t i = 0; i < d->n_vocab; i++) {
            if (!d->ctx_root[i + 1]) continue;
            stack[n++] = d->ctx_root[i + 1];
            while (n) {
                uint32_t v = stack[--n];
                const mc_fnode *nd = &d->nodes[v];
                for (uint32_t e = 0; e < nd->n_edges; e++) {
                    const mc_fedge *ed = &d->edges[nd->edge + e];
                    if (pass == 0) {
                        if (v != d->ctx_root[i + 1]) ne++;
                    } else {
                        uint32_t h = mc_pair_hash(v, ed->tok) & (uint32_t)d->ctx_pair_mask;
                        d->ctx_pair_bits[h >> 6] |= 1ull << (h & 63);
                    }
                    if (n == cap) {
                        uint32_t *g = realloc(stack, 2 * cap * sizeof *stack);
                        if (!g) { free(stack); return -1; }
                        stack = g;
                        cap *= 2;
                    }
                    stack[n++] = ed->child;
                }
            }
        }
    }
    free(stack);
    return 0;
}

/* Part 0: the vocabulary table. */
static int build_vocab(mc_dict *d)
{
    size_t nv = pow2_at_least(2 * d->n_vocab + 1); /* load <= 1/2: short probes, most unknown tokens end at once */
    d->vtab_bytes = nv * sizeof *d->vtab;
    d->vtab = mc_huge_alloc(d->vtab_bytes);
    if (!d->vtab) return -1;
    d->vtab_mask = nv - 1;
    for (size_t i = 0; i < d->n_vocab; i++) {
        const mc_fvocab *v = &d->vocab[i];
        const char *s = d->strs + v->str;
        mc_skey_t k = mc_skey(s, v->len);
        size_t j = mc_skey_hash(k, v->len) & d->vtab_mask;
        while (d->vtab[j].id1) j = (j + 1) & d->vtab_mask;
        mc_vslot *sl = &d->vtab[j];
        sl->key = k;
        sl->id1 = (uint32_t)i + 1;
        sl->len = v->len;
        sl->root = v->root[MC_TRIE_CODES];
        sl->root_term = sl->root ? d->nodes[sl->root].term : MC_NONE;
    }
    return 0;
}

/* Part 1: the edge hash of first-level nodes of the phrase trie and wide nodes (more
 * than MC_EDGE_LINEAR edges), and the pair filter of the first level. The hashed nodes
 * are marked in a byte per node (1 first level, 2 wide: from d->wide when the loader
 * listed them, else from the nodes), and their edges listed in node order; the inserts
 * then follow that list, prefetching the slot and the child node of an edge PF_AHEAD
 * places on (both tables are larger than the cache, and most hashed nodes have too few
 * edges for a per-node look-ahead). The table is the same as inserting node by node,
 * edge by edge. */
#define PF_AHEAD 16
typedef struct { uint32_t node, edge; } hedge;

static int build_edges(mc_dict *d)
{
    size_t nn = d->n_nodes;
    uint8_t *mark = calloc(nn + 8, 1); /* + 8: read a word at a time */
    hedge *he = NULL;
    size_t ne = 0, cap = 0, nf = 0; /* nf: edges of first-level nodes, the pair filter */
    if (!mark) return -1;
    for (size_t i = 0; i < d->n_vocab; i++) mark[d->vocab[i].root[MC_TRIE_CODES]] = 1;
    if (d->wide)
        for (size_t k = 0; k < d->n_wide; k++) mark[d->wide[k]] |= 2;
    else
        for (size_t i = 1; i < nn; i++) mark[i] |= (uint8_t)((d->nodes[i].n_edges > MC_EDGE_LINEAR) << 1);
    mark[0] = 0;
    for (size_t w = 0; w < nn; w += 8) {
        uint64_t x;
        memcpy(&x, mark + w, 8);
        for (size_t i = w; x && i < w + 8 && i < nn; i++) {
            if (!mark[i]) continue;
            const mc_fnode *nd = &d->nodes[i];
            if (mc_grow((void **)&he, &cap, ne + nd->n_edges, sizeof *he)) { free(mark); free(he); return -1; }
            for (uint32_t e = 0; e < nd->n_edges; e++) he[ne++] = (hedge){(uint32_t)i, nd->edge + e};
            if (mark[i] & 1) nf += nd->n_edges;
        }
    }
    size_t nbits = pow2_at_least(nf * 8 + 64);
    size_t nt = pow2_at_least(ne + ne / 2 + 1); /* load <= 2/3: a smaller table builds faster */
    d->pair_bits = calloc(nbits / 64, sizeof *d->pair_bits);
    d->etab_bytes = nt * sizeof *d->etab;
    d->etab = mc_huge_alloc(d->etab_bytes);
    if (!d->pair_bits || !d->etab) { free(mark); free(he); return -1; }
    d->pair_mask = nbits - 1;
    d->etab_mask = nt - 1;
    for (size_t k = 0; k < ne; k++) {
        if (k + PF_AHEAD < ne) {
            const hedge *f = &he[k + PF_AHEAD];
            MC_PREFETCH(&d->etab[mc_edge_hash(f->node, d->edges[f->edge].tok) & d->etab_mask]);
            MC_PREFETCH(&d->nodes[d->edges[f->edge].child]);
        }
        uint32_t i = he[k].node;
        const mc_fedge *ed = &d->edges[he[k].edge];
        if (mark[i] & 1) {
            uint32_t h = mc_pair_hash(i, ed->tok) & (uint32_t)d->pair_mask;
            d->pair_bits[h >> 6] |= 1ull << (h & 63);
        }
        size_t j = mc_edge_hash(i, ed->tok) & d->etab_mask;
        while (d->etab[j].node) j = (j + 1) & d->etab_mask;
        const mc_fnode *cn = &d->nodes[ed->child];
        d->etab[j] = (mc_eslot){i, ed->tok, ed->child | (cn->n_edges > MC_EDGE_LINEAR ? MC_ESLOT_HASHED : 0), cn->term};
    }
    free(mark);
    free(he);
    return 0;
}

/* Part 2: the context roots and their filter, the terms to check, the code keys. */
static int build_rest(mc_dict *d)
{
    d->ctx_root = malloc((d->n_vocab + 1) * sizeof *d->ctx_root);
    d->code_key = malloc((d->n_codes ? d->n_codes : 1) * sizeof *d->code_key);
    d->term_check = calloc(d->n_terms / 64 + 1, sizeof *d->term_check);
    if (!d->ctx_root || !d->code_key || !d->term_check) return -1;
    for (size_t i = 0; i < d->n_terms; i++)
        if ((d->terms[i].flags & MC_TERMF_UPPER) || d->terms[i].ntok <= 1) d->term_check[i >> 6] |= 1ull << (i & 63);
    d->ctx_root[0] = 0;
    for (size_t i = 0; i < d->n_vocab; i++) d->ctx_root[i + 1] = d->vocab[i].root[MC_TRIE_CONTEXT];
    if (ctx_filter_build(d)) return -1;
    for (size_t i = 0; i < d->n_codes; i++) {
        const char *c = d->strs + d->codes[i].code;
        uint32_t k = 0;
        for (int b = 0; b < 3 && c[b]; b++) k |= (uint32_t)(unsigned char)c[b] << (8 * b);
        if (c[0] == 'Z' || strcmp(c, "I25.2") == 0) k |= MC_CODEK_HISTORY;
        if (c[0] >= 'S' && c[0] <= 'Z' && c[0] != 'U') k |= MC_CODEK_SZ;
        if (c[0] >= 'V' && c[0] <= 'Z' && !d->codes[i].billable) k |= MC_CODEK_VZ_HEADER;
        if (residual_neoplasm(c)) k |= MC_CODEK_RESIDUAL;
        d->code_key[i] = k;
    }
    return 0;
}

int mc_dict_accel_part(mc_dict *d, int part)
{
    return part == 0 ? build_vocab(d) : part == 1 ? build_edges(d) : build_rest(d);
}

mc_status mc_dict_accel_build(mc_dict *d)
{
    for (int k = 0; k < MC_ACCEL_PARTS; k++)
        if (mc_dict_accel_part(d, k)) { mc_dict_accel_free(d); return MC_E_NOMEM; }
    return MC_OK;
}

void mc_dict_accel_free(mc_dict *d)
{
    mc_huge_free(d->vtab, d->vtab_bytes);
    mc_huge_free(d->etab, d->etab_bytes);
    free(d->ctx_root);
    free(d->code_key);
    free(d->term_check);
    free(d->pair_bits);
    free(d->ctx_pair_bits);
    d->pair_bits = d->ctx_pair_bits = NULL;
    d->vtab = NULL;
    d->etab = NULL;
    d->term_check = NULL;
    d->ctx_root = d->code_key = NULL;
}
