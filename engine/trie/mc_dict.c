/* mc_dict.c — load and validate a compiled dictionary (format in mc_format.h). Every
 * offset read from the image is checked once here, so lookups need no checks. */
#include "trie/mc_trie.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

#define BAD(...) mc_error_set(err, MC_E_DICT_CORRUPT, d->name, 0, 0, 0, __VA_ARGS__)

/* The pool's last byte is checked to be NUL before any string is: every offset inside
 * the pool then starts a terminated string, so one comparison per string suffices. */
static int str_ok(const mc_dict *d, uint32_t off) { return off < d->strs_len; }

/* Validation is split in groups, in the order of their checks; the error reported is
 * the first group's that fails, and within a group its first failing check, so the
 * message is the one a single pass in this order gives. head() comes first: the others
 * rely on it (a NUL-terminated pool, the required sections), not on one another. */
static mc_status check_head(mc_dict *d, mc_error *err)
{
    if (!d->strs || d->strs_len == 0 || d->strs[d->strs_len - 1] != 0) return BAD("string pool: missing or not NUL-terminated");
    if (!d->vocab || !d->vhash || !d->nodes || !d->edges || !d->terms || !d->codes)
        return BAD("required section missing");
    if (d->n_slots == 0 || (d->n_slots & (d->n_slots - 1)) || d->n_slots < d->n_vocab + 1)
        return BAD("vocabulary hash: size %zu is not a power of two above %zu", d->n_slots, d->n_vocab);
    return MC_OK;
}

/* Group 1: metadata, counters, vocabulary and its hash. */
static mc_status check_vocab(mc_dict *d, mc_error *err)
{
    for (size_t i = 0; i < d->n_meta; i++)
        if (!str_ok(d, d->meta[i].key) || !str_ok(d, d->meta[i].val)) return BAD("meta entry %zu: string offset out of bounds", i);
    for (size_t i = 0; i < d->n_counters; i++)
        if (!str_ok(d, d->counters[i].key) || !str_ok(d, d->counters[i].val)) return BAD("counter %zu: string offset out of bounds", i);
    for (size_t i = 0; i < d->n_vocab; i++) {
        const mc_fvocab *v = &d->vocab[i];
        if (!str_ok(d, v->str) || v->str + v->len >= d->strs_len) return BAD("vocabulary entry %zu: string out of bounds", i);
        for (unsigned t = 0; t < MC_N_TRIES; t++)
            if (v->root[t] >= d->n_nodes) return BAD("vocabulary entry %zu: root child out of bounds", i);
    }
    size_t used = 0;
    for (size_t i = 0; i < d->n_slots; i++) {
        if (d->vhash[i].id1 == 0) continue;
        if (d->vhash[i].id1 > d->n_vocab) return BAD("vocabulary hash slot %zu: id out of bounds", i);
        used++;
    }
    if (used != d->n_vocab) return BAD("vocabulary hash: %zu slots used for %zu tokens", used, d->n_vocab);
    return MC_OK;
}

/* Group 2, node by node: each node's edge range and term in bounds, its edges' tokens
 * and children in bounds, its edges sorted by token. The loader runs this only when the
 * branch-free form (trie_scan below) finds a fault or another layout. */
static mc_status check_trie(mc_dict *d, mc_error *err)
{
    for (size_t i = 0; i < d->n_nodes; i++) {
        const mc_fnode *n = &d->nodes[i];
        if (n->edge > d->n_edges || n->n_edges > d->n_edges - n->edge) return BAD("trie node %zu: edges out of bounds", i);
        if (n->term != MC_NONE && n->term >= d->n_terms) return BAD("trie node %zu: term out of bounds", i);
        for (uint32_t k = 0; k < n->n_edges; k++) {
            const mc_fedge *e = &d->edges[n->edge + k];
            if (e->tok >= d->n_vocab || e->child == 0 || e->child >= d->n_nodes) return BAD("trie node %zu: edge %u out of bounds", i, k);
            if (k && d->edges[n->edge + k - 1].tok >= e->tok) return BAD("trie node %zu: edges not sorted", i);
        }
    }
    return MC_OK;
}

