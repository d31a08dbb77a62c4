/* mc_reader.c — input bytes: zstd (multi-frame, skippable frames) or plain bytes, from a
 * file or standard input.
 *
 * Two ways to decompress, one result:
 *  - streaming: ZSTD_decompressStream over the input read in ZSTD_DStreamInSize() chunks
 *    (stdin, pipes, and whenever tasks cannot be used);
 *  - frame-parallel (mc_reader_set_pool, regular files): a scanner reads the compressed
 *    file ahead (pread) and cuts it at frame boundaries found from the frame and block
 *    headers, without decompressing; consecutive frames, grouped to ~1 MiB of content,
 *    become tasks (compressed bytes copied in, an output buffer sized by
 *    ZSTD_decompressBound) that any thread of the pool runs with ZSTD_decompressDCtx.
 *    mc_reader_read hands the task outputs over in order, running the next task itself
 *    when no thread has claimed it (or helping with other tasks while it waits).
 *
 * The streaming decoder is the reference. Whenever a task cannot reproduce it exactly —
 * a frame whose header or blocks do not parse, a truncated or corrupt frame, a window
 * larger than the streaming decoder accepts, a frame over the task size limit, a read
 * error, no memory — the reader hands over the output of the frames before it, then
 * switches to the streaming decoder at that frame's start, positioned as a purely
 * streaming reader would be there: the chunk of the input grid (multiples of the chunk
 * size from byte 0) that holds the frame start is read again, the decoder state is that
 * of a frame boundary, and the request being filled is the same (mc_reader_read always
 * fills a request completely unless the input ends or fails, in both modes, so a caller
 * makes the same requests either way). From there the streaming decoder produces the
 * same bytes, the same error (message, compressed offset) at the same point, and the
 * same byte count. The digest is fed every input byte once, in order, up to the extent
 * the streaming reader would have read (in task mode: the frames handed over; in
 * streaming mode: whole chunks). After a streamed frame completes, the reader goes back
 * to tasks at the next frame.
 *
 * Memory in task mode: at most max_tasks tasks in flight, and no new task once their
 * content bounds reach the budget (max_tasks x 8 MiB, at least one task), each task at
 * most task_bytes of content and of compressed bytes, plus the scanner's read-ahead. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader, ZSTD_decompressBound */
#include "archive/mc_archive.h"
#include "common/mc_util.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

enum { T_PENDING, T_RUNNING, T_DONE };
enum { MAX_WIN = 64, POOL_DCTX = 64 };
#define TASK_TARGET ((size_t)1 << 20)    /* group frames until a task holds this much content */
#define TASK_MAX_DEFAULT ((size_t)32 << 20)
#define BUDGET_PER_TASK ((size_t)8 << 20)
#define SCAN_READ ((size_t)1 << 20)      /* scanner read-ahead granule */

typedef struct {
    uint32_t csize;          /* compressed size */
    uint32_t skippable;
} zframe;

typedef struct mc_ztask {
    struct mc_ztask *next;   /* pool queue */
    int state;               /* under the pool lock */
    unsigned char *src;
    size_t src_len, src_cap;
    uint64_t src_off;        /* file offset of src[0] */
    zframe *fr;
    size_t n_fr, fr_cap;
    char *dst;
    size_t dst_len, dst_cap, bound;
    size_t ok_frames, ok_src;/* frames decoded and their compressed bytes */
    int failed;              /* frame ok_frames could not be decoded here */
    size_t pos;              /* consumer: bytes of dst handed over */
    int seen;                /* consumer: digest and frame count taken */
} mc_ztask;

struct mc_zpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a task finished */
    mc_ztask *head, *tail;   /* pending tasks, oldest first */
    _Atomic int n_pending;
    ZSTD_DCtx *dctx[POOL_DCTX];
    int n_dctx;
    double cpu;
    int max_tasks;
    size_t task_bytes;
    void (*wake)(void *);
    void *ud;
};

