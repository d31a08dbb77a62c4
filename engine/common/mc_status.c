/* mc_status.c — status names and the error detail record (see include/mc_status.h). */
#include "mc_status.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *mc_status_str(mc_status s)
{
    switch (s) {
    case MC_OK: return "ok";
    case MC_E_USAGE: return "usage error";
    case MC_E_NOMEM: return "out of memory";
    case MC_E_IO: return "I/O error";
    case MC_E_NOTFOUND: return "not found";
    case MC_E_ZSTD: return "corrupt or truncated zstd data";
    case MC_E_CSV: return "malformed CSV record";
    case MC_E_COLUMN: return "missing column";
    case MC_E_RECORD_TOO_BIG: return "record too large";
    case MC_E_DICT_MAGIC: return "not a medcode dictionary";
    case MC_E_DICT_VERSION: return "unsupported dictionary format version";
    case MC_E_DICT_CORRUPT: return "corrupt dictionary";
    case MC_E_DICT_BUILD: return "dictionary build error";
    case MC_E_STATE: return "invalid state file";
    case MC_E_INTERRUPTED: return "interrupted";
    case MC_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

mc_status mc_error_set(mc_error *err, mc_status s, const char *path, uint64_t record,
                       int has_offset, uint64_t offset, const char *fmt, ...)
{
    if (!err) return s;
    err->status = s;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->record = record;
    err->has_offset = has_offset;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return s;
}

void mc_error_format(const mc_error *err, char *buf, size_t cap)
{
    char where[700] = "";
    size_t n = 0;
    if (err->path[0]) n += (size_t)snprintf(where + n, sizeof where - n, "%s", err->path);
    if (err->record)
        n += (size_t)snprintf(where + n, sizeof where - n, "%srecord %llu", n ? ": " : "",
                              (unsigned long long)err->record);
    if (err->has_offset && n < sizeof where)
        n += (size_t)snprintf(where + n, sizeof where - n, "%sbyte %llu",
                              n ? (err->record ? ", " : ": ") : "", (unsigned long long)err->offset);
    const char *msg = err->msg[0] ? err->msg : mc_status_str(err->status);
    if (n)
        snprintf(buf, cap, "error (at %s): %s", where, msg);
    else
        snprintf(buf, cap, "error: %s", msg);
}
