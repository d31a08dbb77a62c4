/* mc_import_icd10cm.c — importers for the official ICD-10-CM files: the order file
 * (code set and titles), the Alphabetic Index (XML via expat, or its CSV conversion via
 * libcsv) turned into the phrases clinicians write, and the Tabular List XML (inclusion
 * terms, chapter and section ranges). Every emitted code is checked against the code set
 * already declared in the builder.
 *
 * Index phrase composition (mc_index_compose), by example:
 *   Diabetes, diabetic (mellitus) > type 2 > with > nephropathy
 *       -> "type 2 diabetes with nephropathy", "type 2 diabetes mellitus with nephropathy",
 *          "type 2 diabetic nephropathy"
 *   Pneumonia > aspiration          -> "aspiration pneumonia"
 *   Pneumonia > in (due to) > measles -> "pneumonia in measles", "pneumonia due to measles"
 *   Retinopathy > nonproliferative > mild -> "mild nonproliferative retinopathy"
 *   Fracture, traumatic > femur, femoral > neck -> "traumatic femur neck fracture", "...femoral..."
 *   Aberrant > artery > cerebral    -> "aberrant cerebral artery"
 * Rules: the phrase is a list of chunks with a focus noun phrase (initially the main term).
 *   - a subterm that is only a connector ("with", "due to", "in") is appended and the next
 *     subterm becomes its object (appended, new focus);
 *   - a subterm starting with a connector ("with coma") is appended, its object the focus;
 *   - a subterm containing a connector inside ("resolved following treatment") is appended;
 *   - an adjective-like single word (-al -ic -ous -ary -ive -ile -ful -less -oid -ed, or a
 *     listed adjective) goes first in the focus phrase ("mild nonproliferative retinopathy");
 *   - any other subterm (a noun such as a site or organism) goes just before the focus head
 *     ("traumatic femur fracture"); when the head itself is an adjective-like main term
 *     ("Aberrant") a noun subterm follows it and becomes the focus ("aberrant artery");
 *   - comma forms: a later part sharing its first 4 letters with the head word is a synonym
 *     ("Diabetes, diabetic", "femur, femoral") and gives an alternative head; an adjective
 *     synonym is used only as "<adj> <object>" in place of "<noun> with <object>"; other
 *     parts are modifiers under the same rules ("glomerulosclerosis, intercapillary" ->
 *     "intercapillary glomerulosclerosis");
 *   - nonessential modifiers (parenthesised) are optional: every subset of the first three
 *     groups is emitted (at most 8); groups beginning "see" are dropped; a connector title
 *     with connector modifiers ("in (due to)") gives the connectors as alternatives;
 *   - "NEC" is an index instruction, never text: it is removed.
 *   At most 64 distinct phrases per index entry.
 * Incomplete codes (mc_icd10cm_resolve_incomplete): the candidates are the billable codes
 * under the prefix ("S72.00-" -> S72.00*). One candidate: that code. When every candidate
 * has a 7th character, keep those with 7th character A (initial encounter), or 0 when
 * none has A (not applicable/unspecified: O-codes, coma scale); one left: that code. When
 * the remaining candidates differ in one character after the prefix (placeholders X
 * aside), that character takes the laterality values {1 right, 2 left, [3 bilateral],
 * 9 unspecified}, and the chapter has laterality axes (codes starting C D H I L M N Q S T;
 * "E11.21/22/29" is not a side), the unspecified side (9); in the solid-neoplasm blocks
 * (C00-C80, D00-D49) the values may be {0 unspecified, 1, 2[, 3]} ("C34.9-" -> C34.90;
 * checked against the FY2026 titles: every such 0 code says "unspecified"), while in
 * C90-C95 0 means "not having achieved remission" and is never picked. A structural
 * rule: with code titles it could also check "right"/"left"/"unspecified". Otherwise
 * unresolved: counted and skipped.
 * A code that exists but is a header is resolved by the same rule, else kept with
 * MC_TERMF_CATEGORY. A see-reference entry without a code takes the code of its target
 * ("Pneumonia, broncho" = main term Pneumonia, subterm broncho; the longest comma prefix
 * that names a main term wins) when the target has exactly one (resolved) code.
 * Single words: a short stoplist of index words that never name a diagnosis alone in
 * running text is skipped (mc_single_word_stop, shared with the variants); other single
 * words of 5 letters or fewer, or adjective-like, or in guard_single, carry
 * MC_TERMF_GUARDED (the scanner's guards: engine/match/mc_guard.h).
 * Not emitted at all (index_phrase_ok, index and inclusion terms): a phrase ending in a
 * connector ("Examination of"), and an examination/investigation encounter code
 * (Z00-Z13) from a phrase that does not say encounter, admission or screening
 * ("laboratory test" is a procedure, not the reason for the encounter).
 */
#include "mc_import_icd10cm.h"
#include "mc_variants.h"
#include "common/mc_strmap.h"
#include "common/mc_util.h"
#include <csv.h>
#include <ctype.h>
#include <expat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PHRASE_MAX 256   /* longest phrase emitted (bytes) */
#define MAX_PHRASES 64   /* per index entry */

/* Bounded copy: truncates, always terminates. */
static void scpy(char *d, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(d, s, n);
    d[n] = 0;
}

/* d = a + sep + b; returns -1 (d empty) when it does not fit. */
static int sjoin(char *d, size_t cap, const char *a, const char *sep, const char *b)
{
    size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
    if (na + ns + nb + 1 > cap) {
        d[0] = 0;
        return -1;
    }
    memcpy(d, a, na);
    memcpy(d + na, sep, ns);
    memcpy(d + na + ns, b, nb + 1);
    return 0;
}

/* ------------------------------------------------------------------ code set */

typedef struct {
    char c[9];           /* undotted, upper case */
    unsigned char bill;
} codeent;

typedef struct {
    codeent *v;
    size_t n, cap;
    int oom;
} codeset;

static void undot(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++)
        if (isalnum((unsigned char)*in)) out[k++] = (char)toupper((unsigned char)*in);
    out[k] = 0;
}

static void dot(const char *undotted, char *out, size_t cap)
{
    size_t n = strlen(undotted);
    if (n <= 3)
        scpy(out, cap, undotted);
    else
        snprintf(out, cap, "%.3s.%s", undotted, undotted + 3);
}

static void codeset_cb(void *ud, const char *code, int billable)
{
    codeset *cs = ud;
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 4096;
        codeent *v = realloc(cs->v, cap * sizeof *v);
        if (!v) {
            cs->oom = 1;
            return;
        }
        cs->v = v;
        cs->cap = cap;
    }
    undot(code, cs->v[cs->n].c, sizeof cs->v[cs->n].c);
    cs->v[cs->n].bill = billable ? 1 : 0;
    cs->n++;
}

static int codeent_cmp(const void *a, const void *b)
{
    return strcmp(((const codeent *)a)->c, ((const codeent *)b)->c);
}

static size_t codeset_lower(const codeent *v, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].c, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const codeent *codeset_find(const codeset *cs, const char *undotted)
{
    size_t i = codeset_lower(cs->v, cs->n, undotted);
    return i < cs->n && strcmp(cs->v[i].c, undotted) == 0 ? &cs->v[i] : NULL;
}

static mc_status codeset_load(codeset *cs, mc_builder *b, const char *path, mc_error *err)
{
    memset(cs, 0, sizeof *cs);
    mc_builder_codes_with_prefix(b, "", codeset_cb, cs);
    if (cs->oom) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    if (cs->n == 0)
        return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0,
                            "no codes declared: import the ICD-10-CM order file first");
    qsort(cs->v, cs->n, sizeof *cs->v, codeent_cmp);
    return MC_OK;
}

/* The incomplete-code rule documented at the top of this file. */
static int resolve_prefix(const codeent *v, size_t n, const char *prefix, char out[16])
{
    char p[9];
    undot(prefix, p, sizeof p);
    size_t L = strlen(p);
    if (L < 3) return 0;
    size_t lo = codeset_lower(v, n, p);
    enum { MAXC = 512 };
    const codeent *cand[MAXC];
    int nc = 0;
    for (size_t i = lo; i < n && strncmp(v[i].c, p, L) == 0; i++) {
        if (!v[i].bill) continue;
        if (nc == MAXC) return 0;
        cand[nc++] = &v[i];
    }
    if (nc == 0) return 0;
    if (nc > 1) {
        int all7 = 1;
        for (int i = 0; i < nc; i++)
            if (strlen(cand[i]->c) != 7) all7 = 0;
        if (all7) {
            for (int pass = 0; pass < 2; pass++) {
                char want = pass == 0 ? 'A' : '0';
                int k = 0;
                for (int i = 0; i < nc; i++)
                    if (cand[i]->c[6] == want) cand[k++] = cand[i];
                if (k) {
                    nc = k;
                    break;
                }
            }
        }
    }
    if (nc > 1) {
        /* laterality: exactly one varying character at position L, the rest X fillers */
        int seen[10] = {0}, pick = -1, zero = -1, other = 0;
        for (int i = 0; i < nc; i++) {
            const char *c = cand[i]->c;
            size_t len = strlen(c);
            if (len == 7 && len > L + 1) len = 6; /* drop the 7th character */
            if (len < L + 1) return 0;
            for (size_t j = L + 1; j < len; j++)
                if (c[j] != 'X') return 0;
            char d = c[L];
            if (d == '1' || d == '2' || d == '3' || d == '9') {
                if (seen[d - '0']++) return 0;
                if (d == '9') pick = i;
            } else if (d == '0' && zero < 0) {
                zero = i;
            } else {
                other = 1;
            }
        }
        /* 0 is the unspecified side in the solid-neoplasm blocks (C00-C80, D00-D49:
         * "C34.90 ... unspecified bronchus or lung"); elsewhere it is another value
         * (C90-C95: "not having achieved remission") */
        if (zero >= 0) {
            int solid = (p[0] == 'C' && (p[1] < '8' || (p[1] == '8' && p[2] == '0'))) ||
                        (p[0] == 'D' && p[1] <= '4');
            if (pick < 0 && solid) pick = zero;
            else other = 1;
        }
        if (other || !seen[1] || !seen[2] || pick < 0) return 0;
        /* 1/2/9 also numbers non-lateral subdivisions ("E11.21/22/29"): only chapters
         * with laterality axes qualify (neoplasms, eye, ear, circulatory, skin,
         * musculoskeletal, genitourinary, congenital, injury) */
        if (!strchr("CDHILMNQST", p[0])) return 0;
        cand[0] = cand[pick];
    }
    dot(cand[0]->c, out, 16);
    return 1;
}

int mc_icd10cm_resolve_incomplete(const char *const *codes, const unsigned char *billable,
                                  int ncodes, const char *prefix, char out[16])
{
    codeent *v = malloc((size_t)(ncodes > 0 ? ncodes : 1) * sizeof *v);
    if (!v) return 0;
    for (int i = 0; i < ncodes; i++) {
        undot(codes[i], v[i].c, sizeof v[i].c);
        v[i].bill = billable[i];
    }
    qsort(v, (size_t)ncodes, sizeof *v, codeent_cmp);
    int r = resolve_prefix(v, (size_t)ncodes, prefix, out);
    free(v);
    return r;
}

/* Outcome of checking a code from the index or tabular against the code set. */
enum { CODE_OK, CODE_HEADER, CODE_RESOLVED, CODE_UNRESOLVED, CODE_ABSENT };

static int check_code(const codeset *cs, const char *raw, char out[16], unsigned *flags)
{
    char p[16];
    size_t k = 0;
    int incomplete = 0;
    for (const char *s = raw; *s && k + 1 < sizeof p; s++) {
        if (*s == '-') incomplete = 1;
        else if (!isspace((unsigned char)*s)) p[k++] = *s;
    }
    while (k && p[k - 1] == '.') k--;
    p[k] = 0;
    char u[9];
    undot(p, u, sizeof u);
    *flags = 0;
    if (strlen(u) < 3) return CODE_ABSENT;
    const codeent *e = codeset_find(cs, u);
    if (e && e->bill) {
        dot(u, out, 16);
        return incomplete ? CODE_RESOLVED : CODE_OK;
    }
    if (!e && !incomplete) {
        /* a code deleted from the release; a code that only lost its 7th-character
         * form ("S72.001" with S72.001A present) is resolved like an incomplete one */
        size_t i = codeset_lower(cs->v, cs->n, u);
        if (i >= cs->n || strncmp(cs->v[i].c, u, strlen(u)) != 0) return CODE_ABSENT;
    }
    if (resolve_prefix(cs->v, cs->n, u, out)) return CODE_RESOLVED;
    if (e && !incomplete) {
        dot(u, out, 16);
        *flags = MC_TERMF_CATEGORY;
        return CODE_HEADER;
    }
    return e || incomplete ? CODE_UNRESOLVED : CODE_ABSENT;
}

/* ------------------------------------------------------------------ text helpers */

