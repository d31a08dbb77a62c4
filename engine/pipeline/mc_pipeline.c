/* mc_pipeline.c — the parallel batch job (include/mc_run.h).
 *
 * OpenMP team of threads+1: thread 0 reads (decompress + chunk) into a ring of batch
 * slots; threads 1..N take slots in sequence order, parse, scan and aggregate into
 * their own stats shard, and render per-record and reject lines into the slot. Slots
 * are drained (written) strictly in sequence order under a lock, so outputs do not
 * depend on scheduling. Memory: ring size x batch size.
 *
 * Decompression is not tied to thread 0: the run owns a pool of zstd frame tasks
 * (mc_zpool, engine/archive/mc_reader.c) with threads+2 tasks in flight; a .csv.zst file
 * is decompressed frame-parallel (stdin and single huge frames stream). Thread 0 posts
 * the tasks and consumes their output in order (running the task it needs when nobody
 * has claimed it); a thread that would otherwise sleep — a worker whose slot is not
 * filled yet, thread 0 waiting for a free slot — runs a pending task first. So no thread
 * is added (two cores stay two busy threads), and decompression spreads over the team
 * exactly when the ring runs dry. Once an input's last frame is posted, the next input
 * file is opened and its first frames posted too (decompressed ahead). The chunker stays
 * sequential on thread 0; the bytes it sees, and so every output, are those of the
 * streaming decoder. With --stats-timing, "decompress" sums the CPU seconds of
 * decompression over all threads. */
#include "mc_run.h"
#include "archive/mc_archive.h"
#include "common/mc_util.h"
#include "context/mc_context.h"
#include "output/mc_output.h"
#include "output/mc_tables.h"
#include "record/mc_record.h"
#include "stats/mc_stats.h"
#include "trie/mc_trie.h"
#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { SLOT_EMPTY = 0, SLOT_FILLED = 1, SLOT_DONE = 2 };

typedef struct {
    char *path;
    int text_ix, id_ix;
    int strata_ix[MC_MAX_VARS];  /* columns of the statistics plan (stratum variables) */
    size_t n_fields;
    int zstd, complete, opened;
    uint64_t bytes_in, bytes_out, records, rejected, frames, digest, file_size;
    mc_error err;
} input_t;

typedef struct {
    mc_batch batch;
    _Atomic int state;
    uint64_t seq;
    int input;
    mc_buf out_rec, out_rej;
    uint64_t n_coded, n_rej;
} slot_t;

typedef struct {
    double parse, aggregate, tokenize, match, context; /* CPU seconds (see process) */
} tstage;

typedef struct {
    const mc_dict *d;
    const mc_run_opts *o;
    input_t *in;
    size_t n_in;
    slot_t *slots;
    size_t n_slots;
    _Atomic uint64_t next_take;
    _Atomic uint64_t total_seq;  /* valid once producer_done */
    _Atomic int producer_done;
    _Atomic int fatal;           /* a worker hit an unrecoverable error */
    int solo;                    /* the OpenMP team has one thread: the producer processes too */
    uint64_t next_write;
    omp_lock_t drain_lock;
    pthread_mutex_t wait_mu;     /* a thread with nothing to do sleeps on wait_cv ... */
    pthread_cond_t wait_cv;
    _Atomic uint64_t epoch;      /* ... until a slot changes state (notify bumps this) */
    mc_afile rec_file, rej_file;
    int per_record;
    mc_zpool *zpool;             /* zstd frame tasks (any thread may run one) */
    mc_stats **shards;
    mc_stats_plan *plan;
    mc_scratch **scratch;
    mc_csvrec **parsers;
    tstage *stage;
    double t_read, t_chunk;
    mc_status fatal_status;
    mc_error fatal_err;
    uint64_t records_read, rejected, coded;
} run_t;

void mc_run_opts_default(mc_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->batch_bytes = 1u << 20;
    o->max_record = 16u << 20;
    mc_scan_opts_default(&o->scan);
    mc_stats_opts_default(&o->stats);
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Stage timing: records are timed on the monotonic clock (a vDSO read; the thread CPU
 * clock is a system call, which costed ~14 % at seven reads a record), batches on the
 * thread CPU clock; a batch's stage times are scaled by its CPU / wall ratio, so the
 * manifest still reports CPU seconds. */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waiting without spinning (two cores run a reader and two workers): read seen =
 * r->epoch, test the condition, then wait_change(r, seen) sleeps until a notify()
 * after that read (no lost wake-up: both sides hold wait_mu) or 2 ms have passed (the
 * safety net for a fatal error or an interrupt, which do not notify). */
static void wait_change(run_t *r, uint64_t seen)
{
    pthread_mutex_lock(&r->wait_mu);
    if (atomic_load(&r->epoch) == seen) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 2000000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        pthread_cond_timedwait(&r->wait_cv, &r->wait_mu, &ts);
    }
    pthread_mutex_unlock(&r->wait_mu);
}

