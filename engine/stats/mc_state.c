/* mc_state.c — the partial state file: an aggregate written by `run --state` and read by
 * `merge`. Little-endian, versioned, checksummed; every count read is bounds-checked.
 *
 *   offset  size  description
 *   0       8     magic 89 4D 43 53 54 0D 0A 1A ("\x89MCST\r\n\x1a": not text, catches
 *                 newline translation and truncation at ^Z like PNG's)
 *   8       4     format version (1); a newer version is refused
 *   12      4     flags (0)
 *   16      8     file size in bytes (truncation check)
 *   24      32    dictionary build id (32 hex digits)
 *   56      4     L: length of the options text
 *   60      L     canonical options ("key=value\n"; every option that changes a number)
 *   ...           body: u32 n_vars; per variable u32 n_values, each u32 len + bytes;
 *                 u32 n_strata; tuples u32[n_strata][1 + n_vars]; scalars 4 x u64 + 4 x i64
 *                 per stratum; u64 n_entries, each u32 stratum, level, item + u64 records,
 *                 mentions, mentions by assertion[6]; u64 n_pairs, each u32 stratum, a, b +
 *                 u64 n; totals u64 records, with_code, mentions, counted, rules[14],
 *                 records_read, records_rejected
 *   end-8   8     XXH64 (seed 0) of every preceding byte
 */
#include "stats/mc_stats.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static const unsigned char MAGIC[8] = {0x89, 'M', 'C', 'S', 'T', 0x0D, 0x0A, 0x1A};
#define STATE_VERSION 1u

static void put32(mc_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    mc_buf_append(b, x, 4);
}
static void put64(mc_buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

/* Written to "<path>.tmp.<pid>" and renamed, like every output (stats does not depend on output/). */
static mc_status write_atomic(const char *path, const mc_buf *b, mc_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot create output: %s", strerror(errno));
    int bad = fwrite(b->data, 1, b->len, f) != b->len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "write failed: %s", strerror(e));
    }
    return MC_OK;
}

mc_status mc_state_write(const char *path, const mc_stats_plan *p, const mc_agg *a, mc_error *err)
{
    mc_buf b = {0};
    mc_buf_append(&b, MAGIC, 8);
    put32(&b, STATE_VERSION);
    put32(&b, 0);
    put64(&b, 0); /* size, patched below */
    mc_buf_append(&b, p->build_id, 32);
    uint32_t tl = (uint32_t)strlen(p->opts_text);
    put32(&b, tl);
    mc_buf_append(&b, p->opts_text, tl);
    put32(&b, (uint32_t)a->n_vars);
    for (int v = 0; v < a->n_vars; v++) {
        put32(&b, a->n_vals[v]);
        for (uint32_t i = 0; i < a->n_vals[v]; i++) {
            uint32_t l = (uint32_t)strlen(a->vals[v][i]);
            put32(&b, l);
            mc_buf_append(&b, a->vals[v][i], l);
        }
    }
    size_t st = 1 + (size_t)a->n_vars;
    put32(&b, a->n_strata);
    for (size_t i = 0; i < a->n_strata * st; i++) put32(&b, a->tuples[i]);
    for (uint32_t i = 0; i < a->n_strata; i++) {
        const mc_stratum_sc *s = &a->sc[i];
        put64(&b, s->records); put64(&b, s->with_code); put64(&b, s->mentions); put64(&b, s->counted);
        put64(&b, (uint64_t)s->charlson_sum); put64(&b, (uint64_t)s->elix_vw_sum);
        put64(&b, (uint64_t)s->ahrq_mort_sum); put64(&b, (uint64_t)s->ahrq_readm_sum);
    }
    put64(&b, a->n_entries);
    for (size_t i = 0; i < a->n_entries; i++) {
        const mc_entry *e = &a->e[i];
        put32(&b, e->stratum); put32(&b, e->level); put32(&b, e->item);
        put64(&b, e->c.records); put64(&b, e->c.mentions);
        for (int k = 0; k < MC_ASSERT__COUNT; k++) put64(&b, e->c.assert_[k]);
    }
    put64(&b, a->n_pairs);
    for (size_t i = 0; i < a->n_pairs; i++) {
        put32(&b, a->pairs[i].stratum); put32(&b, a->pairs[i].a); put32(&b, a->pairs[i].b);
        put64(&b, a->pairs[i].n);
    }
    put64(&b, a->tot.records); put64(&b, a->tot.records_with_code); put64(&b, a->tot.mentions); put64(&b, a->tot.counted);
    for (int i = 0; i < MC_RULE__COUNT; i++) put64(&b, a->tot.rules[i]);
    put64(&b, a->records_read);
    put64(&b, a->records_rejected);
    if (!b.data) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    uint64_t size = b.len + 8;
    for (int i = 0; i < 8; i++) b.data[16 + i] = (char)(size >> (8 * i));
    put64(&b, XXH64(b.data, b.len, 0));
    mc_status rc = b.len == size ? write_atomic(path, &b, err) : mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    mc_buf_free(&b);
    return rc;
}

typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} cur_t;

static uint32_t get32(cur_t *c)
{
    if (c->bad || c->len - c->pos < 4) { c->bad = 1; return 0; }
    const unsigned char *x = c->p + c->pos;
    c->pos += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}
static uint64_t get64(cur_t *c)
{
    uint64_t lo = get32(c);
    return lo | (uint64_t)get32(c) << 32;
}

#define BAD(...) (rc = mc_error_set(err, MC_E_STATE, path, 0, 0, 0, __VA_ARGS__))

mc_status mc_state_read(const char *path, const mc_dict *d, char **opts_text, mc_agg **out, mc_error *err)
{
    *out = NULL;
    *opts_text = NULL;
    char *data;
    size_t len;
    mc_status rc = mc_read_file(path, &data, &len, err);
    if (rc) return rc;
    mc_agg *a = NULL;
    cur_t c = {(const unsigned char *)data, len, 0, 0};
    if (len < 68 || memcmp(data, MAGIC, 8)) { BAD("not a medcode state file (bad magic number)"); goto done; }
    c.pos = 8;
    uint32_t ver = get32(&c);
    if (ver != STATE_VERSION) { BAD("state format version %u is not supported (this medcode reads version %u)", ver, STATE_VERSION); goto done; }
    get32(&c);
    uint64_t size = get64(&c);
    if (size != len) { BAD("size %zu bytes, header says %llu: truncated or padded", len, (unsigned long long)size); goto done; }
    uint64_t want = 0;
    for (int i = 0; i < 8; i++) want |= (uint64_t)(unsigned char)data[len - 8 + (size_t)i] << (8 * i);
    if (XXH64(data, len - 8, 0) != want) { BAD("checksum mismatch (XXH64): the file is corrupt"); goto done; }
    c.len = len - 8;
    mc_dict_info di;
    mc_dict_get_info(d, &di);
    if (memcmp(data + 24, di.build_id, 32)) {
        BAD("made with dictionary %.32s, not with this dictionary (%s)", data + 24, di.build_id);
        goto done;
    }
    c.pos = 56;
    uint32_t tl = get32(&c);
    if (c.bad || tl > c.len - c.pos) { BAD("options out of bounds"); goto done; }
    *opts_text = malloc((size_t)tl + 1);
    if (!*opts_text) { rc = MC_E_NOMEM; goto done; }
    memcpy(*opts_text, data + c.pos, tl);
    (*opts_text)[tl] = 0;
    c.pos += tl;
    a = calloc(1, sizeof *a);
    if (!a) { rc = MC_E_NOMEM; goto done; }
    a->n_vars = (int)get32(&c);
    if (c.bad || a->n_vars < 0 || a->n_vars > MC_MAX_VARS) { BAD("bad variable count"); goto done; }
    for (int v = 0; v < a->n_vars; v++) {
        uint32_t n = get32(&c);
        if (c.bad || n > (c.len - c.pos) / 4) { BAD("variable %d: value count out of bounds", v); goto done; }
        a->vals[v] = calloc((size_t)n + 1, sizeof(char *));
        if (!a->vals[v]) { rc = MC_E_NOMEM; goto done; }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t l = get32(&c);
            if (c.bad || l > c.len - c.pos) { BAD("variable %d: value %u out of bounds", v, i); goto done; }
            if (!(a->vals[v][i] = malloc((size_t)l + 1))) { rc = MC_E_NOMEM; goto done; }
            memcpy(a->vals[v][i], data + c.pos, l);
            a->vals[v][i][l] = 0;
            c.pos += l;
            a->n_vals[v]++;
        }
    }
    size_t st = 1 + (size_t)a->n_vars;
    uint32_t ns = get32(&c);
    if (c.bad || ns > (c.len - c.pos) / (st * 4 + 64)) { BAD("stratum count out of bounds"); goto done; }
    a->tuples = malloc(((size_t)ns + 1) * st * sizeof *a->tuples);
    a->sc = calloc((size_t)ns + 1, sizeof *a->sc);
    if (!a->tuples || !a->sc) { rc = MC_E_NOMEM; goto done; }
    a->n_strata = ns;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; k < st; k++) {
            uint32_t x = get32(&c);
            if (k == 0 ? x >= MC_MAX_STRAT : (x != MC_ALL && x >= a->n_vals[k - 1])) { BAD("stratum %zu: value out of range", i); goto done; }
            a->tuples[i * st + k] = x;
        }
    for (uint32_t i = 0; i < ns; i++) {
        mc_stratum_sc *s = &a->sc[i];
        s->records = get64(&c); s->with_code = get64(&c); s->mentions = get64(&c); s->counted = get64(&c);
        s->charlson_sum = (int64_t)get64(&c); s->elix_vw_sum = (int64_t)get64(&c);
        s->ahrq_mort_sum = (int64_t)get64(&c); s->ahrq_readm_sum = (int64_t)get64(&c);
    }
    uint64_t ne = get64(&c);
    if (c.bad || ne > (c.len - c.pos) / 76) { BAD("entry count out of bounds"); goto done; }
    a->e = malloc(((size_t)ne + 1) * sizeof *a->e);
    if (!a->e) { rc = MC_E_NOMEM; goto done; }
    for (size_t i = 0; i < ne; i++) {
        mc_entry *e = &a->e[i];
        e->stratum = get32(&c); e->level = get32(&c); e->item = get32(&c);
        e->c.records = get64(&c); e->c.mentions = get64(&c);
        for (int k = 0; k < MC_ASSERT__COUNT; k++) e->c.assert_[k] = get64(&c);
        if (e->stratum >= ns || e->level >= MC_LV__COUNT) { BAD("entry %zu out of range", i); goto done; }
    }
    a->n_entries = ne;
    uint64_t np = get64(&c);
    if (c.bad || np > (c.len - c.pos) / 20) { BAD("pair count out of bounds"); goto done; }
    a->pairs = malloc(((size_t)np + 1) * sizeof *a->pairs);
    if (!a->pairs) { rc = MC_E_NOMEM; goto done; }
    for (size_t i = 0; i < np; i++) {
        mc_pairc *q = &a->pairs[i];
        q->stratum = get32(&c); q->a = get32(&c); q->b = get32(&c); q->n = get64(&c);
        if (q->stratum >= ns) { BAD("pair %zu out of range", i); goto done; }
    }
    a->n_pairs = np;
    a->tot.records = get64(&c); a->tot.records_with_code = get64(&c); a->tot.mentions = get64(&c); a->tot.counted = get64(&c);
    for (int i = 0; i < MC_RULE__COUNT; i++) a->tot.rules[i] = get64(&c);
    a->records_read = get64(&c);
    a->records_rejected = get64(&c);
    if (c.bad || c.pos != c.len) { BAD("body size does not match its counts"); goto done; }
    rc = MC_OK;
done:
    if (rc == MC_E_NOMEM) mc_error_set(err, rc, path, 0, 0, 0, "out of memory");
    if (rc) {
        mc_agg_free(a);
        free(*opts_text);
        *opts_text = NULL;
    } else *out = a;
    free(data);
    return rc;
}
