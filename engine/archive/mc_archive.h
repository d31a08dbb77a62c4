/* mc_archive.h — input bytes: streaming zstd decompression (multi-frame, concatenated
 * frames, skippable frames), plain files and standard input; and the record-aligned
 * chunker that cuts the decompressed stream into batches of whole CSV records.
 *
 * The chunker knows CSV quoting (RFC 4180: a field that starts with a quote runs to
 * the closing quote, "" is an escaped quote, newlines inside quotes belong to the
 * field) but not columns: it finds record boundaries only. Records are numbered from
 * 1 after the header line; offsets are in the decompressed stream. A record larger
 * than the limit is reported as oversized (its bytes are skipped up to the next line
 * break outside quotes, or the next line break if quoting never closes), so memory
 * stays bounded by batch size whatever the input.
 *
 * Frame-parallel decompression (mc_zpool, mc_reader_set_pool): a reader attached to a
 * pool, reading a regular file, scans the zstd frame headers ahead of the consumer
 * (ZSTD_getFrameHeader, ZSTD_findFrameCompressedSize, ZSTD_decompressBound) without
 * decompressing, copies consecutive frames (grouped up to ~1 MiB of content) into tasks
 * and posts them to the pool; any thread may run a task (mc_zpool_help), the reader runs
 * the one it needs next itself when nobody has claimed it, and hands the decompressed
 * bytes over strictly in frame order. A bounded number of tasks is in flight (the pool's
 * max_tasks and a byte budget), whatever the input size. Anything a task cannot do
 * exactly as the streaming decoder would (a corrupt, truncated or unparsable frame, a
 * frame over the task size limit, a read error, no memory) switches the reader to the
 * streaming decoder at that frame's start, positioned exactly as a purely streaming
 * reader would have been (same input chunk grid, same output request), so records,
 * errors (message and compressed offset), byte counts, frame count and input digest are
 * identical to the streaming path; after a frame that decodes, the reader returns to
 * tasks. Standard input and plain files always stream. Several readers may share a pool
 * (the next input prefetched while the current one is read).
 *
 * Thread safety: a reader / chunker is used by one thread; mc_zpool_help may be called
 * from any thread while readers use the pool.
 */
#ifndef MC_ARCHIVE_H
#define MC_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include "mc_status.h"

typedef struct mc_reader mc_reader;

/* path "-" = standard input. zstd is detected by its magic number (and skippable
 * frames), anything else is read as plain bytes. */
mc_status mc_reader_open(const char *path, mc_reader **out, mc_error *err);
/* Fill buf with up to cap decompressed bytes; *got = 0 at the end. A corrupt or
 * truncated zstd stream is MC_E_ZSTD with the compressed byte offset. */
mc_status mc_reader_read(mc_reader *r, char *buf, size_t cap, size_t *got, mc_error *err);
uint64_t mc_reader_bytes_in(const mc_reader *r);   /* compressed bytes consumed */
uint64_t mc_reader_bytes_out(const mc_reader *r);  /* decompressed bytes produced */
int mc_reader_is_zstd(const mc_reader *r);
uint64_t mc_reader_digest(const mc_reader *r);     /* XXH64 of the input bytes read so far */
uint64_t mc_reader_frames(const mc_reader *r);     /* zstd frames completed */
void mc_reader_close(mc_reader *r);                /* accepts NULL; waits for its running tasks */

typedef struct mc_zpool mc_zpool;
/* max_tasks: tasks in flight per reader (>= 2); task_bytes: the largest task (content
 * bound and compressed size; 0 = 32 MiB); a larger frame is decompressed by the
 * streaming decoder. wake(ud) is called after tasks are posted (idle threads may help). */
mc_zpool *mc_zpool_create(int max_tasks, size_t task_bytes, void (*wake)(void *), void *ud);
void mc_zpool_free(mc_zpool *p);                   /* accepts NULL; no reader may use it */
int mc_zpool_help(mc_zpool *p);                    /* run one pending task: 1 if one ran (NULL: 0) */
double mc_zpool_seconds(mc_zpool *p);              /* CPU seconds of every task run so far */
/* Decompress this reader's frames through the pool's tasks (a regular zstd file, before
 * the first read; otherwise nothing changes). */
void mc_reader_set_pool(mc_reader *r, mc_zpool *p);
/* 1 once a task-mode reader has posted its last frame (the next input may be opened and
 * prefetched); 0 otherwise. */
int mc_reader_scan_done(const mc_reader *r);
/* Post a task-mode reader's first tasks now, before its first read (decompress ahead
 * while the previous input is still being read). */
void mc_reader_prefetch(mc_reader *r);
/* CPU seconds of pool tasks that mc_reader_read ran on its caller's thread (they are in
 * both the caller's read time and mc_zpool_seconds). */
double mc_reader_task_seconds(const mc_reader *r);

/* One record inside a batch. */
typedef struct {
    uint64_t pos;            /* decompressed stream offset of the record's first byte */
    uint64_t number;         /* 1-based record number within its input (header excluded) */
    uint32_t off, len;       /* bytes within batch data (line terminator excluded) */
    uint32_t oversized;      /* 1: over the record limit; len = 0, its bytes were skipped */
} mc_rec;

typedef struct {
    char *data;              /* record bytes (owned by the batch) */
    size_t len, cap;
    mc_rec *recs;
    size_t n_recs, cap_recs;
} mc_batch;
void mc_batch_free(mc_batch *b);

typedef struct mc_chunker mc_chunker;
/* batch_bytes: target batch size; max_record: record size limit. */
mc_status mc_chunker_create(mc_reader *r, const char *path, size_t batch_bytes, size_t max_record,
                            mc_chunker **out, mc_error *err);
/* The header line (first record), copied; NULL/0 for empty input. Valid for the
 * chunker's life. Must be called before the first mc_chunker_next. */
mc_status mc_chunker_header(mc_chunker *c, const char **hdr, size_t *len, mc_error *err);
/* Fill b (reusing its buffers) with the next records; b->n_recs == 0 at the end. */
mc_status mc_chunker_next(mc_chunker *c, mc_batch *b, mc_error *err);
double mc_chunker_read_seconds(const mc_chunker *c); /* time inside the reader (decompress) */
double mc_chunker_scan_seconds(const mc_chunker *c); /* time spent finding boundaries */
void mc_chunker_free(mc_chunker *c);

#endif
