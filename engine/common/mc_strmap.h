/* mc_strmap.h — string -> uint32 hash map (open addressing, keys copied into an
 * internal arena). Used at build time and for small run-time tables; not on the scan
 * hot path. Not thread-safe for writes. */
#ifndef MC_STRMAP_H
#define MC_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    struct mc_strmap_slot { uint64_t hash; uint32_t key; uint32_t len; uint32_t val; uint32_t used; } *slots;
    size_t cap, n;
    char *arena;
    size_t arena_len, arena_cap;
} mc_strmap;

/* Returns a pointer to the value slot for key (inserted with *inserted = 1 and value
 * 0 when absent), or NULL when out of memory. Pointers are invalidated by the next put. */
uint32_t *mc_strmap_put(mc_strmap *m, const char *key, size_t len, int *inserted);
/* Value for key, or NULL. */
uint32_t *mc_strmap_get(const mc_strmap *m, const char *key, size_t len);
/* The stored copy of the key of the i-th slot (for iteration: slots with used != 0). */
static inline const char *mc_strmap_key(const mc_strmap *m, size_t slot) { return m->arena + m->slots[slot].key; }
void mc_strmap_free(mc_strmap *m);

#endif
