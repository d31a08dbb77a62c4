/* mc_audit.c — `medcode audit`: a seeded, order-independent sample of counted mentions per
 * code for human review, and the precision (and PPV-corrected counts) of the labels (see
 * include/mc_audit.h). Every CSV is read with the run's own reader, chunker and libcsv
 * record parser, so note byte offsets agree with the per-record file. */
#include "mc_audit.h"
#include "archive/mc_archive.h"
#include "common/mc_strmap.h"
#include "common/mc_util.h"
#include "output/mc_output.h"
#include "record/mc_record.h"
#include "stats/mc_stats.h"
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <xxhash.h>

void mc_audit_sample_opts_default(mc_audit_sample_opts *o)
{
    memset(o, 0, sizeof *o);
    o->top = MC_AUDIT_DEFAULT_TOP;
    o->per_code = MC_AUDIT_DEFAULT_PER_CODE;
    o->seed = 1;
    o->window = MC_AUDIT_DEFAULT_WINDOW;
    o->max_record = (size_t)16 << 20;
}

/* ---- CSV rows through the run's reader (mc_archive.h) and parser (mc_record.h) ------ */

typedef struct {
    const char *path;
    mc_reader *rd;
    mc_chunker *ch;
    mc_batch b;
    size_t k;                /* next record of b */
    mc_csvrec *p;            /* the header while opening, then each record */
    size_t n_fields;         /* fields of the header */
} rows_t;

static void rows_close(rows_t *r)
{
    mc_chunker_free(r->ch);
    mc_reader_close(r->rd);
    mc_batch_free(&r->b);
    mc_csvrec_free(r->p);
    memset(r, 0, sizeof *r);
}

/* Open path and parse its header: col[i] gets the index of names[i] (-1 when absent). */
static mc_status rows_open(rows_t *r, const char *path, size_t max_record, const char *const *names, int *col, int n,
                           mc_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    mc_status st = mc_reader_open(path, &r->rd, err);
    if (!st) st = mc_chunker_create(r->rd, path, 1u << 20, max_record, &r->ch, err);
    const char *hdr = NULL;
    size_t hl = 0, nf = 0;
    if (!st) st = mc_chunker_header(r->ch, &hdr, &hl, err);
    if (!st && !(r->p = mc_csvrec_create())) st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory");
    if (!st) {
        const char *why = "no header line";
        if (!hdr || mc_csvrec_parse(r->p, hdr, hl, &nf, &why))
            st = mc_error_set(err, MC_E_COLUMN, path, 0, 1, 0, "header line: %s", why);
    }
    if (st) { rows_close(r); return st; }
    r->n_fields = nf;
    for (int i = 0; i < n; i++) col[i] = mc_csvrec_column(r->p, names[i]);
    return MC_OK;
}

/* Next record: *rec (NULL at the end); *bad = NULL and its fields parsed into r->p, or *bad
 * names why the record is unusable (a rejected record of `run`). */
static mc_status rows_next(rows_t *r, const mc_rec **rec, const char **bad, char *why, size_t cap, mc_error *err)
{
    *rec = NULL;
    if (r->k >= r->b.n_recs) {
        r->k = 0;
        mc_status st = mc_chunker_next(r->ch, &r->b, err);
        if (st) return st;
        if (!r->b.n_recs) return MC_OK;
    }
    const mc_rec *x = &r->b.recs[r->k++];
    *rec = x;
    *bad = NULL;
    size_t nf;
    if (x->oversized) { snprintf(why, cap, "record exceeds the size limit"); *bad = why; return MC_OK; }
    mc_status ps = mc_csvrec_parse(r->p, r->b.data + x->off, x->len, &nf, bad);
    if (ps == MC_E_NOMEM) return mc_error_set(err, MC_E_NOMEM, r->path, x->number, 1, x->pos, "out of memory");
    if (ps) return MC_OK;
    if (nf != r->n_fields) {
        snprintf(why, cap, "wrong number of fields: expected %zu, found %zu", r->n_fields, nf);
        *bad = why;
    }
    return MC_OK;
}

static int parse_u32(const char *s, uint32_t *out)
{
    if (!*s) return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX) return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

/* ---- the per-record file ----------------------------------------------------------- */

