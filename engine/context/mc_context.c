/* mc_context.c — ConText-style assertion over a record's tokens (mc_context.h).
 * One pass finds trigger matches (trie 1, leftmost-longest like the phrase matcher),
 * classifies section headers and builds the scope boundaries (sentences, headers);
 * then each mention looks only at the triggers of its own segment, nearest first,
 * so the cost is the number of triggers near a mention, not mentions x triggers.
 *
 * Rules (datasets/context/README.md has them with examples):
 *   - a trigger applies to a mention in its direction (forward: the mention follows
 *     it; backward: the mention precedes it), in the same sentence and section, with
 *     at most `window` tokens between them (0: to the end of the sentence, capped at
 *     MC_CTX_MAX_SCOPE tokens), and no terminator for its category in between;
 *   - triggers inside the mention's own span are ignored ("status post fall" as a
 *     target is not made historical by its own words), with one exception: a `habit`
 *     phrase, or a Social History / Allergies section phrase, inside the span makes the
 *     target itself a habit or allergy ("smokes cigarettes", "drug allergies"), which
 *     is historical (weak) when nothing else sets its temporality;
 *   - a trigger whose direction has the `adjacent` bit also reaches a target directly
 *     before it (nothing but a comma between), as a weak historical: "Crohn's, status
 *     post ileocecal resection";
 *   - `ongoing` triggers ("unchanged", "redemonstrated") act as historical triggers whose
 *     result is weak (the condition began before and is still present);
 *   - per axis (negation, temporality, experiencer) the nearest applicable trigger
 *     decides; a pseudo-trigger only consumes its words ("no increase", "gram negative");
 *   - a section header (trigger of category `section` followed by a colon, alone on
 *     its line, or an ALL-CAPS line start followed by text) sets the section until the
 *     next header and ends every scope; its defaults fill the axes no trigger set:
 *     Family History -> other + historical, Past Medical/Surgical History -> historical,
 *     Social History / Allergies -> historical (weak, see mc_ctx_axes.h);
 *   - a section phrase in running text acts as a trigger: "past medical history
 *     significant for" as historical, "family history" / "FH" as family. */
#include "context/mc_context.h"
#include "context/mc_ctx_axes.h"
#include "trie/mc_trie.h"
#include "common/mc_util.h"
#include <stdlib.h>
#include <string.h>

/* Longest scope of a trigger whose window is 0 ("to the end of the sentence"):
 * bounds the work per mention on text without sentence punctuation. */
#define MC_CTX_MAX_SCOPE 48u

#define CAT_BIT(c) (1u << ((c) - 1))
#define CAT_ALL 0x1Fu /* negated .. family */

typedef struct {
    uint32_t a, b;   /* token span [a, b) */
    int32_t trig;    /* trigger index */
    uint8_t cat;     /* effective category (0: ignore) */
    uint8_t dir;     /* MC_DIR_* */
    uint8_t window;  /* max tokens between (0: sentence) */
    uint8_t mask;    /* terminator: categories whose scope it ends */
    uint8_t sect;    /* the trigger's section column (family triggers: family_history) */
    uint8_t flags;   /* TM_* */
} tmatch;

#define TM_WEAK 1u  /* a historical result from it is weak (category `ongoing`) */
#define TM_HABIT 2u /* inside a target's span: the target is a habit or allergy */

struct mc_ctx_scratch {
    tmatch *tm;          /* trigger matches in text order (headers included) */
    size_t n, cap;
    uint32_t *hdr;       /* indices into tm of section headers */
    size_t n_hdr, cap_hdr;
    uint32_t *st;        /* trigger start candidates (token indices) */
    size_t cap_st;
    uint32_t *bnd;       /* segment starts (token indices), sorted */
    size_t n_bnd, cap_bnd;
    uint32_t *sent;      /* sentence starts, before the header points are merged in */
    size_t cap_sent;
    mc_ctx_axes *ax;     /* per mention of the last call */
    size_t n_ax, cap_ax;
};

