/* mc_guard.c — context guards on single-word terms (see mc_guard.h). */
#include "mc_guard.h"
#include "mc_build.h"
#include <string.h>

/* A word list entry: length first, so most entries are passed over on one compare. */
typedef struct { unsigned char n; char s[15]; } mc_word;
#define W(str) {sizeof(str) - 1, str}

/* Nouns that turn a preceding diagnosis word into a modifier (normalised: lower case,
 * simple plural dropped). */
static const mc_word modified_heads[] = {
    W("marker"), W("size"), W("volume"), W("test"), W("testing"), W("screening"), W("score"),
    W("scale"), W("prophylaxis"), W("protocol"), W("unit"), W("clinic"), W("service"), W("team"),
    W("ward"), W("department"), W("specialist"), W("board"), W("workup"), W("panel"),
    W("threshold"), W("prevention"), W("precaution"), W("vaccine"), W("vaccination"),
    W("registry"),
    {0, ""}};

/* Words before a neoplasm noun that make an unspecified-site code right: personal or
 * family history of cancer is coded without a site (Z85.9, Z80.9). */
static const mc_word history_words[] = {
    W("history"), W("hx"), W("pmh"), W("pmhx"), W("fhx"), W("fh"), W("family"),
    {0, ""}};

static int tok_is(const mc_tokens *t, size_t k, const mc_word *list)
{
    const char *w = t->norm + t->tok[k].norm;
    size_t n = t->tok[k].norm_len;
    for (int i = 0; list[i].n; i++)
        if (list[i].n == n && list[i].s[0] == w[0] && memcmp(list[i].s, w, n) == 0) return 1;
    return 0;
}

static int after_history(const mc_tokens *t, size_t i)
{
    for (size_t k = i, back = 0; k > 0 && back < 4; back++) {
        if (t->tok[k].flags & MC_TOK_SENT) break;
        k--;
        if (tok_is(t, k, history_words)) return 1;
    }
    return 0;
}

/* English function words: written in capitals next to an abbreviation, they show the
 * text itself is in capitals, where upper case says nothing about an abbreviation. */
static const mc_word caps_words[] = {
    W("the"), W("and"), W("with"), W("of"), W("for"), W("to"), W("is"), W("was"), W("on"), W("in"),
    W("at"), W("by"), W("as"), W("has"), W("had"), W("no"), W("not"), W("or"), W("from"), W("are"),
    W("were"),
    {0, ""}};

static int shouted(const mc_tokens *t, size_t i)
{
    for (size_t k = i > 3 ? i - 3 : 0; k < t->n && k <= i + 3; k++) {
        if (k == i) continue;
        if ((k < i && (t->tok[k + 1].flags & MC_TOK_SENT)) || (k > i && (t->tok[k].flags & MC_TOK_SENT))) continue;
        if ((t->tok[k].flags & MC_TOK_UPPER) && tok_is(t, k, caps_words)) return 1;
    }
    return 0;
}

int mc_guard_single(const mc_dict *d, const mc_tokens *t, size_t i, const char *text, const mc_fterm *ft)
{
    (void)text;
    uint32_t ck = ft->target < d->n_codes ? d->code_key[ft->target] : 0; /* classes: trie/mc_trie.h */
    int official = ft->source >= MC_SRC_INDEX || (ft->flags & MC_TERMF_VARIANT);
    if (ck & MC_CODEK_SZ) {                                                   /* rule 1 */
        if (official) return 0;
        if (ck & MC_CODEK_VZ_HEADER) return 0;
    }
    if ((ck & MC_CODEK_RESIDUAL) && !after_history(t, i)) return 0;          /* rule 2 */
    const mc_token *k = &t->tok[i];
    if (i + 1 < t->n) {                                                      /* rule 3 */
        const mc_token *nx = &t->tok[i + 1];
        if (!(nx->flags & (MC_TOK_SENT | MC_TOK_COMMA | MC_TOK_SEMI | MC_TOK_PAREN)) && !(k->flags & MC_TOK_COLON) &&
            tok_is(t, i + 1, modified_heads))
            return 0;
    }
    if ((ft->flags & MC_TERMF_UPPER) && shouted(t, i)) return 0;            /* rule 5 */
    if (ft->flags & (MC_TERMF_GUARDED | MC_TERMF_VARIANT)) {                 /* rule 4 */
        if (k->flags & MC_TOK_HYPHEN) return 0;
        if (i + 1 < t->n && (t->tok[i + 1].flags & MC_TOK_HYPHEN)) return 0;
        if (i > 0 && (t->tok[i - 1].flags & MC_TOK_NUM) && !(k->flags & (MC_TOK_SENT | MC_TOK_COMMA))) return 0;
    }
    return 1;
}