enum { PR_ID, PR_CODE, PR_START, PR_END, PR_COUNTED, PR_N };
static const char *const PR_COLS[PR_N] = {"id", "code", "start", "end", "counted"};

typedef struct {
    const char *id, *code;
    size_t id_len, code_len;
    uint32_t start, end;
    uint64_t number, pos;    /* record number and byte offset in the per-record file */
} pr_row;

/* Call fn for every counted row of the per-record file; malformed rows are errors. */
static mc_status per_record_scan(const char *path, mc_status (*fn)(void *ud, const pr_row *row, mc_error *err), void *ud,
                                 mc_error *err)
{
    rows_t r;
    int col[PR_N];
    mc_status st = rows_open(&r, path, 16u << 20, PR_COLS, col, PR_N, err);
    if (st) return st;
    for (int i = 0; i < PR_N; i++)
        if (col[i] < 0) {
            rows_close(&r);
            return mc_error_set(err, MC_E_COLUMN, path, 0, 1, 0, "per-record column '%s' not found in the header", PR_COLS[i]);
        }
    char why[96];
    for (;;) {
        const mc_rec *rec;
        const char *bad;
        if ((st = rows_next(&r, &rec, &bad, why, sizeof why, err)) || !rec) break;
        if (bad) { st = mc_error_set(err, MC_E_CSV, path, rec->number, 1, rec->pos, "%s", bad); break; }
        size_t n;
        const char *counted = mc_csvrec_field(r.p, (size_t)col[PR_COUNTED], &n);
        if (!strcmp(counted, "0")) continue;
        if (strcmp(counted, "1")) { st = mc_error_set(err, MC_E_CSV, path, rec->number, 1, rec->pos, "counted is not 0 or 1"); break; }
        pr_row row;
        row.id = mc_csvrec_field(r.p, (size_t)col[PR_ID], &row.id_len);
        row.code = mc_csvrec_field(r.p, (size_t)col[PR_CODE], &row.code_len);
        row.number = rec->number;
        row.pos = rec->pos;
        if (!parse_u32(mc_csvrec_field(r.p, (size_t)col[PR_START], &n), &row.start) ||
            !parse_u32(mc_csvrec_field(r.p, (size_t)col[PR_END], &n), &row.end) || row.end < row.start) {
            st = mc_error_set(err, MC_E_CSV, path, rec->number, 1, rec->pos, "start/end are not byte offsets with start <= end");
            break;
        }
        if (!row.code_len) { st = mc_error_set(err, MC_E_CSV, path, rec->number, 1, rec->pos, "empty code"); break; }
        if ((st = fn(ud, &row, err))) break;
    }
    rows_close(&r);
    return st;
}

/* Distinct (code, id) pairs: ids interned, pairs in an open-addressing set of
 * (code index << 32 | id index) + 1. */
typedef struct {
    mc_strmap ids;
    uint64_t *slot;
    size_t cap, n;
    uint64_t last;           /* the previous pair (rows of a record come together) */
} pairset;

static void pairset_free(pairset *s)
{
    mc_strmap_free(&s->ids);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* 1: a new pair, 0: seen, -1: out of memory. */
static int pairset_add(pairset *s, uint32_t code, const char *id, size_t len)
{
    int ins;
    uint32_t *v = mc_strmap_put(&s->ids, id, len, &ins);
    if (!v) return -1;
    if (ins) *v = (uint32_t)(s->ids.n - 1);
    uint64_t key = (((uint64_t)code << 32) | *v) + 1;
    if (key == s->last) return 0;
    s->last = key;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t j = (size_t)XXH64(&s->slot[i], 8, 0) & (cap - 1);
                while (t[j]) j = (j + 1) & (cap - 1);
                t[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = t;
        s->cap = cap;
    }
    for (size_t j = (size_t)XXH64(&key, 8, 0) & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == key) return 0;
        if (!s->slot[j]) { s->slot[j] = key; s->n++; return 1; }
    }
}

/* ---- sample ------------------------------------------------------------------------ */

typedef struct {
    uint64_t rkey, mkey;
    char *id;
    uint32_t start, end;
    uint64_t number;         /* per-record file record (for errors) */
    uint32_t note;           /* index of the note text */
} cand;

