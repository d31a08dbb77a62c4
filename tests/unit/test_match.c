/* test_match.c — dictionary build / load / lookup and matcher semantics as tables of
 * {terms, text, expected spans}, plus a differential check of the trie matcher against
 * a slow obvious matcher on random texts. */
#include "mc_test.h"
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include "text/mc_text.h"
#include <stdlib.h>
#include <unistd.h>

typedef struct { const char *code, *term; unsigned flags; } term_t;

static mc_dict *build(const term_t *t, size_t n, const char *path)
{
    mc_builder *b = mc_builder_create();
    for (size_t i = 0; i < n; i++) MC_CHECK(mc_builder_add_term(b, t[i].code, t[i].term, MC_SRC_CURATED, t[i].flags, NULL) == MC_OK);
    mc_error e;
    MC_CHECK(mc_builder_write(b, path, &e) == MC_OK);
    mc_builder_free(b);
    mc_dict *d = NULL;
    MC_CHECK(mc_dict_open(path, &d, &e) == MC_OK);
    return d;
}

/* Render matches as "a-b:CODE ..." (token spans). */
static void render(const mc_dict *d, const char *text, char *out, size_t cap)
{
    mc_scratch *s = mc_scratch_create(d);
    mc_scan_opts o;
    mc_scan_opts_default(&o);
    o.context = 0;
    o.resolve_specific = 0;
    const mc_mention *ms;
    size_t n;
    out[0] = 0;
    MC_CHECK(mc_scan(s, text, strlen(text), &o, &ms, &n) == MC_OK);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        mc_code_info c;
        mc_dict_code(d, ms[i].matched_code, &c);
        k += (size_t)snprintf(out + k, cap - k, "%s%u-%u:%s", i ? " " : "", ms[i].tok_start, ms[i].tok_end, c.code);
    }
    mc_scratch_free(s);
}

/* A term for the slow reference matcher: its normal form, token count, code. */
typedef struct { char norm[128]; int ntok; const char *code; } refterm_t;

static size_t ref_terms(const term_t *t, size_t n, refterm_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].flags) continue; /* flagged terms do not occur in the random texts */
        out[k].ntok = mc_normalize_phrase(t[i].term, strlen(t[i].term), out[k].norm, sizeof out[k].norm);
        out[k].code = t[i].code;
        k++;
    }
    return k;
}

/* The slow obvious leftmost-longest on token strings, rendered like render(): at each
 * token the longest term whose tokens follow within one sentence, else the next token. */
static void ref_match(const char *text, mc_tokens *tk, const refterm_t *rt, size_t nrt, char *ref, size_t cap)
{
    static char norm[128][64];
    mc_tokenize(text, strlen(text), tk);
    MC_CHECK(tk->n <= 128);
    for (size_t i = 0; i < tk->n && i < 128; i++) {
        memcpy(norm[i], tk->norm + tk->tok[i].norm, tk->tok[i].norm_len);
        norm[i][tk->tok[i].norm_len] = 0;
    }
    size_t rk = 0;
    ref[0] = 0;
    for (size_t i = 0; i < tk->n && i < 128;) {
        size_t best = 0;
        const char *bc = NULL;
        for (size_t q = 0; q < nrt; q++) {
            size_t nt = (size_t)rt[q].ntok;
            if (nt > tk->n - i || nt <= best) continue;
            char joined[256] = "";
            size_t jk = 0;
            int crosses = 0;
            for (size_t u = 0; u < nt; u++) {
                if (u && (tk->tok[i + u].flags & MC_TOK_SENT)) crosses = 1;
                jk += (size_t)snprintf(joined + jk, sizeof joined - jk, "%s%s", u ? " " : "", norm[i + u]);
            }
            if (!crosses && strcmp(joined, rt[q].norm) == 0) { best = nt; bc = rt[q].code; }
        }
        if (best) {
            rk += (size_t)snprintf(ref + rk, cap - rk, "%s%zu-%zu:%s", rk ? " " : "", i, i + best, bc);
            i += best;
        } else i++;
    }
}

static const term_t T1[] = {
    {"I51.9", "heart", 0},      {"I50.9", "heart failure", 0}, {"R62.51", "failure to thrive", 0},
    {"A00.0", "a b", 0},        {"B00.0", "b c d", 0},         {"I10", "HTN", MC_TERMF_UPPER},
    {"I21.9", "MI", MC_TERMF_UPPER}, {"I21.4", "NSTEMI", MC_TERMF_UPPER}, {"E11.9", "type 2 diabetes", 0},
    {"H81.09", "Ménière disease", 0}, {"J18.9", "pneumonia", 0}, {"N18.30", "CKD stage 3", MC_TERMF_UPPER},
    {"R14.3", "gas", MC_TERMF_GUARDED},
};