static void trim_spaces(char *s)
{
    /* collapse runs of white space, trim both ends and stray commas at the ends */
    char *w = s;
    int sp = 0;
    for (const char *r = s; *r; r++) {
        if (isspace((unsigned char)*r)) {
            sp = 1;
            continue;
        }
        if (sp && w != s) *w++ = ' ';
        sp = 0;
        *w++ = *r;
    }
    *w = 0;
    while (w > s && (w[-1] == ',' || w[-1] == ' ')) *--w = 0;
    size_t lead = 0;
    while (s[lead] == ',' || s[lead] == ' ') lead++;
    if (lead) memmove(s, s + lead, strlen(s + lead) + 1);
}

/* Remove the word NEC (index instruction). */
static void drop_nec(char *s)
{
    char *p = s;
    while ((p = strstr(p, "NEC")) != NULL) {
        int left = p == s || !isalnum((unsigned char)p[-1]);
        int right = !isalnum((unsigned char)p[3]);
        if (left && right)
            memmove(p, p + 3, strlen(p + 3) + 1);
        else
            p += 3;
    }
    trim_spaces(s);
}

/* Lower-case alphanumeric words separated by single spaces. */
static void norm_key(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    int sp = 0;
    for (; *in && k + 2 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == 1 || c == 2) continue;
        if (isalnum(c) || c >= 0x80) {
            if (sp && k) out[k++] = ' ';
            sp = 0;
            out[k++] = (char)tolower(c);
        } else if (c != '\'') {
            sp = 1;
        }
    }
    out[k] = 0;
}

/* Connectors: placed after the focus; what follows them is their object. */
static const char *const connectors[] = {
    "due to or associated with", "associated with", "resulting from", "resulting in",
    "secondary to", "complicated by", "caused by", "related to", "due to", "as cause of",
    "done with intent to harm by", "in the", "with", "without", "in", "of", "from", "by",
    "after", "following", "during", "on", "at", "to", "complicating", "affecting",
    "involving", "for", "as", "into", "within", "between", "under", "over", "through",
    "causing", "not", "except", "via", "and", "or", "including", "but", "than", "when",
    "because of", "induced by", "following", NULL};

/* Length of the connector that s starts with (word boundary), 0 if none. */
static size_t starts_conn(const char *s)
{
    for (int i = 0; connectors[i]; i++) {
        size_t k = strlen(connectors[i]);
        if (strncasecmp(s, connectors[i], k) == 0 && (s[k] == 0 || s[k] == ' ')) return k;
    }
    return 0;
}

static int is_conn_only(const char *s) { size_t k = starts_conn(s); return k && s[k] == 0; }

static int ends_conn(const char *s)
{
    size_t n = strlen(s);
    for (int i = 0; connectors[i]; i++) {
        size_t k = strlen(connectors[i]);
        if (n >= k && strcasecmp(s + n - k, connectors[i]) == 0 && (n == k || s[n - k - 1] == ' '))
            return 1;
    }
    return 0;
}

/* A connector word inside (not first): "resolved following treatment". "and"/"or" do not
 * count ("hip or other joint" stays a modifier). */
static int has_inner_conn(const char *s)
{
    const char *p = strchr(s, ' ');
    while (p) {
        p++;
        size_t k = starts_conn(p);
        if (k && strncasecmp(p, "and", 3) != 0 && strncasecmp(p, "or ", 3) != 0 &&
            !(strncasecmp(p, "or", 2) == 0 && p[2] == 0))
            return 1;
        p = strchr(p, ' ');
    }
    return 0;
}

static const char *const adj_words[] = {
    "acute", "chronic", "mild", "moderate", "severe", "aberrant", "absent", "abnormal",
    "benign", "malignant", "recurrent", "persistent", "pregnant", "dependent", "complete",
    "incomplete", "simple", "complex", "open", "closed", "late", "early", "old", "new",
    "high", "low", "adult", "juvenile", "senile", "multiple", "single", "partial", "total",
    "mixed", "other", "left", "right", "deep", "upper", "lower", "major", "minor", "primary",
    "secondary", "bilateral", "unilateral", "obese", "infantile", "latent", "intermittent",
    "frequent", "resistant", "transient", "recent", "deficient", "excessive", "small", "large",
    "short", "long", "hard", "soft", "dry", "wet", "hot", "cold", "stable", "unstable",
    "idiopathic", "essential", "malignant", "urgent", "silent", "asymptomatic", NULL};
static const char *const noun_exceptions[] = {
    "colic", "tic", "panic", "arsenic", "canal", "hospital", "animal", "clinic", "metal",
    "crystal", "signal", "trial", "vial", "medical", "mechanical", "chemical", "tubercle",
    "missile", "profile", "textile", "reptile", "narcotic", "antibiotic", "capillary",
    "mammary", "bed", "need", "seed", "feed", "speed", NULL};

static int in_list(const char *const *list, const char *w)
{
    for (int i = 0; list[i]; i++)
        if (strcasecmp(list[i], w) == 0) return 1;
    return 0;
}

static int is_adj(const char *s)
{
    if (strchr(s, ' ')) return 0;
    if (in_list(noun_exceptions, s)) return 0;
    if (in_list(adj_words, s)) return 1;
    size_t n = strlen(s);
    if (n < 5) return 0;
    static const char *const suf[] = {"al", "ic", "ous", "ary", "ive", "ile", "ful", "less",
                                      "oid", "ed", "ular", "eal", NULL};
    for (int i = 0; suf[i]; i++) {
        size_t k = strlen(suf[i]);
        if (n > k + 2 && strcasecmp(s + n - k, suf[i]) == 0) return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ composition */

#define MAXCH 24
typedef struct {
    char ch[MAXCH][PHRASE_MAX];
    int n;
    int fstart, fhead;   /* focus noun phrase: first chunk and head chunk */
    int pending;         /* last chunk is a connector waiting for its object */
    int adjsyn;          /* head is an adjective synonym: "with" gets dropped once */
    int adjsyn_used;
    int bad;
} phr;

static void ph_init(phr *p, const char *head, int adjsyn)
{
    memset(p, 0, sizeof *p);
    scpy(p->ch[0], PHRASE_MAX, head);
    p->n = 1;
    p->adjsyn = adjsyn;
}

static int ph_append(phr *p, const char *s)
{
    if (p->n == MAXCH) return p->bad = 1, -1;
    scpy(p->ch[p->n], PHRASE_MAX, s);
    return p->n++;
}

static void ph_insert(phr *p, int at, const char *s)
{
    if (p->n == MAXCH) {
        p->bad = 1;
        return;
    }
    memmove(p->ch[at + 1], p->ch[at], (size_t)(p->n - at) * PHRASE_MAX);
    scpy(p->ch[at], PHRASE_MAX, s);
    p->n++;
}

static void ph_object(phr *p, const char *s)
{
    int i = ph_append(p, s);
    if (i < 0) return;
    p->fstart = p->fhead = i;
    p->pending = ends_conn(s);
}

static void ph_apply(phr *p, const char *m, int force_noun)
{
    if (!*m) return;
    if (p->adjsyn && !p->adjsyn_used) {
        /* "diabetic" + with + X -> "diabetic X"; anything else before "with" is a
         * pre-modifier; any other connector abandons the alternative. */
        if (strcasecmp(m, "with") == 0) {
            p->adjsyn_used = 1;
            p->pending = 1;
            return;
        }
        if (starts_conn(m) || has_inner_conn(m) || ends_conn(m)) {
            p->bad = 1;
            return;
        }
        ph_insert(p, p->fstart, m);
        p->fhead++;
        return;
    }
    if (is_conn_only(m)) {
        ph_append(p, m);
        p->pending = 1;
        return;
    }
    if (p->pending) {
        ph_object(p, m);
        return;
    }
    size_t k = starts_conn(m);
    if (k) {
        char c[PHRASE_MAX];
        snprintf(c, sizeof c, "%.*s", (int)k, m);
        ph_append(p, c);
        const char *rest = m + k;
        while (*rest == ' ') rest++;
        if (*rest)
            ph_object(p, rest);
        else
            p->pending = 1;
        return;
    }
    if (has_inner_conn(m) || ends_conn(m)) {
        ph_append(p, m);
        p->pending = ends_conn(m);
        return;
    }
    int adj = is_adj(m) && !force_noun;
    if (is_adj(p->ch[p->fhead]) && !adj) {
        int i = ph_append(p, m); /* "aberrant" + "artery" -> "aberrant artery" */
        if (i >= 0) p->fstart = p->fhead = i;
        return;
    }
    if (adj) {
        ph_insert(p, p->fstart, m);
    } else {
        ph_insert(p, p->fhead, m);
    }
    p->fhead++;
}

static void ph_join(const phr *p, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < p->n; i++) {
        if (!p->ch[i][0]) continue;
        int w = snprintf(out + k, cap - k, "%s%s", k ? " " : "", p->ch[i]);
        if (w < 0 || (size_t)w >= cap - k) {
            out[0] = 0;
            return;
        }
        k += (size_t)w;
    }
}

/* Alternatives of one title. */
#define MAXALT 12
typedef struct {
    char s[MAXALT][PHRASE_MAX];
    unsigned char adjsyn[MAXALT]; /* main: adjective synonym; subterm: place as a noun */
    int n;
    char mods[8][PHRASE_MAX]; /* main term only: comma parts applied after the head */
    int nmods;
} alts;

static void alts_add(alts *a, const char *s, int adjsyn)
{
    if (a->n == MAXALT || !*s) return;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->s[i], s) == 0 && a->adjsyn[i] == adjsyn) return;
    scpy(a->s[a->n], PHRASE_MAX, s);
    a->adjsyn[a->n] = (unsigned char)adjsyn;
    a->n++;
}

/* Expand nonessential modifiers (\x01 ... \x02 segments holding "(a) (b)" groups).
 * With up to 3 groups every subset is emitted; with more, none and each group alone
 * (never more than 8 forms). A group that is one adjective-like word goes before the word
 * it follows ("Hypertension (essential)" -> "essential Hypertension"); a group starting
 * with "-" is glued to it ("Abasia (-astasia)" -> "Abasia-astasia"); others follow it. */
#define MAXGRP 8
static void expand_nemod(const char *raw, alts *out)
{
    char base[PHRASE_MAX * 2];
    char grp[MAXGRP][PHRASE_MAX];
    int glue[MAXGRP], pre[MAXGRP], gpos[MAXGRP], wpos[MAXGRP], ng = 0;
    size_t bk = 0;
    const char *s = raw;
    while (*s && bk + 1 < sizeof base) {
        if (*s != 1) {
            if (*s != 2) base[bk++] = *s;
            s++;
            continue;
        }
        s++;
        const char *end = strchr(s, 2);
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *q = s, *qe = s + len;
        /* where the preceding word starts (for pre-placed adjectives) */
        size_t e = bk;
        while (e && base[e - 1] == ' ') e--;
        size_t w = e;
        while (w && base[w - 1] != ' ') w--;
        while (q < qe) {
            while (q < qe && (*q == ' ' || *q == ',')) q++;
            if (q >= qe) break;
            const char *gs, *ge;
            if (*q == '(') {
                int depth = 0;
                const char *r = q;
                for (; r < qe; r++) {
                    if (*r == '(') depth++;
                    else if (*r == ')' && --depth == 0) break;
                }
                gs = q + 1;
                ge = r < qe ? r : qe;
                q = r < qe ? r + 1 : qe;
            } else {
                gs = q;
                const char *r = memchr(q, '(', (size_t)(qe - q));
                ge = r ? r : qe;
                q = ge;
            }
            while (gs < ge && *gs == ' ') gs++;
            while (ge > gs && ge[-1] == ' ') ge--;
            if (ge == gs || (ge - gs >= 4 && strncasecmp(gs, "see ", 4) == 0)) continue;
            if (ng < MAXGRP && ge - gs < PHRASE_MAX) {
                snprintf(grp[ng], PHRASE_MAX, "%.*s", (int)(ge - gs), gs);
                glue[ng] = *gs == '-';
                pre[ng] = !glue[ng] && e > w && is_adj(grp[ng]);
                gpos[ng] = (int)e;
                wpos[ng] = (int)w;
                ng++;
            }
        }
        s = end ? end + 1 : s + len;
    }
    base[bk] = 0;
    /* connector title with connector modifiers: alternatives, not additions */
    char bt[PHRASE_MAX];
    scpy(bt, sizeof bt, base);
    trim_spaces(bt);
    if (ng && is_conn_only(bt)) {
        int allconn = 1;
        for (int g = 0; g < ng; g++)
            if (!is_conn_only(grp[g])) allconn = 0;
        if (allconn) {
            alts_add(out, bt, 0);
            for (int g = 0; g < ng; g++) alts_add(out, grp[g], 0);
            return;
        }
    }
    int nmask = ng <= 3 ? 1 << ng : ng + 1;
    for (int mi = 0; mi < nmask; mi++) {
        unsigned mask = ng <= 3 ? (unsigned)mi : (mi ? 1u << (mi - 1) : 0u);
        char o[PHRASE_MAX * 3];
        size_t k = 0;
        int over = 0;
        for (size_t i = 0; i <= bk && !over; i++) {
            for (int g = 0; g < ng; g++) /* groups after the text before i */
                if ((mask >> g & 1) && !pre[g] && (size_t)gpos[g] == i) {
                    size_t gl = strlen(grp[g]);
                    if (k + gl + 3 >= sizeof o) { over = 1; break; }
                    if (!glue[g]) o[k++] = ' ';
                    memcpy(o + k, grp[g], gl);
                    k += gl;
                    o[k++] = ' ';
                }
            for (int g = 0; g < ng; g++) /* adjectives before the word starting at i */
                if ((mask >> g & 1) && pre[g] && (size_t)wpos[g] == i) {
                    size_t gl = strlen(grp[g]);
                    if (k + gl + 2 >= sizeof o) { over = 1; break; }
                    memcpy(o + k, grp[g], gl);
                    k += gl;
                    o[k++] = ' ';
                }
            if (i < bk && k + 2 < sizeof o) o[k++] = base[i];
        }
        if (over) continue;
        o[k] = 0;
        /* a glued group leaves "Abasia -astasia": join it */
        for (char *h = strstr(o, " -"); h; h = strstr(h, " -")) memmove(h, h + 1, strlen(h));
        drop_nec(o);
        if (strlen(o) < PHRASE_MAX) alts_add(out, o, 0);
    }
}

