/* mc_cli.c — the medcode command: subcommands, flags, messages, exit codes. Uses only
 * the public API in include/. All printing happens here; the library never prints. */
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_eval.h"
#include "mc_groups.h"
#include "mc_report.h"
#include "mc_run.h"
#include "mc_scan.h"
#include "mc_stats_api.h"
#include "mc_status.h"
#include <csv.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

/* Exit codes (README "Exit codes"). */
enum {
    EX_OK = 0, EX_USAGE = 2, EX_INPUT = 3, EX_DICT = 4, EX_COLUMN = 5, EX_OUTPUT = 6,
    EX_NOMEM = 7, EX_INTERNAL = 70, EX_INTERRUPTED = 130
};

const void *mc_embedded_dict(size_t *len);
int mc_cli_merge(int argc, char **argv); /* mc_cli_stats.c */
int mc_cli_audit(int argc, char **argv); /* mc_cli_audit.c */

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static int status_exit(mc_status s)
{
    switch (s) {
    case MC_OK: return EX_OK;
    case MC_E_USAGE: return EX_USAGE;
    case MC_E_NOMEM: return EX_NOMEM;
    case MC_E_IO: case MC_E_NOTFOUND: case MC_E_ZSTD: case MC_E_CSV: case MC_E_RECORD_TOO_BIG: return EX_INPUT;
    case MC_E_COLUMN: return EX_COLUMN;
    case MC_E_DICT_MAGIC: case MC_E_DICT_VERSION: case MC_E_DICT_CORRUPT: case MC_E_DICT_BUILD: return EX_DICT;
    case MC_E_STATE: return EX_INPUT;
    case MC_E_INTERRUPTED: return EX_INTERRUPTED;
    default: return EX_INTERNAL;
    }
}

static int fail(const mc_error *e)
{
    char buf[1400];
    mc_error_format(e, buf, sizeof buf);
    fprintf(stderr, "medcode: %s\n", buf);
    return status_exit(e->status);
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "medcode: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'medcode %s --help')\n", cmd);
    return EX_USAGE;
}

static const char *const MAIN_HELP =
    "medcode — code clinical notes to ICD-10-CM at archive scale\n"
    "\n"
    "usage: medcode <command> [options]\n"
    "\n"
    "commands:\n"
    "  run          code CSV archives (.csv, .csv.zst, directories, -) and write summary tables\n"
    "  dict build   compile lexicons and ICD-10-CM release files into a dictionary file\n"
    "  dict info    print a dictionary's header and counts\n"
    "  dict lookup  print the matches (with assertions) found in a text\n"
    "  dict export-terms  print every term as term<TAB>code\n"
    "  assert       assertion of target phrases in sentences (id<TAB>phrase<TAB>sentence)\n"
    "  eval         precision/recall/F1 of per-record output against gold codes\n"
    "  report       one self-contained HTML page (charts) from a run's output directory\n"
    "  merge        add partial states (run --state) exactly and write the same tables\n"
    "  audit        review sample of coded mentions (patient text: internal only) and its precision\n"
    "\n"
    "  medcode --version    versions of medcode, zstd and libcsv\n"
    "  medcode <command> --help\n"
    "\n"
    "exit codes: 0 ok, 2 usage, 3 input error, 4 dictionary error, 5 missing column,\n"
    "            6 output error, 7 out of memory, 70 internal error, 130 interrupted\n";