typedef struct {
    char *code;              /* as written in the per-record file */
    uint64_t records;        /* distinct ids (top mode) */
    cand *c;
    size_t n, worst;         /* c[worst]: the largest (rkey, id) kept */
} code_t;

typedef struct {
    char *text;
    size_t len;
    int found;
    const char *input;
    uint64_t number;
} note_t;

typedef struct {
    const mc_audit_sample_opts *o;
    mc_strmap codes_ix;      /* code -> index in codes */
    MC_VEC(code_t) codes;
    int fixed;               /* codes come from a list: other codes are skipped */
    pairset pairs;           /* top mode: distinct records per code */
    mc_buf key;
} sample_t;

static int cmp_rec(uint64_t ka, const char *ia, uint64_t kb, const char *ib)
{
    if (ka != kb) return ka < kb ? -1 : 1;
    return strcmp(ia, ib);
}

static int cmp_mention(const cand *c, uint64_t mkey, uint32_t start, uint32_t end)
{
    if (mkey != c->mkey) return mkey < c->mkey ? -1 : 1;
    if (start != c->start) return start < c->start ? -1 : 1;
    if (end != c->end) return end < c->end ? -1 : 1;
    return 0;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static int add_code(sample_t *s, const char *code, size_t len, uint32_t *ix)
{
    int ins;
    uint32_t *v = mc_strmap_put(&s->codes_ix, code, len, &ins);
    if (!v) return -1;
    if (ins) {
        code_t c = {0};
        *v = (uint32_t)s->codes.n;
        c.code = malloc(len + 1);
        if (!c.code) return -1;
        memcpy(c.code, code, len);
        c.code[len] = 0;
        if (mc_vec_push(&s->codes, c)) { free(c.code); return -1; }
    }
    *ix = *v;
    return ins;
}

static mc_status sample_row(void *ud, const pr_row *row, mc_error *err)
{
    sample_t *s = ud;
    uint32_t ci;
    if (s->fixed) {
        uint32_t *v = mc_strmap_get(&s->codes_ix, row->code, row->code_len);
        if (!v) return MC_OK;
        ci = *v;
    } else if (add_code(s, row->code, row->code_len, &ci) < 0) goto nomem;
    code_t *c = &s->codes.items[ci];
    if (!s->fixed) {
        int k = pairset_add(&s->pairs, ci, row->id, row->id_len);
        if (k < 0) goto nomem;
        c->records += (uint64_t)k;
    }
    s->key.len = 0;
    mc_buf_append(&s->key, row->code, row->code_len);
    mc_buf_putc(&s->key, 0x1f);
    mc_buf_append(&s->key, row->id, row->id_len);
    if (s->key.oom) goto nomem;
    uint64_t rkey = XXH64(s->key.data, s->key.len, s->o->seed);
    size_t cap = (size_t)s->o->per_code;
    if (c->n == cap && cmp_rec(rkey, row->id, c->c[c->worst].rkey, c->c[c->worst].id) > 0) return MC_OK;
    unsigned char se[16];
    put_le64(se, row->start);
    put_le64(se + 8, row->end);
    uint64_t mkey = XXH64(se, sizeof se, rkey);
    for (size_t i = 0; i < c->n; i++)
        if (c->c[i].rkey == rkey && !strcmp(c->c[i].id, row->id)) { /* the record is kept: its best mention */
            if (cmp_mention(&c->c[i], mkey, row->start, row->end) < 0) {
                c->c[i].mkey = mkey;
                c->c[i].start = row->start;
                c->c[i].end = row->end;
                c->c[i].number = row->number;
            }
            return MC_OK;
        }
    if (!c->c && !(c->c = calloc(cap, sizeof *c->c))) goto nomem;
    char *id = malloc(row->id_len + 1);
    if (!id) goto nomem;
    memcpy(id, row->id, row->id_len + 1);
    cand nc = {rkey, mkey, id, row->start, row->end, row->number, 0};
    if (c->n < cap) c->c[c->n++] = nc;
    else {
        free(c->c[c->worst].id);
        c->c[c->worst] = nc;
    }
    c->worst = 0;
    for (size_t i = 1; i < c->n; i++)
        if (cmp_rec(c->c[i].rkey, c->c[i].id, c->c[c->worst].rkey, c->c[c->worst].id) > 0) c->worst = i;
    return MC_OK;
nomem:
    return mc_error_set(err, MC_E_NOMEM, s->o->per_record, row->number, 1, row->pos, "out of memory");
}

/* --codes FILE: one code a line, '#' comments; each must be in the dictionary (its dotted
 * form is what the per-record file holds). Duplicates are dropped. */
static mc_status read_code_list(sample_t *s, const mc_dict *d, const char *path, mc_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return mc_error_set(err, errno == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0, "cannot open the code list: %s", strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    unsigned long ln = 0;
    mc_status st = MC_OK;
    while (getline(&line, &lcap, f) >= 0) {
        ln++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char *a = line, *b = line + strlen(line);
        while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n') a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n')) *--b = 0;
        if (!*a) continue;
        int64_t ix = d ? mc_dict_find_code(d, a) : -1;
        if (ix < 0) { st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "line %lu: code not in the dictionary", ln); break; }
        mc_code_info ci;
        mc_dict_code(d, (uint32_t)ix, &ci);
        uint32_t dummy;
        if (add_code(s, ci.code, strlen(ci.code), &dummy) < 0) { st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); break; }
    }
    if (!st && ferror(f)) st = mc_error_set(err, MC_E_IO, path, 0, 0, 0, "read failed");
    free(line);
    fclose(f);
    if (!st && !s->codes.n) st = mc_error_set(err, MC_E_USAGE, path, 0, 0, 0, "the code list names no code");
    return st;
}