/* Split on commas outside nemod segments. Returns the number of parts (<= 8). */
static int split_commas(const char *s, char parts[8][PHRASE_MAX])
{
    int n = 0, inmod = 0;
    size_t k = 0;
    for (;; s++) {
        if (*s == 1) inmod = 1;
        if (*s == 2) inmod = 0;
        if (*s == 0 || (*s == ',' && !inmod)) {
            parts[n][k] = 0;
            if (n < 7) n++;
            else break;
            k = 0;
            if (*s == 0) break;
            continue;
        }
        if (k + 1 < PHRASE_MAX) parts[n][k++] = *s;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        char t[PHRASE_MAX];
        scpy(t, sizeof t, parts[i]);
        trim_spaces(t);
        if (t[0]) scpy(parts[m++], PHRASE_MAX, t);
    }
    return m;
}

static void strip_markers(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    int inmod = 0;
    for (; *in && k + 1 < cap; in++) {
        if (*in == 1) inmod = 1;
        else if (*in == 2) inmod = 0;
        else if (!inmod) out[k++] = *in;
    }
    out[k] = 0;
    trim_spaces(out);
}

static const char *last_word(const char *s)
{
    const char *p = strrchr(s, ' ');
    return p ? p + 1 : s;
}

/* Synonym forms share their first 4 letters ("diabetes"/"diabetic"), or 3 when both
 * words have 5 letters or more ("femur"/"femoral", "symptoms"/"syndrome"). */
static int shares_stem(const char *a, const char *b)
{
    int i = 0;
    while (a[i] && b[i] && tolower((unsigned char)a[i]) == tolower((unsigned char)b[i])) i++;
    return i >= 4 || (i == 3 && strlen(a) >= 5 && strlen(b) >= 5);
}

/* Alternatives of one title: heads (synonyms), each with nemod expansions, composed with
 * the title's other comma parts. is_main: adjective synonyms are flagged (adjsyn). */
static void title_alts(const char *raw, int is_main, alts *out)
{
    char parts[8][PHRASE_MAX];
    int np = split_commas(raw, parts);
    out->n = 0;
    if (np == 0) return;
    /* "due to, caused by cataclysm": alternative connectors */
    char p0[PHRASE_MAX];
    strip_markers(parts[0], p0, sizeof p0);
    if (np == 2 && is_conn_only(p0) && starts_conn(parts[1])) {
        char rest[PHRASE_MAX];
        strip_markers(parts[1] + starts_conn(parts[1]), rest, sizeof rest);
        char a[PHRASE_MAX * 2 + 2];
        sjoin(a, sizeof a, p0, " ", rest);
        drop_nec(a);
        if (strlen(a) < PHRASE_MAX) alts_add(out, a, 0);
        strip_markers(parts[1], a, sizeof a);
        drop_nec(a);
        alts_add(out, a, 0);
        return;
    }
    char head_marked[PHRASE_MAX * 2];
    scpy(head_marked, sizeof head_marked, parts[0]);
    char syn[8][PHRASE_MAX];
    int nsyn = 0;
    char mods[8][PHRASE_MAX];
    int nmods = 0;
    const char *hw = last_word(p0);
    if (!is_main && np > 1 && (starts_conn(p0) || has_inner_conn(p0))) {
        /* "due to Vibrio cholerae 01, biovar cholerae": a prepositional phrase keeps its
         * order; the commas go */
        char a[PHRASE_MAX];
        strip_markers(parts[0], a, sizeof a);
        for (int i = 1; i < np; i++) {
            char t[PHRASE_MAX], j[PHRASE_MAX];
            strip_markers(parts[i], t, sizeof t);
            if (sjoin(j, sizeof j, a, " ", t) == 0) scpy(a, sizeof a, j);
        }
        drop_nec(a);
        alts_add(out, a, 0);
        return;
    }
    for (int i = 1; i < np; i++) {
        char t[PHRASE_MAX];
        strip_markers(parts[i], t, sizeof t);
        if (!strchr(t, ' ') && shares_stem(hw, t)) {
            scpy(syn[nsyn++], PHRASE_MAX, t);
            /* its nonessential modifiers belong to the head */
            const char *m = strchr(parts[i], 1);
            if (m && strlen(head_marked) + strlen(m) + 2 < sizeof head_marked) {
                strcat(head_marked, " ");
                strcat(head_marked, m);
            }
        } else {
            drop_nec(t);
            if (t[0]) scpy(mods[nmods++], PHRASE_MAX, t);
        }
    }
    alts heads;
    heads.n = 0;
    expand_nemod(head_marked, &heads);
    int nheads = heads.n;
    char hstem[PHRASE_MAX];
    size_t plen = strlen(p0) - strlen(hw);
    snprintf(hstem, sizeof hstem, "%.*s", (int)plen, p0);
    int noun_alt = !is_adj(hw);
    for (int i = 0; i < nsyn; i++) {
        char h[PHRASE_MAX];
        if (sjoin(h, sizeof h, hstem, "", syn[i])) continue;
        if (!is_adj(syn[i])) noun_alt = 1;
        alts_add(&heads, h, 0);
    }
    if (is_main) {
        for (int m = 0; m < nmods; m++) scpy(out->mods[m], PHRASE_MAX, mods[m]);
        out->nmods = nmods;
    }
    for (int i = 0; i < heads.n; i++) {
        int adj = i >= nheads && is_adj(last_word(heads.s[i]));
        if (!is_main) adj = 0;
        /* an adjective synonym of a noun head: only "<adj> <object>" (adjsyn) */
        int adjsyn = is_main && adj && noun_alt;
        /* subterm: a synonym of a noun keeps the noun's place ("femur, femoral") */
        if (!is_main) adjsyn = i >= nheads && !is_adj(hw);
        if (nmods == 0 || is_main) {
            alts_add(out, heads.s[i], adjsyn);
            continue;
        }
        phr p;
        ph_init(&p, heads.s[i], 0);
        for (int m = 0; m < nmods; m++) ph_apply(&p, mods[m], 0);
        char j[PHRASE_MAX];
        ph_join(&p, j, sizeof j);
        if (!p.bad && j[0]) alts_add(out, j, adjsyn);
    }
}

typedef struct {
    void (*cb)(void *, const char *);
    void *ud;
    char seen[MAX_PHRASES][PHRASE_MAX];
    int nseen;
    int visits;
    alts *a;     /* per level */
    int n;
} compose_ctx;

static void emit(compose_ctx *c, const char *s)
{
    char t[PHRASE_MAX];
    scpy(t, sizeof t, s);
    trim_spaces(t);
    if (!t[0] || c->nseen == MAX_PHRASES) return;
    for (int i = 0; i < c->nseen; i++)
        if (strcasecmp(c->seen[i], t) == 0) return;
    scpy(c->seen[c->nseen++], PHRASE_MAX, t);
    c->cb(c->ud, t);
}

static void compose_rec(compose_ctx *c, const phr *p, int level)
{
    if (c->nseen == MAX_PHRASES || ++c->visits > 4096) return;
    if (level == c->n) {
        if (p->bad || p->pending || (p->adjsyn && !p->adjsyn_used)) return;
        char j[PHRASE_MAX];
        ph_join(p, j, sizeof j);
        if (j[0]) emit(c, j);
        return;
    }
    for (int i = 0; i < c->a[level].n; i++) {
        phr q = *p;
        ph_apply(&q, c->a[level].s[i], c->a[level].adjsyn[i]);
        if (!q.bad) compose_rec(c, &q, level + 1);
    }
}

int mc_index_compose(const char *const *titles, int n,
                     void (*cb)(void *ud, const char *phrase), void *ud)
{
    if (n <= 0) return 0;
    compose_ctx *c = calloc(1, sizeof *c);
    alts *a = calloc((size_t)n, sizeof *a);
    phr *p = malloc(sizeof *p);
    int r = 0;
    if (!c || !a || !p) goto done;
    c->cb = cb;
    c->ud = ud;
    c->a = a;
    c->n = n;
    for (int i = 0; i < n; i++) title_alts(titles[i], i == 0, &a[i]);
    for (int h = 0; h < a[0].n; h++) {
        ph_init(p, a[0].s[h], a[0].adjsyn[h]);
        for (int m = 0; m < a[0].nmods; m++) ph_apply(p, a[0].mods[m], 0);
        if (!p->bad) compose_rec(c, p, 1);
    }
    r = c->nseen;
done:
    free(c);
    free(a);
    free(p);
    return r;
}

/* ------------------------------------------------------------------ common import bits */

static void set_source_meta(mc_builder *b, const char *name, const char *path, mc_error *err)
{
    char hex[17];
    uint64_t size = 0;
    if (mc_file_digest(path, hex, &size, err) != MC_OK) return;
    char key[64], val[64];
    snprintf(key, sizeof key, "source:%s", name);
    snprintf(val, sizeof val, "%s %llu", hex, (unsigned long long)size);
    mc_builder_set_meta(b, key, val);
}

/* ------------------------------------------------------------------ order file */

mc_status mc_import_icd10cm_order(mc_builder *b, const char *path, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_error_set(err, MC_E_NOTFOUND, path, 0, 0, 0, "cannot open the order file");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    long ncodes = 0, nbill = 0, nshort = 0;
    mc_status st = MC_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        int ok = len >= 78 && line[5] == ' ' && line[13] == ' ' && line[15] == ' ' &&
                 line[76] == ' ' && (line[14] == '0' || line[14] == '1');
        for (int i = 0; ok && i < 5; i++)
            if (!isdigit((unsigned char)line[i])) ok = 0;
        char code[8];
        int k = 0;
        for (int i = 6; ok && i < 13; i++) {
            char c = line[i];
            if (c == ' ') {
                for (int j = i; j < 13; j++)
                    if (line[j] != ' ') ok = 0;
                break;
            }
            if (!isalnum((unsigned char)c)) ok = 0;
            code[k++] = (char)toupper((unsigned char)c);
        }
        code[k] = 0;
        if (ok && k < 3) ok = 0;
        if (!ok) {
            st = mc_error_set(err, MC_E_DICT_BUILD, path, lineno, 0, 0,
                              "line %llu: malformed order-file line (expected fixed-width "
                              "order number, code, flag, short and long title)",
                              (unsigned long long)lineno);
            break;
        }
        int billable = line[14] == '1';
        char shorttitle[64];
        memcpy(shorttitle, line + 16, 60);
        shorttitle[60] = 0;
        trim_spaces(shorttitle);
        char *longtitle = line + 77;
        trim_spaces(longtitle);
        if (!longtitle[0]) {
            st = mc_error_set(err, MC_E_DICT_BUILD, path, lineno, 0, 0,
                              "line %llu: empty long title", (unsigned long long)lineno);
            break;
        }
        char dotted[16];
        dot(code, dotted, sizeof dotted);
        unsigned flags = billable ? 0 : MC_TERMF_CATEGORY;
        if ((st = mc_builder_add_code(b, dotted, longtitle, shorttitle[0] ? shorttitle : NULL,
                                      billable)) != MC_OK ||
            (st = mc_builder_add_term(b, dotted, longtitle, MC_SRC_TITLE, flags, NULL)) != MC_OK) {
            mc_error_set(err, st, path, lineno, 0, 0, "line %llu: builder refused code %s",
                         (unsigned long long)lineno, dotted);
            break;
        }
        char k1[PHRASE_MAX * 2], k2[PHRASE_MAX * 2];
        norm_key(longtitle, k1, sizeof k1);
        norm_key(shorttitle, k2, sizeof k2);
        if (k2[0] && strcmp(k1, k2) != 0) {
            if (mc_builder_add_term(b, dotted, shorttitle, MC_SRC_TITLE, flags, NULL) == MC_OK)
                nshort++;
        }
        ncodes++;
        nbill += billable;
    }
    free(line);
    fclose(f);
    if (st != MC_OK) return st;
    if (ncodes == 0)
        return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "the order file has no codes");
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char release[64] = "ICD-10-CM";
    for (const char *p = base; *p; p++)
        if (p[0] == '2' && p[1] == '0' && isdigit((unsigned char)p[2]) &&
            isdigit((unsigned char)p[3]) && !isdigit((unsigned char)p[4]) &&
            (p == base || !isdigit((unsigned char)p[-1]))) {
            snprintf(release, sizeof release, "ICD-10-CM FY%.4s", p);
            break;
        }
    mc_builder_set_meta(b, "release", release);
    set_source_meta(b, "order", path, NULL);
    mc_builder_count(b, "order.codes", ncodes);
    mc_builder_count(b, "order.billable", nbill);
    mc_builder_count(b, "order.headers", ncodes - nbill);
    mc_builder_count(b, "order.short_titles", nshort);
    return MC_OK;
}

