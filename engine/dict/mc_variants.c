/* mc_variants.c — build-time phrase variants (see mc_variants.h), in three bounded,
 * deterministic steps applied in this order to the phrase and to what each step yields:
 *   1. parenthesised nonessential modifiers are optional (first 3 groups, every subset):
 *      "diabetes (mellitus) due to insulin secretory defect" -> "diabetes due to insulin
 *      secretory defect", "diabetes mellitus due to insulin secretory defect";
 *   2. trailing qualifiers a clinician never writes are dropped, repeatedly (at most 3):
 *      "unspecified", "NOS", "NEC", "not elsewhere classified", "not otherwise specified",
 *      "without complication(s)", "unspecified type/site", "site/type unspecified"; a
 *      connector left dangling ("Abscess of unspecified site" -> "Abscess of") goes too;
 *   3. comma inversion of index order when the first part is one word and the other parts
 *      are short modifiers without connectors: "Fracture, femur, neck" -> "femur neck
 *      Fracture" and (when no part is a lone adjective) "Fracture of femur neck".
 * At most 16 distinct variants, never the phrase itself, never an empty one, and never
 * a single word that cannot name a diagnosis alone: shorter than 3 letters ("H disease"
 * -> "H"), or a heading word of mc_single_word_stop ("Activity NEC" -> "Activity",
 * "Exposure (to)" -> "Exposure"). */
#include "mc_variants.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define VMAX 512   /* longest phrase handled; longer phrases get no variants */
#define NVAR 16

typedef struct {
    char v[NVAR + 1][VMAX];
    int n;
    const char *orig;
    mc_variant_cb cb;
    void *ud;
} vset;

static void tidy(char *s)
{
    /* single spaces, no space before a comma, no leading/trailing spaces or commas */
    char *w = s;
    int sp = 0;
    for (const char *r = s; *r; r++) {
        if (isspace((unsigned char)*r)) {
            sp = 1;
            continue;
        }
        if (sp && w != s && *r != ',') *w++ = ' ';
        sp = 0;
        *w++ = *r;
    }
    *w = 0;
    while (w > s && (w[-1] == ',' || w[-1] == ' ' || w[-1] == ';')) *--w = 0;
    size_t lead = strspn(s, " ,;");
    if (lead) memmove(s, s + lead, strlen(s + lead) + 1);
}

static int has_alnum(const char *s)
{
    for (; *s; s++)
        if (isalnum((unsigned char)*s)) return 1;
    return 0;
}

/* Index and title words that never name a diagnosis alone in running text: headings
 * ("examination", "status", "exposure"), generic nouns ("disease", "anomaly"), and
 * words whose everyday sense is not the index's ("anesthesia" the procedure, not the
 * symptom; "nerves" the anatomy; "scales" the measure; "may" the month). */
static const char *const stop_single[] = {
    "old", "examination", "exam", "symptom", "symptoms", "gas", "finding", "findings",
    "history", "status", "problem", "problems", "disease", "disorder", "syndrome",
    "condition", "complication", "complications", "observation", "admission", "encounter",
    "care", "test", "screening", "state", "change", "changes", "absence", "presence",
    "anomaly", "defect", "abnormality", "abnormal", "lesion", "counseling", "person",
    "use", "contact", "exposure", "reaction", "response", "effect", "effects",
    "failure", "disturbance", "dysfunction", "insufficiency", "infection", "injury",
    "illness", "sickness", "affection", "malfunction", "procedure", "surgery", "treatment",
    "therapy", "visit", "aftercare", "follow-up", "follow up", "fitting", "adjustment",
    "management", "pregnancy", "delivery", "birth", "newborn", "infant", "child", "stress",
    "late", "other", "specified", "unspecified", "type", "site", "activity", "accident",
    "investigation", "evaluation", "donor", "transplant", "deformity", "anesthesia",
    "nerves", "scales", "may", "reflex", "ganglion", "diuresis", "mycobacterium", "toxic",
    "transient", NULL};

int mc_single_word_stop(const char *w)
{
    for (int i = 0; stop_single[i]; i++)
        if (strcasecmp(stop_single[i], w) == 0) return 1;
    return 0;
}