/* Inputs as `medcode run` takes them: files, "-", directories (their .csv and .csv.zst
 * files, sorted by name, not recursive). */
static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

static int cmp_strp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef MC_VEC(char *) strvec;

static void strvec_free(strvec *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->items[i]);
    mc_vec_free(v);
}

static mc_status expand_inputs(const char *const *in, size_t n, strvec *out, mc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        size_t first = out->n;
        if (strcmp(in[i], "-") && stat(in[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            DIR *dir = opendir(in[i]);
            if (!dir) return mc_error_set(err, MC_E_IO, in[i], 0, 0, 0, "cannot read directory: %s", strerror(errno));
            struct dirent *de;
            while ((de = readdir(dir)))
                if (de->d_name[0] != '.' && (has_suffix(de->d_name, ".csv") || has_suffix(de->d_name, ".csv.zst"))) {
                    size_t len = strlen(in[i]) + strlen(de->d_name) + 2;
                    char *full = malloc(len);
                    if (!full || mc_vec_push(out, full)) { free(full); closedir(dir); return mc_error_set(err, MC_E_NOMEM, in[i], 0, 0, 0, "out of memory"); }
                    snprintf(full, len, "%s%s%s", in[i], has_suffix(in[i], "/") ? "" : "/", de->d_name);
                }
            closedir(dir);
            qsort(out->items + first, out->n - first, sizeof(char *), cmp_strp);
        } else {
            char *p = mc_strdup(in[i]);
            if (!p || mc_vec_push(out, p)) { free(p); return mc_error_set(err, MC_E_NOMEM, in[i], 0, 0, 0, "out of memory"); }
        }
    }
    if (!out->n) return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "no notes inputs (directories hold no .csv or .csv.zst)");
    return MC_OK;
}

