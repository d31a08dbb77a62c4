/* mc_stats.c — per-thread shards (hot path: stamps and open-addressing maps, no locks,
 * no allocation per record once the maps have grown to the data) and the canonical
 * aggregate: value strings sorted per variable, strata and entries sorted, so that the
 * sum is the same bytes for any thread count, batch size or split of the inputs. */
#include "stats/mc_stats.h"
#include "mc_groups.h"
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* ---- small open-addressing maps ----------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Bits needed to write x (0 for 0). */
static unsigned bits_of(uint64_t x) { return x ? 64u - (unsigned)__builtin_clzll(x) : 0u; }

/* uint64 key (never 0: callers set bit 63) -> 64-bit value (an index, or a count). Key
 * and value share one 16-byte slot: a probe that misses the cache costs one line. Linear
 * probing, grown at a load of 3/4: with many strata these maps are hundreds of MB, and
 * a probe mostly finds its key within the line it starts in. */
typedef struct {
    uint64_t k, v;
} map64_slot;

typedef struct {
    map64_slot *s;
    size_t cap, n;
} map64;

/* memset through a volatile pointer: the compiler may not turn malloc + memset into
 * calloc (see map64_init) */
static void *(*volatile zero_fill)(void *, int, size_t) = memset;

static int map64_init(map64 *m, size_t cap)
{
    /* zeroed by writing, not calloc: a large calloc is fresh pages that a probe would
     * first map read-only (the zero page), and each later write to one would then cost a
     * copy-on-write fault and a TLB flush on every core running the team */
    m->s = malloc(cap * sizeof *m->s);
    if (m->s) zero_fill(m->s, 0, cap * sizeof *m->s);
    m->cap = cap;
    m->n = 0;
    return m->s ? 0 : -1;
}
static void map64_free(map64 *m) { free(m->s); memset(m, 0, sizeof *m); }

static int map64_grow(map64 *m)
{
    map64 g;
    if (map64_init(&g, m->cap * 2)) { map64_free(&g); return -1; }
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].k) {
            size_t j = mix64(m->s[i].k) & (g.cap - 1);
            while (g.s[j].k) j = (j + 1) & (g.cap - 1);
            g.s[j] = m->s[i];
        }
    g.n = m->n;
    map64_free(m);
    *m = g;
    return 0;
}

/* The slot where key's probe starts, for a prefetch (h = mix64(key)). */
static inline const void *map64_home(const map64 *m, uint64_t h) { return &m->s[h & (m->cap - 1)]; }

/* The slot of key (h = mix64(key)), inserted with value v0 when absent (*fresh = 1).
 * NULL when out of memory. The pointer is valid until the next insertion. */
static inline map64_slot *map64_slot_h(map64 *m, uint64_t key, uint64_t h, uint64_t v0, int *fresh)
{
    size_t j = h & (m->cap - 1);
    for (;;) {
        uint64_t k = m->s[j].k;
        if (k == key) { *fresh = 0; return &m->s[j]; }
        if (!k) break;
        j = (j + 1) & (m->cap - 1);
    }
    if ((m->n + 1) * 4 > m->cap * 3) {
        if (map64_grow(m)) return NULL;
        j = h & (m->cap - 1);
        while (m->s[j].k) j = (j + 1) & (m->cap - 1);
    }
    m->s[j].k = key;
    m->s[j].v = v0;
    m->n++;
    *fresh = 1;
    return &m->s[j];
}

/* Index for key; *fresh = 1 when inserted with value next. -1 on OOM. */
static inline int64_t map64_get(map64 *m, uint64_t key, uint32_t next, int *fresh)
{
    map64_slot *sl = map64_slot_h(m, key, mix64(key), next, fresh);
    return sl ? (int64_t)(uint32_t)sl->v : -1;
}

/* ---- shard -------------------------------------------------------------------- */

typedef struct {
    uint32_t level, item;
    mc_cnt c;
} loc_t;

/* An entry's counters in a shard: mc_cnt's eight fields in 32 bits (32 bytes, two rows a
 * cache line; the array is 64-byte aligned). */
typedef struct {
    uint32_t v[8];
} ecnt_row;

struct mc_stats {
    const mc_stats_plan *p;
    mc_totals tot;
    int stride;                          /* 1 + n_vars */
    /* stratum values */
    mc_strmap vmap[MC_MAX_VARS];
    MC_VEC(char *) vstr[MC_MAX_VARS];
    /* strata */
    map64 smap;                          /* key: hash of tuple | 1<<63 -> candidate list head (collisions below) */
    uint32_t *tuples;
    mc_stratum_sc *sc;
    uint32_t *snext;                     /* chain of strata with the same hash key */
    size_t n_strata, cap_strata;
    /* entries */
    map64 emap;                          /* stratum<<32 | level<<24 | item, |1<<63 -> index */
    uint64_t *ekey;
    ecnt_row *ecnt;                      /* the entries' counters, 32-bit (half the memory and
                                            cache lines of mc_cnt: with many strata these rows
                                            are most of a shard); a row whose counter reaches
                                            entry_spill moves its counts to ehi and restarts */
    mc_cnt *ehi;                         /* per row: the counts moved there (NULL until a row
                                            first spills: 2^31 counts of one entry in one shard) */
    uint32_t entry_spill;                /* 1 << 31 (tests lower it: mc_stats_set_entry_spill) */
    size_t n_e, cap_e;
    /* pairs: key (stratum<<32 | pair index) where pair index interned from (a,b) */
    map64 pairix;                        /* (a<<32|b)|1<<63 -> pair id */
    map64 pmap;                          /* pair key |1<<63 -> its count (in the slot) */
    uint64_t *pab;                       /* pair id -> a<<32|b */
    unsigned pair_pack;                  /* when the co-occurrence level's items fit in this many
                                            bits (<= 16), the pair key is stratum<<2P | a<<P | b
                                            and one lookup in pmap counts a pair (pairix unused);
                                            else stratum<<32 | pair id */
    size_t n_pab, cap_pab;
    /* a record's updates of the hashed strata (every stratum but the overall one), queued
       and then applied with their map slots and counter rows prefetched a few ahead
       (flush_pending): with many strata these maps are far larger than the cache */
    uint64_t *pend_key, *pend_h;         /* entry keys and their mix64 */
    uint32_t *pend_loc, *pend_ix;        /* the loc each entry adds; its row in ecnt */
    size_t n_pend, cap_pend;
    uint64_t *ppend_key, *ppend_h;       /* pair keys (|1<<63) and their mix64 */
    size_t n_ppend, cap_ppend;
    /* per-record scratch */
    uint32_t serial;
    uint64_t *mark[MC_LV__COUNT];          /* per level and item: serial << 32 | its loc index */
    loc_t *loc;
    size_t n_loc, cap_loc;
    uint32_t *codes, *citems;
    size_t cap_codes;
    uint16_t *ccsr_buf;
    uint32_t vid[MC_MAX_VARS];
    uint32_t *tup;                       /* one tuple */
    /* the overall stratum ("all", stratification mask 0) is counted in a dense array
       indexed by level offset + item: no hashing on the path every record takes */
    mc_cnt *dense;
    size_t dense_off[MC_LV__COUNT + 1];
    int dense_pf;            /* the plan counts the whole population densely: a record's new
                                items prefetch their dense rows */
    int64_t dense_sid;                   /* its stratum id, -1 until seen */
    uint8_t *dense_pairs;                /* its co-occurrence pairs (a < b), triangular: b*(b-1)/2 + a;
                                            one byte per pair (1.8 MB for the ~1,900 categories,
                                            near cache-resident: every record adds dozens of
                                            pairs at random places): a counter that reaches
                                            pair_spill moves its count to the 64-bit pair map
                                            (add_pair_n) and restarts */
    uint32_t pair_spill;                 /* UINT8_MAX (tests lower it: mc_stats_set_pair_spill) */
    size_t dense_pair_items;             /* items of the co-occurrence level when dense (<= 4096), else 0 */
    uint32_t *rec_strata;                /* [n_strat] */
};

static int intern_value(mc_stats *s, int v, const char *str, size_t len, uint32_t *id)
{
    int ins;
    uint32_t *slot = mc_strmap_put(&s->vmap[v], str, len, &ins);
    if (!slot) return -1;
    if (ins) {
        char *c = malloc(len + 1);
        if (!c) return -1;
        memcpy(c, str, len);
        c[len] = 0;
        *slot = (uint32_t)s->vstr[v].n;
        if (mc_vec_push(&s->vstr[v], c)) { free(c); return -1; }
    }
    *id = *slot;
    return 0;
}