/* A one-word variant that cannot name a diagnosis alone (see the top comment). */
static int bad_single(const char *t)
{
    if (strchr(t, ' ')) return 0;
    size_t letters = 0;
    for (const char *p = t; *p; p++) letters += isalpha((unsigned char)*p) != 0;
    if (letters < 3) return 1;
    char w[64];
    size_t k = 0;
    for (const char *p = t; *p && k + 1 < sizeof w; p++) w[k++] = *p == '-' ? ' ' : *p;
    w[k] = 0;
    return mc_single_word_stop(w);
}

/* Record a variant; returns its slot or -1 (duplicate, the phrase itself, full, or a
 * single word that cannot stand alone). */
static int vadd(vset *vs, const char *s)
{
    char t[VMAX];
    snprintf(t, sizeof t, "%s", s);
    tidy(t);
    if (!has_alnum(t) || strcasecmp(t, vs->orig) == 0) return -1;
    if (bad_single(t)) return -1;
    for (int i = 0; i < vs->n; i++)
        if (strcasecmp(vs->v[i], t) == 0) return -1;
    if (vs->n == NVAR) return -1;
    memcpy(vs->v[vs->n], t, strlen(t) + 1);
    return vs->n++;
}

static const char *const qualifiers[] = {
    "not elsewhere classified", "not otherwise specified", "without complications",
    "without complication", "unspecified type", "unspecified site", "site unspecified",
    "type unspecified", "unspecified", "nos", "nec", NULL};
static const char *const dangling[] = {"of", "with", "in", "due to", "without", "and", "or",
                                       "at", "on", "by", "for", "to", NULL};

/* Strip one trailing qualifier (and a connector it leaves dangling). 1 if changed. */
static int strip_one(char *s)
{
    size_t n = strlen(s);
    for (int i = 0; qualifiers[i]; i++) {
        size_t k = strlen(qualifiers[i]);
        if (n <= k || strcasecmp(s + n - k, qualifiers[i]) != 0) continue;
        char before = s[n - k - 1];
        if (before != ' ' && before != ',' && before != '(') continue;
        s[n - k] = 0;
        /* "(NOS)" / "(unspecified)" */
        tidy(s);
        n = strlen(s);
        if (n && s[n - 1] == '(') s[--n] = 0;
        tidy(s);
        for (int changed = 1; changed;) {
            changed = 0;
            n = strlen(s);
            for (int d = 0; dangling[d]; d++) {
                size_t dk = strlen(dangling[d]);
                if (n > dk && strcasecmp(s + n - dk, dangling[d]) == 0 && s[n - dk - 1] == ' ') {
                    s[n - dk] = 0;
                    tidy(s);
                    changed = 1;
                    break;
                }
            }
        }
        return 1;
    }
    /* "... unspecified)" inside a closing parenthesis: "(unspecified)" at the end */
    if (n > 2 && s[n - 1] == ')') {
        char *o = strrchr(s, '(');
        if (o) {
            char inner[VMAX];
            snprintf(inner, sizeof inner, "%.*s", (int)(s + n - 1 - (o + 1)), o + 1);
            tidy(inner);
            for (int i = 0; qualifiers[i]; i++)
                if (strcasecmp(inner, qualifiers[i]) == 0) {
                    *o = 0;
                    tidy(s);
                    return 1;
                }
        }
    }
    return 0;
}

static const char *const connectors[] = {"with", "without", "in", "due", "of", "from", "by",
                                         "after", "following", "during", "on", "at", "to",
                                         "and", "or", "not", "for", "as", NULL};

static int is_connector_word(const char *w, size_t n)
{
    for (int i = 0; connectors[i]; i++)
        if (strlen(connectors[i]) == n && strncasecmp(w, connectors[i], n) == 0) return 1;
    return 0;
}

static int words(const char *s, int *conn)
{
    int n = 0;
    *conn = 0;
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ' ') e++;
        if (is_connector_word(s, (size_t)(e - s))) *conn = 1;
        n++;
        s = e;
    }
    return n;
}

static int adjective_like(const char *w)
{
    size_t n = strlen(w);
    static const char *const suf[] = {"al", "ic", "ous", "ary", "ive", "ed", NULL};
    if (strchr(w, ' ') || n < 5) return 0;
    for (int i = 0; suf[i]; i++) {
        size_t k = strlen(suf[i]);
        if (strcasecmp(w + n - k, suf[i]) == 0) return 1;
    }
    return 0;
}