/* Read every note; keep the texts of the chosen ids (each must occur once). */
static mc_status read_notes(const mc_audit_sample_opts *o, const mc_strmap *chosen, note_t *notes, const strvec *inputs,
                            mc_error *err)
{
    const char *names[2] = {o->text_col, o->id_col};
    char why[96];
    for (size_t i = 0; i < inputs->n; i++) {
        const char *path = inputs->items[i];
        rows_t r;
        int col[2];
        mc_status st = rows_open(&r, path, o->max_record, names, col, 2, err);
        if (st) return st;
        if (col[0] < 0 || col[1] < 0) {
            rows_close(&r);
            return mc_error_set(err, MC_E_COLUMN, path, 0, 1, 0, "%s column '%s' not found in the header", col[0] < 0 ? "text" : "id",
                                col[0] < 0 ? o->text_col : o->id_col);
        }
        for (;;) {
            const mc_rec *rec;
            const char *bad;
            if ((st = rows_next(&r, &rec, &bad, why, sizeof why, err)) || !rec) break;
            if (bad) continue; /* rejected by `run` too: it has no per-record rows */
            size_t il, tl;
            const char *id = mc_csvrec_field(r.p, (size_t)col[1], &il);
            uint32_t *v = mc_strmap_get(chosen, id, il);
            if (!v) continue;
            note_t *nt = &notes[*v];
            if (nt->found) {
                st = mc_error_set(err, MC_E_CSV, path, rec->number, 1, rec->pos,
                                  "the id of a sampled record occurs again (first in %s, record %llu); ids must be unique", nt->input,
                                  (unsigned long long)nt->number);
                break;
            }
            const char *text = mc_csvrec_field(r.p, (size_t)col[0], &tl);
            if (!(nt->text = malloc(tl + 1))) { st = mc_error_set(err, MC_E_NOMEM, path, rec->number, 1, rec->pos, "out of memory"); break; }
            memcpy(nt->text, text, tl + 1);
            nt->len = tl;
            nt->found = 1;
            nt->input = path;
            nt->number = rec->number;
        }
        rows_close(&r);
        if (st) return st;
    }
    return MC_OK;
}

/* Append bytes with tab, CR and LF as spaces. */
static void put_clean(mc_buf *b, const char *s, size_t n)
{
    if (mc_buf_reserve(b, n)) return;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        b->data[b->len++] = (ch == '\t' || ch == '\n' || ch == '\r') ? ' ' : ch;
    }
    b->data[b->len] = 0;
}

static int cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static int cmp_cand_id(const void *a, const void *b) { return strcmp(((const cand *)a)->id, ((const cand *)b)->id); }

typedef struct { uint64_t records; const char *code; uint32_t ix; } rank_t;

static int cmp_rank(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    if (x->records != y->records) return x->records > y->records ? -1 : 1;
    return strcmp(x->code, y->code);
}