void mc_stats_free(mc_stats *s)
{
    if (s) { free(s->dense); free(s->dense_pairs); }
    if (!s) return;
    for (int v = 0; v < MC_MAX_VARS; v++) {
        mc_strmap_free(&s->vmap[v]);
        for (size_t i = 0; i < s->vstr[v].n; i++) free(s->vstr[v].items[i]);
        mc_vec_free(&s->vstr[v]);
    }
    map64_free(&s->smap); map64_free(&s->emap); map64_free(&s->pmap); map64_free(&s->pairix);
    free(s->tuples); free(s->sc); free(s->snext);
    free(s->ekey); free(s->ecnt); free(s->ehi);
    free(s->pab);
    free(s->pend_key); free(s->pend_h); free(s->pend_loc); free(s->pend_ix); free(s->ppend_key); free(s->ppend_h);
    for (int l = 0; l < MC_LV__COUNT; l++) free(s->mark[l]);
    free(s->loc); free(s->codes); free(s->citems); free(s->ccsr_buf); free(s->tup); free(s->rec_strata);
    free(s);
}

mc_stats *mc_stats_create(const mc_stats_plan *p)
{
    mc_stats *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->p = p;
    s->stride = 1 + p->n_vars;
    int bad = map64_init(&s->smap, 1024) || map64_init(&s->emap, 1 << 16) || map64_init(&s->pmap, 1 << 12) ||
              map64_init(&s->pairix, 1 << 12);
    for (int l = 0; l < MC_LV__COUNT && !bad; l++) {
        size_t n = (size_t)p->n_items[l] + 1;
        s->mark[l] = calloc(n, sizeof(uint64_t));
        bad |= !s->mark[l];
    }
    s->dense_sid = -1;
    mc_stats_set_pair_pack(s, 1);
    for (int t = 0; t < p->n_strat; t++) s->dense_pf |= p->strat[t].mask == 0 && !p->strat[t].hidden;
    s->pair_spill = UINT8_MAX;
    s->entry_spill = 1u << 31;
    for (int l = 0; l < MC_LV__COUNT; l++) s->dense_off[l + 1] = s->dense_off[l] + (size_t)p->n_items[l] + 1;
    /* a counter row is 64 bytes: aligned, each is one cache line (calloc gives 16) */
    void *dn = NULL;
    size_t dbytes = s->dense_off[MC_LV__COUNT] * sizeof *s->dense;
    if (posix_memalign(&dn, 64, dbytes ? dbytes : 64) == 0) memset(dn, 0, dbytes);
    else dn = NULL;
    s->dense = dn;
    bad |= !s->dense;
    if (p->cooc_top > 0 && p->n_items[p->cooc_level] <= 4096) {
        size_t n = (size_t)p->n_items[p->cooc_level] + 1;
        s->dense_pair_items = n;
        s->dense_pairs = calloc(n * (n - 1) / 2 + 1, sizeof *s->dense_pairs); /* pages stay untouched until used */
        bad |= !s->dense_pairs;
    }
    s->cap_codes = 256;
    s->codes = malloc(s->cap_codes * sizeof *s->codes);
    s->citems = malloc(s->cap_codes * sizeof *s->citems);
    s->ccsr_buf = malloc(((size_t)p->n_ccsr + 1) * sizeof *s->ccsr_buf);
    s->tup = malloc((size_t)s->stride * sizeof *s->tup);
    s->rec_strata = malloc(((size_t)p->n_strat + 1) * sizeof *s->rec_strata);
    s->cap_loc = 256;
    s->loc = malloc(s->cap_loc * sizeof *s->loc);
    bad |= !s->codes || !s->citems || !s->ccsr_buf || !s->tup || !s->rec_strata || !s->loc;
    /* value ids: "unknown" is id 0 of column and period variables; age bands are ids
       0..n_bands-1 (zero-padded, so they sort in band order) and unknown is n_bands */
    for (int v = 0; v < p->n_vars && !bad; v++) {
        uint32_t id;
        if (p->vars[v].kind == MC_VAR_AGE)
            for (int k = 0; k < p->n_bands && !bad; k++) {
                char b[16];
                int l = snprintf(b, sizeof b, "%05d", k);
                bad |= intern_value(s, v, b, (size_t)l, &id) != 0;
            }
        bad |= intern_value(s, v, MC_UNKNOWN_STR, 1, &id) != 0;
    }
    if (bad) { mc_stats_free(s); return NULL; }
    return s;
}

const mc_totals *mc_stats_totals(const mc_stats *s) { return &s->tot; }

static int64_t stratum_id(mc_stats *s, const uint32_t *t)
{
    size_t st = (size_t)s->stride;
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < st; i++) h = mix64(h ^ t[i]);
    h |= 1ull << 63;
    int fresh;
    int64_t head = map64_get(&s->smap, h, (uint32_t)s->n_strata, &fresh);
    if (head < 0) return -1;
    if (!fresh) {
        for (int64_t c = head; c != (int64_t)UINT32_MAX; c = s->snext[c])
            if (!memcmp(&s->tuples[(size_t)c * st], t, st * sizeof *t)) return c;
    }
    /* new stratum (chained behind the head on a hash collision) */
    size_t id = s->n_strata;
    if (id + 1 > s->cap_strata) {
        size_t nc = s->cap_strata ? s->cap_strata * 2 : 64;
        uint32_t *nt = realloc(s->tuples, nc * st * sizeof *nt);
        if (!nt) return -1;
        s->tuples = nt;
        mc_stratum_sc *ns = realloc(s->sc, nc * sizeof *ns);
        if (!ns) return -1;
        s->sc = ns;
        uint32_t *nn = realloc(s->snext, nc * sizeof *nn);
        if (!nn) return -1;
        s->snext = nn;
        s->cap_strata = nc;
    }
    memcpy(&s->tuples[id * st], t, st * sizeof *t);
    memset(&s->sc[id], 0, sizeof s->sc[id]);
    s->snext[id] = UINT32_MAX;
    if (!fresh) { /* append to the chain */
        int64_t c = head;
        while (s->snext[c] != UINT32_MAX) c = s->snext[c];
        s->snext[c] = (uint32_t)id;
    }
    s->n_strata++;
    return (int64_t)id;
}

static inline loc_t *loc_get(mc_stats *s, uint32_t lv, uint32_t item)
{
    uint64_t mk = s->mark[lv][item];
    if ((uint32_t)(mk >> 32) == s->serial) return &s->loc[(uint32_t)mk];
    if (s->n_loc == s->cap_loc) {
        loc_t *n = realloc(s->loc, s->cap_loc * 2 * sizeof *n);
        if (!n) return NULL;
        s->loc = n;
        s->cap_loc *= 2;
    }
    s->mark[lv][item] = (uint64_t)s->serial << 32 | (uint32_t)s->n_loc;
    if (s->dense_pf) MC_PREFETCH(&s->dense[s->dense_off[lv] + item]); /* added at the record's end */
    loc_t *l = &s->loc[s->n_loc++];
    memset(l, 0, sizeof *l);
    l->level = lv;
    l->item = item;
    return l;
}

static int is_unknown_text(const char *p, size_t n) { return n == 0 || (n == 7 && !memcmp(p, "unknown", 7)); }

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) { (*p)++; (*n)--; }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r')) (*n)--;
}

static int age_band(const mc_stats_plan *p, const char *s, size_t n)
{
    size_t i = 0;
    long a = 0;
    if (!n) return -1;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        a = a * 10 + (s[i] - '0');
        if (a > 150) return -1;
        i++;
    }
    if (i == 0) return -1;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i != n) return -1;
    for (int k = 0; k < p->n_bands; k++)
        if (a >= p->band_lo[k] && a <= p->band_hi[k]) return k;
    return -1;
}

static int dig(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + s[i] - '0';
    }
    return v;
}

/* ISO date (YYYY-MM-DD, optionally followed by a time; YYYY-MM; YYYY for years) -> label. */
static int period_label(int period, const char *s, size_t n, char out[16])
{
    if (n < 4) return -1;
    int y = dig(s, 4), m = -1, d = -1;
    if (y < 0) return -1;
    if (n >= 7) {
        if (s[4] != '-' || (m = dig(s + 5, 2)) < 1 || m > 12) return -1;
        if (n >= 10) {
            if (s[7] != '-' || (d = dig(s + 8, 2)) < 1) return -1;
            static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return -1;
            if (n > 10 && s[10] != 'T' && s[10] != ' ') return -1;
        } else if (n != 7) return -1;
    } else if (n != 4) return -1;
    if (period == MC_PERIOD_YEAR) return snprintf(out, 16, "%04d", y);
    if (m < 0) return -1;
    if (period == MC_PERIOD_QUARTER) return snprintf(out, 16, "%04d-Q%d", y, (m - 1) / 3 + 1);
    return snprintf(out, 16, "%04d-%02d", y, m);
}

