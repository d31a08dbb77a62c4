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
 * Thread safety: a reader / chunker is used by one thread.
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
void mc_reader_close(mc_reader *r);                /* accepts NULL */

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
