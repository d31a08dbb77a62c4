/* ctx_tool.c — a small driver of the context stage for tests and the NegEx kit
 * evaluation, independent of the CLI:
 *
 *   ctx_tool assert --dict DICT|--triggers CSV [--why] [FILE|-]   (a --dict ending in
 *       .csv is a trigger lexicon, compiled to a temporary dictionary first)
 *       reads TSV lines id<TAB>phrase<TAB>sentence (the phrase is the target, found in
 *       the sentence exactly, else case-insensitively) and prints
 *       id<TAB>negation<TAB>temporality<TAB>experiencer (the `medcode assert` format);
 *       --why adds the assertion, section and deciding triggers.
 *   ctx_tool build --triggers CSV [--zmap CSV] -o OUT
 *       compiles a context-only dictionary (for tests that need no ICD-10-CM data).
 *
 * It works like mc_assert_span (engine/match) but reads all three ConText axes from
 * the context scratch (engine/context/mc_ctx_axes.h). */
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include "context/mc_context.h"
#include "context/mc_ctx_axes.h"
#include "text/mc_text.h"
#include "trie/mc_trie.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int build(const char *triggers, const char *zmap, const char *out)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = mc_builder_create();
    mc_status st = mc_builder_add_context_csv(b, triggers, &err);
    if (!st && zmap) st = mc_builder_add_zmap_csv(b, zmap, &err);
    if (!st) st = mc_builder_add_term(b, "R69", "illness", MC_SRC_CURATED, 0, NULL);
    if (!st) st = mc_builder_write(b, out, &err);
    mc_builder_free(b);
    if (st) {
        char buf[1024];
        mc_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "ctx_tool: %s\n", buf);
        return 1;
    }
    return 0;
}

/* Byte offset of needle in hay: exact case first, then any case; -1 when absent. */
static long find_phrase(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (p) return p - hay;
    size_t n = strlen(needle);
    for (const char *q = hay; *q; q++)
        if (strncasecmp(q, needle, n) == 0) return q - hay;
    return -1;
}

static const char *trig(const mc_dict *d, int32_t t)
{
    return t >= 0 && (size_t)t < d->n_triggers ? d->strs + d->triggers[t].text : "-";
}

static int assert_file(const mc_dict *d, FILE *in, int why)
{
    mc_tokens toks = {0};
    mc_ctx_scratch *cs = mc_ctx_scratch_create();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long ln = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        ln++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *id = line, *ph = strchr(id, '\t');
        if (!ph) continue;
        *ph++ = 0;
        char *sent = strchr(ph, '\t');
        if (!sent) continue;
        *sent++ = 0;
        if (ln == 1 && strcmp(id, "id") == 0) continue;
        long at = find_phrase(sent, ph);
        if (at < 0) {
            fprintf(stderr, "ctx_tool: line %lu: phrase not found in its sentence\n", ln);
            printf("%s\tAffirmed\tRecent\tPatient\n", id);
            continue;
        }
        size_t start = (size_t)at, end = start + strlen(ph);
        if (mc_tokenize(sent, strlen(sent), &toks)) break;
        for (size_t i = 0; i < toks.n; i++)
            toks.tok[i].id = mc_vocab_find(d, toks.norm + toks.tok[i].norm, toks.tok[i].norm_len, toks.tok[i].hash);
        size_t a = toks.n, b = toks.n;
        for (size_t i = 0; i < toks.n; i++) {
            if (a == toks.n && toks.tok[i].end > start) a = i;
            if (toks.tok[i].start < end) b = i + 1;
        }
        if (a >= toks.n || b <= a) {
            printf("%s\tAffirmed\tRecent\tPatient\n", id);
            continue;
        }
        mc_mention m;
        memset(&m, 0, sizeof m);
        m.tok_start = (uint32_t)a;
        m.tok_end = (uint32_t)b;
        m.start = toks.tok[a].start;
        m.end = toks.tok[b - 1].end;
        m.trigger = -1;
        mc_context_assert(d, &toks, &m, 1, cs);
        const mc_ctx_axes *ax = mc_ctx_axes_of(cs, 0);
        printf("%s\t%s\t%s\t%s", id, mc_ctx_negation_label(ax->negation), mc_ctx_temporality_label(ax->temporality),
               mc_ctx_experiencer_label(ax->experiencer));
        if (why)
            printf("\t%s\t%s\t%s|%s|%s", mc_assert_name(m.assertion), mc_section_name(m.section), trig(d, ax->neg_trigger),
                   trig(d, ax->temp_trigger), trig(d, ax->exp_trigger));
        putchar('\n');
    }
    free(line);
    mc_tokens_free(&toks);
    mc_ctx_scratch_free(cs);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: ctx_tool assert --dict DICT|--triggers CSV [--why] [FILE|-]\n"
                    "       ctx_tool build --triggers CSV [--zmap CSV] -o OUT\n");
    return 64;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage();
    const char *dict = NULL, *triggers = NULL, *zmap = NULL, *out = NULL, *file = NULL;
    int why = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--dict") && i + 1 < argc) dict = argv[++i];
        else if (!strcmp(argv[i], "--triggers") && i + 1 < argc) triggers = argv[++i];
        else if (!strcmp(argv[i], "--zmap") && i + 1 < argc) zmap = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--why")) why = 1;
        else if (!file) file = argv[i];
        else return usage();
    }
    if (!strcmp(argv[1], "build")) {
        if (!triggers || !out) return usage();
        return build(triggers, zmap, out);
    }
    if (strcmp(argv[1], "assert") || (!dict == !triggers)) return usage();
    char tmp[64] = "";
    size_t dl = dict ? strlen(dict) : 0;
    if (dl > 4 && !strcmp(dict + dl - 4, ".csv")) triggers = dict; /* --dict triggers.csv */
    if (triggers) {
        snprintf(tmp, sizeof tmp, "/tmp/ctx_tool_%ld.dict", (long)getpid());
        if (build(triggers, NULL, tmp)) return 1;
        dict = tmp;
    }
    mc_dict *d = NULL;
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_status st = mc_dict_open(dict, &d, &err);
    if (tmp[0]) unlink(tmp);
    if (st) {
        char buf[1024];
        mc_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "ctx_tool: %s\n", buf);
        return 1;
    }
    FILE *in = stdin;
    if (file && strcmp(file, "-")) {
        in = fopen(file, "r");
        if (!in) { perror(file); mc_dict_close(d); return 1; }
    }
    int rc = assert_file(d, in, why);
    if (in != stdin) fclose(in);
    mc_dict_close(d);
    return rc;
}