static const char *const RUN_HELP =
    "usage: medcode run --text-col NAME --id-col NAME --out DIR [options] INPUT...\n"
    "\n"
    "INPUT: .csv.zst or .csv files, directories (their .csv/.csv.zst files, sorted), - for stdin.\n"
    "Columns are found by header name. Writes DIR/codes.csv, DIR/rejects.csv, DIR/manifest.json.\n"
    "\n"
    "  --dict FILE          compiled dictionary (default: the embedded default dictionary)\n"
    "  --text-col NAME      column holding the note text (required)\n"
    "  --id-col NAME        column holding the record id (required)\n"
    "  --out DIR            output directory (created if absent)\n"
    "  --per-record FILE    also write every mention: id,code,start,end,term,matched_code,\n"
    "                       assertion,trigger,section,rule,counted (input order)\n"
    "  --threads N          worker threads (default: number of cores)\n"
    "  --setting S          outpatient (default) or inpatient: how uncertain diagnoses are coded\n"
    "  --no-context         count every match (no negation/uncertainty/history/family rules)\n"
    "  --no-specificity     keep unspecified codes beside more specific ones of the category\n"
    "  --only-codes FILE    count only these codes (codes, prefixes, ranges like J09-J18)\n"
    "  --batch-kb N         target batch size in KiB (default 1024)\n"
    "  --max-record-mb N    record size limit in MiB (default 16); larger records are rejected\n"
    "  --stats-timing       record per-stage CPU seconds in the manifest\n"
    "  --quiet              no progress line\n"
    "statistics (README \"Outputs\"):\n"
    "  --strata COL[,COL..] a stratification: by these columns combined (repeatable);\n"
    "                       age_band and period name the derived variables\n"
    "  --age-col COL        age in years -> age_band (bands: --age-bands, default 0-17,18-44,45-64,65-)\n"
    "  --date-col COL       ISO date -> period (--period year|quarter|month, default year)\n"
    "  --min-cell K         suppress counts 1..K-1, with complementary suppression (default 11)\n"
    "  --no-suppression     publish every cell (internal use; recorded in the manifest)\n"
    "  --standard-pop FILE  age_band,weight CSV (default: US 2000 standard population)\n"
    "  --cooc-top N         code pairs reported in cooccurrence.csv (default 100; 0 none)\n"
    "  --cooc-level L       category (default), code, block or chapter\n"
    "  --state FILE         also write the aggregated state, for 'medcode merge'\n";

static const char *const DICT_HELP =
    "usage:\n"
    "  medcode dict build [--lexicon FILE.csv]... [--context FILE.csv] [--history-map FILE.csv]\n"
    "                     [--icd10cm-order FILE] [--icd10cm-index FILE] [--icd10cm-tabular FILE]\n"
    "                     [--icd10cm-neoplasm FILE]\n"
    "                     [--ccsr DXCCSR.csv [--ccsr-categories FILE.csv]]\n"
    "                     [--elixhauser-ahrq MAP_LONG.tsv [--elixhauser-ahrq-weights FILE]\n"
    "                      [--elixhauser-ahrq-measures FILE]]\n"
    "                     [--no-default-lexicon] [--no-variants] -o DICT\n"
    "  medcode dict info [DICT]\n"
    "  medcode dict lookup [DICT] \"free text\"\n"
    "  medcode dict export-terms [DICT]\n"
    "\n"
    "DICT defaults to the embedded default dictionary. A lexicon is CSV with a header\n"
    "code,term[,system][,source][,flags] (source: curated|abbreviation|lay|user|index|\n"
    "inclusion|title|neoplasm; flags: upper;category;guarded). The default dictionary's content\n"
    "(datasets/) is always included unless --no-default-lexicon is given. --no-variants\n"
    "generates no phrase variants (the baselines of bench/codiesp-baselines.sh).\n";

/* ---- dictionary loading --------------------------------------------------------- */

static int open_dict(const char *path, mc_dict **d, const char **label)
{
    mc_error e = {0};
    mc_status st;
    if (path) {
        st = mc_dict_open(path, d, &e);
        *label = path;
    } else {
        size_t len;
        const void *p = mc_embedded_dict(&len);
        if (!p) {
            fprintf(stderr, "medcode: error: this build has no embedded dictionary; give --dict FILE\n");
            return EX_DICT;
        }
        st = mc_dict_open_mem(p, len, "(embedded default dictionary)", d, &e);
        *label = "embedded default";
    }
    return st ? fail(&e) : EX_OK;
}

/* ---- progress ------------------------------------------------------------------- */

static void progress_line(void *ud, const mc_progress *p)
{
    (void)ud;
    double mb = (double)p->bytes_out / 1e6, rate = p->seconds > 0 ? mb / p->seconds : 0;
    char eta[32] = "";
    if (p->bytes_total && p->bytes_in && p->seconds > 1 && !p->done) {
        double left = p->seconds * ((double)p->bytes_total / (double)p->bytes_in - 1.0);
        if (left >= 0) snprintf(eta, sizeof eta, "  ETA %d:%02d", (int)(left / 60), (int)left % 60);
    }
    fprintf(stderr, "\r%10.1f MB  %12llu records  %8.1f MB/s%s\033[K%s", mb, (unsigned long long)p->records, rate, eta,
            p->done ? "\n" : "");
    fflush(stderr);
}

