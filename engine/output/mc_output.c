/* mc_output.c — CSV/JSON encoding, atomic files and the codes table. */
#include "output/mc_output.h"
#include "context/mc_context.h"
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mc_csv_field(mc_buf *b, const char *s, size_t n)
{
    int need = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !need; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') need = 1;
    if (!need) return mc_buf_append(b, s, n);
    size_t w = csv_write(NULL, 0, s, n);
    if (mc_buf_reserve(b, w)) return -1;
    csv_write(b->data + b->len, w, s, n);
    b->len += w;
    b->data[b->len] = 0;
    return 0;
}

int mc_json_str(mc_buf *b, const char *s)
{
    if (mc_buf_putc(b, '"')) return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int r = 0;
        switch (*p) {
        case '"': r = mc_buf_append(b, "\\\"", 2); break;
        case '\\': r = mc_buf_append(b, "\\\\", 2); break;
        case '\n': r = mc_buf_append(b, "\\n", 2); break;
        case '\r': r = mc_buf_append(b, "\\r", 2); break;
        case '\t': r = mc_buf_append(b, "\\t", 2); break;
        default:
            if (*p < 0x20) r = mc_buf_printf(b, "\\u%04x", *p);
            else r = mc_buf_putc(b, (char)*p);
        }
        if (r) return -1;
    }
    return mc_buf_putc(b, '"');
}

mc_status mc_afile_open(mc_afile *a, const char *path, mc_error *err)
{
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->f = fopen(a->tmp, "wb");
    if (!a->f) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot create output: %s", strerror(errno));
    return MC_OK;
}

mc_status mc_afile_write(mc_afile *a, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, a->f) != n) a->failed = 1;
    return a->failed ? MC_E_IO : MC_OK;
}

mc_status mc_afile_commit(mc_afile *a, mc_error *err)
{
    int bad = a->failed;
    if (a->f) {
        bad |= fflush(a->f) != 0;
        bad |= fclose(a->f) != 0;
        a->f = NULL;
    }
    if (bad || rename(a->tmp, a->path) != 0) {
        int e = errno;
        remove(a->tmp);
        return mc_error_set(err, MC_E_IO, a->path, 0, 0, 0, "write failed: %s", strerror(e));
    }
    return MC_OK;
}

void mc_afile_abort(mc_afile *a)
{
    if (a->f) fclose(a->f);
    a->f = NULL;
    if (a->tmp[0]) remove(a->tmp);
}

mc_status mc_write_atomic(const char *path, const mc_buf *b, mc_error *err)
{
    if (b->oom) return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory while writing");
    mc_afile a;
    mc_status st = mc_afile_open(&a, path, err);
    if (st) return st;
    mc_afile_write(&a, b->data, b->len);
    return mc_afile_commit(&a, err);
}
