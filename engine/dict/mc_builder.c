/* mc_builder.c — the dictionary compiler: collects codes, phrases and triggers,
 * resolves each phrase to one code by precedence, builds the token trie and writes the
 * file described in engine/trie/mc_format.h (atomically: temp file, then rename). */
#include "mc_build.h"
#include "common/mc_strmap.h"
#include "common/mc_util.h"
#include "context/mc_context.h"
#include "dict/mc_chapters.h"
#include "dict/mc_groups_build.h"
#include "dict/mc_variants.h"
#include "text/mc_text.h"
#include "trie/mc_format.h"
#include "trie/mc_trie.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct {
    char *code, *title, *short_title;
    int billable, official, declared;
} bcode;

typedef struct {        /* best candidate for a normalised phrase */
    uint32_t code;      /* index into codes (trie 0) or triggers (trie 1) */
    char *text;         /* phrase as given */
    char *system;
    uint8_t source, flags;
    uint8_t trie;
    uint16_t ntok;
    uint32_t n_codes;   /* distinct codes seen for this phrase */
    uint32_t last_code; /* to count distinct codes cheaply (consecutive) */
} bphrase;

typedef struct { uint8_t category, direction, window, section; char *text; } btrigger;
typedef struct { int num; char *first, *last, *title; } brange;
typedef struct { char *prefix; uint32_t family, history; int chronic; } bzmap; /* code indexes before sorting */

struct mc_builder {
    MC_VEC(bcode) codes;
    mc_strmap code_ix;                /* dotted code -> index + 1 */
    MC_VEC(bphrase) phrases;
    mc_strmap phrase_ix;              /* "<trie>|normalised phrase" -> index + 1 */
    MC_VEC(btrigger) triggers;
    MC_VEC(brange) chapters;
    MC_VEC(brange) blocks;
    MC_VEC(bzmap) zmap;
    MC_VEC(char *) meta_k;
    MC_VEC(char *) meta_v;
    MC_VEC(char *) count_k;
    MC_VEC(long) count_v;
    long terms_added, variants_added, per_source[MC_SRC__COUNT];
    long ambiguous, amb_by_source, amb_by_specific, amb_by_order;
    uint32_t flags;
    int no_variants;                  /* mc_builder_set_variants(b, 0) */
    struct mc_bgroups *groups;        /* CCSR / AHRQ data (mc_import_groups.c) */
};

static const char *const src_names[MC_SRC__COUNT] = {"curated", "abbreviation", "lay", "user", "index", "inclusion", "title", "neoplasm"};
/* Precedence rank per source number: the Neoplasm Table's generated phrases rank with the
 * Alphabetic Index, just after its own phrases (which CMS wrote one by one). */
static const unsigned char src_rank[MC_SRC__COUNT] = {0, 1, 2, 3, 4, 6, 7, 5};

const char *mc_source_name(mc_source s) { return (unsigned)s < MC_SRC__COUNT ? src_names[s] : "unknown"; }
int mc_source_rank(mc_source s) { return (unsigned)s < MC_SRC__COUNT ? src_rank[s] : MC_SRC__COUNT; }
int mc_source_parse(const char *name, mc_source *out)
{
    for (int i = 0; i < MC_SRC__COUNT; i++)
        if (strcmp(name, src_names[i]) == 0) { *out = (mc_source)i; return 0; }
    if (strcmp(name, "synonym") == 0) { *out = MC_SRC_CURATED; return 0; }
    return -1;
}

mc_builder *mc_builder_create(void) { return calloc(1, sizeof(mc_builder)); }

void mc_builder_free(mc_builder *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->codes.n; i++) { free(b->codes.items[i].code); free(b->codes.items[i].title); free(b->codes.items[i].short_title); }
    for (size_t i = 0; i < b->phrases.n; i++) { free(b->phrases.items[i].text); free(b->phrases.items[i].system); }
    for (size_t i = 0; i < b->triggers.n; i++) free(b->triggers.items[i].text);
    for (size_t i = 0; i < b->chapters.n; i++) { free(b->chapters.items[i].first); free(b->chapters.items[i].last); free(b->chapters.items[i].title); }
    for (size_t i = 0; i < b->blocks.n; i++) { free(b->blocks.items[i].first); free(b->blocks.items[i].last); free(b->blocks.items[i].title); }
    for (size_t i = 0; i < b->meta_k.n; i++) { free(b->meta_k.items[i]); free(b->meta_v.items[i]); }
    for (size_t i = 0; i < b->zmap.n; i++) free(b->zmap.items[i].prefix);
    mc_vec_free(&b->zmap);
    for (size_t i = 0; i < b->count_k.n; i++) free(b->count_k.items[i]);
    mc_vec_free(&b->codes); mc_vec_free(&b->phrases); mc_vec_free(&b->triggers);
    mc_vec_free(&b->chapters); mc_vec_free(&b->blocks); mc_vec_free(&b->meta_k); mc_vec_free(&b->meta_v);
    mc_vec_free(&b->count_k); mc_vec_free(&b->count_v);
    mc_strmap_free(&b->code_ix);
    mc_strmap_free(&b->phrase_ix);
    mc_bgroups_free(b->groups);
    free(b);
}