/* A slot was filled, finished or drained, or the producer is done. */
static void notify(run_t *r)
{
    pthread_mutex_lock(&r->wait_mu);
    atomic_fetch_add(&r->epoch, 1);
    pthread_cond_broadcast(&r->wait_cv);
    pthread_mutex_unlock(&r->wait_mu);
}

/* ---- inputs ------------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

static int cmp_strp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static mc_status add_input(run_t *r, const char *path)
{
    input_t *p = realloc(r->in, (r->n_in + 1) * sizeof *p);
    if (!p) return MC_E_NOMEM;
    r->in = p;
    memset(&p[r->n_in], 0, sizeof *p);
    p[r->n_in].path = mc_strdup(path);
    if (!p[r->n_in].path) return MC_E_NOMEM;
    r->n_in++;
    return MC_OK;
}

static mc_status expand_inputs(run_t *r, mc_error *err)
{
    for (size_t i = 0; i < r->o->n_inputs; i++) {
        const char *p = r->o->inputs[i];
        struct stat st;
        if (strcmp(p, "-") != 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(p);
            if (!dir) return mc_error_set(err, MC_E_IO, p, 0, 0, 0, "cannot read directory: %s", strerror(errno));
            MC_VEC(char *) names = {0};
            struct dirent *de;
            while ((de = readdir(dir)))
                if (de->d_name[0] != '.' && (has_suffix(de->d_name, ".csv") || has_suffix(de->d_name, ".csv.zst"))) {
                    size_t n = strlen(p) + strlen(de->d_name) + 2;
                    char *full = malloc(n);
                    if (!full) { closedir(dir); return MC_E_NOMEM; }
                    snprintf(full, n, "%s%s%s", p, has_suffix(p, "/") ? "" : "/", de->d_name);
                    mc_vec_push(&names, full);
                }
            closedir(dir);
            qsort(names.items, names.n, sizeof(char *), cmp_strp);
            for (size_t k = 0; k < names.n; k++) {
                add_input(r, names.items[k]);
                free(names.items[k]);
            }
            mc_vec_free(&names);
        } else if (add_input(r, p)) return MC_E_NOMEM;
    }
    if (r->n_in == 0) return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "no input files (directories hold no .csv or .csv.zst)");
    return MC_OK;
}

/* ---- worker ------------------------------------------------------------------- */

static void reject(slot_t *s, const input_t *in, const mc_rec *rec, const char *why)
{
    mc_csv_str(&s->out_rej, in->path);
    mc_buf_printf(&s->out_rej, ",%llu,%llu,", (unsigned long long)rec->number, (unsigned long long)rec->pos);
    mc_csv_str(&s->out_rej, why);
    mc_buf_putc(&s->out_rej, '\n');
    s->n_rej++;
}