struct mc_reader {
    FILE *f;
    int own, zstd, eof;
    const char *path;
    ZSTD_DCtx *dctx;
    char *in;
    size_t in_cap;
    ZSTD_inBuffer ib;
    uint64_t in_base;        /* compressed offset of in[0] */
    uint64_t bytes_out, frames;
    size_t last_ret;         /* last ZSTD_decompressStream hint: 0 = frame complete */
    XXH64_state_t hash;      /* XXH64 of the input bytes as read */
    uint64_t hashed;         /* input bytes fed to hash */
    uint64_t frame_start;    /* compressed offset where the current frame began */
    mc_error pending;        /* an error met after some output: returned on the next call */
    int has_pending;
    /* task mode */
    mc_zpool *pool;
    int par;                 /* 1: frames come from tasks; 0: the streaming decoder */
    int fd;
    mc_ztask *win[MAX_WIN];  /* tasks in flight, in order */
    size_t w_head, w_n, inflight;
    mc_ztask *spare[MAX_WIN];
    size_t n_spare;
    size_t max_tasks, task_bytes, budget;
    uint64_t scan_off;       /* compressed offset of the next frame to schedule */
    int scan_end;            /* 1: clean end of input at scan_off; 2: stream the frame at scan_off */
    unsigned char *sbuf;     /* scanner read-ahead: file bytes [sbase, sbase + slen) */
    size_t slen, scap;
    uint64_t sbase;
    int s_eof;
    uint64_t par_in;         /* bytes_in in task mode */
    double task_cpu;
};

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

mc_status mc_reader_open(const char *path, mc_reader **out, mc_error *err)
{
    *out = NULL;
    mc_reader *r = calloc(1, sizeof *r);
    if (!r) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    r->path = path;
    r->fd = -1;
    if (strcmp(path, "-") == 0) r->f = stdin;
    else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            int e = errno;
            free(r);
            return mc_error_set(err, e == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0, "cannot open: %s", strerror(e));
        }
        r->own = 1;
    }
    r->in_cap = ZSTD_DStreamInSize();
    r->in = malloc(r->in_cap);
    if (!r->in) { mc_reader_close(r); return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); }
    r->ib.src = r->in;
    XXH64_reset(&r->hash, 0);
    r->ib.size = fread(r->in, 1, r->in_cap, r->f);
    XXH64_update(&r->hash, r->in, r->ib.size);
    r->hashed = r->ib.size;
    if (ferror(r->f)) { mc_reader_close(r); return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "read failed"); }
    r->ib.pos = 0;
    if (r->ib.size >= 4) {
        uint32_t m;
        memcpy(&m, r->in, 4);
        r->zstd = m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
    }
    if (r->zstd) {
        r->dctx = ZSTD_createDCtx();
        if (!r->dctx) { mc_reader_close(r); return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); }
    }
    *out = r;
    return MC_OK;
}

static int refill(mc_reader *r)
{
    if (r->ib.pos < r->ib.size || r->eof) return 0;
    r->in_base += r->ib.size;
    r->ib.size = fread(r->in, 1, r->in_cap, r->f);
    r->ib.pos = 0;
    XXH64_update(&r->hash, r->in, r->ib.size);
    r->hashed = r->in_base + r->ib.size;
    if (ferror(r->f)) return -1;
    if (r->ib.size == 0) r->eof = 1;
    return 0;
}

/* Feed the digest the file bytes [off, off + n) held at p, skipping those already fed
 * (the digest always covers a prefix of the file). */
static void hash_to(mc_reader *r, const void *p, uint64_t off, size_t n)
{
    uint64_t end = off + n;
    if (end <= r->hashed || off > r->hashed) return;
    XXH64_update(&r->hash, (const char *)p + (r->hashed - off), (size_t)(end - r->hashed));
    r->hashed = end;
}

/* ---- pool ----------------------------------------------------------------------- */

mc_zpool *mc_zpool_create(int max_tasks, size_t task_bytes, void (*wake)(void *), void *ud)
{
    mc_zpool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max_tasks = max_tasks < 2 ? 2 : max_tasks > MAX_WIN ? MAX_WIN : max_tasks;
    p->task_bytes = task_bytes ? task_bytes : TASK_MAX_DEFAULT;
    if (p->task_bytes > 0x7fffffffu) p->task_bytes = 0x7fffffffu;
    p->wake = wake;
    p->ud = ud;
    return p;
}