/* Group 3: terms [i0, i1) (called in increasing, adjacent ranges). */
static mc_status check_terms(mc_dict *d, size_t i0, size_t i1, mc_error *err)
{
    for (size_t i = i0; i < i1; i++) {
        const mc_fterm *t = &d->terms[i];
        int ctx = (t->flags & MC_TERMF_CONTEXT) != 0;
        if (ctx ? t->target >= d->n_triggers : t->target >= d->n_codes) return BAD("term %zu: target out of bounds", i);
        if (!str_ok(d, t->text) || !str_ok(d, t->system)) return BAD("term %zu: string out of bounds", i);
    }
    return MC_OK;
}

/* Group 4: codes, blocks, chapters, triggers, history map and rules, diagnosis groups. */
static mc_status check_codes(mc_dict *d, mc_error *err)
{
    d->n_billable = 0;
    for (size_t i = 0; i < d->n_codes; i++) {
        const mc_fcode *c = &d->codes[i];
        if (!str_ok(d, c->code) || !str_ok(d, c->title) || !str_ok(d, c->short_title)) return BAD("code %zu: string out of bounds", i);
        if ((c->category != MC_NONE && c->category >= d->n_codes) || (c->parent != MC_NONE && c->parent >= d->n_codes) ||
            (c->block != MC_NONE && c->block >= d->n_blocks) || c->chapter > 22)
            return BAD("code %zu: hierarchy reference out of bounds", i);
        if (i && strcmp(d->strs + d->codes[i - 1].code, d->strs + c->code) >= 0) return BAD("code table not sorted at %zu", i);
        d->n_billable += c->billable != 0;
    }
    for (size_t i = 0; i < d->n_blocks; i++)
        if (!str_ok(d, d->blocks[i].first) || !str_ok(d, d->blocks[i].last) || !str_ok(d, d->blocks[i].title))
            return BAD("block %zu: string out of bounds", i);
    for (size_t i = 0; i < d->n_chapters; i++)
        if (!str_ok(d, d->chapters[i].first) || !str_ok(d, d->chapters[i].last) || !str_ok(d, d->chapters[i].title))
            return BAD("chapter %zu: string out of bounds", i);
    for (size_t i = 0; i < d->n_triggers; i++)
        if (!str_ok(d, d->triggers[i].text)) return BAD("trigger %zu: string out of bounds", i);
    if (d->n_zmap && d->n_zmap != d->n_codes) return BAD("history map: %zu entries for %zu codes", d->n_zmap, d->n_codes);
    for (size_t i = 0; i < d->n_zmap; i++)
        if ((d->zmap[i].family != MC_NONE && d->zmap[i].family >= d->n_codes) ||
            (d->zmap[i].history != MC_NONE && d->zmap[i].history >= d->n_codes))
            return BAD("history map entry %zu: code out of bounds", i);
    for (size_t i = 0; i < d->n_zrules; i++)
        if (!str_ok(d, d->zrules[i].prefix) || !str_ok(d, d->zrules[i].family) || !str_ok(d, d->zrules[i].history))
            return BAD("history rule %zu: string out of bounds", i);
    /* diagnosis groups (engine/codes/mc_groups.c) */
    if (d->n_ccsr_cats >= MC_CCSR_NONE) return BAD("CCSR: %zu categories (at most 65534)", d->n_ccsr_cats);
    for (size_t i = 0; i < d->n_ccsr_cats; i++) {
        const mc_fccsr_cat *c = &d->ccsr_cats[i];
        if (!str_ok(d, c->name) || !str_ok(d, c->title) || !str_ok(d, c->body) || !str_ok(d, c->body_title))
            return BAD("CCSR category %zu: string out of bounds", i);
        if (i && strcmp(d->strs + d->ccsr_cats[i - 1].name, d->strs + c->name) >= 0) return BAD("CCSR categories not sorted at %zu", i);
    }
    if (d->n_ccsr_codes && d->n_ccsr_codes != d->n_codes) return BAD("CCSR: %zu code entries for %zu codes", d->n_ccsr_codes, d->n_codes);
    for (size_t i = 0; i < d->n_ccsr_codes; i++) {
        const mc_fccsr_code *c = &d->ccsr_codes[i];
        for (int k = 0; k < 6; k++)
            if (c->cat[k] != MC_CCSR_NONE && c->cat[k] >= d->n_ccsr_cats) return BAD("CCSR code entry %zu: category out of bounds", i);
        if ((c->ip != MC_CCSR_NONE && c->ip >= d->n_ccsr_cats) || (c->op != MC_CCSR_NONE && c->op >= d->n_ccsr_cats))
            return BAD("CCSR code entry %zu: default category out of bounds", i);
    }
    if (d->n_comorb && d->n_comorb != d->n_codes) return BAD("comorbidity: %zu entries for %zu codes", d->n_comorb, d->n_codes);
    if (d->n_ahrq > 64) return BAD("AHRQ: %zu measures (at most 64)", d->n_ahrq);
    for (size_t i = 0; i < d->n_ahrq; i++)
        if (!str_ok(d, d->ahrq[i].name) || !str_ok(d, d->ahrq[i].title)) return BAD("AHRQ measure %zu: string out of bounds", i);
    for (size_t i = 0; i < d->n_comorb; i++)
        if (d->n_ahrq < 64 && (d->comorb[i].ahrq >> d->n_ahrq)) return BAD("comorbidity entry %zu: AHRQ bit out of range", i);
    return MC_OK;
}