/* e += c, field by field (mc_cnt is eight 64-bit counters: two vector adds) */
_Static_assert(sizeof(mc_cnt) == 8 * sizeof(uint64_t), "mc_cnt is eight counters");
static inline void cnt_add(mc_cnt *restrict e, const mc_cnt *restrict c)
{
    uint64_t *restrict x = (uint64_t *)e;
    const uint64_t *restrict y = (const uint64_t *)c;
    for (int k = 0; k < 8; k++) x[k] += y[k];
}

/* *(T **)pp := realloc to cap elements of elem bytes; -1 (unchanged) when out of memory. */
static int resize(void *pp, size_t cap, size_t elem)
{
    void **p = pp, *n = realloc(*p, cap * elem);
    if (!n) return -1;
    *p = n;
    return 0;
}

/* Queue the entry update key += loc li's counts. */
static inline int queue_entry(mc_stats *s, uint64_t key, uint32_t li)
{
    if (s->n_pend == s->cap_pend) {
        size_t cap = s->cap_pend ? s->cap_pend * 2 : 1024;
        if (resize(&s->pend_key, cap, sizeof(uint64_t)) || resize(&s->pend_h, cap, sizeof(uint64_t)) ||
            resize(&s->pend_loc, cap, sizeof(uint32_t)) || resize(&s->pend_ix, cap, sizeof(uint32_t)))
            return -1;
        s->cap_pend = cap;
    }
    s->pend_key[s->n_pend] = key;
    s->pend_h[s->n_pend] = mix64(key);
    s->pend_loc[s->n_pend++] = li;
    return 0;
}

/* Queue one count of the pair key (bit 63 set). */
static inline int queue_pair(mc_stats *s, uint64_t key)
{
    if (s->n_ppend == s->cap_ppend) {
        size_t cap = s->cap_ppend ? s->cap_ppend * 2 : 1024;
        if (resize(&s->ppend_key, cap, sizeof(uint64_t)) || resize(&s->ppend_h, cap, sizeof(uint64_t))) return -1;
        s->cap_ppend = cap;
    }
    s->ppend_key[s->n_ppend] = key;
    s->ppend_h[s->n_ppend++] = mix64(key);
    return 0;
}

/* Room for twice the entries (the rows stay 64-byte aligned); -1 when out of memory. */
static int grow_entries(mc_stats *s)
{
    size_t cap = s->cap_e ? s->cap_e * 2 : 1 << 15;
    uint64_t *nk = realloc(s->ekey, cap * sizeof *nk);
    if (!nk) return -1;
    s->ekey = nk;
    void *nc = NULL;
    if (posix_memalign(&nc, 64, cap * sizeof *s->ecnt)) return -1;
    if (s->n_e) memcpy(nc, s->ecnt, s->n_e * sizeof *s->ecnt);
    free(s->ecnt);
    s->ecnt = nc;
    if (s->ehi) {
        mc_cnt *nh = realloc(s->ehi, cap * sizeof *nh);
        if (!nh) return -1;
        s->ehi = nh;
    }
    s->cap_e = cap;
    return 0;
}

/* Row ix's counts move to ehi (created zeroed for every row on the first spill). */
static int entry_spill(mc_stats *s, size_t ix)
{
    if (!s->ehi && !(s->ehi = calloc(s->cap_e, sizeof *s->ehi))) return -1;
    uint64_t *h = (uint64_t *)&s->ehi[ix];
    for (int k = 0; k < 8; k++) h[k] += s->ecnt[ix].v[k];
    memset(&s->ecnt[ix], 0, sizeof *s->ecnt);
    return 0;
}

/* Row ix += a record's counts c (each below 2^31: a record has fewer mentions than
 * bytes, and mc_scan refuses texts of 2^32 bytes), so no counter wraps before the
 * row spills. */
static inline int entry_add(mc_stats *s, size_t ix, const mc_cnt *c)
{
    uint32_t *e = s->ecnt[ix].v, top = 0;
    const uint64_t *y = (const uint64_t *)c;
    for (int k = 0; k < 8; k++) {
        e[k] += (uint32_t)y[k];
        top |= e[k];
    }
    return MC_UNLIKELY(top >= s->entry_spill) ? entry_spill(s, ix) : 0;
}

/* Row of ecnt for the entry key, a zeroed new one when absent; -1 when out of memory. */
static inline int64_t entry_row(mc_stats *s, uint64_t key, uint64_t h)
{
    int fresh;
    map64_slot *sl = map64_slot_h(&s->emap, key, h, s->n_e, &fresh);
    if (!sl) return -1;
    if (fresh) {
        if (s->n_e + 1 > s->cap_e && grow_entries(s)) return -1;
        s->ekey[s->n_e] = key;
        memset(&s->ecnt[s->n_e], 0, sizeof *s->ecnt);
        if (s->ehi) memset(&s->ehi[s->n_e], 0, sizeof *s->ehi);
        s->n_e++;
    }
    return (int64_t)sl->v;
}

enum { PF_SLOT = 8, PF_ROW = 4 }; /* how far ahead map slots, then counter rows, are prefetched */

/* Apply the queued updates: each map slot is prefetched PF_SLOT updates before its probe
 * and each counter row PF_ROW before its add, so the misses overlap. */
static int flush_pending(mc_stats *s)
{
    size_t m = s->n_pend;
    for (size_t i = 0; i < m && i < PF_SLOT; i++) MC_PREFETCH(map64_home(&s->emap, s->pend_h[i]));
    for (size_t i = 0; i < m + PF_ROW; i++) {
        if (i < m) {
            if (i + PF_SLOT < m) MC_PREFETCH(map64_home(&s->emap, s->pend_h[i + PF_SLOT]));
            int64_t ix = entry_row(s, s->pend_key[i], s->pend_h[i]);
            if (ix < 0) return -1;
            s->pend_ix[i] = (uint32_t)ix;
            MC_PREFETCH(&s->ecnt[ix]);
        }
        if (i >= PF_ROW && entry_add(s, s->pend_ix[i - PF_ROW], &s->loc[s->pend_loc[i - PF_ROW]].c)) return -1;
    }
    s->n_pend = 0;
    size_t q = s->n_ppend;
    for (size_t i = 0; i < q && i < PF_SLOT; i++) MC_PREFETCH(map64_home(&s->pmap, s->ppend_h[i]));
    for (size_t i = 0; i < q; i++) {
        if (i + PF_SLOT < q) MC_PREFETCH(map64_home(&s->pmap, s->ppend_h[i + PF_SLOT]));
        int fresh;
        map64_slot *sl = map64_slot_h(&s->pmap, s->ppend_key[i], s->ppend_h[i], 0, &fresh);
        if (!sl) return -1;
        sl->v++;
    }
    s->n_ppend = 0;
    return 0;
}

/* A record's co-occurrence items: a few to a few dozen, so insertion sort. */
static void sort_u32(uint32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
        a[j] = v;
    }
}

static int add_pair_n(mc_stats *s, uint32_t sid, uint32_t a, uint32_t b, uint64_t cnt);

static int add_pair(mc_stats *s, uint32_t sid, uint32_t a, uint32_t b)
{
    if (s->dense_pair_items && (int64_t)sid == s->dense_sid) {
        uint8_t *c = &s->dense_pairs[(size_t)b * (b - 1) / 2 + a];
        if (MC_UNLIKELY(*c >= s->pair_spill)) {
            if (add_pair_n(s, sid, a, b, *c)) return -1;
            *c = 0;
        }
        ++*c;
        return 0;
    }
    return add_pair_n(s, sid, a, b, 1);
}

/* The pair key of (stratum, a, b) with bit 63 set; 0 when out of memory. */
static uint64_t pair_key(mc_stats *s, uint32_t sid, uint32_t a, uint32_t b)
{
    if (s->pair_pack) {
        unsigned pb = s->pair_pack;
        return ((uint64_t)sid << pb << pb | (uint64_t)a << pb | b) | 1ull << 63;
    }
    int fresh;
    uint64_t ab = (uint64_t)a << 32 | b;
    int64_t pid = map64_get(&s->pairix, ab | 1ull << 63, (uint32_t)s->n_pab, &fresh);
    if (pid < 0) return 0;
    if (fresh) {
        if (s->n_pab == s->cap_pab) {
            size_t nc = s->cap_pab ? s->cap_pab * 2 : 64;
            uint64_t *np = realloc(s->pab, nc * sizeof *np);
            if (!np) return 0;
            s->pab = np;
            s->cap_pab = nc;
        }
        s->pab[s->n_pab++] = ab;
    }
    return ((uint64_t)sid << 32 | (uint64_t)pid) | 1ull << 63;
}