/* ---- run ------------------------------------------------------------------------ */

static int need_arg(int i, int argc, char **argv, const char *cmd)
{
    if (i + 1 >= argc) {
        usage_error(cmd, "option %s needs a value", argv[i]);
        return 0;
    }
    return 1;
}

static long parse_long(const char *s, long lo, long hi, int *ok)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    *ok = !errno && end != s && !*end && v >= lo && v <= hi;
    return v;
}

static int cmd_run(int argc, char **argv)
{
    mc_run_opts o;
    mc_run_opts_default(&o);
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = nproc > 0 ? (int)nproc : 1;
    const char *dict_path = NULL;
    int quiet = 0, ok;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t n_in = 0;
    char cmdline[4096];
    size_t cl = 0;
    for (int i = 0; i < argc && cl + 2 < sizeof cmdline; i++)
        cl += (size_t)snprintf(cmdline + cl, sizeof cmdline - cl, "%s%s", i ? " " : "medcode ", argv[i]);
    o.argv_line = cmdline;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(RUN_HELP, stdout); free(inputs); return EX_OK; }
        else if (!strcmp(a, "--dict")) { if (!need_arg(i, argc, argv, "run")) goto usage; dict_path = argv[++i]; }
        else if (!strcmp(a, "--text-col")) { if (!need_arg(i, argc, argv, "run")) goto usage; o.text_col = argv[++i]; }
        else if (!strcmp(a, "--id-col")) { if (!need_arg(i, argc, argv, "run")) goto usage; o.id_col = argv[++i]; }
        else if (!strcmp(a, "--out")) { if (!need_arg(i, argc, argv, "run")) goto usage; o.out_dir = argv[++i]; }
        else if (!strcmp(a, "--per-record")) { if (!need_arg(i, argc, argv, "run")) goto usage; o.per_record = argv[++i]; }
        else if (!strcmp(a, "--only-codes")) { if (!need_arg(i, argc, argv, "run")) goto usage; o.only_codes_path = argv[++i]; }
        else if (!strcmp(a, "--threads")) {
            if (!need_arg(i, argc, argv, "run")) goto usage;
            o.threads = (int)parse_long(argv[++i], 1, 1024, &ok);
            if (!ok) { usage_error("run", "--threads needs a number from 1 to 1024, not '%s'", argv[i]); goto usage; }
        } else if (!strcmp(a, "--batch-kb")) {
            if (!need_arg(i, argc, argv, "run")) goto usage;
            o.batch_bytes = (size_t)parse_long(argv[++i], 4, 1 << 20, &ok) << 10;
            if (!ok) { usage_error("run", "--batch-kb needs a number from 4 to 1048576, not '%s'", argv[i]); goto usage; }
        } else if (!strcmp(a, "--max-record-mb")) {
            if (!need_arg(i, argc, argv, "run")) goto usage;
            o.max_record = (size_t)parse_long(argv[++i], 1, 2048, &ok) << 20;
            if (!ok) { usage_error("run", "--max-record-mb needs a number from 1 to 2048, not '%s'", argv[i]); goto usage; }
        } else if (!strcmp(a, "--setting")) {
            if (!need_arg(i, argc, argv, "run")) goto usage;
            const char *s = argv[++i];
            if (!strcmp(s, "inpatient")) o.scan.setting = MC_SETTING_INPATIENT;
            else if (!strcmp(s, "outpatient")) o.scan.setting = MC_SETTING_OUTPATIENT;
            else { usage_error("run", "--setting is inpatient or outpatient, not '%s'", s); goto usage; }
        } else if (!strcmp(a, "--no-context")) o.scan.context = 0;
        else if (!strcmp(a, "--no-specificity")) o.scan.resolve_specific = 0;
        else if (!strcmp(a, "--stats-timing")) o.stats_timing = 1;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
        else if (a[0] == '-' && a[1]) {
            mc_error se = {0};
            int k = mc_stats_parse_flag(argc, argv, &i, &o.stats, &se); /* statistics flags (mc_cli_stats.c) */
            if (k < 0) { usage_error("run", "%s", se.msg); goto usage; }
            if (k == 0) { usage_error("run", "unknown option '%s'", a); goto usage; }
        } else inputs[n_in++] = a;
    }
    if (!o.text_col || !o.id_col || !o.out_dir || n_in == 0) {
        usage_error("run", "%s", "run needs --text-col, --id-col, --out and at least one INPUT");
        goto usage;
    }
    o.inputs = inputs;
    o.n_inputs = n_in;
    mc_dict *d = NULL;
    const char *label;
    int rc = open_dict(dict_path, &d, &label);
    if (rc) { free(inputs); return rc; }
    o.dict_label = label;
    uint8_t *scope = NULL;
    if (o.only_codes_path) {
        mc_error e = {0};
        if (mc_dict_load_scope(d, o.only_codes_path, &scope, &e)) { mc_dict_close(d); free(inputs); return fail(&e); }
        o.scan.only = scope;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    o.stop = &g_stop;
    if (!quiet && isatty(2)) o.progress = progress_line;
    mc_run_result res;
    mc_error e = {0};
    mc_status st = mc_run(d, &o, &res, &e);
    free(scope);
    mc_dict_close(d);
    free(inputs);
    if (st) return fail(&e);
    if (!quiet)
        fprintf(stderr, "medcode: %llu records read, %llu coded, %llu rejected in %.2f s (%.1f MB/s); tables in %s/\n",
                (unsigned long long)res.records_read, (unsigned long long)res.records_coded,
                (unsigned long long)res.records_rejected, res.seconds,
                res.seconds > 0 ? (double)res.bytes_out / 1e6 / res.seconds : 0.0, o.out_dir);
    if (res.inputs_failed) {
        fail(&res.first_input_error);
        if (res.inputs_failed > 1) fprintf(stderr, "medcode: %zu inputs could not be read completely (see manifest.json)\n", res.inputs_failed);
        return EX_INPUT;
    }
    return EX_OK;
usage:
    free(inputs);
    return EX_USAGE;
}