/* ------------------------------------------------------------------ index tree */

typedef struct {
    int parent, first_child, last_child, next;
    int level;
    char *title;   /* with \x01..\x02 nemod markers */
    char *code;
    char *see;
    int has_manif;
    char *cell[6];   /* Neoplasm Table: behaviour columns 2..7 (NULL: no cell) */
    char *seealso;   /* Neoplasm Table: see-also reference of a row with codes */
} inode;

typedef struct {
    inode *v;
    int n, cap;
    int oom;
    int stack[16];   /* CSV: last node per level; XML: open nodes */
    int depth;
} itree;

static int itree_add(itree *t, int parent, int level)
{
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 4096;
        inode *v = realloc(t->v, (size_t)cap * sizeof *v);
        if (!v) return t->oom = 1, -1;
        t->v = v;
        t->cap = cap;
    }
    int i = t->n++;
    inode *x = &t->v[i];
    memset(x, 0, sizeof *x);
    x->parent = parent;
    x->first_child = x->last_child = x->next = -1;
    x->level = level;
    if (parent >= 0) {
        inode *p = &t->v[parent];
        if (p->last_child >= 0) t->v[p->last_child].next = i;
        else p->first_child = i;
        p->last_child = i;
    }
    return i;
}

static void itree_free(itree *t)
{
    for (int i = 0; i < t->n; i++) {
        free(t->v[i].title);
        free(t->v[i].code);
        free(t->v[i].see);
        free(t->v[i].seealso);
        for (int k = 0; k < 6; k++) free(t->v[i].cell[k]);
    }
    free(t->v);
}

static char *dup_trim(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    trim_spaces(r);
    return r;
}

/* --- CSV form */
typedef struct {
    itree *t;
    mc_buf f[12];
    int nf;
    long row;
    int header_seen;
    int bad;
    long badrow;
    int neo;         /* Neoplasm Table CSV (11 columns) */
} csvctx;

static void csv_field(void *s, size_t n, void *ud)
{
    csvctx *c = ud;
    if (c->nf < 12) {
        c->f[c->nf].len = 0;
        if (mc_buf_append(&c->f[c->nf], s ? s : "", s ? n : 0)) c->t->oom = 1;
    }
    c->nf++;
}

static void csv_row(int term, void *ud)
{
    csvctx *c = ud;
    int nf = c->nf;
    c->nf = 0;
    c->row++;
    if (c->bad) return;
    /* field positions: index CSV RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code;
     * neoplasm CSV RowID,Level,Term,SeeAlso,NonEssModif,<6 behaviour columns> */
    int o = c->neo ? -1 : 0, need = c->neo ? 11 : 8;
    if (!c->header_seen) {
        c->header_seen = 1;
        if (nf < need || strcmp(c->f[2 + o].data, "Level") != 0 || strcmp(c->f[3 + o].data, "Term") != 0 ||
            (c->neo && strcmp(c->f[5].data, "MalignantPrimary") != 0)) {
            c->bad = 1;
            c->badrow = c->row;
        }
        return;
    }
    if (nf < need) {
        c->bad = 1;
        c->badrow = c->row;
        return;
    }
    char *e;
    long level = strtol(c->f[2 + o].data, &e, 10);
    if (*e || level < 0 || level > 15) {
        c->bad = 1;
        c->badrow = c->row;
        return;
    }
    itree *t = c->t;
    while (t->depth > 0 && t->v[t->stack[t->depth - 1]].level >= level) t->depth--;
    int parent = t->depth ? t->stack[t->depth - 1] : -1;
    if (level > 0 && parent < 0) {
        c->bad = 1;
        c->badrow = c->row;
        return;
    }
    int i = itree_add(t, level == 0 ? -1 : parent, (int)level);
    if (i < 0) return;
    if (t->depth < 16) t->stack[t->depth++] = i;
    inode *x = &t->v[i];
    mc_buf title = {0};
    int nm = c->neo ? 4 : 6; /* NonEssModif */
    mc_buf_append(&title, c->f[3 + o].data, c->f[3 + o].len);
    if (c->f[nm].len) {
        mc_buf_putc(&title, 1);
        mc_buf_append(&title, c->f[nm].data, c->f[nm].len);
        mc_buf_putc(&title, 2);
    }
    x->title = title.data ? title.data : mc_strdup("");
    if (!x->title) t->oom = 1;
    if (c->neo) {
        /* the CSV has one reference column: a see for a row without codes, else see also */
        int any = 0;
        for (int k = 0; k < 6; k++)
            if (c->f[5 + k].len) {
                x->cell[k] = dup_trim(c->f[5 + k].data, c->f[5 + k].len);
                any = 1;
            }
        if (c->f[3].len) {
            char *r = dup_trim(c->f[3].data, c->f[3].len);
            if (any) x->seealso = r;
            else x->see = r;
        }
        return;
    }
    if (c->f[4].len) x->see = dup_trim(c->f[4].data, c->f[4].len);
    if (c->f[7].len) x->code = dup_trim(c->f[7].data, c->f[7].len);
}

static mc_status read_index_csv(itree *t, FILE *f, const char *path, int neo, mc_error *err)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    csvctx c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.neo = neo;
    char buf[65536];
    size_t n;
    mc_status st = MC_OK;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, csv_field, csv_row, &c) != n) {
            st = mc_error_set(err, MC_E_DICT_BUILD, path, (uint64_t)c.row + 1, 0, 0,
                              "index CSV: %s", csv_strerror(csv_error(&p)));
            break;
        }
        if (c.bad || t->oom) break;
    }
    if (st == MC_OK && !c.bad && csv_fini(&p, csv_field, csv_row, &c) != 0)
        st = mc_error_set(err, MC_E_DICT_BUILD, path, (uint64_t)c.row + 1, 0, 0,
                          "index CSV: %s", csv_strerror(csv_error(&p)));
    csv_free(&p);
    for (int i = 0; i < 12; i++) mc_buf_free(&c.f[i]);
    if (st != MC_OK) return st;
    if (t->oom) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    if (c.bad)
        return mc_error_set(err, MC_E_DICT_BUILD, path, (uint64_t)(c.badrow > 1 ? c.badrow - 1 : 0),
                            0, 0,
                            c.badrow == 1 ? (neo ? "neoplasm CSV header must be RowID,Level,Term,SeeAlso,"
                                                   "NonEssModif,MalignantPrimary,MalignantSecondary,"
                                                   "CaInSitu,Benign,UncertainBehavior,UnspecifiedBehavior"
                                                 : "index CSV header must be RowID,Letter,Level,Term,"
                                                   "See,SeeAlso,NonEssModif,Code")
                                          : "CSV row %ld: bad level or field count",
                            c.badrow - 1);
    return MC_OK;
}

/* --- XML form */
enum { XT_NONE, XT_TITLE, XT_CODE, XT_SEE, XT_MANIF, XT_CELL, XT_SEEALSO };
typedef struct {
    itree *t;
    XML_Parser xp;
    int root_ok;
    int stack[32];      /* node index per open mainTerm/term */
    int nst;
    int depth;          /* element depth */
    int node_depth;     /* element depth of the innermost open node element */
    int text;           /* XT_* being collected */
    int text_depth;
    int in_nemod;
    int cell_col;       /* column of the cell being read (2..7) */
    long cells;         /* cells read (Neoplasm Table) */
    mc_buf buf;
} xmlctx;

static void x_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xmlctx *c = ud;
    c->depth++;
    if (c->depth == 1) {
        c->root_ok = strcmp(name, "ICD10CM.index") == 0;
        if (!c->root_ok) XML_StopParser(c->xp, XML_FALSE);
        return;
    }
    if (strcmp(name, "mainTerm") == 0 || strcmp(name, "term") == 0) {
        int level = 0;
        if (name[0] == 't') {
            for (int i = 0; atts[i]; i += 2)
                if (strcmp(atts[i], "level") == 0) level = atoi(atts[i + 1]);
            if (level < 1) level = c->nst;
        }
        int parent = c->nst ? c->stack[c->nst - 1] : -1;
        if (name[0] == 'm') parent = -1;
        int i = itree_add(c->t, parent, level);
        if (i < 0 || c->nst == 32) {
            XML_StopParser(c->xp, XML_FALSE);
            return;
        }
        c->stack[c->nst++] = i;
        c->node_depth = c->depth;
        return;
    }
    if (c->nst && c->depth == c->node_depth + 1 && c->text == XT_NONE) {
        int k = XT_NONE;
        if (strcmp(name, "title") == 0) k = XT_TITLE;
        else if (strcmp(name, "code") == 0) k = XT_CODE;
        else if (strcmp(name, "see") == 0) k = XT_SEE;
        else if (strcmp(name, "manif") == 0) k = XT_MANIF;
        else if (strcmp(name, "seeAlso") == 0) k = XT_SEEALSO;
        else if (strcmp(name, "cell") == 0) {
            c->cell_col = 0;
            for (int i = 0; atts[i]; i += 2)
                if (strcmp(atts[i], "col") == 0) c->cell_col = atoi(atts[i + 1]);
            if (c->cell_col >= 2 && c->cell_col <= 7) k = XT_CELL;
        }
        if (k != XT_NONE) {
            c->text = k;
            c->text_depth = c->depth;
            c->buf.len = 0;
        }
        return;
    }
    if (c->text == XT_TITLE && strcmp(name, "nemod") == 0) {
        mc_buf_putc(&c->buf, 1);
        c->in_nemod = 1;
    }
}

static void x_end(void *ud, const XML_Char *name)
{
    xmlctx *c = ud;
    if (c->text == XT_TITLE && c->in_nemod && strcmp(name, "nemod") == 0) {
        mc_buf_putc(&c->buf, 2);
        c->in_nemod = 0;
    } else if (c->text != XT_NONE && c->depth == c->text_depth) {
        inode *x = &c->t->v[c->stack[c->nst - 1]];
        char *s = dup_trim(c->buf.data ? c->buf.data : "", c->buf.len);
        if (!s) c->t->oom = 1;
        switch (c->text) {
        case XT_TITLE: free(x->title); x->title = s; break;
        case XT_CODE: free(x->code); x->code = s; break;
        case XT_SEE: free(x->see); x->see = s; break;
        case XT_SEEALSO: free(x->seealso); x->seealso = s; break;
        case XT_CELL:
            free(x->cell[c->cell_col - 2]);
            x->cell[c->cell_col - 2] = s;
            c->cells++;
            break;
        default: x->has_manif = 1; free(s); break;
        }
        c->text = XT_NONE;
    } else if (c->nst && c->depth == c->node_depth &&
               (strcmp(name, "mainTerm") == 0 || strcmp(name, "term") == 0)) {
        inode *x = &c->t->v[c->stack[c->nst - 1]];
        if (!x->title) x->title = mc_strdup("");
        c->nst--;
        /* node_depth of the parent node element: each nesting adds exactly one level */
        c->node_depth = c->depth - 1;
    }
    c->depth--;
}

static void x_text(void *ud, const XML_Char *s, int len)
{
    xmlctx *c = ud;
    if (c->text != XT_NONE && mc_buf_append(&c->buf, s, (size_t)len)) c->t->oom = 1;
}

static mc_status read_xml(const char *path, FILE *f, void *ctx, XML_StartElementHandler st,
                          XML_EndElementHandler en, XML_CharacterDataHandler tx,
                          XML_Parser *xpp, mc_error *err)
{
    XML_Parser xp = XML_ParserCreate("UTF-8");
    if (!xp) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    *xpp = xp;
    XML_SetUserData(xp, ctx);
    XML_SetElementHandler(xp, st, en);
    XML_SetCharacterDataHandler(xp, tx);
    char buf[65536];
    mc_status rc = MC_OK;
    for (;;) {
        size_t n = fread(buf, 1, sizeof buf, f);
        int last = n < sizeof buf;
        if (XML_Parse(xp, buf, (int)n, last) == XML_STATUS_ERROR) {
            enum XML_Error e = XML_GetErrorCode(xp);
            if (e != XML_ERROR_ABORTED)
                rc = mc_error_set(err, MC_E_DICT_BUILD, path, (uint64_t)XML_GetCurrentLineNumber(xp),
                                  1, (uint64_t)XML_GetCurrentByteIndex(xp), "XML line %lu: %s",
                                  (unsigned long)XML_GetCurrentLineNumber(xp), XML_ErrorString(e));
            else
                rc = MC_E_INTERNAL; /* caller explains */
            break;
        }
        if (last) break;
    }
    XML_ParserFree(xp);
    *xpp = NULL;
    return rc;
}