/* "e119" / "E11.9" -> "E11.9". Returns 0, or -1 when not code-shaped. */
static int dot_code(const char *in, char out[16])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == ' ' || c == '\t' || c == '\r') continue;
        if (!isalnum(c) || n >= 8) return -1;
        if (n == 3) out[n++] = '.';
        out[n++] = (char)toupper(c);
    }
    if (n < 3) return -1;
    out[n] = 0;
    return 0;
}

static mc_status code_index(mc_builder *b, const char *code, int create, uint32_t *out)
{
    char dc[16];
    if (dot_code(code, dc)) return MC_E_DICT_BUILD;
    int ins = 0;
    uint32_t *v = create ? mc_strmap_put(&b->code_ix, dc, strlen(dc), &ins) : mc_strmap_get(&b->code_ix, dc, strlen(dc));
    if (!v) return create ? MC_E_NOMEM : MC_E_NOTFOUND;
    if (ins) {
        bcode c = {0};
        c.code = mc_strdup(dc);
        if (!c.code || mc_vec_push(&b->codes, c)) return MC_E_NOMEM;
        *v = (uint32_t)b->codes.n;
    }
    *out = *v - 1;
    return MC_OK;
}

mc_status mc_builder_add_code(mc_builder *b, const char *code, const char *title, const char *short_title, int billable)
{
    uint32_t ix;
    mc_status st = code_index(b, code, 1, &ix);
    if (st) return st;
    bcode *c = &b->codes.items[ix];
    if (!c->declared || !c->official) {
        if (title && title[0]) {
            free(c->title);
            c->title = mc_strdup(title);
            c->official = 1;
        }
        if (short_title && short_title[0]) { free(c->short_title); c->short_title = mc_strdup(short_title); }
        c->billable = billable;
    }
    c->declared = 1;
    return MC_OK;
}

int mc_builder_has_code(const mc_builder *b, const char *code)
{
    char dc[16];
    if (dot_code(code, dc)) return 0;
    uint32_t *v = mc_strmap_get(&b->code_ix, dc, strlen(dc));
    return v && b->codes.items[*v - 1].declared;
}

static int cmp_str_ptr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void mc_builder_codes_with_prefix(const mc_builder *b, const char *prefix, void (*cb)(void *ud, const char *code, int billable), void *ud)
{
    char dp[16];
    size_t n = 0;
    for (const char *p = prefix; *p && n < 14; p++) {
        if (*p == '.' || *p == '-') continue;
        if (n == 3) dp[n++] = '.';
        dp[n++] = (char)toupper((unsigned char)*p);
    }
    dp[n] = 0;
    MC_VEC(char *) hits = {0};
    for (size_t i = 0; i < b->codes.n; i++)
        if (b->codes.items[i].declared && strncmp(b->codes.items[i].code, dp, n) == 0) mc_vec_push(&hits, b->codes.items[i].code);
    if (hits.n > 1) qsort(hits.items, hits.n, sizeof(char *), cmp_str_ptr);
    for (size_t i = 0; i < hits.n; i++) {
        uint32_t *v = mc_strmap_get(&b->code_ix, hits.items[i], strlen(hits.items[i]));
        cb(ud, hits.items[i], b->codes.items[*v - 1].billable);
    }
    mc_vec_free(&hits);
}

/* Is candidate (src, variant, code) better than the current holder of a phrase? */
static int better(const mc_builder *b, const bphrase *cur, unsigned src, unsigned flags, uint32_t code, long *reason)
{
    unsigned cv = (cur->flags & MC_TERMF_VARIANT) != 0, nv = (flags & MC_TERMF_VARIANT) != 0;
    if (src != cur->source) { *reason = 1; return mc_source_rank((mc_source)src) < mc_source_rank((mc_source)cur->source); }
    if (nv != cv) { *reason = 1; return nv < cv; }
    const bcode *a = &b->codes.items[code], *c = &b->codes.items[cur->code];
    if (a->billable != c->billable) { *reason = 2; return a->billable > c->billable; }
    *reason = 3;
    return strcmp(a->code, c->code) < 0;
}

static mc_status add_phrase(mc_builder *b, int trie, uint32_t target, const char *phrase, unsigned src, unsigned flags, const char *system)
{
    char norm[1024];
    norm[0] = (char)('0' + trie);
    norm[1] = '|';
    int ntok = mc_normalize_phrase(phrase, strlen(phrase), norm + 2, sizeof norm - 2);
    if (ntok <= 0) return MC_E_DICT_BUILD;
    int ins = 0;
    uint32_t *v = mc_strmap_put(&b->phrase_ix, norm, strlen(norm), &ins);
    if (!v) return MC_E_NOMEM;
    if (ins) {
        bphrase p = {0};
        p.code = target;
        p.text = mc_strdup(phrase);
        p.system = mc_strdup(system ? system : (trie ? "context" : "ICD10CM"));
        p.source = (uint8_t)src;
        p.flags = (uint8_t)(flags | (trie ? MC_TERMF_CONTEXT : 0));
        p.trie = (uint8_t)trie;
        p.ntok = (uint16_t)ntok;
        p.n_codes = 1;
        p.last_code = target;
        uint32_t ix = (uint32_t)b->phrases.n;
        if (!p.text || !p.system || mc_vec_push(&b->phrases, p)) return MC_E_NOMEM;
        *v = ix + 1;
        return MC_OK;
    }
    bphrase *cur = &b->phrases.items[*v - 1];
    if (trie || cur->code == target) {
        if (!trie && mc_source_rank((mc_source)src) < mc_source_rank((mc_source)cur->source)) cur->source = (uint8_t)src;
        return MC_OK; /* triggers: first definition wins */
    }
    if (cur->n_codes++ == 1) b->ambiguous++;
    long reason = 0;
    if (better(b, cur, src, flags, target, &reason)) {
        free(cur->text);
        cur->text = mc_strdup(phrase);
        cur->code = target;
        cur->source = (uint8_t)src;
        cur->flags = (uint8_t)flags;
    }
    if (cur->n_codes == 2) {
        if (reason == 1) b->amb_by_source++;
        else if (reason == 2) b->amb_by_specific++;
        else b->amb_by_order++;
    }
    return MC_OK;
}