/* ---- dict ----------------------------------------------------------------------- */

static int cmd_dict_build(int argc, char **argv)
{
    const char *out = NULL, *order = NULL, *index = NULL, *tabular = NULL, *neoplasm = NULL;
    const char *ccsr = NULL, *ccsr_cats = NULL, *ahrq = NULL, *ahrq_w = NULL, *ahrq_m = NULL; /* diagnosis groups */
    int no_default = 0, default_only = 0;
    mc_builder *b = mc_builder_create();
    if (!b) return EX_NOMEM;
    const char **lex = calloc((size_t)argc + 1, sizeof *lex), **ctx = calloc((size_t)argc + 1, sizeof *ctx),
               **zmap = calloc((size_t)argc + 1, sizeof *zmap);
    size_t nl = 0, nc = 0, nz = 0;
    int rc = EX_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(DICT_HELP, stdout); goto out; }
        else if (!strcmp(a, "-o") || !strcmp(a, "--out")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } out = argv[++i]; }
        else if (!strcmp(a, "--lexicon")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } lex[nl++] = argv[++i]; }
        else if (!strcmp(a, "--context")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ctx[nc++] = argv[++i]; }
        else if (!strcmp(a, "--history-map")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } zmap[nz++] = argv[++i]; }
        else if (!strcmp(a, "--icd10cm-order")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } order = argv[++i]; }
        else if (!strcmp(a, "--icd10cm-index")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } index = argv[++i]; }
        else if (!strcmp(a, "--icd10cm-tabular")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } tabular = argv[++i]; }
        else if (!strcmp(a, "--icd10cm-neoplasm")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } neoplasm = argv[++i]; }
        else if (!strcmp(a, "--ccsr")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ccsr = argv[++i]; }
        else if (!strcmp(a, "--ccsr-categories")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ccsr_cats = argv[++i]; }
        else if (!strcmp(a, "--elixhauser-ahrq")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ahrq = argv[++i]; }
        else if (!strcmp(a, "--elixhauser-ahrq-weights")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ahrq_w = argv[++i]; }
        else if (!strcmp(a, "--elixhauser-ahrq-measures")) { if (!need_arg(i, argc, argv, "dict")) { rc = EX_USAGE; goto out; } ahrq_m = argv[++i]; }
        else if (!strcmp(a, "--no-default-lexicon")) no_default = 1;
        else if (!strcmp(a, "--no-variants")) mc_builder_set_variants(b, 0); /* baselines */
        else if (!strcmp(a, "--default-only")) default_only = 1; /* build step: datasets/ sources */
        else { rc = usage_error("dict", "unknown argument '%s'", a); goto out; }
    }
    if (!out) { rc = usage_error("dict", "%s", "dict build needs -o DICT"); goto out; }
    double t0 = (double)clock() / CLOCKS_PER_SEC;
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    mc_error e = {0};
    mc_status st = MC_OK;
    if (default_only) {
        lex[nl++] = "datasets/lexicon/default.csv";
        ctx[nc++] = "datasets/context/triggers.csv";
        if (access("datasets/context/history_map.csv", R_OK) == 0) zmap[nz++] = "datasets/context/history_map.csv";
        mc_builder_set_meta(b, "release", "ICD-10-CM FY2026 (curated default lexicon)");
        no_default = 1;
    }
    if (order && !st) st = mc_import_icd10cm_order(b, order, &e);
    if (!no_default && !st) {
        mc_dict *dd = NULL;
        const char *label;
        if ((rc = open_dict(NULL, &dd, &label))) goto out;
        st = mc_builder_add_dict(b, dd, &e);
        mc_dict_close(dd);
    }
    if (index && !st) st = mc_import_icd10cm_index(b, index, &e);
    if (tabular && !st) st = mc_import_icd10cm_tabular(b, tabular, &e);
    if (neoplasm && !st) st = mc_import_icd10cm_neoplasm(b, neoplasm, &e);
    for (size_t i = 0; i < nl && !st; i++) st = mc_builder_add_lexicon_csv(b, lex[i], MC_SRC_USER, &e);
    for (size_t i = 0; i < nc && !st; i++) st = mc_builder_add_context_csv(b, ctx[i], &e);
    for (size_t i = 0; i < nz && !st; i++) st = mc_builder_add_zmap_csv(b, zmap[i], &e);
    if ((ccsr_cats && !ccsr) || ((ahrq_w || ahrq_m) && !ahrq)) {
        rc = usage_error("dict", "%s", "--ccsr-categories needs --ccsr; --elixhauser-ahrq-weights/-measures need --elixhauser-ahrq");
        goto out;
    }
    if (ccsr && !st) st = mc_import_ccsr(b, ccsr, ccsr_cats, &e);
    if (ahrq && !st) st = mc_import_ahrq_cmr(b, ahrq, ahrq_m, ahrq_w, &e);
    if (!st) {
        char opts[512];
        snprintf(opts, sizeof opts, "default_lexicon=%s order=%s index=%s tabular=%s neoplasm=%s lexicons=%zu context=%zu",
                 no_default && !default_only ? "no" : "yes", order ? "yes" : "no", index ? "yes" : "no", tabular ? "yes" : "no",
                 neoplasm ? "yes" : "no", nl, nc);
        mc_builder_set_meta(b, "options", opts);
        mc_builder_set_flags(b, (no_default && !default_only ? 0u : 1u) | (order ? 2u : 0u) | (index ? 4u : 0u) | (tabular ? 8u : 0u) | (neoplasm ? 16u : 0u));
        st = mc_builder_write(b, out, &e);
    }
    if (st) { rc = fail(&e); goto out; }
    clock_gettime(CLOCK_MONOTONIC, &w1);
    mc_build_summary s;
    mc_builder_summary(b, &s);
    double wall = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) * 1e-9;
    (void)t0;
    fprintf(stderr, "medcode: wrote %s: %ld codes (%ld billable), %ld phrases from %ld terms + %ld variants, %ld ambiguous, %ld triggers in %.2f s\n",
            out, s.codes, s.billable, s.phrases, s.terms, s.variants, s.ambiguous, s.triggers, wall);