/* --- resolution and emission */

typedef struct {
    int node;
    char key[PHRASE_MAX];
} mainkey;

static int mainkey_cmp(const void *a, const void *b)
{
    return strcmp(((const mainkey *)a)->key, ((const mainkey *)b)->key);
}

static void node_key(const inode *x, char *out, size_t cap)
{
    char t[PHRASE_MAX * 2];
    strip_markers(x->title ? x->title : "", t, sizeof t);
    drop_nec(t);
    norm_key(t, out, cap);
}

static int child_by_title(const itree *t, int parent, const char *want)
{
    for (int c = t->v[parent].first_child; c >= 0; c = t->v[c].next) {
        char k[PHRASE_MAX];
        node_key(&t->v[c], k, sizeof k);
        if (strcmp(k, want) == 0) return c;
        /* "femur, femoral" answers to "femur" */
        char parts[8][PHRASE_MAX];
        int np = split_commas(t->v[c].title ? t->v[c].title : "", parts);
        if (np > 1) {
            char k0[PHRASE_MAX];
            norm_key(parts[0], k0, sizeof k0);
            if (strcmp(k0, want) == 0) return c;
        }
    }
    return -1;
}

static int find_main(const mainkey *mk, int nmk, const char *key)
{
    int lo = 0, hi = nmk;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int r = strcmp(mk[mid].key, key);
        if (r == 0) return mk[mid].node;
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* Resolve "Pneumonia, broncho" to a node; -1 if it names nothing. */
static int resolve_see(const itree *t, const mainkey *mk, int nmk, const char *see)
{
    char s[PHRASE_MAX * 2];
    scpy(s, sizeof s, see);
    size_t n = strlen(s);
    while (n && (s[n - 1] == '-' || s[n - 1] == ' ' || s[n - 1] == '.')) s[--n] = 0;
    char parts[8][PHRASE_MAX];
    int np = split_commas(s, parts);
    for (int k = np; k >= 1; k--) {
        char joined[PHRASE_MAX * 2] = "";
        for (int i = 0; i < k; i++) {
            if (strlen(joined) + strlen(parts[i]) + 3 >= sizeof joined) return -1;
            if (i) strcat(joined, ", ");
            strcat(joined, parts[i]);
        }
        char key[PHRASE_MAX];
        norm_key(joined, key, sizeof key);
        int node = find_main(mk, nmk, key);
        if (node < 0) continue;
        for (int i = k; i < np && node >= 0; i++) {
            char pk[PHRASE_MAX];
            norm_key(parts[i], pk, sizeof pk);
            node = child_by_title(t, node, pk);
        }
        if (node >= 0) return node;
    }
    return -1;
}

static const char *const guard_single[] = {
    "mass", "growth", "tumor", "fracture", "pain", "fever", "cold", "burn", "wound",
    "attack", "spell", "fit", "fits", "shock", "block", "stroke", "arrest", "crisis",
    "depression", "anxiety", "discharge", "spasm", "collapse", "fall", NULL};

/* Phrases that are not diagnoses in running text (index and inclusion terms):
 *   - a phrase ending in a connector ("Examination of", "Exposure to", "Allergy to"): a
 *     nonessential modifier kept without its object;
 *   - an encounter code for examination and investigation (Z00-Z13) unless the phrase
 *     says encounter, admission or screening: "laboratory test", "examination of the
 *     abdomen", "radiological examination" describe a procedure done, not the reason
 *     for the encounter. key: the normalised phrase. */
static int index_phrase_ok(const char *code, const char *key)
{
    static const char *const tail[] = {"of", "to", "with", "without", "in", "for", "due to", "by", "from",
                                       "and", "or", "on", "at", "following", "after", NULL};
    size_t n = strlen(key);
    for (int i = 0; tail[i]; i++) {
        size_t k = strlen(tail[i]);
        if (n > k && key[n - k - 1] == ' ' && strcmp(key + n - k, tail[i]) == 0) return 0;
    }
    if (code && code[0] == 'Z' && (code[1] == '0' || (code[1] == '1' && code[2] >= '0' && code[2] <= '3'))) {
        static const char *const say[] = {"encounter", "admission", "screening", NULL};
        char padded[PHRASE_MAX + 2];
        snprintf(padded, sizeof padded, " %s ", key);
        int ok = 0;
        for (int i = 0; say[i] && !ok; i++) {
            char w[32];
            snprintf(w, sizeof w, " %s ", say[i]);
            ok = strstr(padded, w) != NULL;
        }
        if (!ok) return 0;
    }
    return 1;
}

typedef struct {
    mc_builder *b;
    const char *code;
    unsigned flags;
    long phrases, stop, guarded;
    mc_status st;
} emitctx;

static void emit_term(void *ud, const char *phrase)
{
    emitctx *e = ud;
    if (e->st != MC_OK) return;
    char key[PHRASE_MAX];
    norm_key(phrase, key, sizeof key);
    if (!key[0]) return;
    unsigned flags = e->flags;
    if (!index_phrase_ok(e->code, key) || mc_single_word_stop(key)) {
        e->stop++;
        return;
    }
    if (!strchr(key, ' ')) {
        if (mc_single_word_stop(key)) {
            e->stop++;
            return;
        }
        if (strlen(key) <= 5 || is_adj(key) || in_list(guard_single, key)) {
            flags |= MC_TERMF_GUARDED;
            e->guarded++;
        }
    }
    mc_status st = mc_builder_add_term(e->b, e->code, phrase, MC_SRC_INDEX, flags, NULL);
    if (st == MC_OK) e->phrases++;
    else if (st != MC_E_DICT_BUILD) e->st = st; /* empty after normalisation: skip */
}

static mc_status emit_index(mc_builder *b, itree *t, const codeset *cs, const char *path,
                            mc_error *err)
{
    long incomplete_ok = 0, incomplete_bad = 0, header = 0, absent = 0, see_ok = 0,
         see_bad = 0, manif = 0, with_code = 0, too_long = 0;
    emitctx e = {.b = b, .st = MC_OK};

    /* main-term lookup for see references */
    int nmain = 0;
    for (int i = 0; i < t->n; i++) nmain += t->v[i].parent < 0;
    mainkey *mk = malloc((size_t)(nmain ? nmain : 1) * sizeof *mk);
    /* per-node resolved code: computed once (see chains need targets) */
    char (*rc)[16] = calloc((size_t)(t->n ? t->n : 1), sizeof *rc);
    unsigned char *rflag = calloc((size_t)(t->n ? t->n : 1), 1);
    if (!mk || !rc || !rflag) {
        free(mk);
        free(rc);
        free(rflag);
        return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    }
    int k = 0;
    for (int i = 0; i < t->n; i++)
        if (t->v[i].parent < 0) {
            mk[k].node = i;
            node_key(&t->v[i], mk[k].key, sizeof mk[k].key);
            k++;
        }
    qsort(mk, (size_t)nmain, sizeof *mk, mainkey_cmp);

    for (int i = 0; i < t->n; i++) {
        inode *x = &t->v[i];
        if (x->has_manif) manif++;
        if (!x->code || !x->code[0]) continue;
        unsigned fl = 0;
        switch (check_code(cs, x->code, rc[i], &fl)) {
        case CODE_OK: break;
        case CODE_RESOLVED: incomplete_ok++; break;
        case CODE_HEADER: header++; break;
        case CODE_UNRESOLVED: incomplete_bad++; rc[i][0] = 0; break;
        default: absent++; rc[i][0] = 0; break;
        }
        rflag[i] = (unsigned char)fl;
    }
    /* see references (after the whole file is read); chains up to 4 hops */
    for (int i = 0; i < t->n; i++) {
        inode *x = &t->v[i];
        if ((x->code && x->code[0]) || !x->see || !x->see[0]) continue;
        int node = i;
        for (int hop = 0; hop < 4 && node >= 0; hop++) {
            const inode *y = &t->v[node];
            if (node != i && y->code && y->code[0]) break;
            node = y->see && y->see[0] ? resolve_see(t, mk, nmain, y->see) : -1;
        }
        if (node >= 0 && node != i && rc[node][0]) {
            memcpy(rc[i], rc[node], 16);
            rflag[i] = rflag[node];
            see_ok++;
        } else {
            see_bad++;
        }
    }
    /* phrases */
    const char *titles[16];
    char codebuf[16];
    for (int i = 0; i < t->n && e.st == MC_OK; i++) {
        if (!rc[i][0]) continue;
        int path_n = 0;
        for (int j = i; j >= 0 && path_n < 16; j = t->v[j].parent) titles[path_n++] = t->v[j].title;
        for (int a = 0, z = path_n - 1; a < z; a++, z--) {
            const char *tmp = titles[a];
            titles[a] = titles[z];
            titles[z] = tmp;
        }
        memcpy(codebuf, rc[i], 16);
        e.code = codebuf;
        e.flags = rflag[i];
        long before = e.phrases + e.stop;
        mc_index_compose(titles, path_n, emit_term, &e);
        if (e.phrases + e.stop == before) too_long++;
        with_code++;
    }
    free(mk);
    free(rc);
    free(rflag);
    if (e.st != MC_OK) return mc_error_set(err, e.st, path, 0, 0, 0, "builder refused an index term");
    mc_builder_count(b, "index.nodes", t->n);
    mc_builder_count(b, "index.terms_with_code", with_code);
    mc_builder_count(b, "index.phrases", e.phrases);
    mc_builder_count(b, "index.incomplete_resolved", incomplete_ok);
    mc_builder_count(b, "index.incomplete_unresolved", incomplete_bad);
    mc_builder_count(b, "index.header_code", header);
    mc_builder_count(b, "index.code_not_in_release", absent);
    mc_builder_count(b, "index.see_resolved", see_ok);
    mc_builder_count(b, "index.see_unresolved", see_bad);
    mc_builder_count(b, "index.manif_skipped", manif);
    mc_builder_count(b, "index.stopword_skipped", e.stop);
    mc_builder_count(b, "index.guarded", e.guarded);
    mc_builder_count(b, "index.no_phrase", too_long);
    return MC_OK;
}

/* The declared code set and the opened source file, for the importers that check
 * every code against the release (index, tabular). On failure nothing is left open. */
static mc_status open_with_codes(mc_builder *b, const char *path, const char *what, codeset *cs, FILE **f, mc_error *err)
{
    mc_status st = codeset_load(cs, b, path, err);
    if (st != MC_OK) {
        free(cs->v);
        return st;
    }
    if (!(*f = fopen(path, "rb"))) {
        free(cs->v);
        return mc_error_set(err, MC_E_NOTFOUND, path, 0, 0, 0, "cannot open the %s file", what);
    }
    return MC_OK;
}

/* Read the Alphabetic Index or the Neoplasm Table into t: the official XML (both use the
 * ICD10CM.index schema; the form is told by a '<' after an optional BOM and white space)
 * or the CSV conversion. */
static mc_status read_index_tree(const char *path, FILE *f, int neoplasm, itree *t, mc_error *err)
{
    unsigned char head[3];
    size_t hn = fread(head, 1, 3, f);
    int c;
    if (!(hn == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)) rewind(f);
    while ((c = getc(f)) != EOF && isspace(c)) {}
    int is_xml = c == '<';
    rewind(f);
    if (!is_xml) {
        if (hn == 3 && head[0] == 0xEF) fseek(f, 3, SEEK_SET);
        return read_index_csv(t, f, path, neoplasm, err);
    }
    xmlctx x;
    memset(&x, 0, sizeof x);
    x.t = t;
    mc_status st = read_xml(path, f, &x, x_start, x_end, x_text, &x.xp, err);
    mc_buf_free(&x.buf);
    const char *what = neoplasm ? "Neoplasm Table" : "index";
    if (st == MC_E_INTERNAL || (st == MC_OK && !x.root_ok)) {
        if (t->oom) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
        if (x.root_ok) return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "%s XML nested too deep", what);
        return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0,
                            "not an ICD-10-CM %s XML (root element is not ICD10CM.index)", what);
    }
    if (neoplasm && st == MC_OK && x.cells == 0)
        return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "not an ICD-10-CM Neoplasm Table XML (no <cell> columns)");
    return st;
}