/* 1 (with the error in err, when given) if one of the first n sections the header
 * listed fails its checksum: the first such, in header order. */
static int sum_error(mc_dict *d, uint32_t n, mc_error *err)
{
    for (uint32_t s = 0; s < n; s++)
        if (XXH3_64bits(d->base + d->sec[s].off, (size_t)d->sec[s].len) != d->sec[s].sum) {
            if (err) BAD("section %u (id %u): checksum mismatch", s, d->sec[s].id);
            return 1;
        }
    return 0;
}

static mc_status load(mc_dict *d, mc_error *err)
{
    const unsigned char *b = d->base;
    double t0 = mc_now();
    if (d->size < MC_HEADER_SIZE || memcmp(b, MC_MAGIC, 8) != 0)
        return mc_error_set(err, MC_E_DICT_MAGIC, d->name, 0, 0, 0, "not a medcode dictionary (bad magic number)");
    d->version = rd32(b + 8);
    if (d->version != MC_FORMAT_VERSION)
        return mc_error_set(err, MC_E_DICT_VERSION, d->name, 0, 0, 0,
                            "dictionary format version %u is not supported (this medcode reads version %u%s)",
                            d->version, MC_FORMAT_VERSION, d->version > MC_FORMAT_VERSION ? "; rebuild it or upgrade medcode" : "");
    uint32_t hsize = rd32(b + 12), nsec = rd32(b + 24);
    uint64_t fsize = rd64(b + 16);
    if (fsize != d->size)
        return BAD("file size is %zu bytes, header says %llu (truncated or padded)", d->size, (unsigned long long)fsize);
    if (nsec > MC_MAX_SECTIONS || hsize != MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * nsec || hsize > d->size)
        return BAD("header: bad section count %u or header size %u", nsec, hsize);
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, b, 48);
    XXH3_64bits_update(st, b + MC_HEADER_SIZE, hsize - MC_HEADER_SIZE);
    uint64_t hsum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    if (hsum != rd64(b + 48)) return BAD("header checksum mismatch");
    d->flags = rd32(b + 28);
    for (int i = 0; i < 16; i++) snprintf(d->build_id + 2 * i, 3, "%02x", b[32 + i]);

    for (uint32_t s = 0; s < nsec; s++) {
        const unsigned char *e = b + MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * s;
        uint32_t id = rd32(e), esz = rd32(e + 4);
        uint64_t off = rd64(e + 8), len = rd64(e + 16), sum = rd64(e + 24);
        if (off < hsize || off > d->size || len > d->size - off || off % MC_SECTION_ALIGN || esz == 0 || len % esz)
            return sum_error(d, s, err) ? MC_E_DICT_CORRUPT /* an earlier section's checksum fails first */
                                        : BAD("section %u (id %u): offset %llu length %llu out of bounds or misaligned", s,
                                              id, (unsigned long long)off, (unsigned long long)len);
        d->sec[s] = (mc_secsum){off, len, sum, id};
        const void *p = b + off;
        size_t n = (size_t)(len / esz);
#define TAKE(field, cnt, T)                                                                         \
    do {                                                                                            \
        if (esz != sizeof(T))                                                                       \
            return sum_error(d, s + 1, err) ? MC_E_DICT_CORRUPT                                     \
                                            : BAD("section id %u: element size %u, expected %zu", id, esz, sizeof(T)); \
        d->field = (const T *)p;                                                                    \
        d->cnt = n;                                                                                 \
    } while (0)
        switch (id) {
        case MC_SEC_STRS: d->strs = p; d->strs_len = (size_t)len; break;
        case MC_SEC_META: TAKE(meta, n_meta, mc_fmeta); break;
        case MC_SEC_COUNTERS: TAKE(counters, n_counters, mc_fmeta); break;
        case MC_SEC_VOCAB: TAKE(vocab, n_vocab, mc_fvocab); break;
        case MC_SEC_VHASH: TAKE(vhash, n_slots, mc_fslot); break;
        case MC_SEC_NODES: TAKE(nodes, n_nodes, mc_fnode); break;
        case MC_SEC_EDGES: TAKE(edges, n_edges, mc_fedge); break;
        case MC_SEC_TERMS: TAKE(terms, n_terms, mc_fterm); break;
        case MC_SEC_CODES: TAKE(codes, n_codes, mc_fcode); break;
        case MC_SEC_BLOCKS: TAKE(blocks, n_blocks, mc_fblock); break;
        case MC_SEC_CHAPTERS: TAKE(chapters, n_chapters, mc_fchapter); break;
        case MC_SEC_TRIGGERS: TAKE(triggers, n_triggers, mc_ftrigger); break;
        case MC_SEC_ZMAP: TAKE(zmap, n_zmap, mc_fzmap); break;
        case MC_SEC_ZRULES: TAKE(zrules, n_zrules, mc_fzrule); break;
        case MC_SEC_CCSR_CATS: TAKE(ccsr_cats, n_ccsr_cats, mc_fccsr_cat); break;
        case MC_SEC_CCSR_CODES: TAKE(ccsr_codes, n_ccsr_codes, mc_fccsr_code); break;
        case MC_SEC_COMORB: TAKE(comorb, n_comorb, mc_fcomorb); break;
        case MC_SEC_AHRQ: TAKE(ahrq, n_ahrq, mc_fahrq); break;
        default: break; /* unknown sections are ignored */
        }
#undef TAKE
    }
    d->n_sec = nsec;
    d->load_ms = (mc_now() - t0) * 1000.0;
    return MC_OK;
}

