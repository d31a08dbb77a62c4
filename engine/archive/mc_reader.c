/* mc_reader.c — streaming input: zstd (ZSTD_decompressStream over any number of
 * frames) or plain bytes, from a file or standard input. */
#include "archive/mc_archive.h"
#include "common/mc_util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

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
    uint64_t frame_start;    /* compressed offset where the current frame began */
    mc_error pending;        /* an error met after some output: returned on the next call */
    int has_pending;
};

mc_status mc_reader_open(const char *path, mc_reader **out, mc_error *err)
{
    *out = NULL;
    mc_reader *r = calloc(1, sizeof *r);
    if (!r) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    r->path = path;
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
    if (ferror(r->f)) return -1;
    if (r->ib.size == 0) r->eof = 1;
    return 0;
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
    ZSTD_outBuffer ob = {buf, cap, 0};
    mc_status st = MC_OK;
    while (ob.pos < ob.size && st == MC_OK) {
        if (refill(r)) { st = mc_error_set(&r->pending, MC_E_IO, r->path, 0, 1, r->in_base, "read failed"); break; }
        int at_end = r->ib.pos >= r->ib.size && r->eof;
        if (at_end && r->last_ret == 0) break; /* clean end after a complete frame */
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
            continue;
        }
        r->last_ret = ret;
        if (ob.pos == before_out && r->ib.pos == before_in && (at_end || r->ib.pos >= r->ib.size) && r->eof)
            st = mc_error_set(&r->pending, MC_E_ZSTD, r->path, 0, 1, r->in_base + r->ib.pos,
                              "truncated zstd frame (input ends inside a frame)");
    }
    if (st) {
        r->has_pending = 1;
        if (ob.pos == 0) { /* nothing to hand over first */
            if (err) *err = r->pending;
            return st;
        }
    }
    r->bytes_out += ob.pos;
    *got = ob.pos;
    return MC_OK;
}

uint64_t mc_reader_bytes_in(const mc_reader *r) { return r->in_base + r->ib.pos; }
uint64_t mc_reader_digest(const mc_reader *r) { return XXH64_digest(&r->hash); }
uint64_t mc_reader_bytes_out(const mc_reader *r) { return r->bytes_out; }
int mc_reader_is_zstd(const mc_reader *r) { return r->zstd; }
uint64_t mc_reader_frames(const mc_reader *r) { return r->frames; }

void mc_reader_close(mc_reader *r)
{
    if (!r) return;
    if (r->own && r->f) fclose(r->f);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    free(r);
}