out:
    free(lex);
    free(ctx);
    free(zmap);
    mc_builder_free(b);
    return rc;
}

static int cmd_dict_info(int argc, char **argv)
{
    const char *path = argc > 0 ? argv[0] : NULL;
    mc_dict *d;
    const char *label;
    int rc = open_dict(path, &d, &label);
    if (rc) return rc;
    mc_dict_info di;
    mc_dict_get_info(d, &di);
    const char *rel = mc_dict_meta(d, "release");
    printf("dictionary: %s\n", label);
    printf("format_version: %u\nbuild_id: %s\nfile_size: %llu\n", di.format_version, di.build_id, (unsigned long long)di.file_size);
    printf("release: %s\n", rel ? rel : "");
    printf("codes: %u\nbillable: %u\nterms: %u\nvocabulary: %u\ntrie_nodes: %u\ntriggers: %u\nblocks: %u\nchapters: %u\n", di.n_codes,
           di.n_billable, di.n_terms, di.n_vocab, di.n_nodes, di.n_triggers, di.n_blocks, di.n_chapters);
    long per_src[MC_SRC__COUNT] = {0}, variants = 0;
    for (uint32_t i = 0; i < di.n_terms; i++) {
        mc_term_info t;
        mc_dict_term(d, i, &t);
        if (t.trie) continue;
        if (t.source >= 0 && t.source < MC_SRC__COUNT) per_src[t.source]++;
        variants += (t.flags & MC_TERMF_VARIANT) != 0;
    }
    for (int s = 0; s < MC_SRC__COUNT; s++) printf("phrases.%s: %ld\n", mc_source_name((mc_source)s), per_src[s]);
    printf("phrases.variants: %ld\n", variants);
    for (size_t i = 0; i < mc_dict_counter_count(d); i++) {
        const char *k, *v;
        mc_dict_counter_at(d, i, &k, &v);
        printf("%s: %s\n", k, v);
    }
    for (size_t i = 0; i < mc_dict_meta_count(d); i++) {
        const char *k, *v;
        mc_dict_meta_at(d, i, &k, &v);
        if (strcmp(k, "release")) printf("meta.%s: %s\n", k, v);
    }
    printf("ccsr_categories: %u\nahrq_measures: %d\n", mc_dict_ccsr_count(d), mc_ahrq_n(d));
    printf("load_ms: %.3f\n", di.load_ms);
    mc_dict_close(d);
    return EX_OK;
}

