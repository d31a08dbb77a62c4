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

struct mc_scratch {
    const mc_dict *d;
    mc_tokens toks;
    mc_mention *ms;
    size_t n_ms, cap_ms;
    const mc_vslot **vs;     /* per token: its vocabulary slot, NULL when unknown */
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
    if (nt > s->cap_vs) {
        const mc_vslot **p = realloc(s->vs, nt * sizeof *p);
        if (!p) return MC_E_NOMEM;
        s->vs = p;
        s->cap_vs = nt;
    }
    /* Look every token up, prefetching ahead what the walk will read: the slots of later
     * tokens, and for a token after a phrase start the first step's edge slot and the
     * start's term, so the walk's cache misses overlap here instead of in series. */
    const mc_vslot **vs = s->vs;
    for (size_t i = 0; i < nt; i++) {
        if (i + MC_PREFETCH_AHEAD < nt) MC_PREFETCH(&d->vtab[tk[i + MC_PREFETCH_AHEAD].hash & d->vtab_mask]);
        const char *w = t->norm + tk[i].norm;
        const mc_vslot *v = mc_vocab_slot(d, w, tk[i].norm_len, mc_skey_padded(w, tk[i].norm_len), tk[i].hash);
        tk[i].id = v ? (int32_t)(v->id1 - 1) : -1;
        vs[i] = v;
        if (v && v->root_term != MC_NONE) MC_PREFETCH(&d->terms[v->root_term]);
        if (v && i > 0 && vs[i - 1] && vs[i - 1]->root && !(tk[i].flags & MC_TOK_SENT) &&
            mc_pair_maybe(d, vs[i - 1]->root, v->id1 - 1)) /* most first steps fail: no probe for those */
            MC_PREFETCH(&d->etab[mc_edge_hash(vs[i - 1]->root, v->id1 - 1) & d->etab_mask]);
    }

    for (size_t i = 0; i < nt;) {
        const mc_vslot *v = vs[i];
        if (!v || !v->root) { i++; continue; }
        uint32_t node = v->root, term = v->root_term;
        int hashed = 1; /* node's edges are in the edge hash (first-level nodes are) */
        size_t best = 0;
        uint32_t best_term = MC_NONE;
        for (size_t j = i;;) {
            if (term != MC_NONE) {
                if (!mc_term_needs_check(d, term)) { /* multi-word, no case rule: no term read */
                    best = j + 1;
                    best_term = term;
                } else {
                    const mc_fterm *ft = &d->terms[term];
                    if ((!(ft->flags & MC_TERMF_UPPER) || span_upper(text, tk + i, ft->upper)) &&
                        mc_guard_ok(d, t, i, j + 1, text, ft)) { /* match/mc_guard.h */
                        best = j + 1;
                        best_term = term;
                    }
                }
            }
            if (++j >= nt || tk[j].id < 0 || (tk[j].flags & MC_TOK_SENT)) break;
            if (hashed) {
                if (j == i + 1 && !mc_pair_maybe(d, node, (uint32_t)tk[j].id)) break;
                const mc_eslot *e = mc_trie_edge_hashed(d, node, (uint32_t)tk[j].id);
                if (!e) break;
                node = e->child & ~MC_ESLOT_HASHED;
                hashed = (e->child & MC_ESLOT_HASHED) != 0;
                term = e->child_term;
            } else {
                node = mc_trie_child(d, node, (uint32_t)tk[j].id);
                if (!node) break;
                hashed = d->nodes[node].n_edges > MC_EDGE_LINEAR;
                term = d->nodes[node].term;
            }
        }
        if (best_term == MC_NONE) { i++; continue; }
        mc_mention m = {0};
        m.start = tk[i].start;
        m.end = tk[best - 1].end;
        m.tok_start = (uint32_t)i;
        m.tok_end = (uint32_t)best;
        m.term = best_term;
        m.matched_code = m.code = d->terms[best_term].target;
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