struct var_ctx { mc_builder *b; uint32_t code; unsigned src, flags; const char *system; };
static void on_variant(void *ud, const char *v)
{
    struct var_ctx *c = ud;
    if (add_phrase(c->b, 0, c->code, v, c->src, c->flags | MC_TERMF_VARIANT, c->system) == MC_OK) c->b->variants_added++;
}

mc_status mc_builder_add_term(mc_builder *b, const char *code, const char *phrase, mc_source src, unsigned flags, const char *system)
{
    uint32_t ix;
    mc_status st = code_index(b, code, 1, &ix);
    if (st) return st;
    bcode *c = &b->codes.items[ix];
    if (!c->declared && !c->title) {
        c->title = mc_strdup(phrase); /* display title until an official one arrives */
        c->billable = !(flags & MC_TERMF_CATEGORY);
    }
    st = add_phrase(b, 0, ix, phrase, (unsigned)src, flags & 0x7Fu, system);
    if (st) return st;
    b->terms_added++;
    if ((unsigned)src < MC_SRC__COUNT) b->per_source[src]++;
    struct var_ctx vc = {b, ix, (unsigned)src, flags & 0x7Fu, system};
    if (!b->no_variants) mc_variants(phrase, on_variant, &vc);
    return MC_OK;
}

void mc_builder_set_variants(mc_builder *b, int on) { b->no_variants = !on; }

static mc_status zcode(mc_builder *b, const char *code, const char *title, uint32_t *out)
{
    *out = MC_NONE;
    if (!code || !code[0]) return MC_OK;
    mc_status st = code_index(b, code, 1, out);
    if (st) return st;
    bcode *c = &b->codes.items[*out];
    if (!c->declared && !c->title && title && title[0]) {
        c->title = mc_strdup(title);
        c->billable = 1;
    }
    return MC_OK;
}

mc_status mc_builder_add_zmap(mc_builder *b, const char *prefix, const char *family_code, const char *family_title,
                              const char *history_code, const char *history_title, int chronic)
{
    bzmap z = {0};
    char p[16];
    size_t n = 0;
    for (const char *q = prefix; *q && n < 15; q++)
        if (*q != '.' && *q != '-' && *q != ' ') p[n++] = (char)toupper((unsigned char)*q);
    p[n] = 0;
    if (n == 0) return MC_E_DICT_BUILD;
    mc_status st = zcode(b, family_code, family_title, &z.family);
    if (!st) st = zcode(b, history_code, history_title, &z.history);
    if (st) return st;
    z.prefix = mc_strdup(p);
    z.chronic = chronic;
    return mc_vec_push(&b->zmap, z) ? MC_E_NOMEM : MC_OK;
}

mc_status mc_builder_add_trigger(mc_builder *b, const char *phrase, int category, int direction, int window, int section)
{
    btrigger t = {(uint8_t)category, (uint8_t)direction, (uint8_t)window, (uint8_t)section, mc_strdup(phrase)};
    if (!t.text) return MC_E_NOMEM;
    uint32_t ix = (uint32_t)b->triggers.n;
    if (mc_vec_push(&b->triggers, t)) return MC_E_NOMEM;
    mc_status st = add_phrase(b, 1, ix, phrase, MC_SRC_CURATED, 0, "context");
    return st;
}

static mc_status add_range(void *vec, int num, const char *first, const char *last, const char *title)
{
    MC_VEC(brange) *v = vec;
    brange r = {num, mc_strdup(first), mc_strdup(last), mc_strdup(title ? title : "")};
    if (!r.first || !r.last || !r.title) return MC_E_NOMEM;
    return mc_vec_push(v, r) ? MC_E_NOMEM : MC_OK;
}

mc_status mc_builder_add_chapter(mc_builder *b, int number, const char *first, const char *last, const char *title)
{
    for (size_t i = 0; i < b->chapters.n; i++)
        if (b->chapters.items[i].num == number) return MC_OK;
    return add_range(&b->chapters, number, first, last, title);
}

mc_status mc_builder_add_block(mc_builder *b, const char *first, const char *last, const char *title)
{
    for (size_t i = 0; i < b->blocks.n; i++)
        if (strcmp(b->blocks.items[i].first, first) == 0 && strcmp(b->blocks.items[i].last, last) == 0) return MC_OK;
    return add_range(&b->blocks, 0, first, last, title);
}

mc_status mc_builder_set_meta(mc_builder *b, const char *key, const char *value)
{
    for (size_t i = 0; i < b->meta_k.n; i++)
        if (strcmp(b->meta_k.items[i], key) == 0) {
            free(b->meta_v.items[i]);
            b->meta_v.items[i] = mc_strdup(value);
            return MC_OK;
        }
    if (mc_vec_push(&b->meta_k, mc_strdup(key)) || mc_vec_push(&b->meta_v, mc_strdup(value))) return MC_E_NOMEM;
    return MC_OK;
}