static void process_batch(run_t *r, slot_t *s, int tid, tstage *tm)
{
    const mc_run_opts *o = r->o;
    const mc_dict *d = r->d;
    input_t *in = &r->in[s->input];
    mc_scratch *sc = r->scratch[tid];
    mc_csvrec *cp = r->parsers[tid];
    mc_stats *st = r->shards[tid];
    s->out_rec.len = s->out_rej.len = 0;
    s->n_coded = s->n_rej = 0;
    char why[96];
    for (size_t k = 0; k < s->batch.n_recs; k++) {
        const mc_rec *rec = &s->batch.recs[k];
        if (rec->oversized) {
            snprintf(why, sizeof why, "record exceeds the size limit (%zu bytes)", o->max_record);
            reject(s, in, rec, why);
            continue;
        }
        double t0 = o->stats_timing ? wall_now() : 0;
        size_t nf;
        const char *w;
        mc_status ps = mc_csvrec_parse(cp, s->batch.data + rec->off, rec->len, &nf, &w);
        if (ps == MC_E_NOMEM) { atomic_store(&r->fatal, 1); return; }
        if (ps) { reject(s, in, rec, w); continue; }
        if (nf != in->n_fields) {
            snprintf(why, sizeof why, "wrong number of fields: expected %zu, found %zu", in->n_fields, nf);
            reject(s, in, rec, why);
            continue;
        }
        size_t tl, il;
        const char *text = mc_csvrec_field(cp, (size_t)in->text_ix, &tl);
        const char *id = mc_csvrec_field(cp, (size_t)in->id_ix, &il);
        double t1 = o->stats_timing ? wall_now() : 0;
        const mc_mention *ms;
        size_t nm;
        mc_status ss = mc_scan(sc, text, tl, &o->scan, &ms, &nm);
        if (ss == MC_E_RECORD_TOO_BIG) { reject(s, in, rec, "text field too large"); continue; }
        if (ss) { atomic_store(&r->fatal, 1); return; }
        double t2 = o->stats_timing ? wall_now() : 0;
        mc_strval sv[MC_MAX_VARS];
        for (int c = 0; c < r->plan->n_cols; c++) sv[c].p = mc_csvrec_field(cp, (size_t)in->strata_ix[c], &sv[c].n);
        if (mc_stats_record(st, ms, nm, sv)) { atomic_store(&r->fatal, 1); return; }
        s->n_coded++;
        if (r->per_record)
            for (size_t i = 0; i < nm; i++) {
                const mc_mention *m = &ms[i];
                mc_code_info cc, mcc;
                mc_term_info ti;
                mc_dict_code(d, m->code, &cc);
                mc_dict_code(d, m->matched_code, &mcc);
                mc_dict_term(d, m->term, &ti);
                mc_buf *b = &s->out_rec;
                mc_csv_field(b, id, il);
                mc_buf_putc(b, ',');
                mc_buf_append(b, cc.code, strlen(cc.code));
                mc_buf_printf(b, ",%u,%u,", m->start, m->end);
                mc_csv_str(b, ti.text);
                mc_buf_printf(b, ",%s,%s,", mcc.code, mc_assertion_str(m->assertion));
                mc_csv_str(b, mc_trigger_text(d, m->trigger));
                mc_buf_printf(b, ",%s,%s,%u\n", mc_section_str(m->section), mc_rule_str(m->rule), m->counted);
            }
        if (o->stats_timing) {
            double t3 = wall_now();
            tm->parse += t1 - t0;
            tm->aggregate += t3 - t2;
        }
    }
}

/* Process a batch; with --stats-timing, add its stage times, scaled to CPU seconds. */
static void process(run_t *r, slot_t *s, int tid)
{
    if (!r->o->stats_timing) { process_batch(r, s, tid, NULL); return; }
    tstage w = {0}, *tm = &r->stage[tid];
    mc_scan_timing a, b;
    mc_scan_timing_get(r->scratch[tid], &a);
    double c0 = cpu_now(), w0 = wall_now();
    process_batch(r, s, tid, &w);
    double cpu = cpu_now() - c0, wall = wall_now() - w0;
    double f = wall > 0 && cpu < wall ? cpu / wall : 1.0;
    mc_scan_timing_get(r->scratch[tid], &b);
    tm->parse += f * w.parse;
    tm->aggregate += f * w.aggregate;
    tm->tokenize += f * (b.tokenize - a.tokenize);
    tm->match += f * (b.match - a.match);
    tm->context += f * (b.context - a.context);
}

/* Write every consecutive finished slot, in sequence order. Caller holds drain_lock. */
static void drain(run_t *r)
{
    for (;;) {
        slot_t *s = &r->slots[r->next_write % r->n_slots];
        if (atomic_load(&s->state) != SLOT_DONE || s->seq != r->next_write) return;
        if (r->per_record) mc_afile_write(&r->rec_file, s->out_rec.data, s->out_rec.len);
        mc_afile_write(&r->rej_file, s->out_rej.data, s->out_rej.len);
        input_t *in = &r->in[s->input];
        in->records += s->batch.n_recs;
        in->rejected += s->n_rej;
        r->records_read += s->batch.n_recs;
        r->rejected += s->n_rej;
        r->coded += s->n_coded;
        atomic_store(&s->state, SLOT_EMPTY);
        r->next_write++;
    }
}