/* The pair map: (stratum, pair) -> 64-bit count. */
static int add_pair_n(mc_stats *s, uint32_t sid, uint32_t a, uint32_t b, uint64_t cnt)
{
    uint64_t key = pair_key(s, sid, a, b);
    int fresh;
    map64_slot *sl = key ? map64_slot_h(&s->pmap, key, mix64(key), 0, &fresh) : NULL;
    if (!sl) return -1;
    sl->v += cnt;
    return 0;
}

void mc_stats_set_pair_pack(mc_stats *s, int on)
{
    if (s->pmap.n) return; /* pairs already counted one way */
    unsigned pb = bits_of(s->p->n_items[s->p->cooc_level]);
    s->pair_pack = on && pb <= 16 ? (pb ? pb : 1) : 0; /* stratum ids are < 2^31: 31 + 2*16 bits */
}

void mc_stats_set_entry_spill(mc_stats *s, uint32_t at) { s->entry_spill = at == 0 ? 1 : at < (1u << 31) ? at : 1u << 31; }
void mc_stats_set_pair_spill(mc_stats *s, uint32_t at) { s->pair_spill = at == 0 ? 1 : at < UINT8_MAX ? at : UINT8_MAX; }

int mc_stats_record(mc_stats *s, const mc_mention *ms, size_t n, const mc_strval *vals)
{
    const mc_stats_plan *p = s->p;
    const mc_dict *d = p->d;
    s->tot.records++;
    if (++s->serial == 0) {
        for (int l = 0; l < MC_LV__COUNT; l++) memset(s->mark[l], 0, ((size_t)p->n_items[l] + 1) * sizeof(uint64_t));
        s->serial = 1;
    }
    s->n_loc = 0;
    size_t nc = 0;
    uint64_t counted = 0;
    /* The per-item tables are far larger than the cache and each mention touches them at
     * random: issue every miss of this record first, so they overlap, then do the work. */
    /* Only the code level is far larger than the cache: a code's row of grp_items and the
     * marks of the other levels (a few thousand items at most) are then near at hand. */
    for (size_t i = 0; i < n; i++) {
        MC_PREFETCH(&p->grp_of[ms[i].code]);
        MC_PREFETCH(&p->grp_of[ms[i].matched_code]);
        MC_PREFETCH(&s->mark[MC_LV_CODE][ms[i].code]);
        MC_PREFETCH(&s->mark[MC_LV_CODE][ms[i].matched_code]);
    }
    for (size_t i = 0; i < n; i++) {
        const mc_mention *m = &ms[i];
        s->tot.mentions++;
        s->tot.rules[m->rule]++;
        uint32_t its[4];
        mc_plan_code_items(p, m->matched_code, its);
        for (int lv = 0; lv < 4; lv++) {
            uint32_t it = its[lv];
            if (it == UINT32_MAX) continue;
            loc_t *l = loc_get(s, (uint32_t)lv, it);
            if (!l) return -1;
            l->c.assert_[m->assertion]++;
        }
        if (!m->counted) continue;
        counted++;
        mc_plan_code_items(p, m->code, its);
        for (int lv = 0; lv < 4; lv++) {
            uint32_t it = its[lv];
            if (it == UINT32_MAX) continue;
            loc_t *l = loc_get(s, (uint32_t)lv, it);
            if (!l) return -1;
            l->c.mentions++;
            if (!l->c.records && lv == MC_LV_CODE) {
                if (nc == s->cap_codes) {
                    uint32_t *a = realloc(s->codes, s->cap_codes * 2 * sizeof *a), *b2;
                    if (!a) return -1;
                    s->codes = a;
                    b2 = realloc(s->citems, s->cap_codes * 2 * sizeof *b2);
                    if (!b2) return -1;
                    s->citems = b2;
                    s->cap_codes *= 2;
                }
                s->codes[nc++] = m->code;
            }
            l->c.records = 1;
        }
    }
    s->tot.counted += counted;
    s->tot.records_with_code += nc > 0;
    /* CCSR: all categories, the default one for the setting, body systems */
    if (p->have_ccsr && nc) {
        size_t k = mc_ccsr_record(d, s->codes, nc, MC_CCSR_ALL, s->ccsr_buf, p->n_ccsr);
        for (size_t i = 0; i < k; i++) {
            loc_t *l = loc_get(s, MC_LV_CCSR, s->ccsr_buf[i]);
            if (!l) return -1;
            l->c.records = 1;
            l = loc_get(s, MC_LV_BODY, p->ccsr_body[s->ccsr_buf[i]]);
            if (!l) return -1;
            l->c.records = 1;
        }
        k = mc_ccsr_record(d, s->codes, nc, p->setting == MC_SETTING_INPATIENT ? MC_CCSR_DEFAULT_IP : MC_CCSR_DEFAULT_OP,
                           s->ccsr_buf, p->n_ccsr);
        for (size_t i = 0; i < k; i++) {
            loc_t *l = loc_get(s, MC_LV_CCSR_DEFAULT, s->ccsr_buf[i]);
            if (!l) return -1;
            l->c.records = 1;
        }
    }
    /* comorbidity (raw Charlson and Quan Elixhauser conditions; AHRQ after its hierarchy) */
    mc_comorb cm;
    mc_comorb_record(d, s->codes, nc, &cm);
    for (uint32_t i = 0; i < p->n_items[MC_LV_CHARLSON]; i++)
        if (cm.charlson_mask >> i & 1) { loc_t *l = loc_get(s, MC_LV_CHARLSON, i); if (!l) return -1; l->c.records = 1; }
    for (uint32_t i = 0; i < p->n_items[MC_LV_ELIX]; i++)
        if (cm.elix_quan_mask >> i & 1) { loc_t *l = loc_get(s, MC_LV_ELIX, i); if (!l) return -1; l->c.records = 1; }
    for (uint32_t i = 0; i < p->n_items[MC_LV_AHRQ] && i < 64; i++)
        if (cm.ahrq_mask >> i & 1) { loc_t *l = loc_get(s, MC_LV_AHRQ, i); if (!l) return -1; l->c.records = 1; }
    int ci = cm.charlson_index;
    uint32_t bucket = ci <= 0 ? 0 : ci == 1 ? 1 : ci == 2 ? 2 : ci <= 4 ? 3 : 4;
    loc_t *bl = loc_get(s, MC_LV_CHARLSON_BUCKET, bucket);
    if (!bl) return -1;
    bl->c.records = 1;
    /* co-occurrence items */
    size_t ncoi = 0;
    if (p->cooc_top > 0) {
        for (size_t i = 0; i < s->n_loc; i++)
            if (s->loc[i].level == (uint32_t)p->cooc_level && s->loc[i].c.records) {
                if (ncoi == s->cap_codes) break; /* cannot happen: items <= codes */
                s->citems[ncoi++] = s->loc[i].item;
            }
        sort_u32(s->citems, ncoi);
    }
    /* stratum values */
    for (int v = 0; v < p->n_vars; v++) {
        const mc_var *var = &p->vars[v];
        const char *str = vals ? vals[var->col].p : NULL;
        size_t len = str ? vals[var->col].n : 0;
        if (!str) str = "";
        trim(&str, &len);
        if (var->kind == MC_VAR_AGE) {
            int b = age_band(p, str, len);
            s->vid[v] = b < 0 ? (uint32_t)p->n_bands : (uint32_t)b;
        } else if (var->kind == MC_VAR_PERIOD) {
            char lab[16];
            int l = period_label(p->period, str, len, lab);
            if (l < 0) s->vid[v] = 0;
            else if (intern_value(s, v, lab, (size_t)l, &s->vid[v])) return -1;
        } else if (is_unknown_text(str, len)) s->vid[v] = 0;
        else if (intern_value(s, v, str, len, &s->vid[v])) return -1;
    }
    /* every stratification: interned stratum, scalars, entries, pairs */
    for (int t = 0; t < p->n_strat; t++) {
        const mc_strat *sp = &p->strat[t];
        s->tup[0] = (uint32_t)t;
        for (int v = 0; v < p->n_vars; v++) s->tup[1 + v] = sp->mask >> v & 1 ? s->vid[v] : MC_ALL;
        int64_t sid = stratum_id(s, s->tup);
        if (sid < 0 || sid >= (int64_t)1 << 31) return -1;
        mc_stratum_sc *sc = &s->sc[sid];
        sc->records++;
        sc->with_code += nc > 0;
        sc->mentions += n;
        sc->counted += counted;
        sc->charlson_sum += cm.charlson_index;
        sc->elix_vw_sum += cm.elix_vw;
        sc->ahrq_mort_sum += cm.ahrq_mortality;
        sc->ahrq_readm_sum += cm.ahrq_readmission;
        uint64_t base = (uint64_t)sid << 32 | 1ull << 63;
        if (sp->mask == 0 && !sp->hidden) {
            s->dense_sid = sid;
            if (s->dense_pair_items)
                for (size_t i = 1; i < ncoi; i++)
                    for (size_t j = 0; j < i; j++)
                        MC_PREFETCH(&s->dense_pairs[(size_t)s->citems[i] * (s->citems[i] - 1) / 2 + s->citems[j]]);
            for (size_t i = 0; i < s->n_loc; i++) {
                const loc_t *l = &s->loc[i];
                cnt_add(&s->dense[s->dense_off[l->level] + l->item], &l->c);
            }
            for (size_t i = 0; i < ncoi; i++)
                for (size_t j = i + 1; j < ncoi; j++)
                    if (add_pair(s, (uint32_t)sid, s->citems[i], s->citems[j])) return -1;
            continue;
        }
        for (size_t i = 0; i < s->n_loc; i++) {
            const loc_t *l = &s->loc[i];
            if (sp->hidden && l->level > MC_LV_CHAPTER) continue;
            if (queue_entry(s, base | (uint64_t)l->level << 24 | l->item, (uint32_t)i)) return -1;
        }
        if (!sp->hidden)
            for (size_t i = 0; i < ncoi; i++)
                for (size_t j = i + 1; j < ncoi; j++) {
                    uint64_t key = pair_key(s, (uint32_t)sid, s->citems[i], s->citems[j]);
                    if (!key || queue_pair(s, key)) return -1;
                }
    }
    return flush_pending(s);
}

