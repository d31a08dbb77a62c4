/* fake_builder.c — records what the importers feed a builder (see fake_builder.h).
 * Implements the subset of include/mc_build.h the importers call. Test-only. */
#include "fake_builder.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char code[12];
    char *title, *short_title;
    int billable;
} fb_code;
typedef struct {
    char *k, *v;
    long n;
} fb_kv;
typedef struct {
    int num;
    char *first, *last, *title;
} fb_range;

struct mc_builder {
    fb_code *codes;
    long ncodes, capcodes;
    int sorted;
    fb_term *terms;
    long nterms, capterms;
    fb_kv meta[64], counters[128];
    int nmeta, ncounters;
    fb_range chapters[64], blocks[512];
    int nchapters, nblocks;
};

static char *xdup(const char *s)
{
    if (!s) return NULL;
    char *p = malloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

static void canon(const char *in, char *out)
{
    char u[12];
    int k = 0;
    for (; *in && k < 10; in++)
        if (isalnum((unsigned char)*in)) u[k++] = (char)toupper((unsigned char)*in);
    u[k] = 0;
    if (k <= 3) strcpy(out, u);
    else sprintf(out, "%.3s.%s", u, u + 3);
}

mc_builder *mc_builder_create(void) { return calloc(1, sizeof(mc_builder)); }

void mc_builder_free(mc_builder *b)
{
    if (!b) return;
    for (long i = 0; i < b->ncodes; i++) free(b->codes[i].title), free(b->codes[i].short_title);
    for (long i = 0; i < b->nterms; i++) free(b->terms[i].code), free(b->terms[i].phrase);
    for (int i = 0; i < b->nmeta; i++) free(b->meta[i].k), free(b->meta[i].v);
    for (int i = 0; i < b->ncounters; i++) free(b->counters[i].k);
    for (int i = 0; i < b->nchapters; i++)
        free(b->chapters[i].first), free(b->chapters[i].last), free(b->chapters[i].title);
    for (int i = 0; i < b->nblocks; i++)
        free(b->blocks[i].first), free(b->blocks[i].last), free(b->blocks[i].title);
    free(b->codes);
    free(b->terms);
    free(b);
}

static int code_cmp(const void *a, const void *c)
{
    return strcmp(((const fb_code *)a)->code, ((const fb_code *)c)->code);
}

static void sort_codes(mc_builder *b)
{
    if (b->sorted || b->ncodes == 0) return;
    qsort(b->codes, (size_t)b->ncodes, sizeof *b->codes, code_cmp);
    b->sorted = 1;
}

static fb_code *find_code(const mc_builder *cb, const char *code)
{
    mc_builder *b = (mc_builder *)cb;
    char c[12];
    canon(code, c);
    sort_codes(b);
    fb_code key;
    strcpy(key.code, c);
    return bsearch(&key, b->codes, (size_t)b->ncodes, sizeof *b->codes, code_cmp);
}

mc_status mc_builder_add_code(mc_builder *b, const char *code, const char *title,
                              const char *short_title, int billable)
{
    fb_code *e = b->ncodes ? find_code(b, code) : NULL;
    if (e) {
        if (!e->title && title) e->title = xdup(title);
        return MC_OK;
    }
    if (b->ncodes == b->capcodes) {
        b->capcodes = b->capcodes ? b->capcodes * 2 : 1024;
        b->codes = realloc(b->codes, (size_t)b->capcodes * sizeof *b->codes);
    }
    fb_code *n = &b->codes[b->ncodes++];
    canon(code, n->code);
    n->title = xdup(title);
    n->short_title = xdup(short_title);
    n->billable = billable;
    /* order files arrive sorted: keep the flag when appending in order */
    b->sorted = b->ncodes == 1 || (b->sorted && strcmp(b->codes[b->ncodes - 2].code, n->code) < 0);
    return MC_OK;
}

mc_status mc_builder_add_term(mc_builder *b, const char *code, const char *phrase,
                              mc_source src, unsigned flags, const char *system)
{
    int has = 0;
    for (const char *p = phrase; *p; p++)
        if (isalnum((unsigned char)*p)) has = 1;
    if (!has) return MC_E_DICT_BUILD;
    if (b->nterms == b->capterms) {
        b->capterms = b->capterms ? b->capterms * 2 : 1024;
        b->terms = realloc(b->terms, (size_t)b->capterms * sizeof *b->terms);
    }
    char c[12];
    canon(code, c);
    fb_term *t = &b->terms[b->nterms++];
    t->code = xdup(c);
    t->phrase = xdup(phrase);
    t->src = (int)src;
    t->flags = flags;
    if (!find_code(b, c)) mc_builder_add_code(b, c, NULL, NULL, !(flags & MC_TERMF_CATEGORY));
    return MC_OK;
}

static mc_status add_range(fb_range *r, int *n, int max, int num, const char *first,
                           const char *last, const char *title)
{
    if (*n == max) return MC_E_NOMEM;
    r[*n].num = num;
    r[*n].first = xdup(first);
    r[*n].last = xdup(last);
    r[*n].title = xdup(title);
    (*n)++;
    return MC_OK;
}

mc_status mc_builder_add_chapter(mc_builder *b, int number, const char *first, const char *last,
                                 const char *title)
{
    return add_range(b->chapters, &b->nchapters, 64, number, first, last, title);
}

mc_status mc_builder_add_block(mc_builder *b, const char *first, const char *last,
                               const char *title)
{
    return add_range(b->blocks, &b->nblocks, 512, 0, first, last, title);
}

mc_status mc_builder_set_meta(mc_builder *b, const char *key, const char *value)
{
    for (int i = 0; i < b->nmeta; i++)
        if (strcmp(b->meta[i].k, key) == 0) {
            free(b->meta[i].v);
            b->meta[i].v = xdup(value);
            return MC_OK;
        }
    if (b->nmeta == 64) return MC_E_NOMEM;
    b->meta[b->nmeta].k = xdup(key);
    b->meta[b->nmeta].v = xdup(value);
    b->nmeta++;
    return MC_OK;
}

void mc_builder_count(mc_builder *b, const char *counter, long delta)
{
    for (int i = 0; i < b->ncounters; i++)
        if (strcmp(b->counters[i].k, counter) == 0) {
            b->counters[i].n += delta;
            return;
        }
    if (b->ncounters == 128) return;
    b->counters[b->ncounters].k = xdup(counter);
    b->counters[b->ncounters].n = delta;
    b->ncounters++;
}

void mc_builder_summary(const mc_builder *b, mc_build_summary *out)
{
    memset(out, 0, sizeof *out);
    out->codes = b->ncodes;
    for (long i = 0; i < b->ncodes; i++) out->billable += b->codes[i].billable;
    out->terms = b->nterms;
    for (long i = 0; i < b->nterms; i++) out->per_source[b->terms[i].src]++;
}

int mc_builder_has_code(const mc_builder *b, const char *code)
{
    return b->ncodes && find_code(b, code) != NULL;
}

void mc_builder_codes_with_prefix(const mc_builder *cb, const char *prefix,
                                  void (*f)(void *ud, const char *code, int billable), void *ud)
{
    mc_builder *b = (mc_builder *)cb;
    sort_codes(b);
    char p[12] = "";
    if (prefix && *prefix) canon(prefix, p);
    size_t n = strlen(p);
    if (n == 4 && p[3] == '.') p[--n] = 0; /* "E11." */
    for (long i = 0; i < b->ncodes; i++)
        if (strncmp(b->codes[i].code, p, n) == 0) f(ud, b->codes[i].code, b->codes[i].billable);
}

long fb_nterms(const mc_builder *b) { return b->nterms; }
const fb_term *fb_term_at(const mc_builder *b, long i) { return &b->terms[i]; }

int fb_has_term(const mc_builder *b, const char *code, const char *phrase)
{
    char c[12] = "";
    if (code) canon(code, c);
    int n = 0;
    for (long i = 0; i < b->nterms; i++)
        if ((!code || strcmp(b->terms[i].code, c) == 0) && strcasecmp(b->terms[i].phrase, phrase) == 0)
            n++;
    return n;
}

int fb_term_flags(const mc_builder *b, const char *code, const char *phrase)
{
    char c[12] = "";
    if (code) canon(code, c);
    for (long i = 0; i < b->nterms; i++)
        if ((!code || strcmp(b->terms[i].code, c) == 0) && strcasecmp(b->terms[i].phrase, phrase) == 0)
            return (int)b->terms[i].flags;
    return -1;
}

long fb_counter(const mc_builder *b, const char *name)
{
    for (int i = 0; i < b->ncounters; i++)
        if (strcmp(b->counters[i].k, name) == 0) return b->counters[i].n;
    return 0;
}

const char *fb_meta(const mc_builder *b, const char *key)
{
    for (int i = 0; i < b->nmeta; i++)
        if (strcmp(b->meta[i].k, key) == 0) return b->meta[i].v;
    return NULL;
}

long fb_ncodes(const mc_builder *b, long *billable)
{
    long n = 0;
    for (long i = 0; i < b->ncodes; i++) n += b->codes[i].billable;
    if (billable) *billable = n;
    return b->ncodes;
}

const char *fb_code_title(const mc_builder *b, const char *code, const char **short_title)
{
    fb_code *e = find_code(b, code);
    if (!e) return NULL;
    if (short_title) *short_title = e->short_title;
    return e->title;
}

int fb_nchapters(const mc_builder *b) { return b->nchapters; }
int fb_nblocks(const mc_builder *b) { return b->nblocks; }

int fb_chapter(const mc_builder *b, int i, int *num, const char **first, const char **last,
               const char **title)
{
    if (i < 0 || i >= b->nchapters) return -1;
    *num = b->chapters[i].num;
    *first = b->chapters[i].first;
    *last = b->chapters[i].last;
    *title = b->chapters[i].title;
    return 0;
}

long fb_terms_by_source(const mc_builder *b, int src)
{
    long n = 0;
    for (long i = 0; i < b->nterms; i++) n += b->terms[i].src == src;
    return n;
}

void fb_dump(const mc_builder *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    for (long i = 0; i < b->nterms; i++)
        fprintf(f, "%s\t%d\t%u\t%s\n", b->terms[i].code, b->terms[i].src, b->terms[i].flags,
                b->terms[i].phrase);
    fclose(f);
}