mc_status mc_audit_sample(const mc_dict *d, const mc_audit_sample_opts *o, mc_audit_sample_result *res, mc_error *err)
{
    if (res) memset(res, 0, sizeof *res);
    if (!o->per_record || !o->n_inputs || !o->text_col || !o->id_col || !o->out || o->per_code < 1 || o->window < 0 ||
        (!o->codes_path && o->top < 1))
        return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "audit sample needs --per-record, --notes, --text-col, --id-col and -o");
    if (!strcmp(o->per_record, "-"))
        for (size_t i = 0; i < o->n_inputs; i++)
            if (!strcmp(o->inputs[i], "-")) return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "standard input cannot be both the per-record file and the notes");
    sample_t s;
    memset(&s, 0, sizeof s);
    s.o = o;
    strvec inputs = {0};
    mc_strmap chosen = {0};
    note_t *notes = NULL;
    uint32_t *sel = NULL;
    size_t n_sel = 0, n_notes = 0;
    mc_buf out = {0};
    mc_status st = MC_OK;
    if (o->codes_path) {
        s.fixed = 1;
        st = read_code_list(&s, d, o->codes_path, err);
    }
    if (!st) st = expand_inputs(o->inputs, o->n_inputs, &inputs, err); /* before the long pass: usage errors first */
    if (!st) st = per_record_scan(o->per_record, sample_row, &s, err);
    if (st) goto done;
    pairset_free(&s.pairs);

    /* the selection */
    if (!(sel = calloc(s.codes.n + 1, sizeof *sel))) { st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory"); goto done; }
    if (s.fixed) {
        for (size_t i = 0; i < s.codes.n; i++) sel[n_sel++] = (uint32_t)i;
    } else {
        rank_t *rk = calloc(s.codes.n + 1, sizeof *rk);
        if (!rk) { st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory"); goto done; }
        for (size_t i = 0; i < s.codes.n; i++) rk[i] = (rank_t){s.codes.items[i].records, s.codes.items[i].code, (uint32_t)i};
        qsort(rk, s.codes.n, sizeof *rk, cmp_rank);
        for (size_t i = 0; i < s.codes.n && n_sel < (size_t)o->top; i++) sel[n_sel++] = rk[i].ix;
        free(rk);
    }

    /* the chosen records */
    for (size_t k = 0; k < n_sel; k++) {
        code_t *c = &s.codes.items[sel[k]];
        for (size_t i = 0; i < c->n; i++) {
            int ins;
            uint32_t *v = mc_strmap_put(&chosen, c->c[i].id, strlen(c->c[i].id), &ins);
            if (!v) { st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory"); goto done; }
            if (ins) *v = (uint32_t)n_notes++;
            c->c[i].note = *v;
        }
    }
    if (!(notes = calloc(n_notes + 1, sizeof *notes))) { st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory"); goto done; }
    if (n_notes && (st = read_notes(o, &chosen, notes, &inputs, err))) goto done;

    /* the sample file */
    mc_buf_puts(&out, "record_id\tcode\ttitle\tstart\tend\tmention\tcontext\tlabel\treason\n");
    size_t w = (size_t)o->window;
    for (size_t k = 0; k < n_sel; k++) {
        code_t *c = &s.codes.items[sel[k]];
        const char *title = "";
        int64_t ix = d ? mc_dict_find_code(d, c->code) : -1;
        mc_code_info ci;
        if (ix >= 0) {
            mc_dict_code(d, (uint32_t)ix, &ci);
            if (ci.title) title = ci.title;
        }
        if (c->n) qsort(c->c, c->n, sizeof *c->c, cmp_cand_id);
        if (res && c->n < (size_t)o->per_code) res->codes_short++;
        for (size_t i = 0; i < c->n; i++) {
            const cand *m = &c->c[i];
            const note_t *nt = &notes[m->note];
            if (!nt->found) {
                st = mc_error_set(err, MC_E_NOTFOUND, o->per_record, m->number, 0, 0,
                                  "the notes hold no readable record with this row's id (were they the run's inputs?)");
                goto done;
            }
            if (m->end > nt->len) {
                st = mc_error_set(err, MC_E_CSV, o->per_record, m->number, 0, 0,
                                  "span %u-%u lies outside its note (%zu bytes in %s, record %llu): were the notes the run's inputs?",
                                  m->start, m->end, nt->len, nt->input, (unsigned long long)nt->number);
                goto done;
            }
            size_t a = m->start > w ? m->start - w : 0, b = m->end + w < nt->len ? m->end + w : nt->len;
            while (a < m->start && cont((unsigned char)nt->text[a])) a++;
            while (b > m->end && b < nt->len && cont((unsigned char)nt->text[b])) b--;
            put_clean(&out, m->id, strlen(m->id));
            mc_buf_putc(&out, '\t');
            put_clean(&out, c->code, strlen(c->code));
            mc_buf_putc(&out, '\t');
            put_clean(&out, title, strlen(title));
            mc_buf_printf(&out, "\t%u\t%u\t", m->start, m->end);
            put_clean(&out, nt->text + m->start, m->end - m->start);
            mc_buf_putc(&out, '\t');
            put_clean(&out, nt->text + a, m->start - a);
            mc_buf_puts(&out, "[[");
            put_clean(&out, nt->text + m->start, m->end - m->start);
            mc_buf_puts(&out, "]]");
            put_clean(&out, nt->text + m->end, b - m->end);
            mc_buf_puts(&out, "\t\t\n");
            if (res) res->rows++;
        }
    }
    if (out.oom) { st = mc_error_set(err, MC_E_NOMEM, o->out, 0, 0, 0, "out of memory"); goto done; }
    mc_afile af;
    if ((st = mc_afile_open(&af, o->out, err))) goto done;
    if (fchmod(fileno(af.f), 0600)) { /* patient text: owner only (best effort on odd file systems) */ }
    mc_afile_write(&af, out.data, out.len);
    st = mc_afile_commit(&af, err);
    if (res && !st) res->codes = n_sel;
done:
    for (size_t i = 0; i < s.codes.n; i++) {
        for (size_t k = 0; k < s.codes.items[i].n; k++) free(s.codes.items[i].c[k].id);
        free(s.codes.items[i].c);
        free(s.codes.items[i].code);
    }
    mc_vec_free(&s.codes);
    mc_strmap_free(&s.codes_ix);
    pairset_free(&s.pairs);
    mc_buf_free(&s.key);
    for (size_t i = 0; notes && i < n_notes; i++) free(notes[i].text);
    free(notes);
    free(sel);
    mc_strmap_free(&chosen);
    strvec_free(&inputs);
    mc_buf_free(&out);
    return st;
}

/* ---- score ------------------------------------------------------------------------- */

typedef struct {
    char *code;
    uint64_t reviewed, correct, records;
} score_t;

typedef struct {
    mc_strmap ix;
    MC_VEC(score_t) codes;
    pairset pairs;
    const char *per_record;
} scorer;

static mc_status score_row(void *ud, const pr_row *row, mc_error *err)
{
    scorer *s = ud;
    uint32_t *v = mc_strmap_get(&s->ix, row->code, row->code_len);
    if (!v) return MC_OK;
    int k = pairset_add(&s->pairs, *v, row->id, row->id_len);
    if (k < 0) return mc_error_set(err, MC_E_NOMEM, s->per_record, row->number, 1, row->pos, "out of memory");
    s->codes.items[*v].records += (uint64_t)k;
    return MC_OK;
}

static int header_col(char **f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i], name)) return (int)i;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(f[i], name)) return (int)i;
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    return s;
}