/* ---- canonical aggregate ------------------------------------------------------ */

void mc_agg_free(mc_agg *a)
{
    if (!a) return;
    for (int v = 0; v < MC_MAX_VARS; v++) {
        for (uint32_t i = 0; a->vals[v] && i < a->n_vals[v]; i++) free(a->vals[v][i]);
        free(a->vals[v]);
    }
    free(a->tuples);
    free(a->sc);
    free(a->e);
    free(a->pairs);
    free(a);
}

static const char *const *g_sort_strs;
static int cmp_strix(const void *x, const void *y)
{
    return strcmp(g_sort_strs[*(const uint32_t *)x], g_sort_strs[*(const uint32_t *)y]);
}
static const uint32_t *g_tuples;
static size_t g_stride;
static int cmp_tupix(const void *x, const void *y)
{
    const uint32_t *a = &g_tuples[*(const uint32_t *)x * g_stride], *b = &g_tuples[*(const uint32_t *)y * g_stride];
    for (size_t i = 0; i < g_stride; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}
static int cmp_entry(const void *x, const void *y)
{
    const mc_entry *a = x, *b = y;
    if (a->stratum != b->stratum) return a->stratum < b->stratum ? -1 : 1;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    if (a->item != b->item) return a->item < b->item ? -1 : 1;
    return 0;
}
static int cmp_pair(const void *x, const void *y)
{
    const mc_pairc *a = x, *b = y;
    if (a->stratum != b->stratum) return a->stratum < b->stratum ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return 0;
}

/* 1 when base[0..n) is already in cmp order (then qsort and its n-sized scratch buffer
 * are skipped: the overall stratum's entries and pairs come in order, append_dense). */
static int is_sorted(const void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
    const char *p = base;
    for (size_t i = 1; i < n; i++)
        if (cmp(p + (i - 1) * sz, p + i * sz) > 0) return 0;
    return 1;
}

/* Sort n elements of sz bytes at base by the 64-bit keys key[0..n) (ascending; equal
 * keys keep their order): mc_radix_sort_kv of (key, index), then the elements are permuted
 * in place along the cycles of the order (one element of scratch). Linear, and no
 * element is copied more than twice. Returns -1 when out of memory (nothing moved). */
static int radix_sort_by_key(void *base, size_t n, size_t sz, uint64_t *key)
{
    mc_kv64 *ix = malloc((n + 1) * sizeof *ix);
    unsigned char *tmp = malloc(sz);
    if (!ix || !tmp) { free(ix); free(tmp); return -1; }
    for (size_t i = 0; i < n; i++) ix[i] = (mc_kv64){key[i], i};
    if (mc_radix_sort_kv(ix, n)) { free(ix); free(tmp); return -1; }
    /* position k receives element ix[k].v: follow each cycle once */
    unsigned char *e = base;
    for (size_t k = 0; k < n; k++) {
        if (ix[k].v == UINT64_MAX || ix[k].v == k) continue;
        memcpy(tmp, e + k * sz, sz);
        size_t j = k;
        for (;;) {
            size_t from = (size_t)ix[j].v;
            ix[j].v = UINT64_MAX;
            if (from == k) { memcpy(e + j * sz, tmp, sz); break; }
            memcpy(e + j * sz, e + from * sz, sz);
            j = from;
        }
    }
    free(ix); free(tmp);
    return 0;
}

/* By the packed keys (freed here) when there are some and memory allows, else by cmp. */
static void sort_keyed(void *base, size_t n, size_t sz, uint64_t *key, int (*cmp)(const void *, const void *))
{
    int rc = key ? radix_sort_by_key(base, n, sz, key) : -1;
    free(key);
    if (rc) qsort(base, n, sz, cmp);
}

/* Entries by (stratum, level, item) and pairs by (stratum, a, b), as cmp_entry and
 * cmp_pair order them: by packed keys when the fields fit in 64 bits (always, in
 * practice), else qsort. */
static void sort_entries(mc_entry *e, size_t n)
{
    uint32_t ms = 0, ml = 0, mi = 0;
    for (size_t i = 0; i < n; i++) {
        ms = MC_MAX(ms, e[i].stratum);
        ml = MC_MAX(ml, e[i].level);
        mi = MC_MAX(mi, e[i].item);
    }
    unsigned bl = bits_of(ml), bi = bits_of(mi);
    uint64_t *key = bits_of(ms) + bl + bi <= 64 ? malloc(n * sizeof *key) : NULL;
    for (size_t i = 0; key && i < n; i++)
        key[i] = ((uint64_t)e[i].stratum << bl << bi) | ((uint64_t)e[i].level << bi) | e[i].item;
    sort_keyed(e, n, sizeof *e, key, cmp_entry);
}

static void sort_pairs(mc_pairc *p, size_t n)
{
    uint32_t ms = 0, mi = 0;
    for (size_t i = 0; i < n; i++) {
        ms = MC_MAX(ms, p[i].stratum);
        mi = MC_MAX(mi, MC_MAX(p[i].a, p[i].b));
    }
    unsigned bi = bits_of(mi);
    uint64_t *key = bits_of(ms) + 2 * bi <= 64 ? malloc(n * sizeof *key) : NULL;
    for (size_t i = 0; key && i < n; i++)
        key[i] = ((uint64_t)p[i].stratum << bi << bi) | ((uint64_t)p[i].a << bi) | p[i].b;
    sort_keyed(p, n, sizeof *p, key, cmp_pair);
}

/* Sort and deduplicate the values and strata, summing the scalars of duplicate strata
 * and dropping values no stratum uses; *sre_out (caller frees) maps each former stratum
 * index to its new one. Entries and pairs are left as they were (normalize). Not
 * thread-safe (qsort comparators use statics). */
static mc_status normalize_strata(mc_agg *a, uint32_t **sre_out)
{
    size_t st = 1 + (size_t)a->n_vars;
    mc_status rc = MC_E_NOMEM;
    uint32_t *remap[MC_MAX_VARS] = {0}, *order = NULL, *sre = NULL;
    /* values */
    for (int v = 0; v < a->n_vars; v++) {
        uint32_t n = a->n_vals[v];
        uint32_t *ord = malloc(((size_t)n + 1) * sizeof *ord);
        remap[v] = malloc(((size_t)n + 1) * sizeof *remap[v]);
        uint8_t *used = calloc((size_t)n + 1, 1);
        if (!ord || !remap[v] || !used) { free(ord); free(used); goto out; }
        for (size_t i = 0; i < a->n_strata; i++) {
            uint32_t x = a->tuples[i * st + 1 + (size_t)v];
            if (x != MC_ALL) used[x] = 1;
        }
        for (uint32_t i = 0; i < n; i++) ord[i] = i;
        g_sort_strs = (const char *const *)a->vals[v];
        qsort(ord, n, sizeof *ord, cmp_strix);
        char **nv = malloc(((size_t)n + 1) * sizeof *nv);
        if (!nv) { free(ord); free(used); goto out; }
        uint32_t u = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = ord[k];
            if (u && !strcmp(nv[u - 1], a->vals[v][i])) {
                remap[v][i] = u - 1;
                free(a->vals[v][i]);
                continue;
            }
            nv[u] = a->vals[v][i];
            remap[v][i] = u++;
        }
        /* drop unused values: a value is kept when any of its duplicates is used */
        uint8_t *keep = calloc((size_t)u + 1, 1);
        uint32_t *sq = malloc(((size_t)u + 1) * sizeof *sq);
        if (!keep || !sq) { free(keep); free(sq); free(nv); free(ord); free(used); goto out; }
        for (uint32_t i = 0; i < n; i++)
            if (used[i]) keep[remap[v][i]] = 1;
        uint32_t w = 0;
        for (uint32_t k = 0; k < u; k++) {
            if (keep[k]) { sq[k] = w; nv[w++] = nv[k]; }
            else free(nv[k]);
        }
        for (uint32_t i = 0; i < n; i++) remap[v][i] = keep[remap[v][i]] ? sq[remap[v][i]] : UINT32_MAX;
        free(keep); free(sq); free(ord); free(used);
        free(a->vals[v]);
        a->vals[v] = nv;
        a->n_vals[v] = w;
        for (size_t i = 0; i < a->n_strata; i++) {
            uint32_t *x = &a->tuples[i * st + 1 + (size_t)v];
            if (*x != MC_ALL) *x = remap[v][*x];
        }
    }
    /* strata */
    size_t ns = a->n_strata;
    order = malloc((ns + 1) * sizeof *order);
    sre = malloc((ns + 1) * sizeof *sre);
    if (!order || !sre) goto out;
    for (size_t i = 0; i < ns; i++) order[i] = (uint32_t)i;
    g_tuples = a->tuples;
    g_stride = st;
    qsort(order, ns, sizeof *order, cmp_tupix);
    uint32_t *nt = malloc((ns + 1) * st * sizeof *nt);
    mc_stratum_sc *nsc = calloc(ns + 1, sizeof *nsc);
    if (!nt || !nsc) { free(nt); free(nsc); goto out; }
    size_t u = 0;
    for (size_t k = 0; k < ns; k++) {
        uint32_t i = order[k];
        const uint32_t *t = &a->tuples[(size_t)i * st];
        if (!u || memcmp(&nt[(u - 1) * st], t, st * sizeof *t)) {
            memcpy(&nt[u * st], t, st * sizeof *t);
            u++;
        }
        sre[i] = (uint32_t)(u - 1);
        mc_stratum_sc *d = &nsc[u - 1];
        const mc_stratum_sc *s = &a->sc[i];
        d->records += s->records; d->with_code += s->with_code; d->mentions += s->mentions; d->counted += s->counted;
        d->charlson_sum += s->charlson_sum; d->elix_vw_sum += s->elix_vw_sum;
        d->ahrq_mort_sum += s->ahrq_mort_sum; d->ahrq_readm_sum += s->ahrq_readm_sum;
    }
    free(a->tuples);
    free(a->sc);
    a->tuples = nt;
    a->sc = nsc;
    a->n_strata = (uint32_t)u;
    rc = MC_OK;
    *sre_out = sre;
    sre = NULL;
out:
    for (int v = 0; v < MC_MAX_VARS; v++) free(remap[v]);
    free(order);
    free(sre);
    return rc;
}