/* ------------------------------------------------------------------ neoplasm table
 *
 * The Neoplasm Table (official XML: the index schema with <cell col="2..7"> behaviour
 * columns; or its CSV conversion RowID,Level,Term,SeeAlso,NonEssModif,MalignantPrimary,
 * MalignantSecondary,CaInSitu,Benign,UncertainBehavior,UnspecifiedBehavior) gives, per
 * site row, one code per behaviour. Each row becomes MC_SRC_NEOPLASM phrases: its site
 * forms put into the templates of every behaviour column that has a code.
 *
 * Site forms of a row:
 *   - a title "A, B": B is a synonym of A when they share a stem ("abdomen, abdominal",
 *     "lymph, lymphatic channel"), else a modifier put before A ("lingula, lung" ->
 *     "lung lingula", "calyx, renal" -> "renal calyx"); a title with a part "or X"
 *     lists alternatives of A's last word ("digestive organs, system, tube, or tract"
 *     -> "digestive organs", "digestive system", "digestive tube", "digestive tract");
 *   - nonessential modifiers optional (none, each of the first two groups, both), an
 *     adjective-like one before the word ("bladder (urinary)" -> "urinary bladder");
 *     "NEC" dropped; "X a or b" gives "X a" and "X b" ("bile or biliary");
 *   - a subterm C of a parent form P: "P C" when P is adjective-like ("abdominal wall")
 *     or C starts with a connector ("colon with rectum"); "C P" when C is adjective-like
 *     ("large intestine"); C alone when it says "of" itself ("lower lobe of lung");
 *     otherwise both orders ("lower lobe lung", "lymph gland");
 *   - neo_site_extra adds the adjectives a note uses for a few sites the table names only
 *     as nouns ("bone" -> "osseous", "bony"; "lymph gland" -> "lymph node", "nodal").
 * A form is adjectival when its last word is adjective-like ("pulmonary", "hepatic",
 * "renal"; not "thyroid", "adrenal" ...: neo_nouns): it only goes before a noun.
 * Templates (neo_tpl, "%s" = the site form; "of" forms for noun forms only): see the
 * table below. Words a coder would not code as a neoplasm are never used: "mass",
 * "lesion" alone, "growth", "nodule" (R-codes and others in the Alphabetic Index); a
 * "tumor" or "neoplasm" without a behaviour is the unspecified-behaviour column (the
 * index: "Tumor - see Neoplasm, unspecified behavior, by site"); "metastatic <site>
 * cancer" names the primary site (index: "Metastasis, cancer, from specified site - see
 * Neoplasm, malignant"), so the secondary column only gets "metastasis to", "<site>
 * metastases", "metastatic to", "metastatic disease of/to" and the like. "tumor" also in
 * the spelling "tumour".
 * Rows: the top row "Neoplasm, neoplastic" gives only the explicit behaviour phrases of
 * neo_top (multi-word; a bare "cancer" or "tumor" never becomes C80.1/D49.9, see
 * engine/match/mc_guard.h rule 2); other rows whose every code is a residual code of
 * unspecified site (C80.x, C79.9, D09.9, D36.9, D48.9, D49.9) give none ("disseminated",
 * "unknown site"); "Note:" rows none. A subterm naming a morphology ("basal cell
 * carcinoma" under a skin site) gives "<morphology> of [the] <parent>" and "<parent>
 * <morphology>" for its malignant column; "specified type" rows give nothing.
 * Codes: checked like index codes (check_code); an incomplete code the index rule cannot
 * resolve is tried once more with its unspecified subdivision ("D05.-" -> "D05.9-" ->
 * D05.90) or, for the breast (C50.x-: female/male, then side), the female form ("C50.9-"
 * -> "C50.91-" -> C50.919; the table does not say, and most breast cancers are
 * female).
 * References: a row without codes and a see reference ("accessory sinus - see Neoplasm,
 * sinus") takes the codes of its target row; a row with codes and a see-also reference
 * takes, for each column it leaves empty ("-"), the target row's code ("colon" see also
 * "Neoplasm, intestine, large": benign D12.6). Targets name rows under the top row by
 * their titles, a part matching a row's first comma part or its leading words; chains
 * up to 4 hops; others ("Tumor, carcinoid", "Index to disease, by histology") counted.
 * Phrase conflicts: rows are emitted shallow first, and a phrase an earlier row already
 * gave another code is skipped (counted): the site a clinician names ("colon") wins over
 * a deeper composition that happens to read the same.
 */

#define NEO_FORMS 12
#define NEO_COLS 6
typedef struct {
    char s[NEO_FORMS][PHRASE_MAX];
    unsigned char adj[NEO_FORMS];
    int n;
} sforms;

static const char *const neo_nouns[] = {"thyroid", "parathyroid", "adrenal", "adenoid", "sigmoid",
                                        "ethmoid", "sphenoid", "hyoid", "arytenoid", "cricoid",
                                        "mastoid", "thyroglossal", NULL};

static int neo_adj(const char *form)
{
    const char *w = last_word(form);
    if (in_list(neo_nouns, w)) return 0;
    return is_adj(w) || strcmp(w, "anal") == 0 || strcmp(w, "nodal") == 0;
}

static void sf_add(sforms *f, const char *s, int adj)
{
    char t[PHRASE_MAX];
    scpy(t, sizeof t, s);
    trim_spaces(t);
    if (!t[0] || f->n == NEO_FORMS) return;
    for (int i = 0; i < f->n; i++)
        if (strcasecmp(f->s[i], t) == 0) return;
    scpy(f->s[f->n], PHRASE_MAX, t);
    f->adj[f->n] = (unsigned char)(adj < 0 ? neo_adj(t) : adj);
    f->n++;
}

/* "X a or b" (a, b single words) -> "X a", "X b"; anything else as is. */
static void sf_add_or(sforms *f, const char *s)
{
    const char *o = strstr(s, " or ");
    if (o && !strchr(o + 4, ' ') && !strstr(o + 4, " or ")) {
        const char *a = o;
        while (a > s && a[-1] != ' ') a--;
        if (a < o) {
            char x[PHRASE_MAX], y[PHRASE_MAX];
            snprintf(x, sizeof x, "%.*s", (int)(o - s), s);
            snprintf(y, sizeof y, "%.*s%s", (int)(a - s), s, o + 4);
            sf_add(f, x, -1);
            sf_add(f, y, -1);
            return;
        }
    }
    sf_add(f, s, -1);
}

/* Site forms of one title (rules above). */
static void site_alts(const char *raw, sforms *out)
{
    out->n = 0;
    char parts[8][PHRASE_MAX];
    int np = split_commas(raw, parts);
    if (np == 0) return;
    char p0[PHRASE_MAX];
    strip_markers(parts[0], p0, sizeof p0);
    drop_nec(p0);
    if (!p0[0] || strncasecmp(p0, "note", 4) == 0) return;
    int orlist = 0;
    for (int i = 1; i < np; i++) {
        char t[PHRASE_MAX];
        strip_markers(parts[i], t, sizeof t);
        if (strncasecmp(t, "or ", 3) == 0) orlist = 1;
    }
    char bases[8][PHRASE_MAX], mods[PHRASE_MAX] = "";
    int nb = 0;
    scpy(bases[nb++], PHRASE_MAX, parts[0]);
    char first0[PHRASE_MAX];
    scpy(first0, sizeof first0, p0);
    char *sp = strchr(first0, ' ');
    if (sp) *sp = 0;
    for (int i = 1; i < np && nb < 8; i++) {
        char t[PHRASE_MAX];
        strip_markers(parts[i], t, sizeof t);
        drop_nec(t);
        if (!t[0]) continue;
        if (orlist) {
            /* alternatives of the head's last word */
            const char *w = strncasecmp(t, "or ", 3) == 0 ? t + 3 : t;
            size_t keep = strlen(p0) - strlen(last_word(p0));
            snprintf(bases[nb++], PHRASE_MAX, "%.*s%s", (int)keep, p0, w);
            continue;
        }
        char tw[PHRASE_MAX];
        scpy(tw, sizeof tw, t);
        char *s2 = strchr(tw, ' ');
        if (s2) *s2 = 0;
        if (shares_stem(first0, tw))
            scpy(bases[nb++], PHRASE_MAX, parts[i]);
        else if (strlen(mods) + strlen(t) + 2 < sizeof mods) {
            strcat(mods, t);
            strcat(mods, " ");
        }
    }
    for (int b = 0; b < nb; b++) {
        alts a;
        a.n = 0;
        expand_nemod(bases[b], &a);
        for (int i = 0; i < a.n && i < 4; i++) {
            char f[PHRASE_MAX * 2];
            if (sjoin(f, sizeof f, mods, "", a.s[i]) || strlen(f) >= PHRASE_MAX) continue;
            if (strncasecmp(f, "see ", 4) == 0) continue;
            sf_add_or(out, f);
        }
    }
}

/* Extra names of a few sites that the table gives only as nouns. */
static const struct { const char *site, *extra; } neo_site_extra[] = {
    {"bone", "osseous"},         {"bone", "bony"},          {"pancreas", "pancreatic"},
    {"ovary", "ovarian"},        {"prostate", "prostatic"}, {"testis", "testicular"},
    {"esophagus", "esophageal"}, {"colon", "colonic"},      {"lymph gland", "lymph node"},
    {"lymph gland", "nodal"},    {"brain", "cerebral"},     {"testis", "testicle"},
    {NULL, NULL}};

/* Morphology subterms under a site (skin rows): "basal cell carcinoma". */
static int neo_morph(const char *title)
{
    static const char *const m[] = {"carcinoma", "sarcoma", "melanoma", "mesothelioma", NULL};
    const char *w = last_word(title);
    return in_list(m, w);
}

/* Templates. flags: NT_NOUN = only for a noun site form (the form follows a preposition);
 * NT_CORE = also for subterm rows (level 2 and deeper: at most NEO_SUBFORMS forms), which
 * get only these, to keep the table's 1,900 rows from doubling the dictionary. */
enum { NT_NOUN = 1, NT_CORE = 2 };
#define NEO_SUBFORMS 6
typedef struct {
    int col;            /* 0 malignant primary .. 5 unspecified behaviour */
    const char *tpl;
    unsigned flags;
} neo_tpl;

static const neo_tpl neo_tpls[] = {
    /* malignant primary */
    {0, "%s cancer", NT_CORE},                      {0, "cancer of %s", NT_NOUN},
    {0, "cancer of the %s", NT_NOUN | NT_CORE},         {0, "%s carcinoma", NT_CORE},
    {0, "carcinoma of %s", NT_NOUN},          {0, "carcinoma of the %s", NT_NOUN | NT_CORE},
    {0, "%s adenocarcinoma", 0},              {0, "adenocarcinoma of %s", NT_NOUN},
    {0, "adenocarcinoma of the %s", NT_NOUN}, {0, "malignant neoplasm of %s", NT_NOUN | NT_CORE},
    {0, "malignant neoplasm of the %s", NT_NOUN}, {0, "malignant %s neoplasm", 0},
    {0, "malignant tumor of %s", NT_NOUN},    {0, "malignant tumor of the %s", NT_NOUN},
    {0, "malignant %s tumor", 0},             {0, "%s malignancy", 0},
    {0, "malignancy of the %s", NT_NOUN},
    /* malignant secondary */
    {1, "%s metastasis", NT_CORE},                  {1, "%s metastases", NT_CORE},
    {1, "%s mets", 0},                        {1, "metastasis to %s", NT_NOUN},
    {1, "metastasis to the %s", NT_NOUN | NT_CORE},     {1, "metastases to %s", NT_NOUN},
    {1, "metastases to the %s", NT_NOUN | NT_CORE},     {1, "metastasis in the %s", NT_NOUN},
    {1, "metastases in the %s", NT_NOUN},     {1, "metastatic to %s", NT_NOUN},
    {1, "metastatic to the %s", NT_NOUN},     {1, "metastatic disease to %s", NT_NOUN},
    {1, "metastatic disease to the %s", NT_NOUN}, {1, "metastatic disease of the %s", NT_NOUN},
    {1, "metastatic disease in the %s", NT_NOUN}, {1, "%s metastatic disease", 0},
    {1, "metastatic %s disease", 0},          {1, "metastatic %s lesion", 0},
    {1, "%s metastatic lesion", 0},           {1, "metastatic lesion of the %s", NT_NOUN},
    {1, "metastatic lesion in the %s", NT_NOUN}, {1, "secondary malignant neoplasm of %s", NT_NOUN | NT_CORE},
    {1, "secondary malignant neoplasm of the %s", NT_NOUN}, {1, "secondary %s malignancy", 0},
    {1, "mets to the %s", NT_NOUN},
    /* carcinoma in situ */
    {2, "carcinoma in situ of %s", NT_NOUN | NT_CORE},  {2, "carcinoma in situ of the %s", NT_NOUN | NT_CORE},
    {2, "%s carcinoma in situ", 0},           {2, "in situ carcinoma of the %s", NT_NOUN},
    /* benign */
    {3, "benign neoplasm of %s", NT_NOUN | NT_CORE},    {3, "benign neoplasm of the %s", NT_NOUN},
    {3, "benign %s neoplasm", 0},             {3, "benign tumor of %s", NT_NOUN},
    {3, "benign tumor of the %s", NT_NOUN},   {3, "benign %s tumor", NT_CORE},
    {3, "%s adenoma", NT_CORE},                     {3, "adenoma of the %s", NT_NOUN},
    /* uncertain behaviour */
    {4, "neoplasm of uncertain behavior of %s", NT_NOUN | NT_CORE},
    {4, "neoplasm of uncertain behavior of the %s", NT_NOUN},
    {4, "%s neoplasm of uncertain behavior", 0},
    {4, "tumor of uncertain behavior of the %s", NT_NOUN},
    /* unspecified behaviour */
    {5, "neoplasm of %s", NT_NOUN | NT_CORE},           {5, "neoplasm of the %s", NT_NOUN},
    {5, "%s neoplasm", NT_CORE},                    {5, "tumor of %s", NT_NOUN},
    {5, "tumor of the %s", NT_NOUN | NT_CORE},          {5, "%s tumor", NT_CORE},
    {5, "neoplasm of unspecified behavior of %s", NT_NOUN},
    {5, "neoplasm of unspecified behavior of the %s", NT_NOUN},
    {5, "%s neoplasm of unspecified behavior", 0},
    {5, "%s neoplasia", 0},                   {5, "neoplasia of the %s", NT_NOUN},
};

