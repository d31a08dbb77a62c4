/* mc_cli_audit.c — `medcode audit sample|score`: flags, messages and exit codes of the
 * coding-quality review (the work is in engine/eval/mc_audit.c). Uses only include/. */
#include "mc_audit.h"
#include "mc_dict.h"
#include "mc_status.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const void *mc_embedded_dict(size_t *len);
int mc_cli_audit(int argc, char **argv);

/* Exit codes (README "Exit codes"). */
enum { EX_OK = 0, EX_USAGE = 2, EX_INPUT = 3, EX_DICT = 4, EX_COLUMN = 5, EX_OUTPUT = 6, EX_NOMEM = 7, EX_INTERNAL = 70 };

static const char *const AUDIT_HELP =
    "usage:\n"
    "  medcode audit sample --per-record FILE --notes INPUT... --text-col NAME --id-col NAME\n"
    "                       [--per-code N] [--codes TOP|FILE] [--seed S] [--window W]\n"
    "                       [--dict DICT] [--max-record-mb N] -o audit.tsv\n"
    "  medcode audit score AUDIT.tsv [--per-record FILE] [-o OUT.csv]\n"
    "\n"
    "sample: a reproducible review sample of counted mentions (per-record rows with counted=1).\n"
    "  --per-record FILE  the file written by 'medcode run --per-record' (- for stdin)\n"
    "  --notes INPUT...   the notes that run read (.csv, .csv.zst, directories, -)\n"
    "  --text-col/--id-col NAME  their note and record id columns\n"
    "  --codes TOP|FILE   the TOP codes with the most records (default 40), or the codes\n"
    "                     listed in FILE (one a line, '#' comments), in the file's order\n"
    "  --per-code N       mentions per code, each from a different record (default 8)\n"
    "  --seed S           the sample is a function of the rows and S only (default 1)\n"
    "  --window W         context bytes either side of the mention (default 80)\n"
    "  --dict DICT        dictionary for the titles (default: the embedded default)\n"
    "  --max-record-mb N  note size limit, as given to run (default 16)\n"
    "  -o FILE            TSV: record_id code title start end mention context label reason\n"
    "                     (context marks the mention [[...]]; label and reason are left empty\n"
    "                     for the reviewer: label Y correct, N wrong, ? unsure)\n"
    "  WARNING: the sample file holds PATIENT TEXT. It is written with mode 0600 and is for\n"
    "  internal review only: never publish it or copy it outside the secure environment.\n"
    "\n"
    "score: precision of the reviewed labels per code (Wilson 95% interval), and the 'all'\n"
    "  line weighted by records. AUDIT.tsv needs columns code and label (a full sample file or\n"
    "  record_id,code,start,end,label,reason). --per-record adds records and the PPV-corrected\n"
    "  counts ppv_records, ppv_low, ppv_high (records x precision and its bounds).\n"
    "  Output: CSV on stdout, or -o OUT.csv.\n"
    "\n"
    "exit codes: 0 ok, 2 usage, 3 input error (unreadable or malformed file, sampled record\n"
    "            missing from the notes), 4 dictionary error, 5 missing column, 6 output error,\n"
    "            7 out of memory\n";

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "medcode: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'medcode audit --help')\n");
    return EX_USAGE;
}

/* The error line, and its exit code: a failed write of the output is 6, other I/O 3. */
static int fail(const mc_error *e, const char *out)
{
    char buf[1400];
    mc_error_format(e, buf, sizeof buf);
    fprintf(stderr, "medcode: %s\n", buf);
    switch (e->status) {
    case MC_E_USAGE: return EX_USAGE;
    case MC_E_NOMEM: return EX_NOMEM;
    case MC_E_IO: return out && (!strcmp(e->path, out) || !strcmp(e->path, "(standard output)")) ? EX_OUTPUT : EX_INPUT;
    case MC_E_NOTFOUND: case MC_E_ZSTD: case MC_E_CSV: case MC_E_RECORD_TOO_BIG: return EX_INPUT;
    case MC_E_COLUMN: return EX_COLUMN;
    case MC_E_DICT_MAGIC: case MC_E_DICT_VERSION: case MC_E_DICT_CORRUPT: case MC_E_DICT_BUILD: return EX_DICT;
    default: return EX_INTERNAL;
    }
}