mc_ctx_scratch *mc_ctx_scratch_create(void) { return calloc(1, sizeof(mc_ctx_scratch)); }

void mc_ctx_scratch_free(mc_ctx_scratch *c)
{
    if (!c) return;
    free(c->tm);
    free(c->hdr);
    free(c->bnd);
    free(c->sent);
    free(c->st);
    free(c->ax);
    free(c);
}

const mc_ctx_axes *mc_ctx_axes_of(const mc_ctx_scratch *c, size_t k) { return c && k < c->n_ax ? &c->ax[k] : NULL; }

/* Is the section trigger at [a, b) written as a header? */
static int is_header(const mc_token *tk, size_t nt, uint32_t a, uint32_t b)
{
    if (tk[b - 1].flags & MC_TOK_COLON) return 1;
    if (!(tk[a].flags & MC_TOK_LINE)) return 0;
    if (b >= nt || (tk[b].flags & MC_TOK_LINE)) return 1; /* alone on its line */
    for (uint32_t i = a; i < b; i++)
        if (!(tk[i].flags & MC_TOK_UPPER)) return 0;
    return !(tk[b].flags & MC_TOK_UPPER); /* "PAST MEDICAL HISTORY Hypertension ..." */
}

/* Trigger matches, section headers and segment boundaries of one record. */
static int scan_triggers(const mc_dict *d, const mc_tokens *t, mc_ctx_scratch *c)
{
    const mc_token *tk = t->tok;
    size_t nt = t->n;
    c->n = c->n_hdr = 0;
    /* One pass lists, without a branch, the trigger starts (about 1 token in 4) and the
     * sentence starts (into sent; the segment list below). Then each start's longest
     * trigger, and leftmost-longest over them in text order. */
    if (mc_grow((void **)&c->st, &c->cap_st, nt + 1, sizeof *c->st) ||
        mc_grow((void **)&c->sent, &c->cap_sent, nt + 1, sizeof *c->sent))
        return -1;
    uint32_t *st = c->st, *sent = c->sent;
    size_t ns = 0, nsent = 1;
    sent[0] = 0; /* the segment list always starts at token 0 */
    for (size_t i = 0; i < nt; i++) {
        st[ns] = (uint32_t)i;
        ns += d->ctx_root[tk[i].id + 1] != 0;
        sent[nsent] = (uint32_t)i;
        nsent += (tk[i].flags & MC_TOK_SENT) && i;
    }
    /* at most one match (and header) per start: room for all of them now */
    if (mc_grow((void **)&c->tm, &c->cap, ns + 1, sizeof *c->tm) ||
        mc_grow((void **)&c->hdr, &c->cap_hdr, ns + 1, sizeof *c->hdr))
        return -1;
    size_t next = 0; /* first token not inside the last trigger taken */
    for (size_t k = 0; k < ns; k++) {
        size_t i = st[k];
        if (i < next) continue;
        uint32_t node = d->ctx_root[tk[i].id + 1];
        size_t best = 0;
        uint32_t bt = MC_NONE;
        for (size_t j = i;;) {
            if (d->nodes[node].term != MC_NONE) { best = j + 1; bt = d->nodes[node].term; }
            if (++j >= nt || tk[j].id < 0 || (tk[j].flags & MC_TOK_SENT)) break;
            if (!mc_ctx_pair_maybe(d, node, (uint32_t)tk[j].id)) break;
            node = mc_trie_child(d, node, (uint32_t)tk[j].id);
            if (!node) break;
        }
        if (bt == MC_NONE) continue;
        next = best;
        uint32_t ti = d->terms[bt].target;
        if (ti >= d->n_triggers) continue;
        const mc_ftrigger *tr = &d->triggers[ti];
        tmatch m = {(uint32_t)i, (uint32_t)best, (int32_t)ti, tr->category, tr->direction, tr->window, 0, tr->section, 0};
        if (tr->category == MC_CTX_HABIT) {
            /* a habit or allergy; with a section column also a header when written as one
             * ("Tobacco:", "ALLERGIES:") */
            m.cat = 0, m.flags = TM_HABIT;
            if (tr->section && is_header(tk, nt, m.a, m.b)) {
                m.cat = MC_CTX_SECTION;
                c->hdr[c->n_hdr++] = (uint32_t)c->n;
            }
        } else if (tr->category == MC_CTX_ONGOING) {
            m.cat = MC_CTX_HISTORICAL, m.flags = TM_WEAK;
        } else if (tr->category == MC_CTX_TERMINATE) {
            m.mask = tr->window ? (uint8_t)(tr->window & CAT_ALL) : CAT_ALL;
            m.window = 0;
        } else if (tr->category == MC_CTX_SECTION) {
            if (is_header(tk, nt, m.a, m.b)) {
                c->hdr[c->n_hdr++] = (uint32_t)c->n;
            } else if (tr->section == MC_SECT_PMH || tr->section == MC_SECT_PSH) {
                m.cat = MC_CTX_HISTORICAL, m.dir = MC_DIR_FORWARD, m.window = 0;
            } else if (tr->section == MC_SECT_FAMILY_HISTORY) {
                m.cat = MC_CTX_FAMILY, m.dir = MC_DIR_FORWARD, m.window = 0;
            } else {
                m.cat = 0; /* "history of present illness" in running text: consumes only */
            }
        } else if (tr->category == MC_CTX_PSEUDO || tr->category >= MC_CTX__COUNT) {
            m.cat = 0;
        }
        c->tm[c->n++] = m;
    }
    /* Segment starts: the sentence starts, merged, when the record has headers, with the
     * header starts and ends a0 <= b0 <= a1 <= b1 ... */
    size_t nb = nsent;
    if (!c->n_hdr) {
        uint32_t *tp = c->bnd; size_t tc = c->cap_bnd;
        c->bnd = c->sent, c->cap_bnd = c->cap_sent;
        c->sent = tp, c->cap_sent = tc;
    } else {
        if (mc_grow((void **)&c->bnd, &c->cap_bnd, nt + 2 * c->n_hdr + 1, sizeof *c->bnd)) return -1;
        uint32_t *out = c->bnd;
        size_t a = 0, p = 0, np = 2 * c->n_hdr;
        nb = 0;
        while (a < nsent || p < np) {
            uint32_t v;
            if (p >= np || (a < nsent && sent[a] <= (p & 1 ? c->tm[c->hdr[p >> 1]].b : c->tm[c->hdr[p >> 1]].a))) v = sent[a++];
            else { v = p & 1 ? c->tm[c->hdr[p >> 1]].b : c->tm[c->hdr[p >> 1]].a; p++; }
            if (v >= nt) continue;               /* a header ending the record starts nothing */
            if (nb && out[nb - 1] == v) continue; /* a header point on a sentence start */
            out[nb++] = v;
        }
    }
    c->n_bnd = nb;
    return 0;
}

