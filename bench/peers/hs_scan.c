/* hs_scan — Hyperscan peer for the medcode benchmark.
 * Compiles every term of a medcode term list (TSV term<TAB>code) as a caseless literal
 * and scans the note column of each record of the archive in block mode, one scratch per
 * OpenMP thread (reading: peer_io.h); prints match counts and throughput. Matches are raw
 * substring hits (no word boundaries, no context). */
#include "peer_io.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

static hs_database_t *compile_terms(const peer_terms *T)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    unsigned *flags = peer_xrealloc(NULL, T->n * sizeof *flags);
    unsigned *ids = peer_xrealloc(NULL, T->n * sizeof *ids);
    for (size_t i = 0; i < T->n; i++) {
        flags[i] = HS_FLAG_CASELESS;
        ids[i] = (unsigned)i;
    }
#if HS_MAJOR > 5 || (HS_MAJOR == 5 && HS_MINOR >= 2)
    size_t *lens = peer_xrealloc(NULL, T->n * sizeof *lens);
    for (size_t i = 0; i < T->n; i++)
        lens[i] = T->len[i];
    hs_error_t rc = hs_compile_lit_multi((const char *const *)T->term, flags, ids, lens,
                                         (unsigned)T->n, HS_MODE_BLOCK, NULL, &db, &err);
    free(lens);
#else
    /* no literal API: escape every byte that is not alphanumeric as \xHH */
    char **rx = peer_xrealloc(NULL, T->n * sizeof *rx);
    for (size_t i = 0; i < T->n; i++) {
        char *p = rx[i] = peer_xrealloc(NULL, 4 * (size_t)T->len[i] + 1);
        for (unsigned k = 0; k < T->len[i]; k++) {
            unsigned char c = (unsigned char)T->term[i][k];
            if ((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'))
                *p++ = (char)c;
            else
                p += sprintf(p, "\\x%02x", c);
        }
        *p = '\0';
    }
    hs_error_t rc = hs_compile_multi((const char *const *)rx, flags, ids, (unsigned)T->n,
                                     HS_MODE_BLOCK, NULL, &db, &err);
    for (size_t i = 0; i < T->n; i++)
        free(rx[i]);
    free(rx);
#endif
    free(flags);
    free(ids);
    if (rc != HS_SUCCESS) {
        if (err && err->expression >= 0)
            peer_die(PEER_EXIT_USAGE, "cannot compile term %d ('%s'): %s", err->expression,
                T->term[err->expression], err->message);
        peer_die(PEER_EXIT_IO, "cannot compile the term database: %s", err ? err->message : "unknown error");
    }
    return db;
}

/* ---------------------------------------------------------------- scanning */

typedef struct {
    uint64_t *counts;
    uint64_t matches;
    char pad[64];
} shard_t;

typedef struct {
    hs_database_t *db;
    hs_scratch_t **scratch;
    shard_t *shard;
} scan_ctx;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    shard_t *s = ctx;
    s->counts[id]++;
    s->matches++;
    return 0;
}

static void scan_text(int tid, char *text, size_t n, void *ctx)
{
    scan_ctx *c = ctx;
    hs_scan(c->db, text, (unsigned)n, 0, c->scratch[tid], on_match, &c->shard[tid]);
}

int main(int argc, char **argv)
{
    peer_args a;
    int nt = peer_parse_args(&a, argc, argv, "hs_scan",
                             "as caseless\nliterals with Hyperscan (block mode): substrings, not "
                             "tokens; every match counts.\n");
    if (hs_valid_platform() != HS_SUCCESS)
        peer_die(PEER_EXIT_IO, "this CPU lacks the instructions Hyperscan needs (SSSE3)");

    peer_terms T = {0};
    peer_load_terms(&T, a.terms);
    double t0 = peer_now();
    hs_database_t *db = compile_terms(&T);
    double compile_s = peer_now() - t0;
    size_t db_size = 0;
    hs_database_size(db, &db_size);

    hs_scratch_t *proto = NULL;
    if (hs_alloc_scratch(db, &proto) != HS_SUCCESS)
        peer_die(PEER_EXIT_IO, "cannot allocate Hyperscan scratch");
    hs_scratch_t **scratch = peer_xrealloc(NULL, nt * sizeof *scratch);
    shard_t *shard = peer_xrealloc(NULL, nt * sizeof *shard);
    for (int i = 0; i < nt; i++) {
        if (hs_clone_scratch(proto, &scratch[i]) != HS_SUCCESS)
            peer_die(PEER_EXIT_IO, "cannot allocate Hyperscan scratch");
        memset(&shard[i], 0, sizeof shard[i]);
        shard[i].counts = calloc(T.n, sizeof(uint64_t));
        if (!shard[i].counts)
            peer_die(PEER_EXIT_IO, "out of memory");
    }

    scan_ctx ctx = {db, scratch, shard};
    peer_totals tot;
    peer_scan_archive(a.archive, a.text_col, nt, scan_text, &ctx, &tot);

    uint64_t matches = 0;
    uint64_t **counts = peer_xrealloc(NULL, (size_t)nt * sizeof *counts);
    for (int i = 0; i < nt; i++) {
        matches += shard[i].matches;
        counts[i] = shard[i].counts;
    }
    printf("tool: hs_scan (Hyperscan %s)\n", hs_version());
    printf("patterns: %zu\n", T.n);
    printf("term_lines: %zu\n", T.lines);
    printf("compile_s: %.3f\n", compile_s);
    printf("database_mb: %.1f\n", db_size / 1e6);
    printf("threads: %d\n", nt);
    peer_report(&a, &T, counts, nt, matches, &tot);
    free(counts);

    for (int i = 0; i < nt; i++) {
        hs_free_scratch(scratch[i]);
        free(shard[i].counts);
    }
    hs_free_scratch(proto);
    hs_free_database(db);
    free(scratch);
    free(shard);
    peer_terms_free(&T);
    return 0;
}