void mc_builder_count(mc_builder *b, const char *counter, long delta)
{
    for (size_t i = 0; i < b->count_k.n; i++)
        if (strcmp(b->count_k.items[i], counter) == 0) { b->count_v.items[i] += delta; return; }
    if (mc_vec_push(&b->count_k, mc_strdup(counter)) == 0) mc_vec_push(&b->count_v, delta);
}

void mc_builder_set_flags(mc_builder *b, uint32_t flags) { b->flags |= flags; }

void mc_builder_summary(const mc_builder *b, mc_build_summary *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < b->codes.n; i++) { o->codes++; o->billable += b->codes.items[i].billable; }
    o->terms = b->terms_added;
    o->variants = b->variants_added;
    for (size_t i = 0; i < b->phrases.n; i++) o->phrases += b->phrases.items[i].trie == 0;
    o->ambiguous = b->ambiguous;
    o->triggers = (long)b->triggers.n;
    memcpy(o->per_source, b->per_source, sizeof o->per_source);
}

/* ---- compile ------------------------------------------------------------------ */

typedef struct { mc_buf buf; mc_strmap ix; } strpool;

static uint32_t pool_add(strpool *p, const char *s)
{
    size_t n = strlen(s);
    int ins = 0;
    uint32_t *v = mc_strmap_put(&p->ix, s, n, &ins);
    if (!v) return 0;
    if (ins) {
        *v = (uint32_t)p->buf.len;
        mc_buf_append(&p->buf, s, n + 1);
    }
    return *v;
}
static uint32_t pool_intern(void *p, const char *s) { return pool_add(p, s); }
struct mc_bgroups **mc_builder_groups(mc_builder *b) { return &b->groups; }

typedef struct { uint32_t tok, child; } tedge;
typedef struct { MC_VEC(tedge) kids; uint32_t term; } tnode;

static int cmp_edge(const void *a, const void *b)
{
    const tedge *x = a, *y = b;
    return x->tok < y->tok ? -1 : x->tok > y->tok;
}

typedef struct { const char *code; uint32_t old; } csort;
static int cmp_csort(const void *a, const void *b) { return strcmp(((const csort *)a)->code, ((const csort *)b)->code); }

static int in_range(const char *cat, const char *first, const char *last)
{
    return strncmp(cat, first, 3) >= 0 && strncmp(cat, last, 3) <= 0;
}

struct chap_ctx { mc_builder *b; };
static void on_builtin_chapter(void *ud, int num, const char *first, const char *last, const char *title)
{
    struct chap_ctx *c = ud;
    mc_builder_add_chapter(c->b, num, first, last, title);
}

static int cmp_range(const void *a, const void *b)
{
    const brange *x = a, *y = b;
    int c = strcmp(x->first, y->first);
    return c ? c : strcmp(y->last, x->last);
}

typedef struct { uint32_t id, flags; uint64_t off, len, sum; const void *data; } secdesc;

static mc_status write_file(const char *path, secdesc *sec, uint32_t nsec, uint32_t bflags, mc_error *err)
{
    uint32_t hsize = MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * nsec;
    uint64_t off = (hsize + MC_SECTION_ALIGN - 1) / MC_SECTION_ALIGN * MC_SECTION_ALIGN;
    for (uint32_t i = 0; i < nsec; i++) {
        sec[i].off = off;
        sec[i].sum = XXH3_64bits(sec[i].data, (size_t)sec[i].len);
        off += (sec[i].len + MC_SECTION_ALIGN - 1) / MC_SECTION_ALIGN * MC_SECTION_ALIGN;
    }
    uint64_t fsize = off;
    unsigned char *img = calloc(1, (size_t)fsize);
    if (!img) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    memcpy(img, MC_MAGIC, 8);
    uint32_t v32 = MC_FORMAT_VERSION;
    memcpy(img + 8, &v32, 4);
    memcpy(img + 12, &hsize, 4);
    memcpy(img + 16, &fsize, 8);
    memcpy(img + 24, &nsec, 4);
    memcpy(img + 28, &bflags, 4);
    for (uint32_t i = 0; i < nsec; i++) {
        unsigned char *e = img + MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * i;
        memcpy(e, &sec[i].id, 4);
        memcpy(e + 4, &sec[i].flags, 4);
        memcpy(e + 8, &sec[i].off, 8);
        memcpy(e + 16, &sec[i].len, 8);
        memcpy(e + 24, &sec[i].sum, 8);
        if (sec[i].len) memcpy(img + sec[i].off, sec[i].data, (size_t)sec[i].len);
    }
    XXH128_hash_t id = XXH3_128bits(img + MC_HEADER_SIZE, (size_t)(fsize - MC_HEADER_SIZE));
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, id);
    memcpy(img + 32, canon.digest, 16);
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, img, 48);
    XXH3_64bits_update(st, img + MC_HEADER_SIZE, hsize - MC_HEADER_SIZE);
    uint64_t hsum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    memcpy(img + 48, &hsum, 8);

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) { free(img); return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot create %s: %s", tmp, strerror(errno)); }
    int bad = fwrite(img, 1, (size_t)fsize, f) != fsize;
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    free(img);
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "write failed: %s", strerror(errno));
    }
    return MC_OK;
}

