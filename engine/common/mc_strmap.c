/* mc_strmap.c — open-addressing string map with an append-only key arena. */
#include "mc_strmap.h"
#include "mc_util.h"
#include <stdlib.h>
#include <string.h>

static int grow(mc_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct mc_strmap_slot *s = calloc(cap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].used) continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (s[j].used) j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

uint32_t *mc_strmap_get(const mc_strmap *m, const char *key, size_t len)
{
    if (!m->cap) return NULL;
    uint64_t h = mc_hash64(key, len);
    for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        struct mc_strmap_slot *s = &m->slots[j];
        if (!s->used) return NULL;
        if (s->hash == h && s->len == len && memcmp(m->arena + s->key, key, len) == 0) return &s->val;
    }
}

uint32_t *mc_strmap_put(mc_strmap *m, const char *key, size_t len, int *inserted)
{
    if (inserted) *inserted = 0;
    if ((m->n + 1) * 2 > m->cap && grow(m)) return NULL;
    uint64_t h = mc_hash64(key, len);
    size_t j = h & (m->cap - 1);
    for (;; j = (j + 1) & (m->cap - 1)) {
        struct mc_strmap_slot *s = &m->slots[j];
        if (!s->used) break;
        if (s->hash == h && s->len == len && memcmp(m->arena + s->key, key, len) == 0) return &s->val;
    }
    if (m->arena_len + len + 1 > m->arena_cap) {
        size_t cap = m->arena_cap ? m->arena_cap : 65536;
        while (m->arena_len + len + 1 > cap) cap *= 2;
        char *a = realloc(m->arena, cap);
        if (!a) return NULL;
        m->arena = a;
        m->arena_cap = cap;
    }
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = 0;
    struct mc_strmap_slot *s = &m->slots[j];
    s->hash = h;
    s->key = (uint32_t)m->arena_len;
    s->len = (uint32_t)len;
    s->val = 0;
    s->used = 1;
    m->arena_len += len + 1;
    m->n++;
    if (inserted) *inserted = 1;
    return &s->val;
}

void mc_strmap_free(mc_strmap *m)
{
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}
