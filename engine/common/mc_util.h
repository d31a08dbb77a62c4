/* mc_util.h — small shared helpers: checked allocation, growable buffers, file
 * mapping and whole-file reads, 64-bit hashing. Depends on nothing else in engine/. */
#ifndef MC_UTIL_H
#define MC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "mc_status.h"

#define MC_UNUSED(x) ((void)(x))
#define MC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MC_MAX(a, b) ((a) > (b) ? (a) : (b))
#define MC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MC_LIKELY(x) __builtin_expect(!!(x), 1)
#define MC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#if defined(__GNUC__)
#define MC_PREFETCH(p) __builtin_prefetch(p) /* a hint: no effect on results */
#else
#define MC_PREFETCH(p) ((void)(p))
#endif

/* Allocation that aborts the process on failure is NOT used in the library: these
 * return NULL and callers report MC_E_NOMEM. */
void *mc_malloc(size_t n);
void *mc_calloc(size_t n, size_t sz);
void *mc_realloc(void *p, size_t n);
char *mc_strdup(const char *s);

/* Growable byte buffer. Every function returns 0, or -1 when out of memory, which also
 * sets oom: a buffer that lost bytes stays marked (until mc_buf_free), so a writer can
 * check once at the end and mc_write_atomic refuses it. */
typedef struct {
    char *data;
    size_t len, cap;
    int oom;
} mc_buf;
int mc_buf_reserve(mc_buf *b, size_t extra);
int mc_buf_append(mc_buf *b, const void *p, size_t n);
int mc_buf_putc(mc_buf *b, char c);
int mc_buf_puts(mc_buf *b, const char *s);           /* a NUL-terminated string */
int mc_buf_put_u64(mc_buf *b, uint64_t v);           /* decimal, as printf "%llu" */
int mc_buf_put_f3(mc_buf *b, double v);              /* the bytes of printf "%.3f", without printf
                                                        for 0 <= v < 9e12 (exact rounding) */
int mc_buf_printf(mc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_buf_free(mc_buf *b);

/* Make the array *p (capacity *cap elements of elem bytes) hold at least need elements:
 * the capacity doubles from 16. Returns 0, or -1 when out of memory (*p and *cap kept). */
int mc_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Generic growable array of fixed-size items: MC_VEC(T) v; mc_vec_push(&v, item). */
#define MC_VEC(T) struct { T *items; size_t n, cap; }
#define mc_vec_grow(v)                                                                    \
    ((v)->n < (v)->cap ? 0                                                                \
     : ((v)->cap = (v)->cap ? (v)->cap * 2 : 16,                                          \
        ((v)->items = mc_realloc((v)->items, (v)->cap * sizeof(*(v)->items))) ? 0 : -1))
#define mc_vec_push(v, x) (mc_vec_grow(v) == 0 ? ((v)->items[(v)->n++] = (x), 0) : -1)
#define mc_vec_free(v) (free((v)->items), (v)->items = NULL, (v)->n = (v)->cap = 0)

/* A 64-bit sort key and what it carries. */
typedef struct {
    uint64_t k, v;
} mc_kv64;
/* Sort x[0..n) by k, ascending; equal keys keep their order (stable). An LSD radix sort,
 * 11 bits a pass, skipping the digits every key shares; key and value move together.
 * Large arrays are counted and scattered by OpenMP's team (omp_get_max_threads), each
 * thread a contiguous part, placed after the earlier parts: the order is the serial one.
 * Uses n elements of scratch; returns -1 when out of memory (nothing moved). */
int mc_radix_sort_kv(mc_kv64 *x, size_t n);

/* Read a whole file (binary). *out is NUL-terminated; caller frees. */
mc_status mc_read_file(const char *path, char **out, size_t *len, mc_error *err);

/* Read-only mapping of a file. */
typedef struct {
    const void *data;
    size_t len;
    int mapped;
} mc_map;
mc_status mc_map_file(const char *path, mc_map *m, mc_error *err);
void mc_unmap(mc_map *m);

/* Zeroed, 64-byte aligned memory for large read-mostly tables that are probed at random
 * (the dictionary's trie and hash tables): anonymous pages with a transparent-huge-page
 * hint where the system offers it, so the probes miss the TLB far less. NULL when out of
 * memory. mc_huge_free takes the size given to mc_huge_alloc. */
void *mc_huge_alloc(size_t n);
void mc_huge_free(void *p, size_t n);

/* 64-bit hash of a byte string (XXH3). */
uint64_t mc_hash64(const void *p, size_t n);

/* XXH64 digest of a whole file as 16 hex chars + size; 0 ok. */
mc_status mc_file_digest(const char *path, char hex[17], uint64_t *size, mc_error *err);

/* Monotonic seconds. */
double mc_now(void);

#endif
