/* ab_variant.c — one side of bench/ab: compiled once per version (-DAB_SIDE=A or B) against
 * that version's include/, and linked with its runtime library whose symbols bench/ab has
 * renamed SIDE_name. Exposes SIDE_ab_open / SIDE_ab_pass (ab.h) to the neutral driver. */
#include "ab.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The version's API under its renamed symbols: the macros also rename the prototypes in
 * its headers, so the calls are checked against that version's own declarations. */
#define mc_dict_open AB_SYM(mc_dict_open)
#define mc_scratch_create AB_SYM(mc_scratch_create)
#define mc_scan_opts_default AB_SYM(mc_scan_opts_default)
#define mc_scan_set_timing AB_SYM(mc_scan_set_timing)
#define mc_scan_timing_get AB_SYM(mc_scan_timing_get)
#define mc_scan AB_SYM(mc_scan)
#include "mc_dict.h"
#include "mc_scan.h"

typedef struct {
    mc_dict *d;
    mc_scratch *s;
    mc_scan_opts o;
} side;

void *AB_SYM(ab_open)(const char *dict, int context, char *msg, size_t cap)
{
    side *x = calloc(1, sizeof *x);
    mc_error err;
    memset(&err, 0, sizeof err);
    if (!x) return NULL;
    if (mc_dict_open(dict, &x->d, &err)) {
        snprintf(msg, cap, "%s", err.msg);
        free(x);
        return NULL;
    }
    x->s = mc_scratch_create(x->d);
    if (!x->s) {
        snprintf(msg, cap, "out of memory");
        free(x);
        return NULL;
    }
    mc_scan_opts_default(&x->o);
    x->o.context = context;
    mc_scan_set_timing(x->s, 1);
    return x;
}

static double ab_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Scan every text once; r gets the wall seconds, the scanner's own stage seconds, the
 * token count and a digest of every mention field the outputs depend on. */
int AB_SYM(ab_pass)(void *h, const ab_texts *t, ab_result *r)
{
    side *x = h;
    mc_scan_timing a, b;
    uint64_t dg = 1469598103934665603ull;
    mc_scan_timing_get(x->s, &a);
    double t0 = ab_now();
    for (size_t k = 0; k < t->n; k++) {
        const mc_mention *ms;
        size_t nm;
        if (mc_scan(x->s, t->buf + t->off[k], t->len[k], &x->o, &ms, &nm)) return -1;
        for (size_t q = 0; q < nm; q++) {
            const mc_mention *m = &ms[q];
            uint64_t f[6] = {(uint64_t)k << 32 | m->start, (uint64_t)m->end << 32 | m->term,
                             (uint64_t)m->matched_code << 32 | m->code, (uint64_t)(uint32_t)m->trigger,
                             (uint64_t)m->assertion << 24 | (uint64_t)m->section << 16 | (uint64_t)m->rule << 8 | m->counted,
                             (uint64_t)m->tok_start << 32 | m->tok_end};
            for (int i = 0; i < 6; i++) dg = (dg ^ f[i]) * 1099511628211ull;
        }
    }
    r->wall = ab_now() - t0;
    mc_scan_timing_get(x->s, &b);
    r->tokenize = b.tokenize - a.tokenize;
    r->match = b.match - a.match;
    r->context = b.context - a.context;
    r->tokens = b.tokens - a.tokens;
    r->mentions = b.mentions - a.mentions;
    r->digest = dg;
    return 0;
}