/* Read the labelled TSV into s (one entry per code, with its counts). */
static mc_status read_labels(const char *path, scorer *s, mc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return mc_error_set(err, errno == ENOENT ? MC_E_NOTFOUND : MC_E_IO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
    char *line = NULL, **fld = NULL;
    size_t lcap = 0, fcap = 0;
    ssize_t len;
    unsigned long ln = 0;
    int c_code = -1, c_label = -1, have_header = 0;
    mc_status st = MC_OK;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        ln++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *p = line;
        if (ln == 1 && len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* BOM from a spreadsheet */
        if (!*p) continue;
        size_t nf = 0;
        for (char *q = p;; nf++) {
            if (mc_grow((void **)&fld, &fcap, nf + 1, sizeof *fld)) { st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); goto out; }
            fld[nf] = q;
            char *t = strchr(q, '\t');
            if (!t) { nf++; break; }
            *t = 0;
            q = t + 1;
        }
        if (!have_header) {
            have_header = 1;
            for (size_t i = 0; i < nf; i++) fld[i] = trim(fld[i]);
            c_code = header_col(fld, nf, "code");
            c_label = header_col(fld, nf, "label");
            if (c_code < 0 || c_label < 0) {
                st = mc_error_set(err, MC_E_COLUMN, path, 0, 0, 0, "column '%s' not found in the header line", c_code < 0 ? "code" : "label");
                goto out;
            }
            continue;
        }
        /* a spreadsheet may drop empty trailing fields: a missing label is an empty one */
        char *code = (size_t)c_code < nf ? trim(fld[c_code]) : (char *)"";
        char *label = (size_t)c_label < nf ? trim(fld[c_label]) : (char *)"";
        if (!*code) { st = mc_error_set(err, MC_E_CSV, path, 0, 0, 0, "line %lu: empty code", ln); goto out; }
        int yes = !strcmp(label, "Y") || !strcmp(label, "y"), no = !strcmp(label, "N") || !strcmp(label, "n");
        if (!yes && !no && *label && strcmp(label, "?")) {
            st = mc_error_set(err, MC_E_CSV, path, 0, 0, 0, "line %lu: label is not Y, N, ? or empty", ln);
            goto out;
        }
        int ins;
        uint32_t *v = mc_strmap_put(&s->ix, code, strlen(code), &ins);
        if (!v) { st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); goto out; }
        if (ins) {
            score_t sc = {mc_strdup(code), 0, 0, 0};
            *v = (uint32_t)s->codes.n;
            if (!sc.code || mc_vec_push(&s->codes, sc)) { free(sc.code); st = mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); goto out; }
        }
        score_t *sc = &s->codes.items[*v];
        sc->reviewed += (uint64_t)(yes || no);
        sc->correct += (uint64_t)yes;
    }
    if (ferror(f)) st = mc_error_set(err, MC_E_IO, path, 0, 0, 0, "read failed");
    else if (!have_header) st = mc_error_set(err, MC_E_COLUMN, path, 0, 0, 0, "empty file: no header line");
out:
    free(line);
    free(fld);
    fclose(f);
    return st;
}

static int cmp_score(const void *a, const void *b) { return strcmp(((const score_t *)a)->code, ((const score_t *)b)->code); }