static void worker(run_t *r, int tid)
{
    for (;;) {
        uint64_t my = atomic_fetch_add(&r->next_take, 1);
        slot_t *s = &r->slots[my % r->n_slots];
        for (;;) {
            uint64_t seen = atomic_load(&r->epoch);
            if (atomic_load(&s->state) == SLOT_FILLED && s->seq == my) break;
            if (atomic_load(&r->producer_done) && my >= atomic_load(&r->total_seq)) return;
            if (atomic_load(&r->fatal)) return;
            if (mc_zpool_help(r->zpool)) continue; /* decompress ahead rather than sleep */
            wait_change(r, seen);
        }
        process(r, s, tid);
        atomic_store(&s->state, SLOT_DONE);
        if (omp_test_lock(&r->drain_lock)) {
            drain(r);
            omp_unset_lock(&r->drain_lock);
        }
        notify(r);
    }
}

/* ---- producer ----------------------------------------------------------------- */

static mc_status open_columns(run_t *r, input_t *in, const char *hdr, size_t hl, mc_error *err)
{
    mc_csvrec *p = mc_csvrec_create();
    if (!p) return MC_E_NOMEM;
    size_t nf = 0;
    const char *why;
    mc_status st = hdr ? mc_csvrec_parse(p, hdr, hl, &nf, &why) : MC_E_CSV;
    if (st) {
        mc_csvrec_free(p);
        return mc_error_set(err, MC_E_COLUMN, in->path, 0, 1, 0, hdr ? "header line: %s" : "empty input: no header line%s",
                            hdr ? why : "");
    }
    in->n_fields = nf;
    in->text_ix = mc_csvrec_column(p, r->o->text_col);
    in->id_ix = mc_csvrec_column(p, r->o->id_col);
    int missing = -1;
    for (int c = 0; c < r->plan->n_cols; c++)
        if ((in->strata_ix[c] = mc_csvrec_column(p, r->plan->cols[c])) < 0 && missing < 0) missing = c;
    mc_csvrec_free(p);
    if (in->text_ix < 0) return mc_error_set(err, MC_E_COLUMN, in->path, 0, 1, 0, "text column '%s' not found in the header", r->o->text_col);
    if (in->id_ix < 0) return mc_error_set(err, MC_E_COLUMN, in->path, 0, 1, 0, "id column '%s' not found in the header", r->o->id_col);
    if (missing >= 0) return mc_error_set(err, MC_E_COLUMN, in->path, 0, 1, 0, "stratum column '%s' not found in the header", r->plan->cols[missing]);
    return MC_OK;
}

static void report(run_t *r, double t0, uint64_t bytes_in, uint64_t bytes_out, uint64_t total, int done)
{
    if (!r->o->progress) return;
    mc_progress p = {bytes_in, bytes_out, total, r->records_read, r->rejected, mc_now() - t0, done};
    r->o->progress(r->o->progress_ud, &p);
}

static void wake_workers(void *ud) { notify((run_t *)ud); }

/* Open input i ahead of its turn and post its first frame tasks, so that idle threads
 * decompress it while the previous input is chunked. Only files that open (an input that
 * fails is opened again in its turn, and reports then); never standard input. */
static mc_reader *open_ahead(run_t *r, size_t i)
{
    mc_reader *rd;
    mc_error e;
    if (i >= r->n_in || strcmp(r->in[i].path, "-") == 0 || mc_reader_open(r->in[i].path, &rd, &e)) return NULL;
    mc_reader_set_pool(rd, r->zpool);
    mc_reader_prefetch(rd);
    return rd;
}

