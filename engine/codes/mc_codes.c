/* mc_codes.c — coding rules per mention and per-record specificity (mc_codes.h). */
#include "codes/mc_codes.h"
#include "context/mc_context.h"
#include "trie/mc_trie.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void rule(mc_mention *m, uint32_t code, int r, int counted)
{
    m->code = code;
    m->rule = (uint8_t)r;
    m->counted = (uint8_t)counted;
}

/* An unspecified psychoactive substance use code: F10.9-, F11.9-, ... F19.9- (F17 has
 * no use codes). ICD-10-CM guideline I.C.5.b.3: these are assigned only when the use is
 * associated with a substance-related disorder or medical condition documented by the
 * provider, never for a habit noted in the social history ("drinks alcohol", "EtOH use"). */
static int is_substance_use(const mc_dict *d, uint32_t c)
{
    const char *k = d->strs + d->codes[c].code;
    return k[0] == 'F' && k[1] == '1' && k[2] >= '0' && k[2] <= '9' && k[2] != '7' && k[3] == '.' && k[4] == '9';
}

static const mc_fzmap *zmap_of(const mc_dict *d, uint32_t code) { return d->n_zmap ? &d->zmap[code] : NULL; }

static int is_unspecified(const mc_dict *d, uint32_t c)
{
    const char *code = d->strs + d->codes[c].code;
    size_t n = strlen(code);
    if (n > 3 && code[n - 1] == '9') return 1;
    if (!d->codes[c].title_official) return 0;
    for (const char *t = d->strs + d->codes[c].title; *t; t++) /* (c | 0x20) == 'u': U or u only */
        if ((*t | 0x20) == 'u' && strncasecmp(t, "unspecified", 11) == 0) return 1;
    return 0;
}

/* Does code b refine code a within its category (a is an ancestor, or a is the
 * unspecified member and b a specific one)? */
static int refines(const mc_dict *d, uint32_t a, uint32_t b)
{
    if (a == b) return 0;
    const char *ca = d->strs + d->codes[a].code, *cb = d->strs + d->codes[b].code;
    if (strncmp(ca, cb, 3) != 0) return 0;
    size_t la = strlen(ca);
    if (strncmp(ca, cb, la) == 0 && strlen(cb) > la) return 1;
    return is_unspecified(d, a) && !is_unspecified(d, b);
}

