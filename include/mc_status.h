/* mc_status.h — status codes and error detail shared by every medcode module.
 *
 * Every fallible library function returns an mc_status (0 = MC_OK) and, when the
 * caller passes a non-NULL mc_error, fills it with where the problem is: the file,
 * the record number (1-based, header excluded; 0 = not about a record) and the byte
 * offset in the decompressed stream. Messages never contain note text (patient data).
 * The numbers are stable across releases (gaps are intentional); the CLI maps them
 * to exit codes (see README "Exit codes"). The library never prints and never exits.
 */
#ifndef MC_STATUS_H
#define MC_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MC_OK = 0,
    MC_E_USAGE = 1,          /* bad arguments or options */
    MC_E_NOMEM = 2,          /* allocation failed */
    MC_E_IO = 10,            /* open/read/write/rename failed */
    MC_E_NOTFOUND = 11,      /* a named file, column or key does not exist */
    MC_E_ZSTD = 20,          /* corrupt or truncated zstd stream */
    MC_E_CSV = 30,           /* malformed CSV record (rejected; run goes on) */
    MC_E_COLUMN = 31,        /* required column missing from the header */
    MC_E_RECORD_TOO_BIG = 32,/* record over the size limit */
    MC_E_DICT_MAGIC = 40,    /* dictionary: not a medcode dictionary */
    MC_E_DICT_VERSION = 41,  /* dictionary: newer (or unknown) format version */
    MC_E_DICT_CORRUPT = 42,  /* dictionary: bounds, size or checksum check failed */
    MC_E_DICT_BUILD = 43,    /* dictionary build: bad source data */
    MC_E_STATE = 50,         /* partial state file invalid or incompatible */
    MC_E_INTERRUPTED = 60,   /* stopped by a signal */
    MC_E_INTERNAL = 99
} mc_status;

/* Static, English, never NULL. */
const char *mc_status_str(mc_status s);

/* Where an error happened. All fields optional (empty string / 0 when unknown). */
typedef struct {
    mc_status status;
    char path[512];          /* input or dictionary path, as the user gave it */
    uint64_t record;         /* 1-based data record number within the input; 0 = none */
    uint64_t offset;         /* byte offset (decompressed stream, or file for dictionaries) */
    int has_offset;          /* offset is meaningful */
    char msg[256];           /* what failed, no patient text */
} mc_error;

/* Fill err (if non-NULL) and return s. printf-style message. */
mc_status mc_error_set(mc_error *err, mc_status s, const char *path, uint64_t record,
                       int has_offset, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* One line "error (at PATH: record R, byte B): MSG" into buf (no trailing newline). */
void mc_error_format(const mc_error *err, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