static void producer(run_t *r, double t0)
{
    uint64_t seq = 0, base_in = 0, base_out = 0, total = 0;
    double last_report = 0;
    for (size_t i = 0; i < r->n_in; i++) total += r->in[i].file_size;
    mc_reader *ahead = NULL; /* input i + 1, opened ahead */
    for (size_t i = 0; i < r->n_in && !atomic_load(&r->fatal); i++) {
        input_t *in = &r->in[i];
        mc_reader *rd = ahead;
        mc_chunker *ch = NULL;
        int tried_ahead = 0;
        mc_status st = rd ? MC_OK : mc_reader_open(in->path, &rd, &in->err);
        ahead = NULL;
        if (!st) {
            in->opened = 1;
            in->zstd = mc_reader_is_zstd(rd);
            mc_reader_set_pool(rd, r->zpool);
            st = mc_chunker_create(rd, in->path, r->o->batch_bytes, r->o->max_record, &ch, &in->err);
        }
        if (!st) {
            const char *hdr;
            size_t hl;
            st = mc_chunker_header(ch, &hdr, &hl, &in->err);
            if (!st) st = open_columns(r, in, hdr, hl, &in->err);
            if (st == MC_E_COLUMN) { /* the run cannot give this input a meaning: stop */
                r->fatal_status = st;
                r->fatal_err = in->err;
                atomic_store(&r->fatal, 1);
            }
        }
        while (!st && !atomic_load(&r->fatal)) {
            if (r->o->stop && *r->o->stop) {
                r->fatal_status = mc_error_set(&r->fatal_err, MC_E_INTERRUPTED, NULL, 0, 0, 0, "interrupted");
                atomic_store(&r->fatal, 1);
                break;
            }
            slot_t *s = &r->slots[seq % r->n_slots];
            while (atomic_load(&s->state) != SLOT_EMPTY && !atomic_load(&r->fatal)) {
                uint64_t seen = atomic_load(&r->epoch);
                if (r->solo && atomic_load(&s->state) == SLOT_FILLED) {
                    process(r, s, 0);
                    atomic_store(&s->state, SLOT_DONE);
                }
                omp_set_lock(&r->drain_lock);
                drain(r);
                omp_unset_lock(&r->drain_lock);
                if (atomic_load(&s->state) != SLOT_EMPTY && !mc_zpool_help(r->zpool)) wait_change(r, seen);
            }
            if (atomic_load(&r->fatal)) break;
            st = mc_chunker_next(ch, &s->batch, &in->err);
            if (st || s->batch.n_recs == 0) {
                /* a read error after some records: the records read so far still count */
                if (st == MC_OK) break;
                if (s->batch.n_recs == 0) break;
            }
            s->seq = seq++;
            s->input = (int)i;
            atomic_store(&s->state, SLOT_FILLED);
            notify(r);
            if (st) break;
            if (!tried_ahead && mc_reader_scan_done(rd)) {
                tried_ahead = 1;
                ahead = open_ahead(r, i + 1);
            }
            double now = mc_now();
            if (now - last_report > 0.5) {
                last_report = now;
                report(r, t0, base_in + mc_reader_bytes_in(rd), base_out + mc_reader_bytes_out(rd), total, 0);
            }
        }
        in->complete = st == MC_OK && in->opened && !atomic_load(&r->fatal);
        if (rd) {
            in->bytes_in = mc_reader_bytes_in(rd);
            in->bytes_out = mc_reader_bytes_out(rd);
            in->frames = mc_reader_frames(rd);
            in->digest = mc_reader_digest(rd);
            base_in += in->bytes_in;
            base_out += in->bytes_out;
        }
        if (ch) {
            /* tasks this thread ran inside reads are counted once, in the pool's total */
            r->t_read += mc_chunker_read_seconds(ch) - mc_reader_task_seconds(rd);
            r->t_chunk += mc_chunker_scan_seconds(ch);
        }
        mc_chunker_free(ch);
        mc_reader_close(rd);
    }
    mc_reader_close(ahead); /* a fatal error stopped the run before its turn */
    atomic_store(&r->total_seq, seq);
    atomic_store(&r->producer_done, 1);
    notify(r);
    report(r, t0, base_in, base_out, total, 0);
}

/* ---- manifest ----------------------------------------------------------------- */