void mc_codes_apply(const mc_dict *d, mc_mention *ms, size_t n, const mc_scan_opts *o)
{
    for (size_t i = 0; i < n; i++) {
        mc_mention *m = &ms[i];
        uint32_t mc = m->matched_code;
        int zcode = (d->code_key[mc] & MC_CODEK_HISTORY) != 0; /* history/status already coded */
        const mc_fzmap *z = zmap_of(d, mc);
        if (!o->context) { rule(m, mc, MC_RULE_CONTEXT_OFF, 1); continue; }
        switch (m->assertion) {
        case MC_ASSERT_NEGATED: rule(m, mc, MC_RULE_NEGATED, 0); break;
        case MC_ASSERT_HYPOTHETICAL: rule(m, mc, MC_RULE_HYPOTHETICAL, 0); break;
        case MC_ASSERT_POSSIBLE:
            if (o->setting == MC_SETTING_INPATIENT) rule(m, mc, MC_RULE_UNCERTAIN_IN, 1);
            else rule(m, mc, MC_RULE_UNCERTAIN_OUT, 0);
            break;
        case MC_ASSERT_FAMILY:
            if (zcode) rule(m, mc, MC_RULE_CODED, 1);
            else if (z && z->family != MC_NONE) rule(m, z->family, MC_RULE_FAMILY_Z, 1);
            else rule(m, mc, MC_RULE_FAMILY_DROP, 0);
            break;
        case MC_ASSERT_HISTORICAL:
            if (zcode) rule(m, mc, MC_RULE_CODED, 1);
            else if (z && (z->flags & MC_ZMAP_CHRONIC)) rule(m, mc, MC_RULE_HISTORY_CHRONIC, 1);
            else if (z && z->history != MC_NONE) rule(m, z->history, MC_RULE_HISTORY_Z, 1);
            else rule(m, mc, MC_RULE_HISTORY_DROP, 0);
            break;
        default:
            if (m->section == MC_SECT_ALLERGIES || m->section == MC_SECT_MEDICATIONS ||
                (m->section == MC_SECT_SOCIAL_HISTORY && is_substance_use(d, mc)))
                rule(m, mc, MC_RULE_NOT_DIAGNOSIS, 0);
            else rule(m, mc, MC_RULE_CODED, 1);
        }
        if (m->counted && o->only && !o->only[m->code]) rule(m, m->code, MC_RULE_OUT_OF_SCOPE, 0);
    }
    if (!o->resolve_specific) return;
    /* A counted mention is superseded by a counted one of the same category that refines
     * its code. cat[k]: mention k's category key while it counts, else a key no code has
     * (so the pair test is one compare, rarely true); the general loop past 256. */
    uint32_t cat[256];
    int fast = n <= sizeof cat / sizeof cat[0];
    /* shared: bit (hash of a category) & 63 is set when two counted mentions fall in it;
     * a mention outside shared has no other of its category and is skipped */
    uint64_t seen = 0, shared = ~0ull;
    if (fast) {
        shared = 0;
        for (size_t k = 0; k < n; k++) {
            cat[k] = ms[k].counted ? d->code_key[ms[k].code] & MC_CODEK_CATEGORY : UINT32_MAX;
            uint64_t bit = (uint64_t)(ms[k].counted != 0) << (cat[k] * 0x9E3779B1u >> 26);
            shared |= seen & bit;
            seen |= bit;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!ms[i].counted) continue;
        uint32_t ci = d->code_key[ms[i].code] & MC_CODEK_CATEGORY;
        if (!(shared >> (ci * 0x9E3779B1u >> 26) & 1)) continue;
        for (size_t j = 0; j < n; j++)
            if ((fast ? cat[j] == ci
                      : ms[j].counted && (d->code_key[ms[j].code] & MC_CODEK_CATEGORY) == ci) &&
                refines(d, ms[i].code, ms[j].code)) {
                ms[i].counted = 0;
                ms[i].rule = MC_RULE_SUPERSEDED;
                if (fast) cat[i] = UINT32_MAX;
                break;
            }
    }
}

static void undot(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (*in != '.' && !isspace((unsigned char)*in)) out[n++] = (char)toupper((unsigned char)*in);
    out[n] = 0;
}

mc_status mc_codes_load_scope(const mc_dict *d, const char *path, uint8_t **out, mc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return mc_error_set(err, MC_E_IO, path, 0, 0, 0, "cannot open code list");
    uint8_t *sc = calloc(d->n_codes + 1, 1);
    if (!sc) { fclose(f); return mc_error_set(err, MC_E_NOMEM, path, 0, 0, 0, "out of memory"); }
    char line[256];
    unsigned long ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char *dash = strchr(line, '-');
        char lo[32], hi[32];
        if (dash) {
            *dash = 0;
            undot(line, lo, sizeof lo);
            undot(dash + 1, hi, sizeof hi);
        } else {
            undot(line, lo, sizeof lo);
            snprintf(hi, sizeof hi, "%s", lo);
        }
        if (!lo[0] && !hi[0]) continue;
        if (!lo[0] || !hi[0]) {
            fclose(f);
            free(sc);
            return mc_error_set(err, MC_E_USAGE, path, ln, 0, 0, "bad code range");
        }
        size_t ll = strlen(lo), hl = strlen(hi);
        for (size_t c = 0; c < d->n_codes; c++) {
            char u[16];
            undot(d->strs + d->codes[c].code, u, sizeof u);
            if (strncmp(u, lo, ll) >= 0 && strncmp(u, hi, hl) <= 0) sc[c] = 1;
        }
    }
    fclose(f);
    *out = sc;
    return MC_OK;
}

mc_status mc_dict_load_scope(const mc_dict *d, const char *path, uint8_t **out, mc_error *err)
{
    return mc_codes_load_scope(d, path, out, err);
}
