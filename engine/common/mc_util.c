/* mc_util.c — allocation, buffers, file reading/mapping, hashing, clocks. */
#include "mc_util.h"
#include <errno.h>
#include <fcntl.h>
#ifdef _OPENMP /* engine/common needs no library: without OpenMP, one thread */
#include <omp.h>
#endif
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

void *mc_malloc(size_t n) { return malloc(n ? n : 1); }
void *mc_calloc(size_t n, size_t sz) { return calloc(n ? n : 1, sz ? sz : 1); }
void *mc_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
char *mc_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

int mc_buf_reserve(mc_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int mc_buf_append(mc_buf *b, const void *p, size_t n)
{
    if (mc_buf_reserve(b, n)) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int mc_buf_putc(mc_buf *b, char c)
{
    if (b->len + 2 > b->cap && mc_buf_reserve(b, 1)) return -1;
    b->data[b->len++] = c;
    b->data[b->len] = 0;
    return 0;
}

int mc_buf_puts(mc_buf *b, const char *s) { return mc_buf_append(b, s, strlen(s)); }

int mc_buf_put_u64(mc_buf *b, uint64_t v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return mc_buf_append(b, t + i, sizeof t - i);
}

/* v = m * 2^e exactly, so v * 1000 = (m * 1000) / 2^-e: its integer part and the
 * remainder against one half decide the rounding exactly, ties to even, as glibc's
 * printf rounds the exact binary value in the default rounding mode. m * 1000 < 2^63. */
int mc_buf_put_f3(mc_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (bits >> 63 || !(v < 9e12)) return mc_buf_printf(b, "%.3f", v); /* negative, -0, NaN, huge */
    int ex = (int)(bits >> 52 & 0x7ff), e;
    uint64_t m = bits & ((1ull << 52) - 1);
    if (ex) m |= 1ull << 52;
    else ex = 1;
    e = ex - 1075; /* < 0: v < 9e12 < 2^52 */
    uint64_t p = m * 1000, r;
    if (e <= -64) r = 0; /* v * 1000 < 1/2 */
    else {
        unsigned s = (unsigned)-e;
        uint64_t q = p >> s, rem = p & ((1ull << s) - 1), h = 1ull << (s - 1);
        r = q + (rem > h || (rem == h && (q & 1)));
    }
    char t[32];
    size_t i = sizeof t;
    for (int k = 0; k < 3; k++) { t[--i] = (char)('0' + r % 10); r /= 10; }
    t[--i] = '.';
    do { t[--i] = (char)('0' + r % 10); r /= 10; } while (r);
    return mc_buf_append(b, t + i, sizeof t - i);
}

/* Formats into the buffer's free room when the text fits there (one vsnprintf), else
 * measures, grows and formats again. */
int mc_buf_printf(mc_buf *b, const char *fmt, ...)
{
    if (b->cap - b->len < 128 && mc_buf_reserve(b, 128)) return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) { /* an encoding error: nothing is added */
        b->data[b->len] = 0;
        return -1;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (mc_buf_reserve(b, (size_t)n)) {
            b->data[b->len] = 0;
            return -1;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return 0;
}

void mc_buf_free(mc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

mc_status mc_read_file(const char *path, char **out, size_t *len, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
    mc_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (mc_buf_append(&b, tmp, n)) {
            fclose(f);
            mc_buf_free(&b);
            return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        mc_buf_free(&b);
        return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "read failed");
    }
    if (!b.data && mc_buf_reserve(&b, 0)) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    b.data[b.len] = 0;
    *out = b.data;
    if (len) *len = b.len;
    return MC_OK;
}

mc_status mc_map_file(const char *path, mc_map *m, mc_error *err)
{
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return mc_error_set(err, errno == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0,
                                    "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "not a regular file");
    }
    m->len = (size_t)st.st_size;
    if (m->len == 0) {
        close(fd);
        m->data = "";
        return MC_OK;
    }
    void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "mmap failed: %s", strerror(errno));
    m->data = p;
    m->mapped = 1;
    return MC_OK;
}

int mc_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

void *mc_huge_alloc(size_t n)
{
    if (n == 0) n = 1;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    if (n >= (1u << 21)) (void)madvise(p, n, MADV_HUGEPAGE); /* a hint: ignored where THP is off */
#endif
    return p;
}

void mc_huge_free(void *p, size_t n)
{
    if (p) munmap(p, n ? n : 1);
}

void mc_unmap(mc_map *m)
{
    if (m->mapped) munmap((void *)m->data, m->len);
    memset(m, 0, sizeof *m);
}

uint64_t mc_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

mc_status mc_file_digest(const char *path, char hex[17], uint64_t *size, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
    XXH64_state_t *st = XXH64_createState();
    XXH64_reset(st, 0);
    char buf[1 << 16];
    size_t n;
    uint64_t total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        XXH64_update(st, buf, n);
        total += n;
    }
    fclose(f);
    snprintf(hex, 17, "%016llx", (unsigned long long)XXH64_digest(st));
    XXH64_freeState(st);
    if (size) *size = total;
    return MC_OK;
}

double mc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int mc_radix_sort_kv(mc_kv64 *x, size_t n)
{
    enum { RB = 11, NB = 1 << RB, NP = (64 + RB - 1) / RB };
#ifdef _OPENMP
    int nt = n < ((size_t)1 << 16) ? 1 : omp_get_max_threads();
#else
    int nt = 1;
#endif
    if (nt < 1) nt = 1;
    mc_kv64 *y = malloc((n + 1) * sizeof *y);
    size_t *cnt = calloc((size_t)nt * NB, sizeof *cnt);
    if (!y || !cnt) {
        free(y);
        free(cnt);
        return -1;
    }
    uint64_t diff = 0; /* the bits where some key differs from the first */
    for (size_t i = 1; i < n; i++) diff |= x[i].k ^ x[0].k;
    mc_kv64 *in = x, *out = y;
    for (int d = 0; d < NP; d++) {
        unsigned sh = (unsigned)(RB * d);
        if (!(diff >> sh & (NB - 1))) continue; /* every key has this digit */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
        {
#ifdef _OPENMP
            int t = omp_get_thread_num(), tn = omp_get_num_threads();
#else
            int t = 0, tn = 1;
#endif
            size_t lo = n * (size_t)t / (size_t)tn, hi = n * (size_t)(t + 1) / (size_t)tn;
            size_t *c = cnt + (size_t)t * NB;
            memset(c, 0, NB * sizeof *c);
            for (size_t i = lo; i < hi; i++) c[in[i].k >> sh & (NB - 1)]++;
#ifdef _OPENMP
#pragma omp barrier
#pragma omp single
#endif
            { /* digit by digit, thread by thread: where each thread's run of a digit goes */
                size_t pos = 0;
                for (size_t v = 0; v < NB; v++)
                    for (int u = 0; u < tn; u++) {
                        size_t k = cnt[(size_t)u * NB + v];
                        cnt[(size_t)u * NB + v] = pos;
                        pos += k;
                    }
            }
            for (size_t i = lo; i < hi; i++) out[c[in[i].k >> sh & (NB - 1)]++] = in[i];
        }
        mc_kv64 *t = in;
        in = out;
        out = t;
    }
    if (in != x) memcpy(x, in, n * sizeof *x);
    free(y);
    free(cnt);
    return 0;
}
