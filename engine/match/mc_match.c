/* mc_match.c — the scanner: tokenize a text, look every token up in the vocabulary
 * once, then walk the trie leftmost-longest (see include/mc_scan.h for semantics), and
 * hand the mentions to the context and coding-rule stages. One scratch per thread. */
#include "mc_scan.h"
#include "codes/mc_codes.h"
#include "context/mc_context.h"
#include "context/mc_ctx_axes.h"
#include "match/mc_guard.h"
#include "text/mc_text.h"
#include "trie/mc_trie.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A walk of the phrase trie from start token i that has consumed tokens i..j and is
 * at node; term is node's term when known. */
typedef struct {
    uint32_t i, j, node, term;
    uint32_t state;          /* MC_WALK_* */
} mc_walk;
#define MC_WALK_HASHED  1u   /* node's edges are in the edge hash (term known) */
#define MC_WALK_PENDING 2u   /* reached by an edge scan: term and edges not yet read */

struct mc_scratch {
    const mc_dict *d;
    mc_tokens toks;
    mc_mention *ms;
    size_t n_ms, cap_ms;
    const mc_vslot **vs;     /* per token (+1): its vocabulary slot, &no_slot when unknown */
    uint8_t *stop;           /* per token (+1): 1 = unknown or a sentence start (no walk takes it) */
    uint32_t *best_end;      /* per start token: end (exclusive) of its longest match */
    uint32_t *best_term;     /* per start token: that match's term, MC_NONE when none */
    mc_walk *walks;          /* the walks under way (mc_scan) */
    size_t cap_vs;
    mc_ctx_scratch *ctx;
    int timing;
    mc_scan_timing t;
};

void mc_scan_opts_default(mc_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->context = 1;
    o->setting = MC_SETTING_OUTPATIENT;
    o->resolve_specific = 1;
}

mc_scratch *mc_scratch_create(const mc_dict *d)
{
    mc_scratch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->d = d;
    s->ctx = mc_ctx_scratch_create();
    if (!s->ctx) { free(s); return NULL; }
    return s;
}

void mc_scratch_free(mc_scratch *s)
{
    if (!s) return;
    mc_tokens_free(&s->toks);
    free(s->ms);
    free(s->vs);
    free(s->stop);
    free(s->best_end);
    free(s->best_term);
    free(s->walks);
    mc_ctx_scratch_free(s->ctx);
    free(s);
}

/* Monotonic, not thread CPU time: a vDSO read instead of a system call, four times a
 * text (mc_scan.h says how the pipeline turns these into CPU seconds). */
static double stage_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A term flagged upper matches only where the tokens its source writes in upper case
 * ("CKD" in "CKD stage 3") have no lower-case letter in the text. */
static int span_upper(const char *text, const mc_token *tk, uint32_t mask)
{
    for (unsigned t = 0; mask; t++, mask >>= 1) {
        if (!(mask & 1u)) continue;
        for (uint32_t i = tk[t].start; i < tk[t].end; i++)
            if (text[i] >= 'a' && text[i] <= 'z') return 0;
    }
    return 1;
}

#define MC_PREFETCH_AHEAD 8

/* The slot of every unknown token: no id, no phrase starts with it. */
static const mc_vslot no_slot = {.id1 = 0, .root = 0, .root_term = MC_NONE};

/* Room for n tokens in the per-token arrays. */
static int grow_scan(mc_scratch *s, size_t n)
{
    size_t cap = s->cap_vs ? s->cap_vs : 256;
    while (cap < n) cap *= 2;
#define GROW_ONE(f) do { void *p_ = realloc((void *)s->f, cap * sizeof *s->f); if (!p_) return -1; s->f = p_; } while (0)
    GROW_ONE(vs);
    GROW_ONE(stop);
    GROW_ONE(best_end);
    GROW_ONE(best_term);
    GROW_ONE(walks);
#undef GROW_ONE
    s->cap_vs = cap;
    return 0;
}

/* Term `term` ends the walk from token i at token j: the longest one that passes its
 * checks (case rule, guards: mc_guard.h) is that start's match. Walks of one start reach
 * j in increasing order, so the last accepted is the longest. */
static inline void term_eval(mc_scratch *s, const char *text, size_t i, size_t j, uint32_t term)
{
    const mc_dict *d = s->d;
    if (mc_term_needs_check(d, term)) {
        const mc_fterm *ft = &d->terms[term];
        if ((ft->flags & MC_TERMF_UPPER) && !span_upper(text, s->toks.tok + i, ft->upper)) return;
        if (!mc_guard_ok(d, &s->toks, i, j + 1, text, ft)) return;
    } else MC_PREFETCH(&d->terms[term]); /* read when the mention is made */
    s->best_end[i] = (uint32_t)j + 1;
    s->best_term[i] = term;
}

static int push_mention(mc_scratch *s, const mc_mention *m)
{
    if (s->n_ms == s->cap_ms) {
        size_t cap = s->cap_ms ? s->cap_ms * 2 : 64;
        mc_mention *p = realloc(s->ms, cap * sizeof *p);
        if (!p) return -1;
        s->ms = p;
        s->cap_ms = cap;
    }
    s->ms[s->n_ms++] = *m;
    return 0;
}