static void manifest(run_t *r, const mc_totals *tot, const char *outputs, double secs, mc_buf *b)
{
    const mc_run_opts *o = r->o;
    mc_dict_info di;
    mc_dict_get_info(r->d, &di);
    const char *rel = mc_dict_meta(r->d, "release");
    mc_buf_printf(b, "{\n  \"medcode_version\": \"%s\",\n  \"command\": ", MEDCODE_VERSION);
    mc_json_str(b, o->argv_line ? o->argv_line : "");
    mc_buf_printf(b, ",\n  \"dictionary\": {\"source\": ");
    mc_json_str(b, o->dict_label ? o->dict_label : "");
    mc_buf_printf(b, ", \"build_id\": \"%s\", \"format_version\": %u, \"release\": ", di.build_id, di.format_version);
    mc_json_str(b, rel ? rel : "");
    mc_buf_printf(b, ", \"codes\": %u, \"terms\": %u},\n", di.n_codes, di.n_terms);
    mc_buf_printf(b, "  \"options\": {\"threads\": %d, \"text_col\": ", o->threads);
    mc_json_str(b, o->text_col);
    mc_buf_printf(b, ", \"id_col\": ");
    mc_json_str(b, o->id_col);
    mc_buf_printf(b, ", \"context\": %s, \"setting\": \"%s\", \"resolve_specific\": %s, \"only_codes\": ",
                  o->scan.context ? "true" : "false", o->scan.setting == MC_SETTING_INPATIENT ? "inpatient" : "outpatient",
                  o->scan.resolve_specific ? "true" : "false");
    if (o->only_codes_path) mc_json_str(b, o->only_codes_path);
    else mc_buf_printf(b, "null");
    mc_buf_printf(b, ", \"batch_bytes\": %zu, \"max_record_bytes\": %zu, \"per_record\": %s, ", o->batch_bytes,
                  o->max_record, o->per_record ? "true" : "false");
    mc_stats_plan_json(r->plan, b);
    mc_buf_printf(b, ", \"state\": ");
    if (o->stats.state_out) mc_json_str(b, o->stats.state_out);
    else mc_buf_printf(b, "null");
    mc_buf_printf(b, "},\n");
    mc_buf_printf(b, "  \"inputs\": [");
    for (size_t i = 0; i < r->n_in; i++) {
        const input_t *in = &r->in[i];
        mc_buf_printf(b, "%s\n    {\"path\": ", i ? "," : "");
        mc_json_str(b, in->path);
        mc_buf_printf(b, ", \"zstd\": %s, \"bytes_compressed\": %llu, \"bytes_uncompressed\": %llu, \"zstd_frames\": %llu, "
                         "\"xxh64\": \"%016llx\", \"records\": %llu, \"rejected\": %llu, \"complete\": %s, \"error\": ",
                      in->zstd ? "true" : "false", (unsigned long long)in->bytes_in, (unsigned long long)in->bytes_out,
                      (unsigned long long)in->frames, (unsigned long long)in->digest, (unsigned long long)in->records,
                      (unsigned long long)in->rejected, in->complete ? "true" : "false");
        if (in->complete) mc_buf_printf(b, "null}");
        else {
            char msg[1024];
            mc_error_format(&in->err, msg, sizeof msg);
            mc_json_str(b, msg);
            mc_buf_putc(b, '}');
        }
    }
    uint64_t bin = 0, bout = 0;
    for (size_t i = 0; i < r->n_in; i++) { bin += r->in[i].bytes_in; bout += r->in[i].bytes_out; }
    mc_buf_printf(b, "\n  ],\n  \"records\": {\"read\": %llu, \"coded\": %llu, \"rejected\": %llu, \"with_codes\": %llu},\n",
                  (unsigned long long)r->records_read, (unsigned long long)r->coded, (unsigned long long)r->rejected,
                  (unsigned long long)tot->records_with_code);
    mc_buf_printf(b, "  \"mentions\": {\"total\": %llu, \"counted\": %llu, \"by_rule\": {", (unsigned long long)tot->mentions,
                  (unsigned long long)tot->counted);
    for (int i = 0; i < MC_RULE__COUNT; i++)
        mc_buf_printf(b, "%s\"%s\": %llu", i ? ", " : "", mc_rule_str((unsigned)i), (unsigned long long)tot->rules[i]);
    double mb = (double)bout / 1e6;
    mc_buf_printf(b, "}},\n  \"bytes_compressed\": %llu,\n  \"bytes_uncompressed\": %llu,\n", (unsigned long long)bin,
                  (unsigned long long)bout);
    mc_buf_printf(b, "  \"threads\": %d,\n  \"seconds\": %.3f,\n  \"mb_per_s\": %.1f,\n  \"records_per_s\": %.0f", o->threads,
                  secs, secs > 0 ? mb / secs : 0.0, secs > 0 ? (double)r->records_read / secs : 0.0);
    if (o->stats_timing) {
        mc_scan_timing sum = {0};
        double parse = 0, agg = 0;
        for (int t = 0; t <= o->threads; t++) {
            mc_scan_timing x;
            mc_scan_timing_get(r->scratch[t], &x);
            sum.tokenize += r->stage[t].tokenize;
            sum.match += r->stage[t].match;
            sum.context += r->stage[t].context;
            sum.tokens += x.tokens;
            parse += r->stage[t].parse;
            agg += r->stage[t].aggregate;
        }
        mc_buf_printf(b, ",\n  \"stages\": {\"decompress\": %.3f, \"chunk\": %.3f, \"parse\": %.3f, \"tokenize\": %.3f, "
                         "\"match\": %.3f, \"context\": %.3f, \"aggregate\": %.3f, \"tokens\": %llu}",
                      r->t_read, r->t_chunk, parse, sum.tokenize, sum.match, sum.context, agg, (unsigned long long)sum.tokens);
    }
    mc_buf_printf(b, ",\n  \"outputs\": [%s, \"rejects.csv\", \"manifest.json\"%s%s]\n}\n", outputs,
                  o->per_record ? ", \"per-record\"" : "", o->stats.state_out ? ", \"state\"" : "");
}