mc_status mc_builder_write(mc_builder *b, const char *path, mc_error *err)
{
    mc_status rc = MC_E_NOMEM;
    strpool sp = {0};
    pool_add(&sp, "");
    {   /* the built-in FY2026 chapters come first: older Tabular files (FY2021) lack QA0 */
        struct chap_ctx cc = {b};
        __typeof__(b->chapters) given = b->chapters;
        memset(&b->chapters, 0, sizeof b->chapters);
        mc_chapters_builtin(on_builtin_chapter, &cc);
        for (size_t i = 0; i < given.n; i++) {
            mc_builder_add_chapter(b, given.items[i].num, given.items[i].first, given.items[i].last, given.items[i].title);
            free(given.items[i].first); free(given.items[i].last); free(given.items[i].title);
        }
        mc_vec_free(&given);
    }
    /* Codes sorted by dotted code; remap phrase targets. */
    size_t nc = b->codes.n;
    csort *cs = calloc(nc + 1, sizeof *cs);
    uint32_t *remap = calloc(nc + 1, sizeof *remap);
    mc_fcode *codes = calloc(nc + 1, sizeof *codes);
    if (b->chapters.n) qsort(b->chapters.items, b->chapters.n, sizeof(brange), cmp_range);
    if (b->blocks.n) qsort(b->blocks.items, b->blocks.n, sizeof(brange), cmp_range);
    mc_fchapter *chaps = calloc(b->chapters.n + 1, sizeof *chaps);
    mc_fblock *blocks = calloc(b->blocks.n + 1, sizeof *blocks);
    mc_strmap vocab_ix = {0};
    MC_VEC(mc_fvocab) vocab = {0};
    MC_VEC(tnode) nodes = {0};
    mc_fslot *slots = NULL;
    mc_fnode *fnodes = NULL;
    mc_fedge *fedges = NULL;
    mc_fterm *terms = NULL;
    mc_ftrigger *trigs = NULL;
    mc_fmeta *meta = NULL, *counters = NULL;
    mc_fzmap *zm = NULL;
    mc_fzrule *zr = NULL;
    uint32_t *order = NULL;
    mc_bsection gsec[4];                 /* diagnosis group sections (mc_import_groups.c) */
    size_t ngsec = 0;
    mc_tokens toks = {0};
    tnode root[MC_N_TRIES];
    memset(root, 0, sizeof root);
    if (!cs || !remap || !codes || !chaps || !blocks) goto done;

    for (size_t i = 0; i < nc; i++) { cs[i].code = b->codes.items[i].code; cs[i].old = (uint32_t)i; }
    if (nc > 1) qsort(cs, nc, sizeof *cs, cmp_csort);
    for (size_t i = 0; i < nc; i++) remap[cs[i].old] = (uint32_t)i;
    for (size_t i = 0; i < b->chapters.n; i++) {
        brange *r = &b->chapters.items[i];
        chaps[i] = (mc_fchapter){pool_add(&sp, r->first), pool_add(&sp, r->last), pool_add(&sp, r->title), (uint32_t)r->num};
    }
    for (size_t i = 0; i < b->blocks.n; i++) {
        brange *r = &b->blocks.items[i];
        uint32_t ch = 0;
        for (size_t k = 0; k < b->chapters.n; k++)
            if (in_range(r->first, b->chapters.items[k].first, b->chapters.items[k].last)) ch = (uint32_t)b->chapters.items[k].num;
        blocks[i] = (mc_fblock){pool_add(&sp, r->first), pool_add(&sp, r->last), pool_add(&sp, r->title), ch};
    }
    for (size_t i = 0; i < nc; i++) {
        const bcode *c = &b->codes.items[cs[i].old];
        mc_fcode *f = &codes[i];
        f->code = pool_add(&sp, c->code);
        f->title = pool_add(&sp, c->title ? c->title : "");
        f->short_title = c->short_title ? pool_add(&sp, c->short_title) : f->title;
        f->billable = (uint8_t)c->billable;
        f->title_official = (uint8_t)c->official;
        char cat[4] = {c->code[0], c->code[1], c->code[2], 0};
        uint32_t *cv = mc_strmap_get(&b->code_ix, cat, 3);
        f->category = cv ? remap[*cv - 1] : MC_NONE;
        f->parent = MC_NONE;
        char par[16];
        snprintf(par, sizeof par, "%s", c->code);
        for (size_t l = strlen(par); l > 3;) {
            par[--l] = 0;
            if (l > 0 && par[l - 1] == '.') par[--l] = 0;
            uint32_t *pv = mc_strmap_get(&b->code_ix, par, strlen(par));
            if (pv) { f->parent = remap[*pv - 1]; break; }
        }
        f->chapter = 0;
        for (size_t k = 0; k < b->chapters.n; k++)
            if (in_range(cat, b->chapters.items[k].first, b->chapters.items[k].last)) f->chapter = (uint8_t)b->chapters.items[k].num;
        f->block = MC_NONE;
        for (size_t k = 0; k < b->blocks.n; k++) /* narrowest block containing the category */
            if (in_range(cat, b->blocks.items[k].first, b->blocks.items[k].last)) f->block = (uint32_t)k;
        if (f->block == MC_NONE && f->chapter) /* a category newer than the block table (I1A, Z3A from an */
            for (size_t k = 0; k < b->blocks.n; k++) /* older Tabular): the nearest block before it in its chapter */
                if (strncmp(b->blocks.items[k].first, cat, 3) <= 0 && blocks[k].chapter == f->chapter &&
                    (f->block == MC_NONE || strcmp(b->blocks.items[k].first, b->blocks.items[f->block].first) >= 0))
                    f->block = (uint32_t)k;
    }

    /* Phrases in a deterministic order: by trie, then normalised text. */
    size_t np = b->phrases.n;
    order = calloc(np + 1, sizeof *order);
    terms = calloc(np + 1, sizeof *terms);
    trigs = calloc(b->triggers.n + 1, sizeof *trigs);
    if (!order || !terms || !trigs) goto done;
    rc = MC_E_INTERNAL;
    {
        /* Build key array and sort. */
        typedef struct { const char *key; uint32_t phrase; } pk;
        pk *keys = calloc(np + 1, sizeof *keys);
        if (!keys) { rc = MC_E_NOMEM; goto done; }
        size_t k = 0;
        for (size_t s = 0; s < b->phrase_ix.cap; s++)
            if (b->phrase_ix.slots[s].used) { keys[k].key = mc_strmap_key(&b->phrase_ix, s); keys[k].phrase = b->phrase_ix.slots[s].val - 1; k++; }
        if (k > 1) qsort(keys, k, sizeof *keys, cmp_str_ptr); /* first member is the key string pointer */
        for (size_t i = 0; i < k; i++) order[i] = keys[i].phrase;
        free(keys);
    }

    /* Trie build: node 0 unused, per-trie virtual roots hold their children in vocab.root. */
    tnode zero = {0};
    zero.term = MC_NONE;
    if (mc_vec_push(&nodes, zero)) { rc = MC_E_NOMEM; goto done; }
    for (size_t i = 0; i < np; i++) {
        bphrase *p = &b->phrases.items[order[i]];
        if (mc_tokenize(p->text, strlen(p->text), &toks)) { rc = MC_E_NOMEM; goto done; }
        tnode *cur = &root[p->trie];
        uint32_t cur_ix = MC_NONE; /* MC_NONE = the virtual root */
        for (size_t t = 0; t < toks.n; t++) {
            const char *ns = toks.norm + toks.tok[t].norm;
            size_t nl = toks.tok[t].norm_len;
            int ins = 0;
            uint32_t *vv = mc_strmap_put(&vocab_ix, ns, nl, &ins);
            if (!vv) { rc = MC_E_NOMEM; goto done; }
            if (ins) {
                char tmp[MC_TOKEN_MAX + 1];
                memcpy(tmp, ns, nl);
                tmp[nl] = 0;
                mc_fvocab fv = {pool_add(&sp, tmp), (uint32_t)nl, {0, 0}};
                *vv = (uint32_t)vocab.n;
                if (mc_vec_push(&vocab, fv)) { rc = MC_E_NOMEM; goto done; }
            }
            uint32_t tok = *vv;
            uint32_t child = 0;
            cur = cur_ix == MC_NONE ? &root[p->trie] : &nodes.items[cur_ix];
            for (size_t e = 0; e < cur->kids.n; e++)
                if (cur->kids.items[e].tok == tok) { child = cur->kids.items[e].child; break; }
            if (!child) {
                child = (uint32_t)nodes.n;
                if (mc_vec_push(&nodes, zero)) { rc = MC_E_NOMEM; goto done; }
                cur = cur_ix == MC_NONE ? &root[p->trie] : &nodes.items[cur_ix]; /* realloc */
                tedge te = {tok, child};
                if (mc_vec_push(&cur->kids, te)) { rc = MC_E_NOMEM; goto done; }
            }
            cur_ix = child;
        }
        if (cur_ix == MC_NONE) continue;
        nodes.items[cur_ix].term = (uint32_t)i;
        mc_fterm *ft = &terms[i];
        ft->target = p->trie ? p->code : remap[p->code];
        ft->text = pool_add(&sp, p->text);
        ft->ntok = (uint16_t)toks.n;
        ft->source = p->source;
        ft->flags = p->flags;
        ft->system = pool_add(&sp, p->system);
        if (p->flags & MC_TERMF_UPPER) {
            /* which tokens the source writes in upper case; all lettered ones if none */
            for (size_t t = 0; t < toks.n && t < 32; t++)
                if (toks.tok[t].flags & MC_TOK_UPPER) ft->upper |= 1u << t;
            if (!ft->upper)
                for (size_t t = 0; t < toks.n && t < 32; t++)
                    if (!(toks.tok[t].flags & MC_TOK_NUM)) ft->upper |= 1u << t;
        }
    }
    for (size_t i = 0; i < b->triggers.n; i++) {
        btrigger *t = &b->triggers.items[i];
        trigs[i] = (mc_ftrigger){t->category, t->direction, t->window, t->section, pool_add(&sp, t->text)};
    }
    /* Root children into the vocabulary. */
    for (unsigned t = 0; t < MC_N_TRIES; t++)
        for (size_t e = 0; e < root[t].kids.n; e++) vocab.items[root[t].kids.items[e].tok].root[t] = root[t].kids.items[e].child;

    /* Flatten nodes: edges sorted per node. */
    size_t nn = nodes.n, ne = 0;
    for (size_t i = 0; i < nn; i++) ne += nodes.items[i].kids.n;
    fnodes = calloc(nn + 1, sizeof *fnodes);
    fedges = calloc(ne + 1, sizeof *fedges);
    if (!fnodes || !fedges) { rc = MC_E_NOMEM; goto done; }
    size_t eo = 0;
    for (size_t i = 0; i < nn; i++) {
        tnode *n = &nodes.items[i];
        if (n->kids.n > 1) qsort(n->kids.items, n->kids.n, sizeof(tedge), cmp_edge);
        fnodes[i].edge = (uint32_t)eo;
        fnodes[i].n_edges = (uint32_t)n->kids.n;
        fnodes[i].term = n->term;
        for (size_t e = 0; e < n->kids.n; e++) fedges[eo++] = (mc_fedge){n->kids.items[e].tok, n->kids.items[e].child};
    }
    /* Vocabulary hash. */
    size_t nslots = 16;
    while (nslots < vocab.n * 2 + 1) nslots *= 2;
    slots = calloc(nslots, sizeof *slots);
    if (!slots) { rc = MC_E_NOMEM; goto done; }
    for (size_t i = 0; i < vocab.n; i++) {
        const char *s = sp.buf.data + vocab.items[i].str;
        uint32_t h = mc_token_hash(s, vocab.items[i].len);
        size_t j = h & (nslots - 1);
        while (slots[j].id1) j = (j + 1) & (nslots - 1);
        slots[j] = (mc_fslot){h, (uint32_t)i + 1};
    }
    /* Diagnosis groups and comorbidity per code (before the counters: it counts). */
    {
        const char **cn = calloc(nc + 1, sizeof *cn);
        if (!cn) { rc = MC_E_NOMEM; goto done; }
        for (size_t i = 0; i < nc; i++) cn[i] = cs[i].code;
        mc_status gst = mc_bgroups_compile(b, b->groups, cn, nc, pool_intern, &sp, gsec, &ngsec);
        free(cn);
        if (gst) { rc = gst; goto done; }
    }
    /* Metadata and counters. */
    char num[64];
    meta = calloc(b->meta_k.n + 1, sizeof *meta);
    size_t ncnt = b->count_k.n + 6;
    counters = calloc(ncnt, sizeof *counters);
    if (!meta || !counters) { rc = MC_E_NOMEM; goto done; }
    for (size_t i = 0; i < b->meta_k.n; i++) meta[i] = (mc_fmeta){pool_add(&sp, b->meta_k.items[i]), pool_add(&sp, b->meta_v.items[i])};
    size_t ci = 0;
    const char *fixed_k[] = {"terms.added", "terms.variants", "phrases.ambiguous", "phrases.ambiguous.by_source",
                             "phrases.ambiguous.by_billable", "phrases.ambiguous.by_code_order"};
    long fixed_v[] = {b->terms_added, b->variants_added, b->ambiguous, b->amb_by_source, b->amb_by_specific, b->amb_by_order};
    for (size_t i = 0; i < 6; i++) {
        snprintf(num, sizeof num, "%ld", fixed_v[i]);
        counters[ci++] = (mc_fmeta){pool_add(&sp, fixed_k[i]), pool_add(&sp, num)};
    }
    for (size_t i = 0; i < b->count_k.n; i++) {
        snprintf(num, sizeof num, "%ld", b->count_v.items[i]);
        counters[ci++] = (mc_fmeta){pool_add(&sp, b->count_k.items[i]), pool_add(&sp, num)};
    }
    while (sp.buf.len % 8) mc_buf_putc(&sp.buf, 0);
    /* History map: per code, the longest matching prefix. */
    zm = calloc(nc + 1, sizeof *zm);
    if (!zm) { rc = MC_E_NOMEM; goto done; }
    zr = calloc(b->zmap.n + 1, sizeof *zr);
    if (!zr) { rc = MC_E_NOMEM; goto done; }
    for (size_t k = 0; k < b->zmap.n; k++) {
        const bzmap *z = &b->zmap.items[k];
        zr[k] = (mc_fzrule){pool_add(&sp, z->prefix), pool_add(&sp, z->family == MC_NONE ? "" : b->codes.items[z->family].code),
                            pool_add(&sp, z->history == MC_NONE ? "" : b->codes.items[z->history].code), (uint32_t)z->chronic};
    }
    while (sp.buf.len % 8) mc_buf_putc(&sp.buf, 0);
    for (size_t i = 0; i < nc; i++) {
        const char *code = b->codes.items[cs[i].old].code;
        char und[16];
        size_t u = 0;
        for (const char *q = code; *q && u < 15; q++) if (*q != '.') und[u++] = *q;
        und[u] = 0;
        size_t best = 0;
        zm[i] = (mc_fzmap){MC_NONE, MC_NONE, 0};
        for (size_t k = 0; k < b->zmap.n; k++) {
            const bzmap *z = &b->zmap.items[k];
            size_t pl = strlen(z->prefix);
            if (pl > best && strncmp(und, z->prefix, pl) == 0) {
                best = pl;
                zm[i].family = z->family == MC_NONE ? MC_NONE : remap[z->family];
                zm[i].history = z->history == MC_NONE ? MC_NONE : remap[z->history];
                zm[i].flags = z->chronic ? MC_ZMAP_CHRONIC : 0;
            }
        }
    }

    secdesc sec[] = {
        {MC_SEC_STRS, 1, 0, sp.buf.len, 0, sp.buf.data},
        {MC_SEC_META, sizeof(mc_fmeta), 0, b->meta_k.n * sizeof(mc_fmeta), 0, meta},
        {MC_SEC_COUNTERS, sizeof(mc_fmeta), 0, ci * sizeof(mc_fmeta), 0, counters},
        {MC_SEC_VOCAB, sizeof(mc_fvocab), 0, vocab.n * sizeof(mc_fvocab), 0, vocab.items},
        {MC_SEC_VHASH, sizeof(mc_fslot), 0, nslots * sizeof(mc_fslot), 0, slots},
        {MC_SEC_NODES, sizeof(mc_fnode), 0, nn * sizeof(mc_fnode), 0, fnodes},
        {MC_SEC_EDGES, sizeof(mc_fedge), 0, ne * sizeof(mc_fedge), 0, fedges},
        {MC_SEC_TERMS, sizeof(mc_fterm), 0, np * sizeof(mc_fterm), 0, terms},
        {MC_SEC_CODES, sizeof(mc_fcode), 0, nc * sizeof(mc_fcode), 0, codes},
        {MC_SEC_BLOCKS, sizeof(mc_fblock), 0, b->blocks.n * sizeof(mc_fblock), 0, blocks},
        {MC_SEC_CHAPTERS, sizeof(mc_fchapter), 0, b->chapters.n * sizeof(mc_fchapter), 0, chaps},
        {MC_SEC_TRIGGERS, sizeof(mc_ftrigger), 0, b->triggers.n * sizeof(mc_ftrigger), 0, trigs},
        {MC_SEC_ZMAP, sizeof(mc_fzmap), 0, (b->zmap.n ? nc : 0) * sizeof(mc_fzmap), 0, zm},
        {MC_SEC_ZRULES, sizeof(mc_fzrule), 0, b->zmap.n * sizeof(mc_fzrule), 0, zr},
    };
    secdesc all[MC_MAX_SECTIONS]; /* group sections first: the file keeps ending with the same section */
    uint32_t nall = 0;
    for (size_t g = 0; g < ngsec; g++) all[nall++] = (secdesc){gsec[g].id, gsec[g].esize, 0, gsec[g].len, 0, gsec[g].data};
    memcpy(all + nall, sec, sizeof sec);
    nall += (uint32_t)MC_ARRAY_LEN(sec);
    rc = write_file(path, all, nall, b->flags, err);
    goto out;
done:
    if (rc == MC_E_NOMEM) mc_error_set(err, rc, path, 0, 0, 0, "out of memory while compiling the dictionary");
out:
    for (unsigned t = 0; t < MC_N_TRIES; t++) mc_vec_free(&root[t].kids);
    for (size_t i = 0; i < nodes.n; i++) mc_vec_free(&nodes.items[i].kids);
    mc_vec_free(&nodes);
    mc_vec_free(&vocab);
    mc_strmap_free(&vocab_ix);
    mc_strmap_free(&sp.ix);
    mc_buf_free(&sp.buf);
    mc_tokens_free(&toks);
    free(cs); free(remap); free(codes); free(chaps); free(blocks); free(slots); free(fnodes); free(fedges);
    free(terms); free(trigs); free(meta); free(counters); free(order); free(zm); free(zr);
    for (size_t g = 0; g < ngsec; g++) free(gsec[g].data);
    return rc;
}

