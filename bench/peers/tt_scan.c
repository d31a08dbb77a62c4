/* tt_scan — the token-hash trie peer for the medcode benchmark: what a straightforward
 * dictionary matcher does, and nothing more, so that medcode's own cost can be read
 * against it in the same run.
 *
 * Tokens are maximal runs of ASCII letters, digits and non-ASCII bytes, lower-cased
 * (ASCII); everything else separates. Every term of a medcode term list (TSV
 * term<TAB>code, first column) is tokenized so, its tokens interned in a vocabulary hash
 * (string -> id), and the token sequence inserted into a trie: the root's children in an
 * array by token id, every other edge in one hash table keyed by (node, token id). A text
 * is tokenized, each token looked up once (unknown tokens can neither start nor continue
 * a term), and matched leftmost-longest, non-overlapping: from each position the longest
 * term is counted and the scan resumes after it. Terms whose token sequences coincide ("Crohn's", "crohn s") count as the
 * first. No normalisation beyond case, no context, no coding rules, no statistics.
 * Reading, arguments and report: peer_io.h. */
#include "peer_io.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static int tok_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Hash of a lower-cased token, eight bytes at a time. */
static uint64_t hash_tok(const char *s, size_t n)
{
    uint64_t h = n * 0x9e3779b97f4a7c15ULL;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix(h ^ w) * 0x9e3779b97f4a7c15ULL;
        s += 8, n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = mix(h ^ w) * 0x9e3779b97f4a7c15ULL;
    }
    return mix(h);
}

/* ---------------------------------------------------------------- vocabulary */

typedef struct {
    uint32_t *slot;    /* id + 1; 0 = empty */
    uint64_t *hash;    /* per id */
    uint32_t *off, *len;
    char *str;
    size_t n, cap, mask, str_len, str_cap;
} vocab_t;

static uint32_t vocab_find(const vocab_t *v, const char *s, size_t n, uint64_t h)
{
    for (size_t j = h & v->mask;; j = (j + 1) & v->mask) {
        uint32_t id = v->slot[j];
        if (!id)
            return NONE;
        id--;
        if (v->hash[id] == h && v->len[id] == n && !memcmp(v->str + v->off[id], s, n))
            return id;
    }
}

static uint32_t vocab_add(vocab_t *v, const char *s, size_t n)
{
    uint64_t h = hash_tok(s, n);
    uint32_t id = vocab_find(v, s, n, h);
    if (id != NONE)
        return id;
    if (2 * (v->n + 1) > v->mask + 1) { /* grow and rehash */
        size_t cap = 2 * (v->mask + 1);
        free(v->slot);
        v->slot = calloc(cap, sizeof *v->slot);
        if (!v->slot)
            peer_die(PEER_EXIT_IO, "out of memory");
        v->mask = cap - 1;
        for (size_t k = 0; k < v->n; k++) {
            size_t j = v->hash[k] & v->mask;
            while (v->slot[j])
                j = (j + 1) & v->mask;
            v->slot[j] = (uint32_t)k + 1;
        }
    }
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4096;
        v->hash = peer_xrealloc(v->hash, v->cap * sizeof *v->hash);
        v->off = peer_xrealloc(v->off, v->cap * sizeof *v->off);
        v->len = peer_xrealloc(v->len, v->cap * sizeof *v->len);
    }
    if (v->str_len + n > v->str_cap) {
        v->str_cap = 2 * (v->str_len + n) + 4096;
        v->str = peer_xrealloc(v->str, v->str_cap);
    }
    memcpy(v->str + v->str_len, s, n);
    id = (uint32_t)v->n++;
    v->hash[id] = h;
    v->off[id] = (uint32_t)v->str_len;
    v->len[id] = (uint32_t)n;
    v->str_len += n;
    size_t j = h & v->mask;
    while (v->slot[j])
        j = (j + 1) & v->mask;
    v->slot[j] = id + 1;
    return id;
}

/* ---------------------------------------------------------------- trie */

typedef struct {
    uint64_t key;   /* node << 32 | token id, + 1; 0 = empty */
    uint32_t child;
} edge_t;

typedef struct {
    edge_t *edge;
    size_t n_edges, mask;
    uint32_t *term; /* per node: term index, NONE when no term ends there */
    size_t n_nodes, cap_nodes;
    uint32_t *root; /* per token id: the root's child, 0 when none */
    size_t n_root;
} trie_t;