/* ---- run ---------------------------------------------------------------------- */

static void join(char *out, size_t cap, const char *dir, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

mc_status mc_run(const mc_dict *d, const mc_run_opts *o, mc_run_result *res, mc_error *err)
{
    memset(res, 0, sizeof *res);
    if (!o->text_col || !o->id_col || !o->out_dir || o->threads < 1)
        return mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "text column, id column, output directory and threads >= 1 are required");
    double t0 = mc_now();
    run_t r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.o = o;
    mc_status st = expand_inputs(&r, err);
    if (st) goto cleanup_inputs;
    for (size_t i = 0; i < r.n_in; i++) {
        struct stat sb;
        if (strcmp(r.in[i].path, "-") != 0 && stat(r.in[i].path, &sb) == 0) r.in[i].file_size = (uint64_t)sb.st_size;
    }
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        st = mc_error_set(err, MC_E_IO, o->out_dir, 0, 0, 0, "cannot create output directory: %s", strerror(errno));
        goto cleanup_inputs;
    }
    char path[4200];
    join(path, sizeof path, o->out_dir, "rejects.csv");
    if ((st = mc_afile_open(&r.rej_file, path, err))) goto cleanup_inputs;
    mc_afile_write(&r.rej_file, "input,record,byte_offset,reason\n", 32);
    r.per_record = o->per_record != NULL;
    if (r.per_record && (st = mc_afile_open(&r.rec_file, o->per_record, err))) { mc_afile_abort(&r.rej_file); goto cleanup_inputs; }
    if (r.per_record) {
        const char *h = "id,code,start,end,term,matched_code,assertion,trigger,section,rule,counted\n";
        mc_afile_write(&r.rec_file, h, strlen(h));
    }

    if ((st = mc_stats_plan_create(d, &o->stats, &o->scan, o->only_codes_path, &r.plan, err))) {
        mc_afile_abort(&r.rej_file);
        if (r.per_record) mc_afile_abort(&r.rec_file);
        goto cleanup_inputs;
    }
    int nthr = o->threads + 1;
    r.n_slots = (size_t)o->threads * 2 + 2;
    r.slots = calloc(r.n_slots, sizeof *r.slots);
    r.shards = calloc((size_t)nthr, sizeof *r.shards);
    r.scratch = calloc((size_t)nthr, sizeof *r.scratch);
    r.parsers = calloc((size_t)nthr, sizeof *r.parsers);
    r.stage = calloc((size_t)nthr, sizeof *r.stage);
    st = MC_OK;
    if (!r.slots || !r.shards || !r.scratch || !r.parsers || !r.stage) st = MC_E_NOMEM;
    for (int t = 0; t < nthr && !st; t++) {
        r.shards[t] = mc_stats_create(r.plan);
        r.scratch[t] = mc_scratch_create(d);
        r.parsers[t] = mc_csvrec_create();
        if (!r.shards[t] || !r.scratch[t] || !r.parsers[t]) st = MC_E_NOMEM;
        else mc_scan_set_timing(r.scratch[t], o->stats_timing);
    }
    if (st) { mc_error_set(err, st, NULL, 0, 0, 0, "out of memory"); goto cleanup; }
    r.zpool = mc_zpool_create(o->threads + 2, 0, wake_workers, &r);
    if (!r.zpool) { st = mc_error_set(err, MC_E_NOMEM, NULL, 0, 0, 0, "out of memory"); goto cleanup; }
    omp_init_lock(&r.drain_lock);
    pthread_mutex_init(&r.wait_mu, NULL);
    pthread_cond_init(&r.wait_cv, NULL);
    omp_set_dynamic(0);