static void print_mentions(const mc_dict *d, const char *text, const mc_mention *ms, size_t n)
{
    printf("term\tcode\ttokens\tbytes\ttext\tassertion\ttrigger\tsection\trule\tcounted\tcounted_code\n");
    for (size_t i = 0; i < n; i++) {
        const mc_mention *m = &ms[i];
        mc_term_info t;
        mc_code_info c, cc;
        mc_dict_term(d, m->term, &t);
        mc_dict_code(d, m->matched_code, &c);
        mc_dict_code(d, m->code, &cc);
        printf("%s\t%s\t%u-%u\t%u-%u\t%.*s\t%s\t%s\t%s\t%s\t%u\t%s\n", t.text, c.code, m->tok_start, m->tok_end, m->start, m->end,
               (int)(m->end - m->start), text + m->start, mc_assertion_str(m->assertion), mc_trigger_text(d, m->trigger),
               mc_section_str(m->section), mc_rule_str(m->rule), m->counted, cc.code);
    }
}

static int cmd_dict_lookup(int argc, char **argv)
{
    const char *path = NULL, *text = NULL;
    mc_scan_opts so;
    mc_scan_opts_default(&so);
    int pos = 0;
    const char *args[2] = {0};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--no-context")) so.context = 0;
        else if (!strcmp(argv[i], "--inpatient")) so.setting = MC_SETTING_INPATIENT;
        else if (pos < 2) args[pos++] = argv[i];
        else return usage_error("dict", "%s", "dict lookup takes [DICT] TEXT");
    }
    if (pos == 2) { path = args[0]; text = args[1]; }
    else if (pos == 1) text = args[0];
    else return usage_error("dict", "%s", "dict lookup takes [DICT] TEXT");
    mc_dict *d;
    const char *label;
    int rc = open_dict(path, &d, &label);
    if (rc) return rc;
    mc_scratch *s = mc_scratch_create(d);
    const mc_mention *ms;
    size_t n;
    mc_status st = s ? mc_scan(s, text, strlen(text), &so, &ms, &n) : MC_E_NOMEM;
    if (!st) print_mentions(d, text, ms, n);
    mc_scratch_free(s);
    mc_dict_close(d);
    return st ? status_exit(st) : EX_OK;
}