static uint32_t trie_child(const trie_t *t, uint32_t node, uint32_t tok)
{
    uint64_t key = ((uint64_t)node << 32 | tok) + 1;
    for (size_t j = mix(key) & t->mask;; j = (j + 1) & t->mask) {
        if (t->edge[j].key == key)
            return t->edge[j].child;
        if (!t->edge[j].key)
            return 0; /* node 0 is the root: never a child */
    }
}

static uint32_t new_node(trie_t *t)
{
    if (t->n_nodes == t->cap_nodes) {
        t->cap_nodes = t->cap_nodes ? 2 * t->cap_nodes : 4096;
        t->term = peer_xrealloc(t->term, t->cap_nodes * sizeof *t->term);
    }
    t->term[t->n_nodes] = NONE;
    return (uint32_t)t->n_nodes++;
}

static void put_edge(edge_t *tab, size_t mask, uint64_t key, uint32_t child)
{
    size_t j = mix(key) & mask;
    while (tab[j].key)
        j = (j + 1) & mask;
    tab[j].key = key;
    tab[j].child = child;
}

static uint32_t trie_add(trie_t *t, uint32_t node, uint32_t tok)
{
    if (node == 0) {
        if (tok >= t->n_root) {
            size_t n = 2 * (size_t)tok + 1024;
            t->root = peer_xrealloc(t->root, n * sizeof *t->root);
            memset(t->root + t->n_root, 0, (n - t->n_root) * sizeof *t->root);
            t->n_root = n;
        }
        if (!t->root[tok])
            t->root[tok] = new_node(t);
        return t->root[tok];
    }
    uint32_t c = trie_child(t, node, tok);
    if (c)
        return c;
    if (2 * (t->n_edges + 1) > t->mask + 1) { /* grow and rehash */
        size_t cap = 2 * (t->mask + 1);
        edge_t *e = calloc(cap, sizeof *e);
        if (!e)
            peer_die(PEER_EXIT_IO, "out of memory");
        for (size_t j = 0; j <= t->mask; j++)
            if (t->edge[j].key)
                put_edge(e, cap - 1, t->edge[j].key, t->edge[j].child);
        free(t->edge);
        t->edge = e;
        t->mask = cap - 1;
    }
    c = new_node(t);
    put_edge(t->edge, t->mask, ((uint64_t)node << 32 | tok) + 1, c);
    t->n_edges++;
    return c;
}

/* ---------------------------------------------------------------- scanning */

/* Next token of s[*i..n): lower-cased into buf (room for n bytes); returns its length,
 * 0 at the end of the text. */