/* The top row "Neoplasm, neoplastic": explicit behaviour phrases only. */
static const neo_tpl neo_top[] = {
    {0, "malignant neoplasm", 0},        {0, "malignant tumor", 0},
    {1, "secondary malignant neoplasm", 0},
    {2, "carcinoma in situ", 0},         {3, "benign neoplasm", 0},
    {3, "benign tumor", 0},              {4, "neoplasm of uncertain behavior", 0},
    {4, "tumor of uncertain behavior", 0}, {5, "neoplasm of unspecified behavior", 0},
};

static int neo_residual(const char *code)
{
    static const char *const r[] = {"C80.0", "C80.1", "C80.2", "C79.9", "D09.9", "D36.9",
                                    "D48.9", "D49.9", NULL};
    return in_list(r, code);
}

typedef struct {
    mc_builder *b;
    mc_strmap seen;      /* normalised phrase -> code index + 1 (first row wins) */
    char (*codes)[16];   /* distinct codes, for the seen map values */
    int ncodes, capcodes;
    long phrases, conflicts, skipped;
    mc_status st;
} neoemit;

static int neo_code_id(neoemit *e, const char *code)
{
    for (int i = e->ncodes - 1; i >= 0; i--)
        if (strcmp(e->codes[i], code) == 0) return i;
    if (e->ncodes == e->capcodes) {
        int cap = e->capcodes ? e->capcodes * 2 : 256;
        char (*v)[16] = realloc(e->codes, (size_t)cap * sizeof *v);
        if (!v) return -1;
        e->codes = v;
        e->capcodes = cap;
    }
    scpy(e->codes[e->ncodes], 16, code);
    return e->ncodes++;
}

static void neo_emit1(neoemit *e, const char *code, unsigned flags, const char *phrase)
{
    if (e->st != MC_OK) return;
    char key[PHRASE_MAX];
    norm_key(phrase, key, sizeof key);
    if (!key[0] || !strchr(key, ' ') || !index_phrase_ok(code, key)) {
        e->skipped++;
        return;
    }
    int id = neo_code_id(e, code);
    int ins = 0;
    uint32_t *v = id < 0 ? NULL : mc_strmap_put(&e->seen, key, strlen(key), &ins);
    if (!v) {
        e->st = MC_E_NOMEM;
        return;
    }
    if (!ins) {
        if (*v != (uint32_t)id + 1) e->conflicts++;
        return;
    }
    *v = (uint32_t)id + 1;
    mc_status st = mc_builder_add_term(e->b, code, phrase, MC_SRC_NEOPLASM, flags, NULL);
    if (st == MC_OK) e->phrases++;
    else if (st != MC_E_DICT_BUILD) e->st = st;
}

static void neo_emit(neoemit *e, const char *code, unsigned flags, const char *phrase)
{
    neo_emit1(e, code, flags, phrase);
    const char *t = strstr(phrase, "tumor");
    if (t) {
        char b[PHRASE_MAX + 8];
        snprintf(b, sizeof b, "%.*stumour%s", (int)(t - phrase), phrase, t + 5);
        neo_emit1(e, code, flags, b);
    }
}

/* Code of one cell, resolved (rules above). Returns CODE_*; out/flags as check_code. */
static int neo_check(const codeset *cs, const char *raw, char out[16], unsigned *flags)
{
    int r = check_code(cs, raw, out, flags);
    if (r != CODE_UNRESOLVED && r != CODE_HEADER) return r;
    char u[12];
    undot(raw, u, sizeof u);
    size_t n = strlen(u);
    if (n < 3 || n > 6) return r;
    if (strncmp(u, "C50", 3) == 0 && n == 4) u[n] = '1';
    else u[n] = '9';
    u[n + 1] = 0;
    char o2[16];
    if (resolve_prefix(cs->v, cs->n, u, o2)) {
        memcpy(out, o2, 16);
        *flags = 0;
        return CODE_RESOLVED;
    }
    return r;
}

/* Row a reference names ("Neoplasm, lip, internal"), or -1. top: the top row. */
static int neo_target(const itree *t, int top, const char *ref)
{
    char s[PHRASE_MAX * 2];
    scpy(s, sizeof s, ref);
    char parts[8][PHRASE_MAX];
    int np = split_commas(s, parts);
    if (np < 2) return -1;
    char k0[PHRASE_MAX];
    norm_key(parts[0], k0, sizeof k0);
    if (strcmp(k0, "neoplasm") != 0) return -1;
    int node = top;
    for (int i = 1; i < np && node >= 0; i++) {
        char pk[PHRASE_MAX];
        norm_key(parts[i], pk, sizeof pk);
        if (!strcmp(pk, "by site") || !strcmp(pk, "malignant") || !strcmp(pk, "benign") ||
            !strcmp(pk, "secondary") || !strcmp(pk, "in situ"))
            return -1; /* a column, not a site: "Neoplasm, by site, secondary" */
        int c = child_by_title(t, node, pk);
        if (c < 0) {
            /* "skin" names "skin NOS" */
            for (int ch = t->v[node].first_child; ch >= 0 && c < 0; ch = t->v[ch].next) {
                char k[PHRASE_MAX];
                node_key(&t->v[ch], k, sizeof k);
                size_t kl = strlen(k), pl = strlen(pk);
                if (kl == pl + 4 && strncmp(k, pk, pl) == 0 && strcmp(k + pl, " nos") == 0) c = ch;
            }
        }
        if (c < 0) {
            /* "lymph gland": leading words name the row, the rest a subterm */
            char *sp = strchr(pk, ' ');
            if (sp) {
                *sp = 0;
                int c1 = child_by_title(t, node, pk);
                if (c1 >= 0) c = child_by_title(t, c1, sp + 1);
            }
        }
        node = c;
    }
    return node == top ? -1 : node;
}

/* Site forms of node i (recursive over its parents, memoised in f/done). */
static void neo_forms(const itree *t, int i, int top, sforms *f, unsigned char *done)
{
    if (done[i]) return;
    done[i] = 1;
    sforms *o = &f[i];
    o->n = 0;
    const inode *x = &t->v[i];
    sforms c;
    site_alts(x->title ? x->title : "", &c);
    if (x->parent < 0 || x->parent == top) {
        *o = c;
    } else {
        neo_forms(t, x->parent, top, f, done);
        const sforms *p = &f[x->parent];
        for (int a = 0; a < p->n; a++)
            for (int k = 0; k < c.n; k++) {
                const char *P = p->s[a], *C = c.s[k];
                char j[PHRASE_MAX * 2 + 2];
                if (starts_conn(C)) {
                    if (!sjoin(j, sizeof j, P, " ", C)) sf_add(o, j, 0);
                } else if (has_inner_conn(C)) {
                    if (strstr(C, " of ")) sf_add(o, C, 0);
                    else if (!sjoin(j, sizeof j, P, " ", C)) sf_add(o, j, 0);
                } else if (p->adj[a]) {
                    if (!sjoin(j, sizeof j, P, " ", C)) sf_add(o, j, -1);
                } else if (c.adj[k]) {
                    if (!sjoin(j, sizeof j, C, " ", P)) sf_add(o, j, 0);
                } else {
                    if (!sjoin(j, sizeof j, C, " ", P)) sf_add(o, j, 0);
                    if (!sjoin(j, sizeof j, P, " ", C)) sf_add(o, j, 0);
                }
            }
    }
    int n0 = o->n;
    for (int a = 0; a < n0; a++)
        for (int k = 0; neo_site_extra[k].site; k++)
            if (strcasecmp(o->s[a], neo_site_extra[k].site) == 0) sf_add(o, neo_site_extra[k].extra, -1);
}

static void neo_fill(char *buf, size_t cap, const char *tpl, const char *site)
{
    const char *p = strstr(tpl, "%s");
    snprintf(buf, cap, "%.*s%s%s", (int)(p - tpl), tpl, site, p + 2);
}

static mc_status emit_neoplasm(mc_builder *b, itree *t, const codeset *cs, const char *path,
                               mc_error *err)
{
    long rows = 0, cells = 0, inc_ok = 0, inc_bad = 0, header = 0, absent = 0, see_ok = 0,
         see_bad = 0, also_ok = 0, also_bad = 0, residual = 0, nophrase = 0;
    int n = t->n, top = -1;
    for (int i = 0; i < n && top < 0; i++)
        if (t->v[i].parent < 0) top = i;
    char (*rc)[NEO_COLS][16] = calloc((size_t)(n ? n : 1), sizeof *rc);
    unsigned char (*rf)[NEO_COLS] = calloc((size_t)(n ? n : 1), sizeof *rf);
    sforms *f = calloc((size_t)(n ? n : 1), sizeof *f);
    unsigned char *done = calloc((size_t)(n ? n : 1), 1);
    neoemit e;
    memset(&e, 0, sizeof e);
    e.b = b;
    if (!rc || !rf || !f || !done) {
        free(rc);
        free(rf);
        free(f);
        free(done);
        return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        inode *x = &t->v[i];
        int any = 0;
        for (int k = 0; k < NEO_COLS; k++) {
            const char *c = x->cell[k];
            if (!c || !c[0] || strcmp(c, "-") == 0 || strcmp(c, "--") == 0) continue;
            cells++;
            unsigned fl = 0;
            switch (neo_check(cs, c, rc[i][k], &fl)) {
            case CODE_OK: break;
            case CODE_RESOLVED: inc_ok++; break;
            case CODE_HEADER: header++; break;
            case CODE_UNRESOLVED: inc_bad++; rc[i][k][0] = 0; break;
            default: absent++; rc[i][k][0] = 0; break;
            }
            rf[i][k] = (unsigned char)fl;
            any = 1;
        }
        rows += any;
    }
    /* see (whole row) and see also (empty columns), after the whole file; 4 hops */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            inode *x = &t->v[i];
            const char *ref = pass == 0 ? x->see : x->seealso;
            if (!ref || !ref[0] || i == top) continue;
            int any = 0;
            for (int k = 0; k < NEO_COLS; k++) any |= x->cell[k] && x->cell[k][0];
            if (pass == 0 && any) continue;
            int node = i;
            for (int hop = 0; hop < 4 && node >= 0; hop++) {
                const inode *y = &t->v[node];
                int has = 0;
                for (int k = 0; k < NEO_COLS; k++) has |= rc[node][k][0] != 0;
                if (node != i && has) break;
                const char *r = y->see && y->see[0] ? y->see : (node == i ? ref : NULL);
                node = r ? neo_target(t, top, r) : -1;
            }
            int filled = 0;
            if (node >= 0 && node != i)
                for (int k = 0; k < NEO_COLS; k++) {
                    int empty = !x->cell[k] || !x->cell[k][0] || strcmp(x->cell[k], "-") == 0;
                    if (pass == 0 || empty) {
                        if (rc[node][k][0] && !rc[i][k][0]) {
                            memcpy(rc[i][k], rc[node][k], 16);
                            rf[i][k] = rf[node][k];
                            filled = 1;
                        }
                    }
                }
            if (pass == 0) {
                if (filled) see_ok++;
                else see_bad++;
            } else if (node >= 0 && node != i) {
                also_ok += filled;
            } else {
                also_bad++;
            }
        }
    /* phrases, shallow rows first */
    char buf[PHRASE_MAX * 2];
    for (int level = 0; level < 16 && e.st == MC_OK; level++)
        for (int i = 0; i < n && e.st == MC_OK; i++) {
            inode *x = &t->v[i];
            if (x->level != level) continue;
            int has = 0, resid = 1;
            for (int k = 0; k < NEO_COLS; k++)
                if (rc[i][k][0]) {
                    has = 1;
                    if (!neo_residual(rc[i][k])) resid = 0;
                }
            if (!has) continue;
            long before = e.phrases;
            if (i == top) {
                for (size_t k = 0; k < sizeof neo_top / sizeof neo_top[0]; k++)
                    if (rc[i][neo_top[k].col][0])
                        neo_emit(&e, rc[i][neo_top[k].col], rf[i][neo_top[k].col], neo_top[k].tpl);
                continue;
            }
            if (resid) {
                residual++;
                continue;
            }
            char tt[PHRASE_MAX];
            strip_markers(x->title ? x->title : "", tt, sizeof tt);
            drop_nec(tt);
            if (strstr(tt, "specified type")) {
                nophrase++;
                continue;
            }
            if (neo_morph(tt) && x->parent >= 0 && x->parent != top) {
                neo_forms(t, x->parent, top, f, done);
                const sforms *p = &f[x->parent];
                for (int a = 0; a < p->n; a++) {
                    for (int k = 0; k < NEO_COLS; k++) {
                        if (!rc[i][k][0] || k != 0) continue;
                        snprintf(buf, sizeof buf, "%s %s", p->s[a], tt);
                        neo_emit(&e, rc[i][k], rf[i][k], buf);
                        if (p->adj[a]) continue;
                        snprintf(buf, sizeof buf, "%s of %s", tt, p->s[a]);
                        neo_emit(&e, rc[i][k], rf[i][k], buf);
                        snprintf(buf, sizeof buf, "%s of the %s", tt, p->s[a]);
                        neo_emit(&e, rc[i][k], rf[i][k], buf);
                    }
                }
                if (e.phrases == before) nophrase++;
                continue;
            }
            neo_forms(t, i, top, f, done);
            const sforms *s = &f[i];
            int sub = x->parent >= 0 && x->parent != top;
            for (int a = 0; a < s->n && (!sub || a < NEO_SUBFORMS); a++)
                for (size_t k = 0; k < sizeof neo_tpls / sizeof neo_tpls[0]; k++) {
                    const neo_tpl *tp = &neo_tpls[k];
                    if (!rc[i][tp->col][0] || ((tp->flags & NT_NOUN) && s->adj[a])) continue;
                    if (sub && !(tp->flags & NT_CORE)) continue;
                    if (strlen(s->s[a]) + strlen(tp->tpl) >= PHRASE_MAX) continue;
                    neo_fill(buf, sizeof buf, tp->tpl, s->s[a]);
                    neo_emit(&e, rc[i][tp->col], rf[i][tp->col], buf);
                }
            if (e.phrases == before) nophrase++;
        }
    mc_strmap_free(&e.seen);
    free(e.codes);
    free(rc);
    free(rf);
    free(f);
    free(done);
    if (e.st != MC_OK) return mc_error_set(err, e.st, path, 0, 0, 0, "builder refused a neoplasm term");
    mc_builder_count(b, "neoplasm.rows", rows);
    mc_builder_count(b, "neoplasm.cells", cells);
    mc_builder_count(b, "neoplasm.phrases", e.phrases);
    mc_builder_count(b, "neoplasm.incomplete_resolved", inc_ok);
    mc_builder_count(b, "neoplasm.incomplete_unresolved", inc_bad);
    mc_builder_count(b, "neoplasm.header_code", header);
    mc_builder_count(b, "neoplasm.code_not_in_release", absent);
    mc_builder_count(b, "neoplasm.see_resolved", see_ok);
    mc_builder_count(b, "neoplasm.see_unresolved", see_bad);
    mc_builder_count(b, "neoplasm.see_also_filled", also_ok);
    mc_builder_count(b, "neoplasm.see_also_unresolved", also_bad);
    mc_builder_count(b, "neoplasm.residual_rows", residual);
    mc_builder_count(b, "neoplasm.phrase_conflicts", e.conflicts);
    mc_builder_count(b, "neoplasm.no_phrase", nophrase);
    return MC_OK;
}

