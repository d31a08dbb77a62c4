/* mc_cli_stats.c — the statistics flags of `medcode run` and the `medcode merge`
 * command. Uses only include/. */
#include "mc_dict.h"
#include "mc_stats_api.h"
#include "mc_status.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const void *mc_embedded_dict(size_t *len);
int mc_cli_merge(int argc, char **argv);

static int num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    *out = v;
    return !errno && end != s && !*end && v >= lo && v <= hi;
}

int mc_stats_parse_flag(int argc, char **argv, int *i, mc_stats_opts *o, mc_error *err)
{
    const char *a = argv[*i];
    static const char *const WITH_VALUE[] = {"--strata", "--age-col", "--age-bands", "--date-col", "--period", "--min-cell",
                                             "--standard-pop", "--cooc-top", "--cooc-level", "--state"};
    int takes = 0;
    for (size_t k = 0; k < sizeof WITH_VALUE / sizeof *WITH_VALUE; k++) takes |= !strcmp(a, WITH_VALUE[k]);
    if (!takes) {
        if (!strcmp(a, "--no-suppression")) { o->no_suppression = 1; return 1; }
        return 0;
    }
    if (*i + 1 >= argc) { mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "option %s needs a value", a); return -1; }
    const char *v = argv[++*i];
    long x;
    if (!strcmp(a, "--strata")) {
        if (o->n_strata >= MC_STATS_MAX_STRATA) { mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "--strata given more than %d times", MC_STATS_MAX_STRATA); return -1; }
        o->strata[o->n_strata++] = v;
    } else if (!strcmp(a, "--age-col")) o->age_col = v;
    else if (!strcmp(a, "--age-bands")) o->age_bands = v;
    else if (!strcmp(a, "--date-col")) o->date_col = v;
    else if (!strcmp(a, "--period")) {
        if (!strcmp(v, "year")) o->period = MC_PERIOD_YEAR;
        else if (!strcmp(v, "quarter")) o->period = MC_PERIOD_QUARTER;
        else if (!strcmp(v, "month")) o->period = MC_PERIOD_MONTH;
        else { mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "--period is year, quarter or month, not '%s'", v); return -1; }
    } else if (!strcmp(a, "--min-cell")) {
        if (!num(v, 1, 1000000, &x)) { mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "--min-cell needs a number from 1 to 1000000, not '%s'", v); return -1; }
        o->min_cell = (int)x;
    } else if (!strcmp(a, "--standard-pop")) o->standard_pop = v;
    else if (!strcmp(a, "--cooc-top")) {
        if (!num(v, 0, 100000, &x)) { mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "--cooc-top needs a number from 0 to 100000, not '%s'", v); return -1; }
        o->cooc_top = (int)x;
    } else if (!strcmp(a, "--cooc-level")) {
        if (strcmp(v, "category") && strcmp(v, "code") && strcmp(v, "block") && strcmp(v, "chapter")) {
            mc_error_set(err, MC_E_USAGE, NULL, 0, 0, 0, "--cooc-level is category, code, block or chapter, not '%s'", v);
            return -1;
        }
        o->cooc_level = v;
    } else if (!strcmp(a, "--state")) o->state_out = v;
    return 1;
}

static const char *const MERGE_HELP =
    "usage: medcode merge [--dict DICT] [--state FILE] --out DIR STATE...\n"
    "\n"
    "Adds partial states written by 'medcode run --state FILE' (any split of the inputs,\n"
    "any machines) and writes the same tables as one run over all the inputs. Every state\n"
    "must come from the same dictionary (build id) and the same statistics and coding\n"
    "options; a corrupt or incompatible state is refused (exit 3).\n"
    "\n"
    "  --dict FILE   the dictionary the states were made with (default: embedded default)\n"
    "  --out DIR     output directory (created if absent)\n"
    "  --state FILE  also write the merged state\n";

static int fail(const mc_error *e, int code)
{
    char buf[1400];
    mc_error_format(e, buf, sizeof buf);
    fprintf(stderr, "medcode: %s\n", buf);
    return code;
}

int mc_cli_merge(int argc, char **argv)
{
    const char *dict_path = NULL, *out = NULL, *state_out = NULL;
    const char **states = calloc((size_t)argc + 1, sizeof *states);
    size_t n = 0;
    char cmdline[4096];
    size_t cl = 0;
    for (int i = 0; i < argc && cl + 2 < sizeof cmdline; i++)
        cl += (size_t)snprintf(cmdline + cl, sizeof cmdline - cl, "%s%s", i ? " " : "medcode ", argv[i]);
    if (!states) return 7;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(MERGE_HELP, stdout); free(states); return 0; }
        if (!strcmp(a, "--dict") || !strcmp(a, "--out") || !strcmp(a, "--state")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "medcode: error: option %s needs a value (see 'medcode merge --help')\n", a);
                free(states);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--dict")) dict_path = v;
            else if (!strcmp(a, "--out")) out = v;
            else state_out = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "medcode: error: unknown option '%s' (see 'medcode merge --help')\n", a);
            free(states);
            return 2;
        } else states[n++] = a;
    }
    if (!out || !n) {
        fprintf(stderr, "medcode: error: merge needs --out DIR and at least one STATE (see 'medcode merge --help')\n");
        free(states);
        return 2;
    }
    mc_dict *d = NULL;
    mc_error e = {0};
    mc_status st;
    if (dict_path) st = mc_dict_open(dict_path, &d, &e);
    else {
        size_t len;
        const void *p = mc_embedded_dict(&len);
        if (!p) {
            fprintf(stderr, "medcode: error: this build has no embedded dictionary; give --dict FILE\n");
            free(states);
            return 4;
        }
        st = mc_dict_open_mem(p, len, "(embedded default dictionary)", &d, &e);
    }
    if (st) { free(states); return fail(&e, st == MC_E_IO || st == MC_E_NOTFOUND ? 3 : 4); }
    st = mc_stats_merge_states(d, states, n, out, state_out, cmdline, &e);
    mc_dict_close(d);
    int reading = 0;
    for (size_t i = 0; i < n; i++) reading |= !strcmp(e.path, states[i]);
    free(states);
    if (!st) return 0;
    switch (st) {
    case MC_E_USAGE: return fail(&e, 2);
    case MC_E_NOMEM: return fail(&e, 7);
    case MC_E_STATE: return fail(&e, 3);
    case MC_E_IO: return fail(&e, reading ? 3 : 6);
    default: return fail(&e, 70);
    }
}