/* The trie's checks (check_trie) without a branch per node or edge, for the layout the
 * builder writes: each node's edges right after the previous node's. The node pass
 * checks that tiling, the ranges and the terms, and marks where each node's edges
 * start; the edge pass, independent of it, finds the first edge whose token or child is
 * out of bounds and marks every edge whose token is not above the previous edge's. The
 * trie is valid when the tiling holds, no edge before the end of the nodes' edges is out
 * of bounds, and every marked edge there starts a node. Anything else (a fault, or
 * another layout) is left to check_trie, which decides and names the node. */
typedef struct {
    uint64_t *start, *desc;  /* bit per edge: first edge of a node / token not above the previous */
    uint64_t pos, bad;       /* node pass: end of the edges so far; a node broke a rule or the tiling */
    uint64_t wi, w;          /* node pass: the start word being filled and its bits */
    uint64_t first_bad;      /* edge pass: first edge out of bounds (UINT64_MAX: none) */
    int nodes_done, edges_done;
    uint32_t *wide;          /* node pass: the nodes with more than MC_EDGE_LINEAR edges for the */
    size_t n_wide, cap_wide; /* table build (d->wide); node numbers only, so the list may be */
    int wide_fail;           /* made before validation ends; wide_fail: out of memory for it */
} trie_scan;