/* Sum the runs of equal (stratum, a, b) in sorted pairs. */
static void dedupe_pairs(mc_agg *a)
{
    size_t u = 0;
    for (size_t i = 0; i < a->n_pairs; i++) {
        if (u && !cmp_pair(&a->pairs[u - 1], &a->pairs[i])) a->pairs[u - 1].n += a->pairs[i].n;
        else a->pairs[u++] = a->pairs[i];
    }
    a->n_pairs = u;
}

/* Sort and deduplicate everything (values, strata, entries, pairs), summing duplicates
 * and dropping values no stratum uses. The result depends only on the multiset of
 * contributions. Not thread-safe (normalize_strata). */
static mc_status normalize(mc_agg *a)
{
    uint32_t *sre = NULL;
    mc_status rc = normalize_strata(a, &sre);
    if (rc) return rc;
    /* entries */
    for (size_t i = 0; i < a->n_entries; i++) a->e[i].stratum = sre[a->e[i].stratum];
    if (a->n_entries && !is_sorted(a->e, a->n_entries, sizeof *a->e, cmp_entry)) sort_entries(a->e, a->n_entries);
    size_t u = 0;
    for (size_t i = 0; i < a->n_entries; i++) {
        if (u && !cmp_entry(&a->e[u - 1], &a->e[i])) {
            mc_cnt *d = &a->e[u - 1].c;
            const mc_cnt *s = &a->e[i].c;
            d->records += s->records;
            d->mentions += s->mentions;
            for (int k = 0; k < MC_ASSERT__COUNT; k++) d->assert_[k] += s->assert_[k];
        } else a->e[u++] = a->e[i];
    }
    a->n_entries = u;
    for (size_t i = 0; i < a->n_pairs; i++) a->pairs[i].stratum = sre[a->pairs[i].stratum];
    if (a->n_pairs && !is_sorted(a->pairs, a->n_pairs, sizeof *a->pairs, cmp_pair)) sort_pairs(a->pairs, a->n_pairs);
    dedupe_pairs(a);
    free(sre);
    return MC_OK;
}

static mc_agg *agg_new(const mc_stats_plan *p)
{
    mc_agg *a = calloc(1, sizeof *a);
    if (a) a->n_vars = p->n_vars;
    return a;
}

static void totals_add(mc_totals *a, const mc_totals *b)
{
    a->records += b->records;
    a->records_with_code += b->records_with_code;
    a->mentions += b->mentions;
    a->counted += b->counted;
    for (int i = 0; i < MC_RULE__COUNT; i++) a->rules[i] += b->rules[i];
}

/* Append a shard's values, strata and totals to a (unsorted: normalize_strata). */
static mc_status append_strata(const mc_stats_plan *p, mc_agg *a, const mc_stats *s)
{
    size_t st = 1 + (size_t)p->n_vars;
    uint32_t voff[MC_MAX_VARS];
    for (int v = 0; v < p->n_vars; v++) {
        size_t n = s->vstr[v].n;
        char **nv = realloc(a->vals[v], (a->n_vals[v] + n + 1) * sizeof *nv);
        if (!nv) return MC_E_NOMEM;
        a->vals[v] = nv;
        voff[v] = a->n_vals[v];
        for (size_t i = 0; i < n; i++) {
            if (!(nv[a->n_vals[v]] = mc_strdup(s->vstr[v].items[i]))) return MC_E_NOMEM;
            a->n_vals[v]++;
        }
    }
    uint32_t *nt = realloc(a->tuples, (a->n_strata + s->n_strata + 1) * st * sizeof *nt);
    if (!nt) return MC_E_NOMEM;
    a->tuples = nt;
    mc_stratum_sc *nsc = realloc(a->sc, (a->n_strata + s->n_strata + 1) * sizeof *nsc);
    if (!nsc) return MC_E_NOMEM;
    a->sc = nsc;
    for (size_t i = 0; i < s->n_strata; i++) {
        uint32_t *t = &a->tuples[(a->n_strata + i) * st];
        memcpy(t, &s->tuples[i * st], st * sizeof *t);
        for (int v = 0; v < p->n_vars; v++)
            if (t[1 + v] != MC_ALL) t[1 + v] += voff[v];
        a->sc[a->n_strata + i] = s->sc[i];
    }
    a->n_strata += (uint32_t)s->n_strata;
    totals_add(&a->tot, &s->tot);
    return MC_OK;
}

static int cnt_zero(const mc_cnt *c) { return !memcmp(c, &(mc_cnt){0}, sizeof *c); }

/* Where merge_entries finds a counter row: shard k's hashed row i, or (DENSE_REF) its
 * overall-stratum row i. */
#define DENSE_REF (1ull << 63)
static inline uint64_t row_ref(size_t k, size_t i) { return (uint64_t)k << 40 | i; }
static inline const void *ref_addr(mc_stats *const *sh, uint64_t r)
{
    const mc_stats *s = sh[r >> 40 & 0x7fffff];
    size_t i = r & ((1ull << 40) - 1);
    return r & DENSE_REF ? (const void *)&s->dense[i] : (const void *)&s->ecnt[i];
}
static inline mc_cnt ref_row(mc_stats *const *sh, uint64_t r)
{
    const mc_stats *s = sh[r >> 40 & 0x7fffff];
    size_t i = r & ((1ull << 40) - 1);
    if (r & DENSE_REF) return s->dense[i];
    mc_cnt c = s->ehi ? s->ehi[i] : (mc_cnt){0};
    uint64_t *x = (uint64_t *)&c;
    for (int k = 0; k < 8; k++) x[k] += s->ecnt[i].v[k];
    return c;
}