static int has_qualifier_word(const char *s)
{
    static const char *const q[] = {"unspecified", "nos", "nec", "elsewhere", "otherwise", NULL};
    while (*s) {
        while (*s == ' ') s++;
        const char *e = s;
        while (*e && *e != ' ') e++;
        for (int i = 0; q[i]; i++)
            if (strlen(q[i]) == (size_t)(e - s) && strncasecmp(s, q[i], (size_t)(e - s)) == 0) return 1;
        s = e;
    }
    return 0;
}

static void invert(vset *vs, const char *s)
{
    if (!strchr(s, ',') || strchr(s, '(')) return;
    char buf[VMAX], *parts[6];
    int np = 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *p = buf, *q; p && np < 6; p = q) {
        q = strchr(p, ',');
        if (q) *q++ = 0;
        tidy(p);
        if (*p) parts[np++] = p;
        if (q && np == 6) return; /* too many parts */
    }
    if (np < 2 || np > 4) return;
    int conn;
    if (words(parts[0], &conn) != 1) return;
    int any_adj = 0;
    for (int i = 1; i < np; i++) {
        if (words(parts[i], &conn) > 3 || conn) return;
        if (has_qualifier_word(parts[i])) return; /* "Cholera, unspecified": step 2's */
        any_adj |= adjective_like(parts[i]);
    }
    char pre[VMAX] = "", t[VMAX];
    for (int i = 1; i < np; i++) {
        size_t k = strlen(pre);
        snprintf(pre + k, sizeof pre - k, "%s%s", k ? " " : "", parts[i]);
    }
    snprintf(t, sizeof t, "%s %s", pre, parts[0]);
    vadd(vs, t);
    if (!any_adj) {
        snprintf(t, sizeof t, "%s of %s", parts[0], pre);
        vadd(vs, t);
    }
}

/* Steps 2 and 3 on one form. */
static void qualify_and_invert(vset *vs, const char *form)
{
    char s[VMAX];
    size_t n = strnlen(form, VMAX - 1);
    memcpy(s, form, n);
    s[n] = 0;
    tidy(s);
    invert(vs, s);
    for (int i = 0; i < 3 && strip_one(s); i++) {
        if (!has_alnum(s)) break;
        vadd(vs, s);
        invert(vs, s);
    }
}

void mc_variants(const char *phrase, mc_variant_cb cb, void *ud)
{
    if (!phrase || strlen(phrase) >= VMAX) return;
    vset vs;
    vs.n = 0;
    vs.orig = phrase;
    vs.cb = cb;
    vs.ud = ud;
    char orig[VMAX];
    snprintf(orig, sizeof orig, "%s", phrase);
    tidy(orig);
    vs.orig = orig;

    /* step 1: parenthesised groups (skip a trailing qualifier group: step 2 owns it) */
    const char *open[3], *close[3];
    int ng = 0;
    for (const char *p = orig; *p && ng < 3; p++) {
        if (*p != '(') continue;
        const char *e = strchr(p, ')');
        if (!e) break;
        open[ng] = p;
        close[ng] = e;
        ng++;
        p = e;
    }
    char forms[8][VMAX];
    int nf = 0;
    for (int mask = (1 << ng) - 1; mask >= 0; mask--) {
        char t[VMAX];
        size_t k = 0;
        const char *p = orig;
        for (int g = 0; g < ng; g++) {
            size_t n = (size_t)(open[g] - p);
            memcpy(t + k, p, n);
            k += n;
            if (mask >> g & 1) {
                n = (size_t)(close[g] - open[g] - 1);
                t[k++] = ' ';
                memcpy(t + k, open[g] + 1, n);
                k += n;
                t[k++] = ' ';
            }
            p = close[g] + 1;
        }
        size_t rest = strlen(p);
        memcpy(t + k, p, rest);
        k += rest;
        t[k] = 0;
        tidy(t);
        snprintf(forms[nf++], VMAX, "%s", t);
    }
    if (ng == 0) snprintf(forms[nf++], VMAX, "%s", orig);
    for (int i = 0; i < nf; i++) {
        if (ng) vadd(&vs, forms[i]);
        qualify_and_invert(&vs, forms[i]);
    }
    for (int i = 0; i < vs.n; i++) cb(ud, vs.v[i]);
}