static void trie_nodes(const mc_dict *d, trie_scan *t, size_t i0, size_t i1)
{
    const mc_fnode *nd = d->nodes;
    uint64_t ne = d->n_edges, nt = d->n_terms, pos = t->pos, bad = 0, wi = t->wi, w = t->w;
    for (size_t i = i0; i < i1; i++) {
        uint64_t e = nd[i].edge, has = nd[i].n_edges != 0, at = e < ne ? e : ne;
        bad |= (uint64_t)(e > ne) | (has & (e != pos)) | (uint64_t)(nd[i].term != MC_NONE && nd[i].term >= nt);
        if (at >> 6 != wi) {
            t->start[wi] |= w;
            wi = at >> 6;
            w = 0;
        }
        w |= has << (at & 63);
        pos = has ? e + nd[i].n_edges : pos;
        if (nd[i].n_edges > MC_EDGE_LINEAR && !t->wide_fail) {
            if (mc_grow((void **)&t->wide, &t->cap_wide, t->n_wide + 1, sizeof *t->wide)) t->wide_fail = 1;
            else t->wide[t->n_wide++] = (uint32_t)i;
        }
    }
    t->pos = pos;
    t->bad |= bad;
    t->wi = wi;
    t->w = w;
}

static void trie_edges(const mc_dict *d, trie_scan *t, size_t k0, size_t k1)
{
    const mc_fedge *ed = d->edges;
    uint64_t nv = d->n_vocab, nn1 = (uint64_t)d->n_nodes - 1, bad = 0, w = 0;
    for (size_t k = k0; k < k1; k++) bad |= (uint64_t)(ed[k].tok >= nv) | ((uint64_t)ed[k].child - 1 >= nn1);
    for (size_t k = k0; bad && t->first_bad == UINT64_MAX && k < k1; k++)
        if (ed[k].tok >= nv || (uint64_t)ed[k].child - 1 >= nn1) t->first_bad = k;
    for (size_t k = k0 ? k0 : 1; k < k1; k++) {
        w |= (uint64_t)(ed[k - 1].tok >= ed[k].tok) << (k & 63);
        if ((k & 63) == 63 || k + 1 == k1) {
            t->desc[k >> 6] |= w;
            w = 0;
        }
    }
}

static int trie_ok(const mc_dict *d, trie_scan *t)
{
    if (!t->start || !t->desc || !t->nodes_done || !t->edges_done) return 0;
    t->start[t->wi] |= t->w;
    if (t->bad || t->pos > d->n_edges || t->first_bad < t->pos) return 0;
    for (uint64_t k = 0; k < t->pos; k += 64) {
        uint64_t below = t->pos - k >= 64 ? ~0ull : (1ull << (t->pos - k)) - 1;
        if (t->desc[k >> 6] & ~t->start[k >> 6] & below) return 0;
    }
    return 1;
}

/* The first phase of the load: one job per section of the header (its checksum, and
 * for the nodes, edges and terms the loader took, their checks block by block while the
 * block is in cache) and one per remaining validation group. Each job writes only its
 * own fields. */
#define LOAD_BLOCK (128u << 10)
typedef struct {
    mc_dict *d;
    int checks;                      /* check_head passed: the groups may run */
    uint32_t s_nodes, s_edges, s_terms; /* the sections the loader took (UINT32_MAX: none) */
    trie_scan trie;
    mc_status st_vocab, st_terms, st_codes;
    mc_error e_vocab, e_terms, e_codes;
    int terms_done;
    uint8_t sum_bad[MC_MAX_SECTIONS];
} load_jobs;

/* Section kinds whose elements a section job checks. */
enum { SEC_PLAIN, SEC_NODES, SEC_EDGES, SEC_TERMS };