typedef mc_status (*emit_fn)(mc_builder *, itree *, const codeset *, const char *, mc_error *);

/* Open an Index-shaped file (the Alphabetic Index or the Neoplasm Table), read its tree,
 * emit its phrases and record it as a source ("index" / "neoplasm"). */
static mc_status import_tree_file(mc_builder *b, const char *path, int neoplasm, emit_fn emit_tree, mc_error *err)
{
    codeset cs;
    FILE *f;
    mc_status st = open_with_codes(b, path, neoplasm ? "neoplasm table" : "index", &cs, &f, err);
    if (st != MC_OK) return st;
    itree t;
    memset(&t, 0, sizeof t);
    st = read_index_tree(path, f, neoplasm, &t, err);
    fclose(f);
    if (st == MC_OK && t.oom) st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    if (st == MC_OK) st = emit_tree(b, &t, &cs, path, err);
    if (st == MC_OK) set_source_meta(b, neoplasm ? "neoplasm" : "index", path, NULL);
    itree_free(&t);
    free(cs.v);
    return st;
}

mc_status mc_import_icd10cm_index(mc_builder *b, const char *path, mc_error *err)
{
    return import_tree_file(b, path, 0, emit_index, err);
}

mc_status mc_import_icd10cm_neoplasm(mc_builder *b, const char *path, mc_error *err)
{
    return import_tree_file(b, path, 1, emit_neoplasm, err);
}

/* ------------------------------------------------------------------ tabular */

enum { TT_NONE, TT_CH_NAME, TT_CH_DESC, TT_SEC_DESC, TT_DIAG_NAME, TT_NOTE };
typedef struct {
    mc_builder *b;
    const codeset *cs;
    XML_Parser xp;
    int root_ok;
    int depth;
    char elem[64][24];     /* element names by depth (truncated) */
    int text, text_depth;
    mc_buf buf;
    /* chapter */
    int ch_num;
    char ch_desc[512], ch_first[16], ch_last[16];
    /* section */
    char sec_first[16], sec_last[16], sec_desc[512];
    int in_section;
    /* diag stack */
    char diag[16][16];
    int ndiag, diag_depth[16];
    int in_incl;
    long chapters, sections, incl, incl_skipped, incl_resolved, incl_header;
    mc_status st;
} tabctx;

static void strip_range_suffix(char *s)
{
    /* "Intestinal infectious diseases (A00-A09)" -> "Intestinal infectious diseases" */
    trim_spaces(s);
    size_t n = strlen(s);
    if (n && s[n - 1] == ')') {
        char *o = strrchr(s, '(');
        if (o && strchr(o, '-') && o - s > 0) {
            *o = 0;
            trim_spaces(s);
        }
    }
}

static void t_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    tabctx *c = ud;
    c->depth++;
    if (c->depth < 64) scpy(c->elem[c->depth], sizeof c->elem[0], name);
    if (c->depth == 1) {
        c->root_ok = strcmp(name, "ICD10CM.tabular") == 0;
        if (!c->root_ok) XML_StopParser(c->xp, XML_FALSE);
        return;
    }
    const char *parent = c->depth - 1 < 64 ? c->elem[c->depth - 1] : "";
    if (strcmp(name, "chapter") == 0) {
        c->ch_num = 0;
        c->ch_desc[0] = c->ch_first[0] = c->ch_last[0] = 0;
    } else if (strcmp(name, "section") == 0) {
        c->in_section = 1;
        c->sec_first[0] = c->sec_last[0] = c->sec_desc[0] = 0;
        for (int i = 0; atts[i]; i += 2)
            if (strcmp(atts[i], "id") == 0) {
                const char *id = atts[i + 1], *dash = strchr(id, '-');
                if (dash) {
                    snprintf(c->sec_first, sizeof c->sec_first, "%.*s", (int)(dash - id), id);
                    scpy(c->sec_last, sizeof c->sec_last, dash + 1);
                } else {
                    scpy(c->sec_first, sizeof c->sec_first, id);
                    scpy(c->sec_last, sizeof c->sec_last, id);
                }
            }
    } else if (strcmp(name, "diag") == 0) {
        if (c->ndiag < 16) {
            c->diag[c->ndiag][0] = 0;
            c->diag_depth[c->ndiag] = c->depth;
        }
        c->ndiag++;
    } else if (strcmp(name, "inclusionTerm") == 0 && strcmp(parent, "diag") == 0) {
        c->in_incl = c->depth;
    }
    if (c->text != TT_NONE) return;
    int k = TT_NONE;
    if (strcmp(parent, "chapter") == 0 && strcmp(name, "name") == 0) k = TT_CH_NAME;
    else if (strcmp(parent, "chapter") == 0 && strcmp(name, "desc") == 0) k = TT_CH_DESC;
    else if (strcmp(parent, "section") == 0 && strcmp(name, "desc") == 0) k = TT_SEC_DESC;
    else if (strcmp(parent, "diag") == 0 && strcmp(name, "name") == 0) k = TT_DIAG_NAME;
    else if (c->in_incl && c->depth == c->in_incl + 1 && strcmp(name, "note") == 0) k = TT_NOTE;
    if (k != TT_NONE) {
        c->text = k;
        c->text_depth = c->depth;
        c->buf.len = 0;
    }
}

static void t_note(tabctx *c, const char *note)
{
    if (c->ndiag <= 0 || c->ndiag > 16 || !c->diag[c->ndiag - 1][0] || !note[0]) return;
    char code[16];
    unsigned fl;
    switch (check_code(c->cs, c->diag[c->ndiag - 1], code, &fl)) {
    case CODE_OK: break;
    case CODE_RESOLVED: c->incl_resolved++; break;
    case CODE_HEADER: c->incl_header++; break;
    default: c->incl_skipped++; return;
    }
    char key[PHRASE_MAX];
    norm_key(note, key, sizeof key);
    if (!index_phrase_ok(code, key) || (!strchr(key, ' ') && mc_single_word_stop(key))) {
        c->incl_skipped++;
        return;
    }
    mc_status st = mc_builder_add_term(c->b, code, note, MC_SRC_INCLUSION, fl, NULL);
    if (st == MC_OK) c->incl++;
    else if (st != MC_E_DICT_BUILD) c->st = st;
}

static void t_end(void *ud, const XML_Char *name)
{
    tabctx *c = ud;
    if (c->text != TT_NONE && c->depth == c->text_depth) {
        char *s = dup_trim(c->buf.data ? c->buf.data : "", c->buf.len);
        if (!s) {
            c->st = MC_E_NOMEM;
            XML_StopParser(c->xp, XML_FALSE);
        } else {
            switch (c->text) {
            case TT_CH_NAME: c->ch_num = atoi(s); break;
            case TT_CH_DESC:
                scpy(c->ch_desc, sizeof c->ch_desc, s);
                strip_range_suffix(c->ch_desc);
                break;
            case TT_SEC_DESC:
                scpy(c->sec_desc, sizeof c->sec_desc, s);
                strip_range_suffix(c->sec_desc);
                break;
            case TT_DIAG_NAME:
                if (c->ndiag > 0 && c->ndiag <= 16)
                    scpy(c->diag[c->ndiag - 1], sizeof c->diag[0], s);
                break;
            case TT_NOTE: t_note(c, s); break;
            }
            free(s);
        }
        c->text = TT_NONE;
    }
    if (strcmp(name, "section") == 0 && c->in_section) {
        c->in_section = 0;
        if (c->sec_first[0]) {
            if (mc_builder_add_block(c->b, c->sec_first, c->sec_last, c->sec_desc) == MC_OK)
                c->sections++;
            if (!c->ch_first[0]) scpy(c->ch_first, sizeof c->ch_first, c->sec_first);
            scpy(c->ch_last, sizeof c->ch_last, c->sec_last);
        }
    } else if (strcmp(name, "chapter") == 0) {
        if (c->ch_num > 0 && c->ch_first[0]) {
            if (mc_builder_add_chapter(c->b, c->ch_num, c->ch_first, c->ch_last, c->ch_desc) == MC_OK)
                c->chapters++;
        }
    } else if (strcmp(name, "diag") == 0) {
        c->ndiag--;
    } else if (c->in_incl == c->depth) {
        c->in_incl = 0;
    }
    if (c->st != MC_OK) XML_StopParser(c->xp, XML_FALSE);
    c->depth--;
}

static void t_text(void *ud, const XML_Char *s, int len)
{
    tabctx *c = ud;
    if (c->text != TT_NONE && mc_buf_append(&c->buf, s, (size_t)len)) c->st = MC_E_NOMEM;
}

mc_status mc_import_icd10cm_tabular(mc_builder *b, const char *path, mc_error *err)
{
    codeset cs;
    FILE *f;
    mc_status st = open_with_codes(b, path, "tabular", &cs, &f, err);
    if (st != MC_OK) return st;
    tabctx *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        free(cs.v);
        return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    }
    c->b = b;
    c->cs = &cs;
    st = read_xml(path, f, c, t_start, t_end, t_text, &c->xp, err);
    fclose(f);
    if (st == MC_E_INTERNAL || (st == MC_OK && !c->root_ok)) {
        if (c->st != MC_OK)
            st = mc_error_set(err, c->st, path, 0, 0, 0, "builder refused a tabular entry");
        else
            st = mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0,
                              "not an ICD-10-CM tabular XML (root element is not ICD10CM.tabular)");
    }
    if (st == MC_OK) {
        mc_builder_count(b, "tabular.chapters", c->chapters);
        mc_builder_count(b, "tabular.sections", c->sections);
        mc_builder_count(b, "tabular.inclusion_terms", c->incl);
        mc_builder_count(b, "tabular.incomplete_resolved", c->incl_resolved);
        mc_builder_count(b, "tabular.header_code", c->incl_header);
        mc_builder_count(b, "tabular.code_not_in_release", c->incl_skipped);
        set_source_meta(b, "tabular", path, NULL);
    }
    mc_buf_free(&c->buf);
    free(c);
    free(cs.v);
    return st;
}
