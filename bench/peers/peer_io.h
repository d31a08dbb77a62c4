/* peer_io.h — what the benchmark's peer programs (hs_scan, tt_scan) share, so that they
 * read the same input the same way and differ only in how they match:
 *   - the command line: --terms FILE --text-col NAME [--threads N] [--counts OUT] ARCHIVE;
 *   - the term list: the first column of a medcode term list (TSV term<TAB>code), distinct
 *     terms compared case-insensitively (ASCII), in first-seen order;
 *   - the archive: .csv.zst, plain CSV, or - for stdin, streamed in batches of about
 *     8 MiB of whole records (quote-aware RFC 4180 record ends); the next batch is read
 *     while the current one is scanned; each record's text column is unescaped in place
 *     and handed to the peer's scan function on one of N OpenMP threads;
 *   - the report: key: value lines, and --counts as term<TAB>count lines.
 * Errors print one line "<tool>: error: ..." and exit 1 (I/O, data) or 2 (usage). */
#ifndef PEER_IO_H
#define PEER_IO_H

#include <stddef.h>
#include <stdint.h>

#define PEER_EXIT_IO 1
#define PEER_EXIT_USAGE 2

/* One line on stderr prefixed with the tool's name (peer_parse_args sets it), then exit. */
void peer_die(int code, const char *fmt, ...);
void *peer_xrealloc(void *p, size_t n);
double peer_now(void); /* monotonic seconds */

typedef struct {
    const char *terms, *text_col, *archive, *counts; /* counts: NULL unless --counts */
    int threads;                                     /* 0: OpenMP's default */
} peer_args;

/* Parses the common command line and sets OpenMP's thread count from --threads; returns
 * the number of threads the scan will use. The usage (for -h / --help, exit 0, and on a
 * missing argument, exit 2) is the common part with `how` (how the tool matches, whole
 * lines) in the middle. */
int peer_parse_args(peer_args *a, int argc, char **argv, const char *tool, const char *how);

typedef struct {
    char **term;   /* distinct terms, NUL-terminated, in first-seen order */
    unsigned *len;
    size_t n, lines;
} peer_terms;

void peer_load_terms(peer_terms *T, const char *path);
void peer_terms_free(peer_terms *T);

/* Called for the text column of every data record (header excluded), from OpenMP thread
 * tid (0 .. threads-1); text[0..n) may be modified. */
typedef void (*peer_scan_fn)(int tid, char *text, size_t n, void *ctx);

typedef struct {
    uint64_t records;     /* data records */
    uint64_t bytes;       /* decompressed bytes read (the whole CSV) */
    uint64_t text_bytes;  /* bytes of the text column handed to the scan function */
    double seconds;       /* wall time of reading + scanning */
} peer_totals;

void peer_scan_archive(const char *archive, const char *text_col, int threads, peer_scan_fn fn, void *ctx,
                       peer_totals *out);

/* The end of every peer: adds the per-thread term counts (counts[0..threads), each T->n
 * long) into counts[0], writes them to a->counts when given ("term<TAB>count" lines, the
 * nonzero ones), and prints the report lines every peer has: records, bytes, text_bytes,
 * matches, terms_matched, seconds, mb_per_s, records_per_s. */
void peer_report(const peer_args *a, const peer_terms *T, uint64_t *const *counts, int threads, uint64_t matches,
                 const peer_totals *tot);

#endif