static int cmd_dict_export(int argc, char **argv)
{
    mc_dict *d;
    const char *label;
    int rc = open_dict(argc > 0 ? argv[0] : NULL, &d, &label);
    if (rc) return rc;
    uint32_t n = mc_dict_n_terms(d);
    for (uint32_t i = 0; i < n; i++) {
        mc_term_info t;
        mc_dict_term(d, i, &t);
        if (t.trie) continue;
        mc_code_info c;
        mc_dict_code(d, t.target, &c);
        if (strchr(t.text, '\t') || strchr(t.text, '\n')) continue;
        printf("%s\t%s\n", t.text, c.code);
    }
    mc_dict_close(d);
    return ferror(stdout) ? EX_OUTPUT : EX_OK;
}

static int cmd_dict(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(DICT_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE : EX_OK;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(DICT_HELP, stdout); return EX_OK; }
    const char *sub = argv[1];
    if (!strcmp(sub, "build")) return cmd_dict_build(argc - 2, argv + 2);
    if (!strcmp(sub, "info")) return cmd_dict_info(argc - 2, argv + 2);
    if (!strcmp(sub, "lookup")) return cmd_dict_lookup(argc - 2, argv + 2);
    if (!strcmp(sub, "export-terms")) return cmd_dict_export(argc - 2, argv + 2);
    return usage_error("dict", "unknown dict command '%s'", sub);
}

/* ---- assert --------------------------------------------------------------------- */

static const char *const ASSERT_HELP =
    "usage: medcode assert [--dict DICT] [FILE|-]\n"
    "Reads TSV lines id<TAB>phrase<TAB>sentence (a header line starting with 'id' or 'report'\n"
    "is skipped); the phrase is found case-insensitively in the sentence and is the target.\n"
    "Prints id<TAB>negation<TAB>temporality<TAB>experiencer with Negated|Affirmed|Possible,\n"
    "Recent|Historical|Hypothetical, Patient|Other.\n";

static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n) return NULL;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return p;
    return NULL;
}

static int cmd_assert(int argc, char **argv)
{
    const char *path = NULL, *dict_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(ASSERT_HELP, stdout); return EX_OK; }
        if (!strcmp(argv[i], "--dict")) { if (!need_arg(i, argc, argv, "assert")) return EX_USAGE; dict_path = argv[++i]; }
        else if (!path) path = argv[i];
        else return usage_error("assert", "unexpected argument '%s'", argv[i]);
    }
    FILE *f = (!path || !strcmp(path, "-")) ? stdin : fopen(path, "r");
    if (!f) { fprintf(stderr, "medcode: error (at %s): cannot open: %s\n", path, strerror(errno)); return EX_INPUT; }
    mc_dict *d;
    const char *label;
    int rc = open_dict(dict_path, &d, &label);
    if (rc) { if (f != stdin) fclose(f); return rc; }
    mc_scratch *s = mc_scratch_create(d);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long ln = 0;
    while (s && (len = getline(&line, &cap, f)) > 0) {
        ln++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2) { fprintf(stderr, "medcode: error (at %s: line %lu): expected id<TAB>phrase<TAB>sentence\n", path ? path : "-", ln); rc = EX_INPUT; continue; }
        *t1 = *t2 = 0;
        const char *id = line, *phrase = t1 + 1, *sent = t2 + 1;
        if (ln == 1 && (!strcmp(id, "id") || !strcmp(id, "report"))) continue;
        char *tab = strchr((char *)sent, '\t');
        if (tab) *tab = 0; /* extra columns (the kit's labels) are ignored */
        const char *at = strstr(sent, phrase); /* exact case first: the kit upper-cases its target */
        if (!at) at = find_ci(sent, phrase);
        int a = 0, sec = 0;
        int32_t trig = -1;
        const char *neg = "Affirmed", *tmp = "Recent", *exp = "Patient";
        if (at) {
            mc_assert_span(s, sent, strlen(sent), (size_t)(at - sent), (size_t)(at - sent) + strlen(phrase), &a, &trig, &sec);
            mc_assert_labels(s, 0, &neg, &tmp, &exp);
        }
        printf("%s\t%s\t%s\t%s\n", id, neg, tmp, exp);
    }
    free(line);
    mc_scratch_free(s);
    mc_dict_close(d);
    if (f != stdin) fclose(f);
    return rc;
}