static void check_block(load_jobs *L, int kind, size_t i0, size_t i1)
{
    if (kind == SEC_NODES) trie_nodes(L->d, &L->trie, i0, i1);
    else if (kind == SEC_EDGES) trie_edges(L->d, &L->trie, i0, i1);
    else if (kind == SEC_TERMS && !L->st_terms) L->st_terms = check_terms(L->d, i0, i1, &L->e_terms);
}

static void section_job(load_jobs *L, uint32_t s)
{
    mc_dict *d = L->d;
    const unsigned char *p = d->base + d->sec[s].off;
    size_t len = (size_t)d->sec[s].len;
    int kind = !L->checks ? SEC_PLAIN : s == L->s_nodes && L->trie.start ? SEC_NODES
             : s == L->s_edges && L->trie.desc ? SEC_EDGES : s == L->s_terms ? SEC_TERMS : SEC_PLAIN;
    size_t esz = kind == SEC_NODES ? sizeof(mc_fnode) : kind == SEC_EDGES ? sizeof(mc_fedge) : sizeof(mc_fterm);
    XXH3_state_t *st = kind != SEC_PLAIN && len > LOAD_BLOCK ? XXH3_createState() : NULL;
    uint64_t sum;
    if (st) { /* block by block: each block checked while it is in cache */
        size_t blk = LOAD_BLOCK / esz * esz;
        XXH3_64bits_reset(st);
        for (size_t off = 0; off < len; off += blk) {
            size_t n = len - off < blk ? len - off : blk;
            XXH3_64bits_update(st, p + off, n);
            check_block(L, kind, off / esz, (off + n) / esz);
        }
        sum = XXH3_64bits_digest(st);
        XXH3_freeState(st);
    } else {
        sum = XXH3_64bits(p, len);
        if (kind != SEC_PLAIN) check_block(L, kind, 0, len / esz);
    }
    L->sum_bad[s] = sum != d->sec[s].sum;
    if (kind == SEC_NODES) L->trie.nodes_done = 1;
    else if (kind == SEC_EDGES) L->trie.edges_done = 1;
    else if (kind == SEC_TERMS) L->terms_done = 1;
}

/* The section checksums, validation and the lookup tables, on two threads for a large
 * image. Phase 1 shares the jobs above (largest first: the checksums are a memory-bound
 * pass over the whole image, and the checks read the nodes, edges and terms with them);
 * then the verdict: a checksum error first (the first section in header order), else
 * the first validation group's error; phase 2, the independent parts of the table build
 * (which follows the validated indices). Validation never reads outside bounds, whatever
 * the bytes. */