static const struct { const char *text, *want; } M1[] = {
    {"heart failure to thrive", "0-2:I50.9"},             /* leftmost-longest, non-overlapping */
    {"heart", "0-1:I51.9"},
    {"a b c d", "0-2:A00.0"},                             /* leftmost wins over longer-later */
    {"b c d", "0-3:B00.0"},
    {"Heart-Failure", "0-2:I50.9"},                       /* case and hyphen */
    {"HEART FAILURE", "0-2:I50.9"},
    {"no heart. Failure to thrive", "1-2:I51.9 2-5:R62.51"}, /* no match across a sentence */
    {"HTN and htn", "0-1:I10"},                           /* upper-only abbreviation */
    {"ran 5 mi today, MI yesterday", "4-5:I21.9"},
    {"Type II diabetes", "0-3:E11.9"},                   /* roman numerals */
    {"type-2 diabetes mellitus", "0-3:E11.9"},
    {"MENIERE'S DISEASE", "0-2:H81.09"},                  /* accents, possessive */
    {"pneumonias", "0-1:J18.9"},                          /* plural */
    {"(pneumonia)", "0-1:J18.9"},
    {"CKD stage 3", "0-3:N18.30"},
    {"ckd stage 3", ""},
    {"abdominal gas noted", "1-2:R14.3"},                 /* guarded single word */
    {"arterial blood-gas", ""},                           /* ... not inside a compound */
    {"", ""},
};