void mc_zpool_free(mc_zpool *p)
{
    if (!p) return;
    for (int i = 0; i < p->n_dctx; i++) ZSTD_freeDCtx(p->dctx[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

double mc_zpool_seconds(mc_zpool *p)
{
    if (!p) return 0;
    pthread_mutex_lock(&p->mu);
    double c = p->cpu;
    pthread_mutex_unlock(&p->mu);
    return c;
}

/* Decompress the task's frames, one ZSTD_decompressDCtx call per frame, stopping at the
 * first one that fails (the reader streams from there). */
static void task_run(mc_ztask *t, ZSTD_DCtx *dc)
{
    size_t off = 0;
    for (size_t i = 0; i < t->n_fr; i++) {
        size_t cs = t->fr[i].csize;
        if (!t->fr[i].skippable) {
            size_t n = dc ? ZSTD_decompressDCtx(dc, t->dst + t->dst_len, t->dst_cap - t->dst_len, t->src + off, cs) : 0;
            if (!dc || ZSTD_isError(n)) { t->failed = 1; return; }
            t->dst_len += n;
        }
        off += cs;
        t->ok_frames++;
        t->ok_src = off;
    }
}

/* Run a claimed (RUNNING) task on this thread; returns its CPU seconds. */
static double pool_run(mc_zpool *p, mc_ztask *t)
{
    pthread_mutex_lock(&p->mu);
    ZSTD_DCtx *dc = p->n_dctx ? p->dctx[--p->n_dctx] : NULL;
    pthread_mutex_unlock(&p->mu);
    if (!dc) dc = ZSTD_createDCtx();
    double c0 = cpu_now();
    task_run(t, dc);
    double c = cpu_now() - c0;
    pthread_mutex_lock(&p->mu);
    if (dc && p->n_dctx < POOL_DCTX) { p->dctx[p->n_dctx++] = dc; dc = NULL; }
    t->state = T_DONE;
    p->cpu += c;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    ZSTD_freeDCtx(dc);
    return c;
}

static mc_ztask *pop_locked(mc_zpool *p)
{
    mc_ztask *t = p->head;
    if (!t) return NULL;
    p->head = t->next;
    if (!p->head) p->tail = NULL;
    t->next = NULL;
    t->state = T_RUNNING;
    atomic_fetch_sub(&p->n_pending, 1);
    return t;
}

static void unlink_locked(mc_zpool *p, mc_ztask *t)
{
    mc_ztask **pp = &p->head, *prev = NULL;
    while (*pp && *pp != t) { prev = *pp; pp = &(*pp)->next; }
    if (!*pp) return;
    *pp = t->next;
    if (p->tail == t) p->tail = prev;
    t->next = NULL;
    atomic_fetch_sub(&p->n_pending, 1);
}

int mc_zpool_help(mc_zpool *p)
{
    if (!p || atomic_load_explicit(&p->n_pending, memory_order_relaxed) == 0) return 0;
    pthread_mutex_lock(&p->mu);
    mc_ztask *t = pop_locked(p);
    pthread_mutex_unlock(&p->mu);
    if (!t) return 0;
    pool_run(p, t);
    return 1;
}

static void pool_post(mc_zpool *p, mc_ztask *t)
{
    pthread_mutex_lock(&p->mu);
    t->state = T_PENDING;
    t->next = NULL;
    if (p->tail) p->tail->next = t;
    else p->head = t;
    p->tail = t;
    atomic_fetch_add(&p->n_pending, 1);
    pthread_mutex_unlock(&p->mu);
}

/* The reader needs t: run it here if nobody has claimed it; else help with other
 * pending tasks, or sleep, until it is done. */
static void pool_wait(mc_reader *r, mc_ztask *t)
{
    mc_zpool *p = r->pool;
    pthread_mutex_lock(&p->mu);
    while (t->state != T_DONE) {
        mc_ztask *x;
        if (t->state == T_PENDING) {
            unlink_locked(p, t);
            t->state = T_RUNNING;
            x = t;
        } else x = pop_locked(p);
        if (x) {
            pthread_mutex_unlock(&p->mu);
            r->task_cpu += pool_run(p, x);
            pthread_mutex_lock(&p->mu);
        } else pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Withdraw t: unqueue it if pending, wait for it if running. */
static void pool_cancel(mc_zpool *p, mc_ztask *t)
{
    pthread_mutex_lock(&p->mu);
    if (t->state == T_PENDING) {
        unlink_locked(p, t);
        t->state = T_DONE;
    }
    while (t->state != T_DONE) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- task mode: scanner ----------------------------------------------------------- */

static void task_free(mc_ztask *t)
{
    if (!t) return;
    free(t->src);
    free(t->fr);
    free(t->dst);
    free(t);
}

static void task_recycle(mc_reader *r, mc_ztask *t)
{
    if (r->n_spare < MAX_WIN) r->spare[r->n_spare++] = t;
    else task_free(t);
}

/* Drop every task in flight (after a failure, or on close). */
static void drop_window(mc_reader *r)
{
    for (size_t i = 0; i < r->w_n; i++) {
        mc_ztask *t = r->win[(r->w_head + i) % MAX_WIN];
        pool_cancel(r->pool, t);
        task_recycle(r, t);
    }
    r->w_head = r->w_n = 0;
    r->inflight = 0;
}

/* Make the read-ahead hold `need` bytes from file offset off (fewer at the end of the
 * file). Returns the bytes available from off, or -1 on a read error or no memory. */
static long long scan_have(mc_reader *r, uint64_t off, size_t need)
{
    if (off < r->sbase || off > r->sbase + r->slen) {
        r->sbase = off;
        r->slen = 0;
        r->s_eof = 0;
    }
    size_t skip = (size_t)(off - r->sbase);
    while (r->slen - skip < need && !r->s_eof) {
        if (skip) {
            memmove(r->sbuf, r->sbuf + skip, r->slen - skip);
            r->sbase += skip;
            r->slen -= skip;
            skip = 0;
        }
        size_t want = MC_MAX(need, SCAN_READ);
        if (r->scap < want) {
            unsigned char *p = realloc(r->sbuf, want);
            if (!p) return -1;
            r->sbuf = p;
            r->scap = want;
        }
        ssize_t n = pread(r->fd, r->sbuf + r->slen, r->scap - r->slen, (off_t)(r->sbase + r->slen));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) r->s_eof = 1;
        r->slen += (size_t)n;
    }
    return (long long)(r->slen - skip);
}

/* Cut the next task from scan_off: whole frames, while they parse and fit. Returns 1 if
 * a task was posted; 0 with scan_end set otherwise. */
static int scan_task(mc_reader *r)
{
    mc_ztask *t = r->n_spare ? r->spare[--r->n_spare] : calloc(1, sizeof *t);
    if (!t) { r->scan_end = 2; return 0; }
    t->src_len = t->n_fr = t->dst_len = t->bound = t->ok_frames = t->ok_src = t->pos = 0;
    t->failed = t->seen = 0;
    t->src_off = r->scan_off;
    while (!r->scan_end) {
        uint64_t off = r->scan_off;
        long long av = scan_have(r, off, ZSTD_FRAMEHEADERSIZE_MAX);
        if (av == 0) { r->scan_end = 1; break; }
        if (av < 4) { r->scan_end = 2; break; }
        const unsigned char *p = r->sbuf + (off - r->sbase);
        uint32_t magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        int skippable = (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
        ZSTD_frameHeader fh;
        if ((!skippable && magic != ZSTD_MAGICNUMBER) || ZSTD_getFrameHeader(&fh, p, (size_t)av) != 0 ||
            (!skippable && fh.windowSize > (1ull << ZSTD_WINDOWLOG_LIMIT_DEFAULT))) {
            r->scan_end = 2;
            break;
        }
        size_t cs;
        for (;;) {
            cs = ZSTD_findFrameCompressedSize(p, (size_t)av);
            if (!ZSTD_isError(cs) || ZSTD_getErrorCode(cs) != ZSTD_error_srcSize_wrong || r->s_eof ||
                (size_t)av >= r->task_bytes)
                break;
            av = scan_have(r, off, MC_MIN(r->task_bytes, MC_MAX((size_t)av * 2, (size_t)av + SCAN_READ)));
            if (av < 0) break;
            p = r->sbuf + (off - r->sbase);
        }
        if (av < 0 || ZSTD_isError(cs) || cs > r->task_bytes) { r->scan_end = 2; break; }
        unsigned long long b = skippable ? 0 : ZSTD_decompressBound(p, cs);
        if (b == ZSTD_CONTENTSIZE_ERROR || b > r->task_bytes) { r->scan_end = 2; break; }
        if (t->n_fr && (t->bound + b > r->task_bytes || t->src_len + cs > r->task_bytes)) break;
        if (mc_grow((void **)&t->src, &t->src_cap, t->src_len + cs, 1) || mc_grow((void **)&t->fr, &t->fr_cap, t->n_fr + 1, sizeof *t->fr)) {
            r->scan_end = 2;
            break;
        }
        memcpy(t->src + t->src_len, p, cs);
        t->src_len += cs;
        t->fr[t->n_fr].csize = (uint32_t)cs;
        t->fr[t->n_fr].skippable = (uint32_t)skippable;
        t->n_fr++;
        t->bound += (size_t)b;
        r->scan_off += cs;
        if (t->bound >= TASK_TARGET || t->src_len >= TASK_TARGET) break;
    }
    if (t->n_fr && mc_grow((void **)&t->dst, &t->dst_cap, t->bound ? t->bound : 1, 1)) {
        r->scan_off = t->src_off; /* no memory: the streaming decoder takes over here */
        r->scan_end = 2;
        t->n_fr = 0;
    }
    if (!t->n_fr) {
        task_recycle(r, t);
        return 0;
    }
    pool_post(r->pool, t);
    r->win[(r->w_head + r->w_n) % MAX_WIN] = t;
    r->w_n++;
    r->inflight += t->bound;
    return 1;
}

static void top_up(mc_reader *r)
{
    int posted = 0;
    while (!r->scan_end && r->w_n < r->max_tasks && (r->w_n == 0 || r->inflight < r->budget) && scan_task(r)) posted = 1;
    if (posted && r->pool->wake) r->pool->wake(r->pool->ud);
}

/* Hand over to the streaming decoder at the frame starting at file offset off, in the
 * state a purely streaming reader is in there (see the header comment). */
static void enter_stream(mc_reader *r, uint64_t off)
{
    r->par = 0;
    uint64_t base = off - off % r->in_cap;
    r->in_base = base;
    r->ib.size = r->ib.pos = 0;
    r->eof = 0;
    r->last_ret = 0;
    r->frame_start = off;
    ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
    if (fseeko(r->f, (off_t)base, SEEK_SET) != 0) return; /* the next refill reports the failure */
    size_t got = fread(r->in, 1, r->in_cap, r->f);
    hash_to(r, r->in, base, got);
    r->ib.size = got;
    r->ib.pos = (size_t)(off - base);
    if (r->ib.pos > got) r->ib.pos = got;
}

/* Back to tasks at the frame boundary the streaming decoder has just reached. */
static void leave_stream(mc_reader *r)
{
    r->par = 1;
    r->scan_off = r->in_base + r->ib.pos;
    r->scan_end = 0;
    r->par_in = r->scan_off;
}

/* Task mode: fill buf up to cap from the tasks, in order. Returns with *n == cap, at the
 * end of the input (*end), or after switching to the streaming decoder (r->par == 0). */
static void par_fill(mc_reader *r, char *buf, size_t cap, size_t *n, int *end)
{
    while (*n < cap) {
        top_up(r);
        if (r->w_n == 0) {
            if (r->scan_end == 1) *end = 1;
            else enter_stream(r, r->scan_off);
            return;
        }
        mc_ztask *t = r->win[r->w_head % MAX_WIN];
        pool_wait(r, t);
        if (!t->seen) {
            t->seen = 1;
            hash_to(r, t->src, t->src_off, t->ok_src);
            r->frames += t->ok_frames;
        }
        size_t k = MC_MIN(cap - *n, t->dst_len - t->pos);
        memcpy(buf + *n, t->dst + t->pos, k);
        t->pos += k;
        *n += k;
        if (t->pos == t->dst_len) {
            r->par_in = t->src_off + t->ok_src;
            r->w_head = (r->w_head + 1) % MAX_WIN;
            r->w_n--;
            r->inflight -= t->bound;
            int failed = t->failed;
            task_recycle(r, t);
            if (failed) {
                drop_window(r);
                enter_stream(r, r->par_in);
                return;
            }
        }
    }
}

void mc_reader_set_pool(mc_reader *r, mc_zpool *p)
{
    struct stat sb;
    if (!r || !p || !r->zstd || !r->own || r->pool || r->ib.pos || r->in_base || r->bytes_out) return;
    if (fstat(fileno(r->f), &sb) != 0 || !S_ISREG(sb.st_mode)) return;
    r->pool = p;
    r->fd = fileno(r->f);
    r->max_tasks = (size_t)p->max_tasks;
    r->task_bytes = p->task_bytes;
    r->budget = r->max_tasks * BUDGET_PER_TASK;
    r->par = 1;
    r->scan_off = 0;
    r->scan_end = 0;
}

int mc_reader_scan_done(const mc_reader *r) { return r && r->par && r->scan_end == 1; }

void mc_reader_prefetch(mc_reader *r)
{
    if (r && r->par && !r->scan_end) top_up(r);
}

/* ---- reading ---------------------------------------------------------------------- */

/* The streaming decoder: fill buf up to cap. Returns with *n == cap, at the end of the
 * input (*end), on an error (kept in r->pending), or after a frame when a pool is set
 * (r->par == 1). */
static mc_status stream_fill(mc_reader *r, char *buf, size_t cap, size_t *n, int *end)
{
    ZSTD_outBuffer ob = {buf, cap, *n};
    mc_status st = MC_OK;
    while (ob.pos < ob.size && st == MC_OK) {
        if (refill(r)) { st = mc_error_set(&r->pending, MC_E_IO, r->path, 0, 1, r->in_base, "read failed"); break; }
        int at_end = r->ib.pos >= r->ib.size && r->eof;
        if (at_end && r->last_ret == 0) { *end = 1; break; } /* clean end after a complete frame */
        size_t before_out = ob.pos, before_in = r->ib.pos;
        size_t ret = ZSTD_decompressStream(r->dctx, &ob, &r->ib);
        if (ZSTD_isError(ret)) {
            st = mc_error_set(&r->pending, MC_E_ZSTD, r->path, 0, 1, r->frame_start,
                              "corrupt zstd data in the frame starting at this byte: %s", ZSTD_getErrorName(ret));
            break;
        }
        if (ret == 0) {
            r->frame_start = r->in_base + r->ib.pos;
            r->frames++;
            r->last_ret = 0;
            if (r->pool) { leave_stream(r); break; }
            continue;
        }
        r->last_ret = ret;
        if (ob.pos == before_out && r->ib.pos == before_in && (at_end || r->ib.pos >= r->ib.size) && r->eof)
            st = mc_error_set(&r->pending, MC_E_ZSTD, r->path, 0, 1, r->in_base + r->ib.pos,
                              "truncated zstd frame (input ends inside a frame)");
    }
    *n = ob.pos;
    return st;
}

mc_status mc_reader_read(mc_reader *r, char *buf, size_t cap, size_t *got, mc_error *err)
{
    *got = 0;
    if (!r->zstd) {
        size_t n = 0;
        if (r->ib.pos < r->ib.size) {
            n = MC_MIN(cap, r->ib.size - r->ib.pos);
            memcpy(buf, r->in + r->ib.pos, n);
            r->ib.pos += n;
        }
        if (n < cap && !r->eof) {
            size_t m = fread(buf + n, 1, cap - n, r->f);
            XXH64_update(&r->hash, buf + n, m);
            r->in_base += m;
            if (ferror(r->f)) return mc_error_set(err, MC_E_IO, r->path, 0, 1, r->bytes_out + n, "read failed");
            if (m == 0) r->eof = 1;
            n += m;
        }
        r->bytes_out += n;
        *got = n;
        return MC_OK;
    }
    if (r->has_pending) {
        if (err) *err = r->pending;
        return r->pending.status;
    }
    size_t n = 0;
    int end = 0;
    mc_status st = MC_OK;
    while (n < cap && !end && st == MC_OK) {
        if (r->par) par_fill(r, buf, cap, &n, &end);
        else st = stream_fill(r, buf, cap, &n, &end);
    }
    if (st) {
        r->has_pending = 1;
        if (n == 0) { /* nothing to hand over first */
            if (err) *err = r->pending;
            return st;
        }
    }
    r->bytes_out += n;
    *got = n;
    return MC_OK;
}

uint64_t mc_reader_bytes_in(const mc_reader *r) { return r->par ? r->par_in : r->in_base + r->ib.pos; }
uint64_t mc_reader_digest(const mc_reader *r) { return XXH64_digest(&r->hash); }
uint64_t mc_reader_bytes_out(const mc_reader *r) { return r->bytes_out; }
int mc_reader_is_zstd(const mc_reader *r) { return r->zstd; }
uint64_t mc_reader_frames(const mc_reader *r) { return r->frames; }
double mc_reader_task_seconds(const mc_reader *r) { return r ? r->task_cpu : 0; }

void mc_reader_close(mc_reader *r)
{
    if (!r) return;
    if (r->pool) drop_window(r);
    for (size_t i = 0; i < r->n_spare; i++) task_free(r->spare[i]);
    free(r->sbuf);
    if (r->own && r->f) fclose(r->f);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    free(r);
}