typedef struct { int val; uint32_t dist; int32_t trig; int weak; } pick;

/* The nearest trigger decides; a weak historical never replaces a strong one of the
 * same axis value ("history of hypertension, CAD status post CABG": CAD is historical). */
static void consider(pick *p, int val, uint32_t dist, int32_t trig, int weak)
{
    if (p->val < 0 || dist < p->dist) {
        int strong = p->val == val && !p->weak;
        p->val = val, p->dist = dist;
        if (!strong) p->trig = trig, p->weak = weak;
    } else if (p->val == val && p->weak && !weak) {
        p->trig = trig, p->weak = 0;
    }
}

/* weak: the result on the temporality axis is a weak historical (mc_ctx_axes.h) */
static void apply_trigger(const tmatch *x, uint32_t dist, int weak, pick *neg, pick *temp, pick *exp)
{
    weak |= (x->flags & TM_WEAK) != 0;
    switch (x->cat) {
    case MC_CTX_NEGATED: consider(neg, MC_NEG_NEGATED, dist, x->trig, 0); break;
    case MC_CTX_POSSIBLE: consider(neg, MC_NEG_POSSIBLE, dist, x->trig, 0); break;
    case MC_CTX_HYPOTHETICAL: consider(temp, MC_TEMP_HYPOTHETICAL, dist, x->trig, 0); break;
    case MC_CTX_HISTORICAL: consider(temp, MC_TEMP_HISTORICAL, dist, x->trig, weak); break;
    case MC_CTX_FAMILY:
        consider(exp, MC_EXP_OTHER, dist, x->trig, 0);
        /* "family history of X": a statement about the past of the relatives */
        if (x->sect == MC_SECT_FAMILY_HISTORY) consider(temp, MC_TEMP_HISTORICAL, dist, x->trig, 0);
        break;
    default: break;
    }
}

