/* mc_lexicon.c — import of our CSV lexicons into the builder: term lexicons
 * (code,term[,system][,source][,flags]) and context trigger lexicons
 * (phrase,category,direction[,window][,section]). Columns are found by header name;
 * errors name the file and the row. Parsed with libcsv (strict mode). */
#include "mc_build.h"
#include "common/mc_util.h"
#include "context/mc_context.h"
#include "dict/mc_csvrows.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int col(char **f, size_t nf, const char *name)
{
    for (size_t i = 0; i < nf; i++)
        if (strcasecmp(f[i], name) == 0) return (int)i;
    return -1;
}

static const char *fld(char **f, size_t nf, int i) { return (i >= 0 && (size_t)i < nf) ? f[i] : ""; }

typedef struct { mc_builder *b; mc_source def; int c_code, c_term, c_sys, c_src, c_flags; long n; } lexctx;

static int lex_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    lexctx *c = ud;
    const char *path = err ? err->path : "";
    if (row == 1) {
        c->c_code = col(f, nf, "code");
        c->c_term = col(f, nf, "term");
        c->c_sys = col(f, nf, "system");
        c->c_src = col(f, nf, "source");
        c->c_flags = col(f, nf, "flags");
        if (c->c_code < 0 || c->c_term < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "lexicon header must name the columns code and term");
        return MC_OK;
    }
    const char *code = fld(f, nf, c->c_code), *term = fld(f, nf, c->c_term);
    if (!code[0] || !term[0]) return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "empty code or term");
    mc_source src = c->def;
    const char *s = fld(f, nf, c->c_src);
    if (s[0] && mc_source_parse(s, &src))
        return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "unknown source '%.40s'", s);
    unsigned flags = 0;
    char fl[256];
    snprintf(fl, sizeof fl, "%s", fld(f, nf, c->c_flags));
    for (char *save = NULL, *t = strtok_r(fl, ";| ", &save); t; t = strtok_r(NULL, ";| ", &save)) {
        if (strcmp(t, "upper") == 0) flags |= MC_TERMF_UPPER;
        else if (strcmp(t, "category") == 0) flags |= MC_TERMF_CATEGORY;
        else if (strcmp(t, "guarded") == 0) flags |= MC_TERMF_GUARDED;
        else return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "unknown flag '%.40s'", t);
    }
    const char *sys = fld(f, nf, c->c_sys);
    mc_status st = mc_builder_add_term(c->b, code, term, src, flags, sys[0] ? sys : NULL);
    if (st == MC_E_DICT_BUILD) return mc_error_set(err, st, path, row, 0, 0, "code '%.20s' is not code-shaped or the term is empty after normalisation", code);
    if (st) return mc_error_set(err, st, path, row, 0, 0, "%s", mc_status_str(st));
    c->n++;
    return MC_OK;
}

mc_status mc_builder_add_lexicon_csv(mc_builder *b, const char *path, mc_source def, mc_error *err)
{
    lexctx c = {b, def, -1, -1, -1, -1, -1, 0};
    mc_error local;
    if (!err) err = &local;
    snprintf(err->path, sizeof err->path, "%s", path);
    mc_status st = mc_csv_rows(path, MC_CSVROWS_STRICT, lex_row, &c, err);
    if (st == MC_OK && c.n == 0) return mc_error_set(err, MC_E_DICT_BUILD, path, 0, 0, 0, "lexicon has no terms");
    return st;
}

typedef struct { mc_builder *b; int c_ph, c_cat, c_dir, c_win, c_sec; long n; } ctxctx;

static int ctx_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    ctxctx *c = ud;
    const char *path = err->path;
    if (row == 1) {
        c->c_ph = col(f, nf, "phrase");
        c->c_cat = col(f, nf, "category");
        c->c_dir = col(f, nf, "direction");
        c->c_win = col(f, nf, "window");
        c->c_sec = col(f, nf, "section");
        if (c->c_ph < 0 || c->c_cat < 0 || c->c_dir < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "context header must name phrase, category and direction");
        return MC_OK;
    }
    int cat = mc_ctx_category_parse(fld(f, nf, c->c_cat));
    int dir = mc_ctx_direction_parse(fld(f, nf, c->c_dir));
    if (cat < 0) return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "unknown category '%.40s'", fld(f, nf, c->c_cat));
    if (dir < 0) return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "unknown direction '%.40s'", fld(f, nf, c->c_dir));
    int win = atoi(fld(f, nf, c->c_win));
    if (win < 0 || win > 255) return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "window out of range 0..255");
    int sec = 0;
    const char *ss = fld(f, nf, c->c_sec);
    if (ss[0] && (sec = mc_section_parse(ss)) < 0)
        return mc_error_set(err, MC_E_DICT_BUILD, path, row, 0, 0, "unknown section '%.40s'", ss);
    mc_status st = mc_builder_add_trigger(c->b, fld(f, nf, c->c_ph), cat, dir, win, sec);
    if (st) return mc_error_set(err, st, path, row, 0, 0, "bad trigger phrase");
    c->n++;
    return MC_OK;
}

mc_status mc_builder_add_context_csv(mc_builder *b, const char *path, mc_error *err)
{
    ctxctx c = {b, -1, -1, -1, -1, -1, 0};
    mc_error local;
    if (!err) err = &local;
    snprintf(err->path, sizeof err->path, "%s", path);
    return mc_csv_rows(path, MC_CSVROWS_STRICT, ctx_row, &c, err);
}

typedef struct { mc_builder *b; int c_p, c_f, c_h, c_c, c_ft, c_ht; } zctx;

static int z_row(void *ud, char **f, size_t nf, unsigned long row, mc_error *err)
{
    zctx *c = ud;
    if (row == 1) {
        c->c_p = col(f, nf, "prefix");
        c->c_f = col(f, nf, "family_code");
        c->c_h = col(f, nf, "history_code");
        c->c_c = col(f, nf, "chronic");
        c->c_ft = col(f, nf, "family_title");
        c->c_ht = col(f, nf, "history_title");
        if (c->c_p < 0 || c->c_f < 0 || c->c_h < 0 || c->c_c < 0)
            return mc_error_set(err, MC_E_DICT_BUILD, err->path, row, 0, 0, "history map header must name prefix, family_code, history_code and chronic");
        return MC_OK;
    }
    const char *ch = fld(f, nf, c->c_c);
    mc_status st = mc_builder_add_zmap(c->b, fld(f, nf, c->c_p), fld(f, nf, c->c_f), fld(f, nf, c->c_ft),
                                       fld(f, nf, c->c_h), fld(f, nf, c->c_ht), ch[0] == '1' || ch[0] == 'y');
    if (st) return mc_error_set(err, st, err->path, row, 0, 0, "bad history map row (prefix or code not code-shaped)");
    return MC_OK;
}

mc_status mc_builder_add_zmap_csv(mc_builder *b, const char *path, mc_error *err)
{
    zctx c = {b, -1, -1, -1, -1, -1, -1};
    mc_error local;
    if (!err) err = &local;
    snprintf(err->path, sizeof err->path, "%s", path);
    return mc_csv_rows(path, MC_CSVROWS_STRICT, z_row, &c, err);
}