mc_status mc_builder_add_dict(mc_builder *b, const mc_dict *d, mc_error *err)
{
    mc_status st = MC_OK;
    for (uint32_t i = 0; i < d->n_codes && !st; i++) {
        const mc_fcode *c = &d->codes[i];
        if (c->title_official) st = mc_builder_add_code(b, d->strs + c->code, d->strs + c->title, d->strs + c->short_title, c->billable);
    }
    for (uint32_t i = 0; i < d->n_terms && !st; i++) {
        const mc_fterm *t = &d->terms[i];
        if (t->flags & (MC_TERMF_VARIANT | MC_TERMF_CONTEXT)) continue;
        st = mc_builder_add_term(b, d->strs + d->codes[t->target].code, d->strs + t->text, (mc_source)t->source,
                                 t->flags & 0x7Fu, d->strs + t->system);
    }
    for (uint32_t i = 0; i < d->n_triggers && !st; i++) {
        const mc_ftrigger *t = &d->triggers[i];
        st = mc_builder_add_trigger(b, d->strs + t->text, t->category, t->direction, t->window, t->section);
    }
    for (uint32_t i = 0; i < d->n_zrules && !st; i++) {
        const mc_fzrule *z = &d->zrules[i];
        const char *f = d->strs + z->family, *h = d->strs + z->history;
        int64_t fi = f[0] ? mc_dict_find_code(d, f) : -1, hi = h[0] ? mc_dict_find_code(d, h) : -1;
        st = mc_builder_add_zmap(b, d->strs + z->prefix, f, fi >= 0 ? d->strs + d->codes[fi].title : NULL, h,
                                 hi >= 0 ? d->strs + d->codes[hi].title : NULL, z->chronic != 0);
    }
    if (st) return mc_error_set(err, st, d->name, 0, 0, 0, "cannot import the dictionary's content");
    return MC_OK;
}