/* ---- eval ----------------------------------------------------------------------- */

static int cmd_eval(int argc, char **argv)
{
    const char *gold = NULL, *pred = NULL, *dict_path = NULL;
    mc_eval_opts o;
    memset(&o, 0, sizeof o);
    o.top = 20;
    int ok;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: medcode eval --gold GOLD.tsv --pred PRED.csv [--dict DICT] [--all-mentions] [--top N]\n"
                   "Micro precision/recall/F1 over unique (document, code) pairs: exact code, hierarchy (a gold\n"
                   "code matches a prediction it is an ancestor of: R51 ~ R51.9) and category level.\n"
                   "--all-mentions scores the dictionary code of every mention, whatever its assertion.\n");
            return EX_OK;
        } else if (!strcmp(a, "--gold")) { if (!need_arg(i, argc, argv, "eval")) return EX_USAGE; gold = argv[++i]; }
        else if (!strcmp(a, "--dict")) { if (!need_arg(i, argc, argv, "eval")) return EX_USAGE; dict_path = argv[++i]; }
        else if (!strcmp(a, "--pred")) { if (!need_arg(i, argc, argv, "eval")) return EX_USAGE; pred = argv[++i]; }
        else if (!strcmp(a, "--all-mentions")) o.all_mentions = 1;
        else if (!strcmp(a, "--top")) {
            if (!need_arg(i, argc, argv, "eval")) return EX_USAGE;
            o.top = (int)parse_long(argv[++i], 0, 100000, &ok);
            if (!ok) return usage_error("eval", "--top needs a number, not '%s'", argv[i]);
        } else return usage_error("eval", "unknown argument '%s'", a);
    }
    if (!gold || !pred) return usage_error("eval", "%s", "eval needs --gold and --pred");
    mc_dict *d = NULL;
    const char *label;
    int rc = open_dict(dict_path, &d, &label); /* titles for the error lists */
    if (rc) return rc;
    o.dict = d;
    mc_error e = {0};
    mc_status st = mc_eval_run(gold, pred, &o, stdout, &e);
    mc_dict_close(d);
    return st ? fail(&e) : EX_OK;
}

/* ---- report --------------------------------------------------------------------- */

static int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: medcode report DIR -o report.html\n"
                   "One self-contained HTML page (inline SVG, no script, no network) from a run's output\n"
                   "directory: run summary (manifest.json), top codes with 95%% intervals, prevalence by\n"
                   "age band and sex, chapter distribution (codes.csv), Charlson distribution\n"
                   "(charlson_distribution.csv). Suppressed cells are shown as suppressed.\n");
            return EX_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) { if (!need_arg(i, argc, argv, "report")) return EX_USAGE; out = argv[++i]; }
        else if (a[0] == '-' && a[1]) return usage_error("report", "unknown option '%s'", a);
        else if (!dir) dir = a;
        else return usage_error("report", "unexpected argument '%s'", a);
    }
    if (!dir || !out) return usage_error("report", "%s", "report needs DIR and -o FILE.html");
    mc_error e = {0};
    mc_status st = mc_report_write(dir, out, &e);
    if (st == MC_E_IO) { fail(&e); return EX_OUTPUT; }
    return st ? fail(&e) : EX_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fputs(MAIN_HELP, stderr); return EX_USAGE; }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) { fputs(MAIN_HELP, stdout); return EX_OK; }
    if (!strcmp(c, "--version") || !strcmp(c, "version")) {
        printf("medcode %s (dictionary format %u)\nzstd %s\nlibcsv %d.%d.%d\n", MEDCODE_VERSION, 1u, ZSTD_versionString(),
               CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
        return EX_OK;
    }
    if (!strcmp(c, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(c, "dict")) return cmd_dict(argc - 1, argv + 1);
    if (!strcmp(c, "assert")) return cmd_assert(argc - 1, argv + 1);
    if (!strcmp(c, "eval")) return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(c, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(c, "merge")) return mc_cli_merge(argc - 1, argv + 1);
    if (!strcmp(c, "audit")) return mc_cli_audit(argc - 1, argv + 1);
    fprintf(stderr, "medcode: error: unknown command '%s' (see 'medcode --help')\n", c);
    return EX_USAGE;
}