/* Every shard's entries, hashed and dense, summed into a->e in canonical order. Each row
 * is named by its key (new stratum << 28 | level << 24 | item: strata are below 2^31,
 * levels below 16, items below 2^24, so it always fits) and a reference to it; the
 * (key, reference) pairs are radix-sorted and each run of equal keys is summed, reading
 * the rows a few ahead. The rows themselves are never moved or sorted. sre and soff:
 * normalize_strata's map and each shard's first stratum in it. */
static mc_status merge_entries(mc_agg *a, mc_stats *const *sh, size_t n, const uint32_t *soff, const uint32_t *sre)
{
    size_t tot = 0, m = 0;
    for (size_t k = 0; k < n; k++) {
        if (!sh[k]) continue;
        map64_free(&sh[k]->emap); /* the rows are found through their keys from here on */
        tot += sh[k]->n_e;
        if (sh[k]->dense_sid >= 0)
            for (size_t i = 0; i < sh[k]->dense_off[MC_LV__COUNT]; i++) tot += !cnt_zero(&sh[k]->dense[i]);
    }
    mc_kv64 *x = malloc((tot + 1) * sizeof *x); /* key, reference */
    if (!x) return MC_E_NOMEM;
    for (size_t k = 0; k < n; k++) {
        const mc_stats *s = sh[k];
        if (!s) continue;
        for (size_t i = 0; i < s->n_e; i++) {
            uint64_t ek = s->ekey[i];
            x[m++] = (mc_kv64){(uint64_t)sre[soff[k] + (ek >> 32 & 0x7fffffffu)] << 28 | (ek >> 24 & 0xf) << 24 | (ek & 0xffffff),
                            row_ref(k, i)};
        }
        if (s->dense_sid < 0) continue;
        uint64_t ds = (uint64_t)sre[soff[k] + (size_t)s->dense_sid] << 28;
        for (uint32_t l = 0; l < MC_LV__COUNT; l++)
            for (size_t i = s->dense_off[l]; i < s->dense_off[l + 1]; i++)
                if (!cnt_zero(&s->dense[i])) x[m++] = (mc_kv64){ds | (uint64_t)l << 24 | (i - s->dense_off[l]), DENSE_REF | row_ref(k, i)};
    }
    /* The sorted references are summed key by key, on the team when there are many:
       thread t takes the runs of keys that start in its part, and writes its entries
       after those of the parts before it (the same entries as one pass in order). */
    int nt = m < ((size_t)1 << 16) ? 1 : omp_get_max_threads();
    if (nt < 1) nt = 1;
    size_t *bnd = calloc(2 * (size_t)nt + 2, sizeof *bnd), *uo = bnd ? bnd + nt + 1 : NULL;
    mc_entry *e = NULL;
    if (bnd && mc_radix_sort_kv(x, m) == 0) {
        for (int t = 1; t <= nt; t++) { /* part t - 1 is x[bnd[t - 1], bnd[t]), whole runs */
            size_t b = t == nt ? m : m * (size_t)t / (size_t)nt;
            while (b < m && b > 0 && x[b].k == x[b - 1].k) b++;
            bnd[t] = b < bnd[t - 1] ? bnd[t - 1] : b;
        }
#pragma omp parallel for num_threads(nt) schedule(static, 1)
        for (int t = 0; t < nt; t++) {
            size_t c = 0;
            for (size_t i = bnd[t]; i < bnd[t + 1]; i++) c += i == bnd[t] || x[i].k != x[i - 1].k;
            uo[t + 1] = c;
        }
        for (int t = 0; t < nt; t++) uo[t + 1] += uo[t];
        e = malloc((uo[nt] + 1) * sizeof *e);
    }
    if (!e) { free(x); free(bnd); return MC_E_NOMEM; }
#pragma omp parallel for num_threads(nt) schedule(static, 1)
    for (int t = 0; t < nt; t++) {
        enum { AHEAD = 8 };
        size_t lo = bnd[t], hi = bnd[t + 1], w = uo[t];
        for (size_t i = lo; i < hi && i < lo + AHEAD; i++) MC_PREFETCH(ref_addr(sh, x[i].v));
        for (size_t i = lo; i < hi; i++) {
            if (i + AHEAD < hi) MC_PREFETCH(ref_addr(sh, x[i + AHEAD].v));
            mc_cnt c = ref_row(sh, x[i].v);
            uint64_t key = x[i].k;
            if (i > lo && key == x[i - 1].k) { cnt_add(&e[w - 1].c, &c); continue; }
            e[w++] = (mc_entry){(uint32_t)(key >> 28), (uint32_t)(key >> 24 & 0xf), (uint32_t)(key & 0xffffff), c};
        }
    }
    size_t u = uo[nt];
    free(bnd);
    free(x);
    for (size_t k = 0; k < n; k++) /* released: the peak is then the entries or the pairs, not both */
        if (sh[k]) {
            free(sh[k]->ekey); free(sh[k]->ecnt); free(sh[k]->ehi); free(sh[k]->dense);
            sh[k]->ekey = NULL; sh[k]->ecnt = NULL; sh[k]->ehi = NULL; sh[k]->dense = NULL;
            sh[k]->n_e = sh[k]->cap_e = 0;
        }
    free(a->e);
    a->e = e;
    a->n_entries = u;
    return MC_OK;
}

/* Where merge_pairs collects pairs: packed keys (new stratum << 2B | a << B | b, where
 * items fit in B bits and the whole in 64) with their counts, to be radix-sorted, or
 * else rows of a->pairs to be sorted by cmp_pair. */
typedef struct {
    mc_agg *a;
    unsigned bits;  /* B; 0: rows */
    mc_kv64 *x;        /* key, count */
    size_t n;
} pair_sink;

static inline void sink_pair(pair_sink *o, uint32_t stratum, uint32_t a, uint32_t b, uint64_t n)
{
    if (o->bits) {
        o->x[o->n++] = (mc_kv64){(uint64_t)stratum << o->bits << o->bits | (uint64_t)a << o->bits | b, n};
    } else
        o->a->pairs[o->a->n_pairs++] = (mc_pairc){stratum, a, b, n};
}

/* The dense pair counters [i, min(i + 8, end)) of every shard that counted the overall
 * stratum: one bit per counter that is non-zero in any of them (bit 8 * j for i + j). */
static inline uint64_t dense_word(mc_stats *const *sh, size_t n, size_t i, size_t end)
{
    uint64_t w = 0;
    for (size_t k = 0; k < n; k++)
        if (sh[k] && sh[k]->dense_sid >= 0) {
            uint64_t x = 0;
            if (end - i >= 8) memcpy(&x, sh[k]->dense_pairs + i, 8);
            else memcpy(&x, sh[k]->dense_pairs + i, end - i);
            w |= x;
        }
    w |= w >> 4; /* any bit of a byte to its lowest */
    w |= w >> 2;
    w |= w >> 1;
    return w & 0x0101010101010101ull;
}

/* Every shard's pairs, hashed and dense (summed over the shards there), summed into
 * a->pairs under their new strata in canonical order (see merge_entries). */