static size_t next_token(const char *s, size_t n, size_t *i, char *buf)
{
    size_t p = *i;
    while (p < n && !tok_byte((unsigned char)s[p]))
        p++;
    size_t k = 0;
    for (; p < n && tok_byte((unsigned char)s[p]); p++) {
        unsigned char c = (unsigned char)s[p];
        buf[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    *i = p;
    return k;
}

typedef struct {
    uint64_t *counts;
    uint64_t matches, tokens;
    uint32_t *ids;
    size_t cap_ids;
    char *buf;
    size_t cap_buf;
    char pad[64];
} shard_t;

typedef struct {
    const vocab_t *v;
    const trie_t *t;
    shard_t *shard;
} scan_ctx;

static void scan_text(int tid, char *text, size_t n, void *ctx)
{
    scan_ctx *c = ctx;
    shard_t *sh = &c->shard[tid];
    if (n + 1 > sh->cap_buf) {
        sh->cap_buf = 2 * n + 1;
        sh->buf = peer_xrealloc(sh->buf, sh->cap_buf);
    }
    if (n / 2 + 2 > sh->cap_ids) { /* tokens are at least one byte and one separator apart */
        sh->cap_ids = n + 2;
        sh->ids = peer_xrealloc(sh->ids, sh->cap_ids * sizeof *sh->ids);
    }
    size_t nt = 0, i = 0, k;
    while ((k = next_token(text, n, &i, sh->buf)) != 0)
        sh->ids[nt++] = vocab_find(c->v, sh->buf, k, hash_tok(sh->buf, k));
    sh->tokens += nt;
    for (size_t a = 0; a < nt;) {
        uint32_t node = 0, best_term = NONE;
        size_t best_end = a;
        for (size_t j = a; j < nt && sh->ids[j] != NONE; j++) {
            node = j == a ? c->t->root[sh->ids[j]] : trie_child(c->t, node, sh->ids[j]);
            if (!node)
                break;
            if (c->t->term[node] != NONE) {
                best_term = c->t->term[node];
                best_end = j + 1;
            }
        }
        if (best_term == NONE) {
            a++;
            continue;
        }
        sh->counts[best_term]++;
        sh->matches++;
        a = best_end;
    }
}

int main(int argc, char **argv)
{
    peer_args a;
    int nt = peer_parse_args(&a, argc, argv, "tt_scan",
                             "with a token-hash trie:\nASCII letters, digits and non-ASCII bytes form "
                             "tokens (ASCII case-folded), terms match\nwhole tokens, leftmost-longest "
                             "without overlaps.\n");

    peer_terms T = {0};
    peer_load_terms(&T, a.terms);
    double t0 = peer_now();
    vocab_t v = {0};
    v.slot = calloc(1024, sizeof *v.slot);
    trie_t t = {0};
    t.edge = calloc(1024, sizeof *t.edge);
    if (!v.slot || !t.edge)
        peer_die(PEER_EXIT_IO, "out of memory");
    v.mask = t.mask = 1023;
    new_node(&t); /* the root */
    char *buf = NULL;
    size_t cap = 0, phrases = 0;
    for (size_t k = 0; k < T.n; k++) {
        if (T.len[k] + 1 > cap) {
            cap = 2 * T.len[k] + 1;
            buf = peer_xrealloc(buf, cap);
        }
        uint32_t node = 0;
        size_t i = 0, n;
        while ((n = next_token(T.term[k], T.len[k], &i, buf)) != 0)
            node = trie_add(&t, node, vocab_add(&v, buf, n));
        if (node && t.term[node] == NONE) {
            t.term[node] = (uint32_t)k;
            phrases++;
        }
    }
    free(buf);
    if (t.n_root < v.n) { /* every token id indexes the root's children */
        t.root = peer_xrealloc(t.root, v.n * sizeof *t.root);
        memset(t.root + t.n_root, 0, (v.n - t.n_root) * sizeof *t.root);
        t.n_root = v.n;
    }
    double build_s = peer_now() - t0;

    shard_t *shard = calloc((size_t)nt, sizeof *shard);
    if (!shard)
        peer_die(PEER_EXIT_IO, "out of memory");
    for (int i = 0; i < nt; i++) {
        shard[i].counts = calloc(T.n, sizeof(uint64_t));
        if (!shard[i].counts)
            peer_die(PEER_EXIT_IO, "out of memory");
    }
    scan_ctx ctx = {&v, &t, shard};
    peer_totals tot;
    peer_scan_archive(a.archive, a.text_col, nt, scan_text, &ctx, &tot);

    uint64_t matches = 0, tokens = 0;
    uint64_t **counts = peer_xrealloc(NULL, (size_t)nt * sizeof *counts);
    for (int i = 0; i < nt; i++) {
        matches += shard[i].matches;
        tokens += shard[i].tokens;
        counts[i] = shard[i].counts;
    }
    printf("tool: tt_scan (token-hash trie)\n");
    printf("patterns: %zu\n", T.n);
    printf("term_lines: %zu\n", T.lines);
    printf("phrases: %zu\n", phrases);
    printf("vocabulary: %zu\n", v.n);
    printf("nodes: %zu\n", t.n_nodes);
    printf("compile_s: %.3f\n", build_s);
    printf("threads: %d\n", nt);
    printf("tokens: %llu\n", (unsigned long long)tokens);
    peer_report(&a, &T, counts, nt, matches, &tot);
    free(counts);

    for (int i = 0; i < nt; i++) {
        free(shard[i].counts);
        free(shard[i].ids);
        free(shard[i].buf);
    }
    free(shard);
    free(v.slot), free(v.hash), free(v.off), free(v.len), free(v.str);
    free(t.edge), free(t.term), free(t.root);
    peer_terms_free(&T);
    return 0;
}