#pragma omp parallel num_threads(nthr)
    {
        int tid = omp_get_thread_num();
        if (omp_get_num_threads() < 2) { /* no team: the producer processes in order */
            r.solo = 1;
            producer(&r, t0);
        } else if (tid == 0) producer(&r, t0);
        else worker(&r, tid);
    }
    /* a team of one leaves its last slots unprocessed: finish them in order */
    while (r.next_write < atomic_load(&r.total_seq) && !atomic_load(&r.fatal)) {
        slot_t *s = &r.slots[r.next_write % r.n_slots];
        if (atomic_load(&s->state) == SLOT_FILLED) { process(&r, s, 0); atomic_store(&s->state, SLOT_DONE); }
        drain(&r);
    }
    drain(&r);
    r.t_read += mc_zpool_seconds(r.zpool); /* decompression on every thread, CPU seconds */
    omp_destroy_lock(&r.drain_lock);
    omp_set_num_threads(nthr); /* the team of the end (disclosure control) is the run's size */
    pthread_cond_destroy(&r.wait_cv);
    pthread_mutex_destroy(&r.wait_mu);

    if (atomic_load(&r.fatal)) {
        st = r.fatal_status ? r.fatal_status : MC_E_NOMEM;
        if (err) *err = r.fatal_err;
        if (!r.fatal_status) mc_error_set(err, st, NULL, 0, 0, 0, "out of memory");
        mc_afile_abort(&r.rej_file);
        if (r.per_record) mc_afile_abort(&r.rec_file);
        goto cleanup;
    }
    mc_totals tot;
    memset(&tot, 0, sizeof tot);
    for (int t = 0; t < nthr; t++) {
        const mc_totals *x = mc_stats_totals(r.shards[t]);
        tot.records += x->records;
        tot.records_with_code += x->records_with_code;
        tot.mentions += x->mentions;
        tot.counted += x->counted;
        for (int k = 0; k < MC_RULE__COUNT; k++) tot.rules[k] += x->rules[k];
    }
    mc_agg *agg = NULL;
    if ((st = mc_agg_from_shards(r.plan, r.shards, (size_t)nthr, &agg, err))) {
        mc_afile_abort(&r.rej_file);
        if (r.per_record) mc_afile_abort(&r.rec_file);
        goto cleanup;
    }
    agg->records_read = r.records_read;
    agg->records_rejected = r.rejected;
    double secs = mc_now() - t0;
    report(&r, t0, 0, 0, 0, 1);
    if ((st = mc_afile_commit(&r.rej_file, err))) { if (r.per_record) mc_afile_abort(&r.rec_file); mc_agg_free(agg); goto cleanup; }
    if (r.per_record && (st = mc_afile_commit(&r.rec_file, err))) { mc_agg_free(agg); goto cleanup; }
    mc_buf names = {0};
    st = mc_tables_write(o->out_dir, d, r.plan, agg, &names, err);
    if (!st && o->stats.state_out) st = mc_state_write(o->stats.state_out, r.plan, agg, err);
    mc_agg_free(agg);
    if (st) { mc_buf_free(&names); goto cleanup; }
    mc_buf mb = {0};
    manifest(&r, &tot, names.data ? names.data : "", secs, &mb);
    mc_buf_free(&names);
    join(path, sizeof path, o->out_dir, "manifest.json");
    st = mc_write_atomic(path, &mb, err);
    mc_buf_free(&mb);

    res->records_read = r.records_read;
    res->records_coded = r.coded;
    res->records_rejected = r.rejected;
    res->mentions = tot.mentions;
    res->mentions_counted = tot.counted;
    res->seconds = secs;
    for (size_t i = 0; i < r.n_in; i++) {
        res->bytes_in += r.in[i].bytes_in;
        res->bytes_out += r.in[i].bytes_out;
        if (!r.in[i].complete) {
            if (!res->inputs_failed) res->first_input_error = r.in[i].err;
            res->inputs_failed++;
        }
    }
cleanup:
    for (size_t i = 0; r.slots && i < r.n_slots; i++) {
        mc_batch_free(&r.slots[i].batch);
        mc_buf_free(&r.slots[i].out_rec);
        mc_buf_free(&r.slots[i].out_rej);
    }
    for (int t = 0; t < nthr; t++) {
        if (r.shards) mc_stats_free(r.shards[t]);
        if (r.scratch) mc_scratch_free(r.scratch[t]);
        if (r.parsers) mc_csvrec_free(r.parsers[t]);
    }
    mc_zpool_free(r.zpool);
    free(r.slots); free(r.shards); free(r.scratch); free(r.parsers); free(r.stage);
    mc_stats_plan_free(r.plan);
cleanup_inputs:
    for (size_t i = 0; i < r.n_in; i++) free(r.in[i].path);
    free(r.in);
    return st;
}