static mc_status merge_pairs(const mc_stats_plan *p, mc_agg *a, mc_stats *const *sh, size_t n, const uint32_t *soff,
                             const uint32_t *sre)
{
    size_t tot = 0;
    const mc_stats *s0 = NULL; /* a shard that counted the overall stratum */
    for (size_t k = 0; k < n; k++)
        if (sh[k]) {
            tot += sh[k]->pmap.n;
            if (!s0 && sh[k]->dense_sid >= 0 && sh[k]->dense_pair_items) s0 = sh[k];
        }
    size_t items = s0 ? s0->dense_pair_items : 0, n_tri = items ? items * (items - 1) / 2 : 0;
    for (size_t i = 0; i < n_tri; i += 8) /* pairs counted by any shard; most words are zero */
        tot += (size_t)(dense_word(sh, n, i, n_tri) * 0x0101010101010101ull >> 56); /* its bits, added */
    unsigned bi = bits_of(p->n_items[p->cooc_level]);
    pair_sink o = {a, bits_of(a->n_strata) + 2 * bi <= 64 ? (bi ? bi : 1) : 0, NULL, 0};
    free(a->pairs);
    a->pairs = NULL;
    a->n_pairs = 0;
    if (o.bits) o.x = malloc((tot + 1) * sizeof *o.x);
    else a->pairs = malloc((tot + 1) * sizeof *a->pairs);
    if (o.bits ? !o.x : !a->pairs) return MC_E_NOMEM;
    for (size_t k = 0; k < n; k++) {
        const mc_stats *s = sh[k];
        if (!s) continue;
        for (size_t i = 0; i < s->pmap.cap; i++) {
            if (!s->pmap.s[i].k) continue;
            uint64_t key = s->pmap.s[i].k & ~(1ull << 63);
            if (s->pair_pack) {
                unsigned pb = s->pair_pack;
                uint64_t msk = (1ull << pb) - 1;
                sink_pair(&o, sre[soff[k] + (uint32_t)(key >> pb >> pb)], (uint32_t)(key >> pb & msk), (uint32_t)(key & msk),
                          s->pmap.s[i].v);
            } else {
                uint64_t ab = s->pab[key & 0xffffffffu];
                sink_pair(&o, sre[soff[k] + (uint32_t)(key >> 32)], (uint32_t)(ab >> 32), (uint32_t)ab, s->pmap.s[i].v);
            }
        }
    }
    for (size_t k = 0; k < n && s0; k++) /* the overall stratum, once: row b holds (x, b), x < b */
        if (sh[k] == s0) {
            uint32_t ds = sre[soff[k] + (size_t)s0->dense_sid];
            for (uint32_t b = 1; b < items; b++) {
                size_t row = (size_t)b * (b - 1) / 2;
                for (uint32_t x0 = 0; x0 < b; x0 += 8)
                    for (uint64_t nz = dense_word(sh, n, row + x0, row + b); nz; nz &= nz - 1) {
                        uint32_t x = x0 + (uint32_t)__builtin_ctzll(nz) / 8;
                        uint64_t sum = 0;
                        for (size_t j = 0; j < n; j++)
                            if (sh[j] && sh[j]->dense_sid >= 0) sum += sh[j]->dense_pairs[row + x];
                        sink_pair(&o, ds, x, b, sum);
                    }
            }
        }
    for (size_t k = 0; k < n; k++)
        if (sh[k]) {
            map64_free(&sh[k]->pmap);
            free(sh[k]->dense_pairs);
            sh[k]->dense_pairs = NULL;
            sh[k]->dense_pair_items = 0;
        }
    if (!o.bits) { /* beyond 64 bits of key: sorted by comparison */
        qsort(a->pairs, a->n_pairs, sizeof *a->pairs, cmp_pair);
        dedupe_pairs(a);
        return MC_OK;
    }
    size_t u = 0;
    if (mc_radix_sort_kv(o.x, o.n) == 0) {
        for (size_t i = 0; i < o.n; i++) u += !i || o.x[i].k != o.x[i - 1].k;
        a->pairs = malloc((u + 1) * sizeof *a->pairs);
    }
    if (!a->pairs) { free(o.x); return MC_E_NOMEM; }
    uint64_t msk = (1ull << o.bits) - 1;
    for (size_t i = 0; i < o.n; i++) {
        uint64_t key = o.x[i].k;
        if (i && key == o.x[i - 1].k) { a->pairs[a->n_pairs - 1].n += o.x[i].v; continue; }
        a->pairs[a->n_pairs++] = (mc_pairc){(uint32_t)(key >> o.bits >> o.bits), (uint32_t)(key >> o.bits & msk), (uint32_t)(key & msk), o.x[i].v};
    }
    free(o.x);
    return MC_OK;
}

mc_status mc_agg_from_shards(const mc_stats_plan *p, mc_stats *const *shards, size_t n, mc_agg **out, mc_error *err)
{
    *out = NULL;
    mc_agg *a = agg_new(p);
    uint32_t *soff = malloc((n + 1) * sizeof *soff), *sre = NULL;
    mc_status st = a && soff ? MC_OK : MC_E_NOMEM;
    for (size_t i = 0; i < n && !st; i++) {
        soff[i] = a->n_strata;
        if (shards[i]) st = append_strata(p, a, shards[i]);
    }
    if (!st) st = normalize_strata(a, &sre);
    if (!st) st = merge_entries(a, shards, n, soff, sre);
    if (!st) st = merge_pairs(p, a, shards, n, soff, sre);
    free(soff);
    free(sre);
    if (st) {
        mc_agg_free(a);
        return mc_error_set(err, st, NULL, 0, 0, 0, "out of memory");
    }
    *out = a;
    return MC_OK;
}

mc_status mc_agg_add(const mc_stats_plan *p, mc_agg *a, const mc_agg *b, mc_error *err)
{
    size_t st = 1 + (size_t)p->n_vars;
    uint32_t voff[MC_MAX_VARS];
    mc_status rc = MC_E_NOMEM;
    for (int v = 0; v < p->n_vars; v++) {
        char **nv = realloc(a->vals[v], (a->n_vals[v] + b->n_vals[v] + 1) * sizeof *nv);
        if (!nv) goto fail;
        a->vals[v] = nv;
        voff[v] = a->n_vals[v];
        for (uint32_t i = 0; i < b->n_vals[v]; i++) {
            if (!(nv[a->n_vals[v]] = mc_strdup(b->vals[v][i]))) goto fail;
            a->n_vals[v]++;
        }
    }
    uint32_t soff = a->n_strata;
    uint32_t *nt = realloc(a->tuples, (a->n_strata + b->n_strata + 1) * st * sizeof *nt);
    if (!nt) goto fail;
    a->tuples = nt;
    mc_stratum_sc *nsc = realloc(a->sc, (a->n_strata + b->n_strata + 1) * sizeof *nsc);
    if (!nsc) goto fail;
    a->sc = nsc;
    for (uint32_t i = 0; i < b->n_strata; i++) {
        uint32_t *t = &a->tuples[(a->n_strata + i) * st];
        memcpy(t, &b->tuples[i * st], st * sizeof *t);
        for (int v = 0; v < p->n_vars; v++)
            if (t[1 + v] != MC_ALL) t[1 + v] += voff[v];
        a->sc[a->n_strata + i] = b->sc[i];
    }
    a->n_strata += b->n_strata;
    mc_entry *ne = realloc(a->e, (a->n_entries + b->n_entries + 1) * sizeof *ne);
    if (!ne) goto fail;
    a->e = ne;
    for (size_t i = 0; i < b->n_entries; i++) {
        a->e[a->n_entries] = b->e[i];
        a->e[a->n_entries++].stratum += soff;
    }
    mc_pairc *np = realloc(a->pairs, (a->n_pairs + b->n_pairs + 1) * sizeof *np);
    if (!np) goto fail;
    a->pairs = np;
    for (size_t i = 0; i < b->n_pairs; i++) {
        a->pairs[a->n_pairs] = b->pairs[i];
        a->pairs[a->n_pairs++].stratum += soff;
    }
    totals_add(&a->tot, &b->tot);
    a->records_read += b->records_read;
    a->records_rejected += b->records_rejected;
    if ((rc = normalize(a))) goto fail;
    return MC_OK;
fail:
    return mc_error_set(err, rc, NULL, 0, 0, 0, "out of memory");
}

const mc_entry *mc_agg_find(const mc_agg *a, uint32_t stratum, uint32_t level, uint32_t item)
{
    mc_entry k = {stratum, level, item, {0, 0, {0}}};
    return bsearch(&k, a->e, a->n_entries, sizeof *a->e, cmp_entry);
}

uint64_t mc_agg_pair(const mc_agg *a, uint32_t stratum, uint32_t ia, uint32_t ib)
{
    mc_pairc k = {stratum, ia, ib, 0};
    const mc_pairc *f = bsearch(&k, a->pairs, a->n_pairs, sizeof *a->pairs, cmp_pair);
    return f ? f->n : 0;
}

uint32_t mc_agg_find_stratum(const mc_agg *a, const uint32_t *t)
{
    size_t st = 1 + (size_t)a->n_vars, lo = 0, hi = a->n_strata;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const uint32_t *m = &a->tuples[mid * st];
        int c = 0;
        for (size_t i = 0; i < st && !c; i++)
            if (m[i] != t[i]) c = m[i] < t[i] ? -1 : 1;
        if (!c) return (uint32_t)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return UINT32_MAX;
}

const char *mc_agg_label(const mc_stats_plan *p, const mc_agg *a, int v, uint32_t id)
{
    if (id == MC_ALL) return "all";
    const char *s = a->vals[v][id];
    if (!strcmp(s, MC_UNKNOWN_STR)) return "unknown";
    if (p->vars[v].kind == MC_VAR_AGE) {
        int k = atoi(s);
        return k >= 0 && k < p->n_bands ? p->band_label[k] : "unknown";
    }
    return s;
}