int main(void)
{
    char path[] = "/tmp/mc_test_match_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    mc_dict *d = build(T1, sizeof T1 / sizeof T1[0], path);
    if (!d) return mc_test_result("test_match");
    char out[4096];
    for (size_t i = 0; i < sizeof M1 / sizeof M1[0]; i++) {
        render(d, M1[i].text, out, sizeof out);
        if (strcmp(out, M1[i].want)) fprintf(stderr, "text: \"%s\"\n", M1[i].text);
        MC_CHECK_STR(out, M1[i].want);
    }
    /* code table: sorted, dotted, findable with or without the dot */
    MC_CHECK(mc_dict_find_code(d, "I50.9") >= 0);
    MC_CHECK(mc_dict_find_code(d, "i509") == mc_dict_find_code(d, "I50.9"));
    MC_CHECK(mc_dict_find_code(d, "Z99.9") == -1);
    mc_code_info c;
    mc_dict_code(d, (uint32_t)mc_dict_find_code(d, "I50.9"), &c);
    MC_CHECK(c.chapter == 9);
    MC_CHECK_STR(c.title, "heart failure");
    mc_dict_info di;
    mc_dict_get_info(d, &di);
    MC_CHECK(di.n_codes == 13 && di.n_chapters == 22);

    /* precedence when one phrase maps to several codes: curated > ... > title; then an
       original phrase over a variant; then billable over header; then the lower code */
    {
        char p2[] = "/tmp/mc_test_prec_XXXXXX";
        int fd2 = mkstemp(p2);
        close(fd2);
        mc_builder *b = mc_builder_create();
        mc_builder_add_code(b, "K00", "header K00", NULL, 0);
        mc_builder_add_code(b, "K00.1", "billable K00.1", NULL, 1);
        MC_CHECK(mc_builder_add_term(b, "K00.9", "foo bar", MC_SRC_TITLE, 0, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00.8", "foo bar", MC_SRC_CURATED, 0, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00.7", "foo bar", MC_SRC_INDEX, 0, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00", "baz qux", MC_SRC_INDEX, MC_TERMF_CATEGORY, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00.1", "baz qux", MC_SRC_INDEX, 0, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00.6", "alpha beta", MC_SRC_INDEX, 0, NULL) == MC_OK);
        MC_CHECK(mc_builder_add_term(b, "K00.5", "alpha beta", MC_SRC_INDEX, 0, NULL) == MC_OK);
        mc_build_summary sum;
        mc_builder_summary(b, &sum);
        MC_CHECK(sum.ambiguous == 3);
        mc_error e2;
        MC_CHECK(mc_builder_write(b, p2, &e2) == MC_OK);
        mc_builder_free(b);
        mc_dict *d2;
        MC_CHECK(mc_dict_open(p2, &d2, &e2) == MC_OK);
        render(d2, "foo bar. baz qux. alpha beta", out, sizeof out);
        MC_CHECK_STR(out, "0-2:K00.8 2-4:K00.1 4-6:K00.5");
        mc_dict_close(d2);
        unlink(p2);
    }

    /* differential: trie matcher vs a slow obvious leftmost-longest on token strings */
    static const char *words[] = {"heart", "failure", "to", "thrive", "a", "b", "c", "d", "pneumonia", "x", "type", "2", "diabetes", "."};
    unsigned x = 7;
    mc_tokens tk = {0};
    char text[2048], ref[4096];
    static refterm_t R1[sizeof T1 / sizeof T1[0]];
    size_t nR1 = ref_terms(T1, sizeof T1 / sizeof T1[0], R1);
    for (int round = 0; round < 3000; round++) {
        size_t k = 0;
        int nw = 1 + (int)(x % 14);
        for (int w = 0; w < nw; w++) {
            x = x * 1103515245u + 12345u;
            const char *wd = words[(x >> 16) % (sizeof words / sizeof words[0])];
            k += (size_t)snprintf(text + k, sizeof text - k, "%s%s", w ? " " : "", wd);
        }
        render(d, text, out, sizeof out);
        ref_match(text, &tk, R1, nR1, ref, sizeof ref);
        if (strcmp(out, ref)) { fprintf(stderr, "differential: \"%s\"\n", text); MC_CHECK_STR(out, ref); break; }
    }

    /* differential on a bushy trie: nodes with more children than the scanner scans
       linearly (MC_EDGE_LINEAR) at every depth, so that every kind of step the walk
       takes (edge hash, edge list, a node reached by either) is compared */
    {
        static const char *gw[] = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta",
                                   "iota", "kappa", "lam", "mu"};
        enum { NGW = 12, MAXT = 900 };
        static char gterm[MAXT][64], gcode[MAXT][16];
        static term_t GT[MAXT];
        size_t ng = 0;
        unsigned y = 99;
        /* all of "alpha beta X" and "alpha beta gamma X": 12 children two and three deep */
        for (int a = 0; a < NGW; a++) snprintf(gterm[ng++], 64, "alpha beta %s", gw[a]);
        for (int a = 0; a < NGW; a++) snprintf(gterm[ng++], 64, "alpha beta gamma %s", gw[a]);
        while (ng < 600) {
            int len = 1 + (int)((y >> 8) % 5), kk = 0;
            char buf[64];
            for (int q = 0; q < len; q++) {
                y = y * 1103515245u + 12345u;
                kk += snprintf(buf + kk, sizeof buf - (size_t)kk, "%s%s", q ? " " : "", gw[(y >> 16) % NGW]);
            }
            int dup = 0;
            for (size_t q = 0; q < ng && !dup; q++) dup = strcmp(gterm[q], buf) == 0;
            if (!dup) memcpy(gterm[ng++], buf, sizeof buf);
        }
        for (size_t q = 0; q < ng; q++) {
            snprintf(gcode[q], sizeof gcode[q], "A%02zu.%zu", q / 10, q % 10);
            GT[q] = (term_t){gcode[q], gterm[q], 0};
        }
        char gpath[] = "/tmp/mc_test_bushy_XXXXXX";
        int gfd = mkstemp(gpath);
        close(gfd);
        mc_dict *g = build(GT, ng, gpath);
        MC_CHECK(g != NULL);
        static refterm_t GR[MAXT];
        size_t nGR = ref_terms(GT, ng, GR);
        for (int round = 0; g && round < 3000; round++) {
            size_t k = 0;
            int nw = 1 + (int)(y % 30);
            for (int w = 0; w < nw; w++) {
                y = y * 1103515245u + 12345u;
                unsigned r = (y >> 16) % (NGW + 2);
                const char *wd = r < NGW ? gw[r] : r == NGW ? "Other" : "x. Alpha";
                k += (size_t)snprintf(text + k, sizeof text - k, "%s%s", w ? " " : "", wd);
            }
            render(g, text, out, sizeof out);
            ref_match(text, &tk, GR, nGR, ref, sizeof ref);
            if (strcmp(out, ref)) { fprintf(stderr, "bushy differential: \"%s\"\n", text); MC_CHECK_STR(out, ref); break; }
        }
        if (g) mc_dict_close(g);
        unlink(gpath);
    }
    mc_tokens_free(&tk);
    mc_dict_close(d);
    unlink(path);
    return mc_test_result("test_match");
}