static mc_status check_and_build(mc_dict *d, mc_error *err)
{
    load_jobs *L = calloc(1, sizeof *L);
    if (!L) return mc_error_set(err, MC_E_NOMEM, d->name, 0, 0, 0, "out of memory");
    mc_error ehead = {0};
    mc_status vst = check_head(d, &ehead);
    L->d = d;
    L->checks = vst == MC_OK;
    L->s_nodes = L->s_edges = L->s_terms = UINT32_MAX;
    for (uint32_t s = 0; s < d->n_sec; s++) {
        const void *p = d->base + d->sec[s].off;
        if (p == (const void *)d->nodes && d->sec[s].id == MC_SEC_NODES) L->s_nodes = s;
        if (p == (const void *)d->edges && d->sec[s].id == MC_SEC_EDGES) L->s_edges = s;
        if (p == (const void *)d->terms && d->sec[s].id == MC_SEC_TERMS) L->s_terms = s;
    }
    L->trie.first_bad = UINT64_MAX;
    if (L->checks) {
        L->trie.start = calloc(d->n_edges / 64 + 1, sizeof *L->trie.start);
        L->trie.desc = calloc(d->n_edges / 64 + 1, sizeof *L->trie.desc);
    }
    /* jobs: 0 = codes group, 1 = vocabulary group, 2.. = sections by size, largest first */
    uint32_t order[MC_MAX_SECTIONS];
    int njobs = 2 + (int)d->n_sec;
    for (uint32_t s = 0; s < d->n_sec; s++) {
        uint32_t k = s;
        while (k && d->sec[order[k - 1]].len < d->sec[s].len) { order[k] = order[k - 1]; k--; }
        order[k] = s;
    }
    int bad_sum = 0, accel_fail = 0;
#pragma omp parallel num_threads(2) if (d->size >= ((size_t)1 << 22)) reduction(| : accel_fail)
    {
#pragma omp for schedule(dynamic, 1)
        for (int j = 0; j < njobs; j++) {
            if (j == 0) { if (L->checks) L->st_codes = check_codes(d, &L->e_codes); }
            else if (j == 1) { if (L->checks) L->st_vocab = check_vocab(d, &L->e_vocab); }
            else section_job(L, order[j - 2]);
        }
#pragma omp single
        {
            for (uint32_t s = 0; s < d->n_sec; s++) bad_sum |= L->sum_bad[s];
            if (!vst && L->st_vocab) vst = L->st_vocab, ehead = L->e_vocab;
            if (!vst && !trie_ok(d, &L->trie)) vst = check_trie(d, &ehead);
            if (!vst && !L->terms_done) L->st_terms = check_terms(d, 0, d->n_terms, &L->e_terms);
            if (!vst && L->st_terms) vst = L->st_terms, ehead = L->e_terms;
            if (!vst && L->st_codes) vst = L->st_codes, ehead = L->e_codes;
        }
        if (!vst && !bad_sum) {
#pragma omp single
            if (L->trie.nodes_done && !L->trie.wide_fail) {
                d->wide = L->trie.wide;
                d->n_wide = L->trie.n_wide;
            }
#pragma omp for schedule(dynamic, 1)
            for (int k = 0; k < MC_ACCEL_PARTS; k++) accel_fail |= mc_dict_accel_part(d, k) != 0;
        }
    }
    if (bad_sum || vst || accel_fail) mc_dict_accel_free(d);
    if (bad_sum) {
        uint32_t s = 0;
        while (!L->sum_bad[s]) s++;
        vst = BAD("section %u (id %u): checksum mismatch", s, d->sec[s].id);
    } else if (vst) {
        if (err) *err = ehead;
    } else if (accel_fail) vst = mc_error_set(err, MC_E_NOMEM, d->name, 0, 0, 0, "out of memory");
    d->wide = NULL;
    d->n_wide = 0;
    free(L->trie.wide);
    free(L->trie.start);
    free(L->trie.desc);
    free(L);
    return vst;
}

mc_status mc_dict_open_mem(const void *data, size_t len, const char *name, mc_dict **out, mc_error *err)
{
    *out = NULL;
    mc_dict *d = calloc(1, sizeof *d);
    if (!d) return mc_error_set(err, MC_E_NOMEM, name, 0, 0, 0, "out of memory");
    snprintf(d->name, sizeof d->name, "%s", name ? name : "(memory)");
    d->base = data;
    d->size = len;
    if ((uintptr_t)data % 8) {
        free(d);
        return mc_error_set(err, MC_E_DICT_CORRUPT, name, 0, 0, 0, "dictionary image is not 8-byte aligned");
    }
    mc_status st = load(d, err);
    if (!st) st = check_and_build(d, err);
    if (st) { free(d); return st; }
    *out = d;
    return MC_OK;
}

mc_status mc_dict_open(const char *path, mc_dict **out, mc_error *err)
{
    double t0 = mc_now();
    mc_map m;
    *out = NULL;
    mc_status st = mc_map_file(path, &m, err);
    if (st) return st;
    st = mc_dict_open_mem(m.data, m.len, path, out, err);
    if (st) { mc_unmap(&m); return st; }
    (*out)->map = m;
    (*out)->load_ms = (mc_now() - t0) * 1000.0;
    return MC_OK;
}

void mc_dict_close(mc_dict *d)
{
    if (!d) return;
    mc_dict_accel_free(d);
    mc_unmap(&d->map);
    free(d);
}