mc_status mc_scan(mc_scratch *s, const char *text, size_t len, const mc_scan_opts *o, const mc_mention **out, size_t *n)
{
    const mc_dict *d = s->d;
    double t0 = s->timing ? stage_now() : 0;
    s->n_ms = 0;
    *out = NULL;
    *n = 0;
    if (len > UINT32_MAX) return MC_E_RECORD_TOO_BIG;
    if (mc_tokenize(text, len, &s->toks)) return MC_E_NOMEM;
    double t1 = s->timing ? stage_now() : 0;
    mc_tokens *t = &s->toks;
    mc_token *tk = t->tok;
    size_t nt = t->n;
    if (nt + 1 > s->cap_vs && grow_scan(s, nt + 1)) return MC_E_NOMEM;
    /* Pass 1: look every token up (an unknown token gets the empty slot: no NULL tests
     * below), prefetching the slots of later tokens and the terms of single-word starts;
     * stop[j] = 1 where no walk may take token j (unknown, or a sentence starts). */
    const mc_vslot **vs = s->vs;
    uint8_t *stop = s->stop;
#define LOOKUP_ONE(i) do { \
        const char *w_ = t->norm + tk[i].norm; \
        const mc_vslot *v_ = mc_vocab_slot(d, w_, tk[i].norm_len, mc_skey_padded(w_, tk[i].norm_len), tk[i].hash); \
        if (!v_) v_ = &no_slot; \
        tk[i].id = (int32_t)v_->id1 - 1; \
        vs[i] = v_; \
        stop[i] = (uint8_t)(v_->id1 == 0 || (tk[i].flags & MC_TOK_SENT)); \
        if (v_->root_term != MC_NONE) MC_PREFETCH(&d->terms[v_->root_term]); \
    } while (0)
    for (size_t a = 0; a < MC_PREFETCH_AHEAD && a < nt; a++) MC_PREFETCH(&d->vtab[tk[a].hash & d->vtab_mask]);
    size_t i0 = 0;
    for (; i0 + MC_PREFETCH_AHEAD < nt; i0++) {
        MC_PREFETCH(&d->vtab[tk[i0 + MC_PREFETCH_AHEAD].hash & d->vtab_mask]);
        LOOKUP_ONE(i0);
    }
    for (; i0 < nt; i0++) LOOKUP_ONE(i0);
#undef LOOKUP_ONE
    vs[nt] = &no_slot;
    stop[nt] = 1;

    /* Pass 2: every phrase start. Its one-word term is judged here; a walk goes on only
     * where the pair filter lets the first step through (about 1 start in 6), chosen
     * without a branch. The walks' first edge slots are then prefetched together. */
    uint32_t *best_term = s->best_term;
    mc_walk *w = s->walks;
    size_t nw = 0;
    memset(best_term, 0xff, nt * sizeof *best_term); /* MC_NONE */
    for (size_t i = 0; i < nt; i++) {
        const mc_vslot *v = vs[i];
        if (v->root_term != MC_NONE) term_eval(s, text, i, i, v->root_term);
        uint32_t root = v->root;
        unsigned go = (root != 0) & !stop[i + 1] & (unsigned)mc_pair_maybe(d, root, vs[i + 1]->id1 - 1);
        w[nw] = (mc_walk){(uint32_t)i, (uint32_t)i, root, MC_NONE, MC_WALK_HASHED};
        nw += go;
    }
    for (size_t a = 0; a < nw; a++)
        MC_PREFETCH(&d->etab[mc_edge_hash(w[a].node, (uint32_t)tk[w[a].j + 1].id) & d->etab_mask]);

    /* Pass 3: the walks advance one token at a time, all together, so that their cache
     * misses (edge slots, nodes, edge lists, terms: tens of MB) overlap instead of
     * following one another; each step prefetches what the next will read. */
    while (nw) {
        /* step: one more token for every walk (its slot or edges were prefetched) */
        size_t k = 0;
        for (size_t a = 0; a < nw; a++) {
            mc_walk x = w[a];
            uint32_t j = x.j + 1, tok = (uint32_t)tk[j].id;
            if (x.state & MC_WALK_HASHED) {
                const mc_eslot *e = mc_trie_edge_hashed(d, x.node, tok);
                if (!e) continue;
                x.node = e->child & ~MC_ESLOT_HASHED;
                x.term = e->child_term;
                x.state = (e->child & MC_ESLOT_HASHED) ? MC_WALK_HASHED : 0;
                if (x.term != MC_NONE && mc_term_needs_check(d, x.term)) MC_PREFETCH(&d->terms[x.term]);
            } else {
                const mc_fnode *nd = &d->nodes[x.node];
                const mc_fedge *ed = d->edges + nd->edge;
                uint32_t c = 0;
                for (uint32_t q = 0; q < nd->n_edges; q++)
                    if (ed[q].tok == tok) { c = ed[q].child; break; }
                if (!c) continue;
                x.node = c;
                x.state = MC_WALK_PENDING; /* its term and edges: read next pass */
            }
            if (!(x.state & MC_WALK_HASHED)) MC_PREFETCH(&d->nodes[x.node]);
            x.j = j;
            w[k++] = x;
        }
        nw = k;
        /* evaluate the term ending at the new token, and prefetch the next step */
        k = 0;
        for (size_t a = 0; a < nw; a++) {
            mc_walk x = w[a];
            const mc_fnode *nd = NULL;
            if (!(x.state & MC_WALK_HASHED)) {
                nd = &d->nodes[x.node];
                if (x.state & MC_WALK_PENDING) {
                    x.term = nd->term;
                    x.state = nd->n_edges > MC_EDGE_LINEAR ? MC_WALK_HASHED : 0;
                }
            }
            if (x.term != MC_NONE) term_eval(s, text, x.i, x.j, x.term);
            uint32_t j = x.j + 1;
            if (stop[j]) continue;
            if (x.state & MC_WALK_HASHED) MC_PREFETCH(&d->etab[mc_edge_hash(x.node, (uint32_t)tk[j].id) & d->etab_mask]);
            else MC_PREFETCH(d->edges + nd->edge);
            w[k++] = x;
        }
        nw = k;
    }
    for (size_t i = 0; i < nt;) {
        if (best_term[i] == MC_NONE) { i++; continue; }
        mc_mention m = {0};
        size_t best = s->best_end[i];
        m.start = tk[i].start;
        m.end = tk[best - 1].end;
        m.tok_start = (uint32_t)i;
        m.tok_end = (uint32_t)best;
        m.term = best_term[i];
        m.matched_code = m.code = d->terms[best_term[i]].target;
        m.trigger = -1;
        if (push_mention(s, &m)) return MC_E_NOMEM;
        i = best;
    }
    double t2 = s->timing ? stage_now() : 0;
    if (o->context && s->n_ms) mc_context_assert(d, t, s->ms, s->n_ms, s->ctx);
    mc_codes_apply(d, s->ms, s->n_ms, o);
    if (s->timing) {
        double t3 = stage_now();
        s->t.tokenize += t1 - t0;
        s->t.match += t2 - t1;
        s->t.context += t3 - t2;
        s->t.tokens += nt;
        s->t.mentions += s->n_ms;
    }
    *out = s->ms;
    *n = s->n_ms;
    return MC_OK;
}