static int num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    *out = v;
    return !errno && end != s && !*end && v >= lo && v <= hi;
}

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static int cmd_sample(int argc, char **argv)
{
    mc_audit_sample_opts o;
    mc_audit_sample_opts_default(&o);
    const char *dict_path = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t n_in = 0;
    long v;
    int rc = EX_USAGE;
    if (!inputs) return EX_NOMEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(AUDIT_HELP, stdout); rc = EX_OK; goto out; }
        if (!strcmp(a, "--notes")) {
            size_t before = n_in;
            while (i + 1 < argc && (argv[i + 1][0] != '-' || !strcmp(argv[i + 1], "-"))) inputs[n_in++] = argv[++i];
            if (n_in == before) { usage("option %s needs at least one INPUT", a); goto out; }
            continue;
        }
        static const char *const WITH_VALUE[] = {"--per-record", "--text-col", "--id-col", "--per-code", "--codes", "--seed",
                                                 "--window", "--dict", "--max-record-mb", "-o", "--out"};
        int takes = 0;
        for (size_t k = 0; k < sizeof WITH_VALUE / sizeof *WITH_VALUE; k++) takes |= !strcmp(a, WITH_VALUE[k]);
        if (!takes) { usage(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s' (notes follow --notes)", a); goto out; }
        if (i + 1 >= argc) { usage("option %s needs a value", a); goto out; }
        const char *val = argv[++i];
        if (!strcmp(a, "--per-record")) o.per_record = val;
        else if (!strcmp(a, "--text-col")) o.text_col = val;
        else if (!strcmp(a, "--id-col")) o.id_col = val;
        else if (!strcmp(a, "--dict")) dict_path = val;
        else if (!strcmp(a, "-o") || !strcmp(a, "--out")) o.out = val;
        else if (!strcmp(a, "--per-code")) {
            if (!num(val, 1, 100000, &v)) { usage("--per-code needs a number from 1 to 100000, not '%s'", val); goto out; }
            o.per_code = (int)v;
        } else if (!strcmp(a, "--window")) {
            if (!num(val, 0, 1000000, &v)) { usage("--window needs a number of bytes from 0 to 1000000, not '%s'", val); goto out; }
            o.window = (int)v;
        } else if (!strcmp(a, "--max-record-mb")) {
            if (!num(val, 1, 2048, &v)) { usage("--max-record-mb needs a number from 1 to 2048, not '%s'", val); goto out; }
            o.max_record = (size_t)v << 20;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 10);
            if (errno || end == val || *end || val[0] == '-') { usage("--seed needs a non-negative integer, not '%s'", val); goto out; }
            o.seed = (uint64_t)s;
        } else if (!strcmp(a, "--codes")) {
            if (all_digits(val)) {
                if (!num(val, 1, 1000000, &v)) { usage("--codes TOP needs a number from 1 to 1000000, not '%s'", val); goto out; }
                o.top = (int)v;
                o.codes_path = NULL;
            } else o.codes_path = val;
        }
    }
    if (!o.per_record || !n_in || !o.text_col || !o.id_col || !o.out) {
        usage("%s", "audit sample needs --per-record, --notes, --text-col, --id-col and -o");
        goto out;
    }
    o.inputs = inputs;
    o.n_inputs = n_in;
    mc_dict *d = NULL;
    mc_error e = {0};
    mc_status st;
    if (dict_path) st = mc_dict_open(dict_path, &d, &e);
    else {
        size_t len;
        const void *p = mc_embedded_dict(&len);
        if (!p) {
            fprintf(stderr, "medcode: error: this build has no embedded dictionary; give --dict FILE\n");
            rc = EX_DICT;
            goto out;
        }
        st = mc_dict_open_mem(p, len, "(embedded default dictionary)", &d, &e);
    }
    if (st) { rc = fail(&e, NULL); if (st == MC_E_IO || st == MC_E_NOTFOUND) rc = EX_DICT; goto out; }
    mc_audit_sample_result res;
    st = mc_audit_sample(d, &o, &res, &e);
    mc_dict_close(d);
    if (st) { rc = fail(&e, o.out); goto out; }
    fprintf(stderr, "medcode: wrote %s: %zu mentions of %zu codes", o.out, res.rows, res.codes);
    if (res.codes_short) fprintf(stderr, " (%zu codes have fewer than %d records)", res.codes_short, o.per_code);
    fprintf(stderr, "; it holds patient text: internal review only\n");
    rc = EX_OK;
out:
    free(inputs);
    return rc;
}

static int cmd_score(int argc, char **argv)
{
    const char *audit = NULL, *per_record = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(AUDIT_HELP, stdout); return EX_OK; }
        if (!strcmp(a, "--per-record") || !strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (i + 1 >= argc) return usage("option %s needs a value", a);
            if (!strcmp(a, "--per-record")) per_record = argv[++i];
            else out = argv[++i];
        } else if (a[0] == '-' && a[1]) return usage("unknown option '%s'", a);
        else if (!audit) audit = a;
        else return usage("unexpected argument '%s'", a);
    }
    if (!audit) return usage("%s", "audit score needs AUDIT.tsv");
    mc_error e = {0};
    mc_status st = mc_audit_score(audit, per_record, out, stdout, &e);
    return st ? fail(&e, out ? out : "(standard output)") : EX_OK;
}

int mc_cli_audit(int argc, char **argv)
{
    if (argc < 2) { fputs(AUDIT_HELP, stderr); return EX_USAGE; }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { fputs(AUDIT_HELP, stdout); return EX_OK; }
    if (!strcmp(sub, "sample")) return cmd_sample(argc - 1, argv + 1);
    if (!strcmp(sub, "score")) return cmd_score(argc - 1, argv + 1);
    return usage("unknown audit command '%s'", sub);
}