void mc_dict_get_info(const mc_dict *d, mc_dict_info *o)
{
    memset(o, 0, sizeof *o);
    o->format_version = d->version;
    memcpy(o->build_id, d->build_id, sizeof o->build_id);
    o->file_size = d->size;
    o->flags = d->flags;
    o->n_codes = (uint32_t)d->n_codes;
    o->n_billable = d->n_billable;
    o->n_terms = (uint32_t)d->n_terms;
    o->n_vocab = (uint32_t)d->n_vocab;
    o->n_nodes = (uint32_t)d->n_nodes;
    o->n_edges = (uint32_t)d->n_edges;
    o->n_triggers = (uint32_t)d->n_triggers;
    o->n_blocks = (uint32_t)d->n_blocks;
    o->n_chapters = (uint32_t)d->n_chapters;
    o->load_ms = d->load_ms;
}

const char *mc_dict_meta(const mc_dict *d, const char *key)
{
    for (size_t i = 0; i < d->n_meta; i++)
        if (strcmp(d->strs + d->meta[i].key, key) == 0) return d->strs + d->meta[i].val;
    return NULL;
}
size_t mc_dict_meta_count(const mc_dict *d) { return d->n_meta; }
void mc_dict_meta_at(const mc_dict *d, size_t i, const char **k, const char **v)
{
    *k = d->strs + d->meta[i].key;
    *v = d->strs + d->meta[i].val;
}
size_t mc_dict_counter_count(const mc_dict *d) { return d->n_counters; }
void mc_dict_counter_at(const mc_dict *d, size_t i, const char **k, const char **v)
{
    *k = d->strs + d->counters[i].key;
    *v = d->strs + d->counters[i].val;
}

uint32_t mc_dict_n_codes(const mc_dict *d) { return (uint32_t)d->n_codes; }
void mc_dict_code(const mc_dict *d, uint32_t idx, mc_code_info *o)
{
    const mc_fcode *c = &d->codes[idx];
    o->code = d->strs + c->code;
    o->title = d->strs + c->title;
    o->short_title = d->strs + c->short_title;
    o->billable = c->billable;
    o->title_official = c->title_official;
    o->chapter = c->chapter;
    o->category = c->category;
    o->block = c->block;
    o->parent = c->parent;
}

int64_t mc_dict_find_code(const mc_dict *d, const char *code)
{
    char buf[16];
    size_t n = 0;
    for (const char *p = code; *p && n < sizeof buf - 2; p++) {
        if (*p == '.' || isspace((unsigned char)*p)) continue;
        if (n == 3) buf[n++] = '.';
        buf[n++] = (char)toupper((unsigned char)*p);
    }
    buf[n] = 0;
    size_t lo = 0, hi = d->n_codes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->strs + d->codes[mid].code, buf);
        if (c == 0) return (int64_t)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

uint32_t mc_dict_n_blocks(const mc_dict *d) { return (uint32_t)d->n_blocks; }
void mc_dict_block(const mc_dict *d, uint32_t i, mc_range_info *o)
{
    o->first = d->strs + d->blocks[i].first;
    o->last = d->strs + d->blocks[i].last;
    o->title = d->strs + d->blocks[i].title;
    o->chapter = (int)d->blocks[i].chapter;
}
uint32_t mc_dict_n_chapters(const mc_dict *d) { return (uint32_t)d->n_chapters; }
void mc_dict_chapter(const mc_dict *d, uint32_t i, mc_range_info *o)
{
    o->first = d->strs + d->chapters[i].first;
    o->last = d->strs + d->chapters[i].last;
    o->title = d->strs + d->chapters[i].title;
    o->chapter = (int)d->chapters[i].number;
}

uint32_t mc_dict_n_terms(const mc_dict *d) { return (uint32_t)d->n_terms; }
void mc_dict_term(const mc_dict *d, uint32_t i, mc_term_info *o)
{
    const mc_fterm *t = &d->terms[i];
    o->text = d->strs + t->text;
    o->system = d->strs + t->system;
    o->target = t->target;
    o->trie = (t->flags & MC_TERMF_CONTEXT) ? 1 : 0;
    o->source = t->source;
    o->flags = t->flags & ~MC_TERMF_CONTEXT;
    o->ntok = t->ntok;
}