static int in_window(const tmatch *x, uint32_t dist)
{
    return x->window ? dist <= x->window : dist <= MC_CTX_MAX_SCOPE;
}

void mc_context_assert(const mc_dict *d, const mc_tokens *t, mc_mention *ms, size_t n, mc_ctx_scratch *c)
{
    c->n_ax = 0;
    if (mc_grow((void **)&c->ax, &c->cap_ax, n ? n : 1, sizeof *c->ax) || scan_triggers(d, t, c)) {
        /* out of memory: leave every mention affirmed rather than fail the record */
        for (size_t k = 0; k < n; k++) {
            ms[k].assertion = MC_ASSERT_AFFIRMED;
            ms[k].section = MC_SECT_NONE;
            ms[k].trigger = -1;
        }
        c->n = c->n_hdr = c->n_bnd = 0;
        return;
    }
    size_t hp = 0, bp = 0, tp = 0;
    uint32_t last_start = 0;
    for (size_t k = 0; k < n; k++) {
        mc_mention *m = &ms[k];
        uint32_t ms0 = m->tok_start, ms1 = m->tok_end > ms0 ? m->tok_end : ms0 + 1;
        if (ms0 < last_start) hp = bp = tp = 0; /* not in text order: restart the sweeps */
        last_start = ms0;
        /* section: the last header that ends at or before the mention */
        while (hp < c->n_hdr && c->tm[c->hdr[hp]].b <= ms0) hp++;
        const tmatch *hx = hp ? &c->tm[c->hdr[hp - 1]] : NULL;
        int section = hx ? d->triggers[hx->trig].section : MC_SECT_NONE;
        /* segment [s0, s1) around the mention */
        while (bp + 1 < c->n_bnd && c->bnd[bp + 1] <= ms0) bp++;
        uint32_t s0 = c->n_bnd ? c->bnd[bp] : 0;
        uint32_t s1 = bp + 1 < c->n_bnd ? c->bnd[bp + 1] : (uint32_t)t->n;
        while (tp < c->n && c->tm[tp].a < ms1) tp++;

        pick neg = {-1, 0, -1, 0}, temp = {-1, 0, -1, 0}, exp = {-1, 0, -1, 0};
        unsigned blocked = 0;
        int32_t habit = -1; /* a habit / allergy phrase inside the mention's span */
        for (size_t q = tp; q-- > 0;) { /* triggers before the mention, nearest first */
            const tmatch *x = &c->tm[q];
            if (x->b > ms0) { /* inside or overlapping the mention */
                if ((x->flags & TM_HABIT) && x->a >= ms0 && x->b <= ms1) habit = x->trig;
                continue;
            }
            if (x->a < s0) break;
            uint32_t dist = ms0 - x->b;
            if (dist > MC_CTX_MAX_SCOPE) break;
            if (x->mask) { blocked |= x->mask; continue; }
            if (!x->cat || x->cat > MC_CTX_FAMILY || !(x->dir & MC_DIR_FORWARD)) continue;
            if ((blocked & CAT_BIT(x->cat)) || !in_window(x, dist)) continue;
            apply_trigger(x, dist, 0, &neg, &temp, &exp);
        }
        blocked = 0;
        for (size_t q = tp; q < c->n; q++) { /* triggers after the mention */
            const tmatch *x = &c->tm[q];
            if (x->a >= s1) break;
            uint32_t dist = x->a - ms1;
            if (dist > MC_CTX_MAX_SCOPE) break;
            if (x->mask) { blocked |= x->mask; continue; }
            if (!x->cat || x->cat > MC_CTX_FAMILY) continue;
            if (!(x->dir & MC_DIR_BACKWARD)) {
                /* "Crohn's, status post ileocecal resection": the adjacent target only,
                 * not across a semicolon (a list separator) */
                if ((x->dir & MC_DIR_ADJACENT) && dist == 0 && !(t->tok[x->a].flags & MC_TOK_SEMI))
                    apply_trigger(x, dist, 1, &neg, &temp, &exp);
                continue;
            }
            if ((blocked & CAT_BIT(x->cat)) || !in_window(x, dist)) continue;
            apply_trigger(x, dist, 0, &neg, &temp, &exp);
        }

        mc_ctx_axes *a = &c->ax[c->n_ax++];
        a->negation = (uint8_t)(neg.val < 0 ? MC_NEG_AFFIRMED : neg.val);
        a->temporality = (uint8_t)(temp.val < 0 ? MC_TEMP_RECENT : temp.val);
        a->experiencer = (uint8_t)(exp.val < 0 ? MC_EXP_PATIENT : exp.val);
        a->neg_trigger = neg.trig;
        a->temp_trigger = temp.trig;
        a->exp_trigger = exp.trig;
        a->weak = (uint8_t)(temp.val == MC_TEMP_HISTORICAL && temp.weak);
        int32_t sect_trig = hx ? hx->trig : -1;
        /* a history section makes a weak historical strong */
        if (section == MC_SECT_FAMILY_HISTORY) {
            if (exp.val < 0) a->experiencer = MC_EXP_OTHER, a->exp_trigger = sect_trig;
            if (temp.val < 0) a->temporality = MC_TEMP_HISTORICAL, a->temp_trigger = sect_trig;
            a->weak = 0;
        } else if (section == MC_SECT_PMH || section == MC_SECT_PSH) {
            if (temp.val < 0) a->temporality = MC_TEMP_HISTORICAL, a->temp_trigger = sect_trig;
            a->weak = 0;
        } else if (section == MC_SECT_SOCIAL_HISTORY || section == MC_SECT_ALLERGIES) {
            if (temp.val < 0) a->temporality = MC_TEMP_HISTORICAL, a->temp_trigger = sect_trig, a->weak = 1;
        }
        /* the target names a habit or an allergy ("drinks alcohol", "drug allergies"):
         * begun in the past (ConText), a current status for coding (weak) */
        if (habit >= 0 && a->temporality == MC_TEMP_RECENT && temp.val < 0)
            a->temporality = MC_TEMP_HISTORICAL, a->temp_trigger = habit, a->weak = 1;

        /* collapse: negated > hypothetical > other > possible > historical > affirmed */
        int as = MC_ASSERT_AFFIRMED;
        int32_t tr = -1;
        if (a->negation == MC_NEG_NEGATED) as = MC_ASSERT_NEGATED, tr = a->neg_trigger;
        else if (a->temporality == MC_TEMP_HYPOTHETICAL) as = MC_ASSERT_HYPOTHETICAL, tr = a->temp_trigger;
        else if (a->experiencer == MC_EXP_OTHER) as = MC_ASSERT_FAMILY, tr = a->exp_trigger;
        else if (a->negation == MC_NEG_POSSIBLE) as = MC_ASSERT_POSSIBLE, tr = a->neg_trigger;
        else if (a->temporality == MC_TEMP_HISTORICAL && !a->weak) as = MC_ASSERT_HISTORICAL, tr = a->temp_trigger;
        m->assertion = (uint8_t)as;
        m->trigger = tr;
        m->section = (uint8_t)section;
    }
}