void mc_scan_timing_get(const mc_scratch *s, mc_scan_timing *t) { *t = s->t; }
void mc_scan_set_timing(mc_scratch *s, int on) { s->timing = on; }

const char *mc_trigger_text(const mc_dict *d, int32_t trigger)
{
    if (trigger < 0 || (size_t)trigger >= d->n_triggers) return "";
    return d->strs + d->triggers[trigger].text;
}

const char *mc_assertion_str(unsigned a) { return mc_assert_name((int)a); }
const char *mc_rule_str(unsigned r) { return mc_rule_name((int)r); }
const char *mc_section_str(unsigned s) { return mc_section_name((int)s); }

mc_status mc_assert_span(mc_scratch *s, const char *text, size_t len, size_t start, size_t end, int *assertion,
                         int32_t *trigger, int *section)
{
    const mc_dict *d = s->d;
    if (mc_tokenize(text, len, &s->toks)) return MC_E_NOMEM;
    mc_tokens *t = &s->toks;
    for (size_t i = 0; i < t->n; i++) t->tok[i].id = mc_vocab_find(d, t->norm + t->tok[i].norm, t->tok[i].norm_len, t->tok[i].hash);
    mc_mention m = {0};
    size_t a = t->n, b = t->n;
    for (size_t i = 0; i < t->n; i++) {
        if (a == t->n && t->tok[i].end > start) a = i;
        if (t->tok[i].start < end) b = i + 1;
    }
    if (a >= t->n || b <= a) {
        mc_context_assert(d, t, NULL, 0, s->ctx); /* no target: clear the last axes */
        *assertion = 0;
        *trigger = -1;
        *section = 0;
        return MC_OK;
    }
    m.tok_start = (uint32_t)a;
    m.tok_end = (uint32_t)b;
    m.start = t->tok[a].start;
    m.end = t->tok[b - 1].end;
    m.trigger = -1;
    mc_context_assert(d, t, &m, 1, s->ctx);
    *assertion = m.assertion;
    *trigger = m.trigger;
    *section = m.section;
    return MC_OK;
}

void mc_assert_labels(const mc_scratch *s, size_t k, const char **neg, const char **temp, const char **exp)
{
    const mc_ctx_axes *a = mc_ctx_axes_of(s->ctx, k);
    *neg = mc_ctx_negation_label(a ? a->negation : MC_NEG_AFFIRMED);
    *temp = mc_ctx_temporality_label(a ? a->temporality : MC_TEMP_RECENT);
    *exp = mc_ctx_experiencer_label(a ? a->experiencer : MC_EXP_PATIENT);
}