mc_status mc_audit_score(const char *audit, const char *per_record, const char *out_path, FILE *out, mc_error *err)
{
    scorer s;
    memset(&s, 0, sizeof s);
    s.per_record = per_record;
    mc_buf b = {0};
    mc_status st = read_labels(audit, &s, err);
    if (!st && per_record) st = per_record_scan(per_record, score_row, &s, err);
    if (st) goto done;
    qsort(s.codes.items, s.codes.n, sizeof *s.codes.items, cmp_score);
    mc_buf_puts(&b, per_record ? "code,reviewed,correct,precision,ci_low,ci_high,records,ppv_records,ppv_low,ppv_high\n"
                               : "code,reviewed,correct,precision,ci_low,ci_high\n");
    uint64_t sum_n = 0, sum_x = 0, sum_rec = 0;
    double sum_w = 0, sum_wp = 0;
    for (size_t i = 0; i < s.codes.n; i++) {
        const score_t *c = &s.codes.items[i];
        mc_csv_str(&b, c->code);
        mc_buf_printf(&b, ",%llu,%llu,", (unsigned long long)c->reviewed, (unsigned long long)c->correct);
        double p = 0, lo = 0, hi = 0;
        if (c->reviewed) {
            p = (double)c->correct / (double)c->reviewed;
            mc_wilson(c->correct, c->reviewed, &lo, &hi);
            mc_buf_printf(&b, "%.3f,%.3f,%.3f", p, lo, hi);
            double w = per_record ? (double)c->records : (double)c->reviewed;
            sum_n += c->reviewed;
            sum_x += c->correct;
            sum_rec += c->records;
            sum_w += w;
            sum_wp += w * p;
        } else mc_buf_puts(&b, ",,");
        if (per_record) {
            mc_buf_printf(&b, ",%llu,", (unsigned long long)c->records);
            double r = (double)c->records;
            if (c->reviewed) mc_buf_printf(&b, "%.3f,%.3f,%.3f", r * p, r * lo, r * hi);
            else mc_buf_puts(&b, ",,");
        }
        mc_buf_putc(&b, '\n');
    }
    /* all: the weighted precision, Wilson at the effective sample size (mc_audit.h) */
    mc_buf_printf(&b, "all,%llu,%llu,", (unsigned long long)sum_n, (unsigned long long)sum_x);
    double P = 0, lo = 0, hi = 0;
    int have = sum_n > 0 && sum_w > 0;
    if (have) {
        P = sum_wp / sum_w;
        if (!per_record) mc_wilson(sum_x, sum_n, &lo, &hi);
        else {
            double v = 0;
            for (size_t i = 0; i < s.codes.n; i++) {
                const score_t *c = &s.codes.items[i];
                if (!c->reviewed) continue;
                double W = (double)c->records / sum_w, p = (double)c->correct / (double)c->reviewed;
                v += W * W * p * (1.0 - p) / (double)c->reviewed;
            }
            double ne = (double)sum_n;
            if (v > 0 && P * (1.0 - P) / v < ne) ne = P * (1.0 - P) / v;
            mc_wilson_n(P, ne, &lo, &hi);
        }
        mc_buf_printf(&b, "%.3f,%.3f,%.3f", P, lo, hi);
    } else mc_buf_puts(&b, ",,");
    if (per_record) {
        double r = (double)sum_rec;
        mc_buf_printf(&b, ",%llu,", (unsigned long long)sum_rec);
        if (have) mc_buf_printf(&b, "%.3f,%.3f,%.3f", r * P, r * lo, r * hi);
        else mc_buf_puts(&b, ",,");
    }
    mc_buf_putc(&b, '\n');
    if (out_path) st = mc_write_atomic(out_path, &b, err);
    else if (b.oom) st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory");
    else if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out))
        st = mc_error_set(err, MC_E_IO, "(standard output)", 0, 0, 0, "write failed: %s", strerror(errno));
done:
    for (size_t i = 0; i < s.codes.n; i++) free(s.codes.items[i].code);
    mc_vec_free(&s.codes);
    mc_strmap_free(&s.ix);
    pairset_free(&s.pairs);
    mc_buf_free(&b);
    return st;
}
