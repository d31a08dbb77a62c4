/* mc_groups.c — per-record diagnosis groups (CCSR) and comorbidity (Quan 2005 Charlson
 * and Elixhauser, AHRQ Elixhauser Refined) from the dictionary's group sections
 * (engine/trie/mc_format.h). Read-only, allocation-free: safe on the hot path.
 *
 * AHRQ rules, as in AHRQ's CMR_Mapping_Program (SAS); the builder stores them as data
 * (mc_fahrq.clears, engine/dict/mc_import_groups.c) and they are applied per record:
 *   DIAB_CX > DIAB_UNCX; HTN_CX > HTN_UNCX; CANCER_METS > CANCER_SOLID, CANCER_NSITU;
 *   CANCER_SOLID > CANCER_NSITU; LIVER_SEV > LIVER_MLD; RENLFL_SEV > RENLFL_MOD
 * (the last two are the program's "exclusions for comorbidities requiring POA").
 * Not implemented, because notes carry neither: present-on-admission indicators (every
 * coded diagnosis is taken as present on admission, POA = Y, so POA-dependent measures
 * count and CBVD = CBVD_POA or CBVD_SQLA) and the principal diagnosis (AHRQ scans
 * secondary diagnoses only; here every counted code of the record is scanned). */
#include "mc_groups.h"
#include "codes/mc_quan.h"
#include "trie/mc_trie.h"
#include <ctype.h>
#include <string.h>

/* ---- CCSR ----------------------------------------------------------------------- */

uint32_t mc_dict_ccsr_count(const mc_dict *d) { return (uint32_t)d->n_ccsr_cats; }

void mc_dict_ccsr_info(const mc_dict *d, uint32_t i, const char **name, const char **title, const char **body,
                       const char **body_title)
{
    const char *e = "";
    const mc_fccsr_cat *c = i < d->n_ccsr_cats ? &d->ccsr_cats[i] : NULL;
    if (name) *name = c ? d->strs + c->name : e;
    if (title) *title = c ? d->strs + c->title : e;
    if (body) *body = c ? d->strs + c->body : e;
    if (body_title) *body_title = c ? d->strs + c->body_title : e;
}

int mc_dict_ccsr_find(const mc_dict *d, const char *name)
{
    char buf[16];
    size_t n = 0;
    for (const char *p = name; *p && n < sizeof buf - 1; p++)
        if (*p != '\'' && *p != '"' && !isspace((unsigned char)*p)) buf[n++] = (char)toupper((unsigned char)*p);
    buf[n] = 0;
    size_t lo = 0, hi = d->n_ccsr_cats;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->strs + d->ccsr_cats[mid].name, buf);
        if (c == 0) return (int)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

int mc_dict_code_ccsr(const mc_dict *d, uint32_t code, uint16_t cats[MC_CCSR_MAX], int *default_ip, int *default_op)
{
    if (default_ip) *default_ip = -1;
    if (default_op) *default_op = -1;
    if (code >= d->n_ccsr_codes) return 0;
    const mc_fccsr_code *c = &d->ccsr_codes[code];
    int n = 0;
    for (int k = 0; k < MC_CCSR_MAX; k++)
        if (c->cat[k] != MC_CCSR_NONE) cats[n++] = c->cat[k];
    if (default_ip && c->ip != MC_CCSR_NONE) *default_ip = c->ip;
    if (default_op && c->op != MC_CCSR_NONE) *default_op = c->op;
    return n;
}

/* Insert v into the sorted distinct array out[0..*n), capacity cap. */
static void put_sorted(uint16_t *out, size_t *n, size_t cap, uint16_t v)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (out[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    if (lo < *n && out[lo] == v) return;
    if (*n >= cap) return;
    memmove(out + lo + 1, out + lo, (*n - lo) * sizeof *out);
    out[lo] = v;
    (*n)++;
}

size_t mc_ccsr_record(const mc_dict *d, const uint32_t *codes, size_t n, int which, uint16_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] >= d->n_ccsr_codes) continue;
        const mc_fccsr_code *c = &d->ccsr_codes[codes[i]];
        if (which == MC_CCSR_DEFAULT_IP) {
            if (c->ip != MC_CCSR_NONE) put_sorted(out, &k, cap, c->ip);
        } else if (which == MC_CCSR_DEFAULT_OP) {
            if (c->op != MC_CCSR_NONE) put_sorted(out, &k, cap, c->op);
        } else {
            for (int j = 0; j < MC_CCSR_MAX; j++)
                if (c->cat[j] != MC_CCSR_NONE) put_sorted(out, &k, cap, c->cat[j]);
        }
    }
    return k;
}

/* ---- comorbidity ---------------------------------------------------------------- */

uint32_t mc_code_charlson_mask(const mc_dict *d, uint32_t code)
{
    if (code >= d->n_codes) return 0;
    if (d->n_comorb) return d->comorb[code].charlson;
    return mc_quan_charlson_mask(d->strs + d->codes[code].code);
}

uint64_t mc_code_elix_quan_mask(const mc_dict *d, uint32_t code)
{
    if (code >= d->n_codes) return 0;
    if (d->n_comorb) return d->comorb[code].elix_quan;
    return mc_quan_elix_mask(d->strs + d->codes[code].code);
}

uint64_t mc_code_ahrq_mask(const mc_dict *d, uint32_t code)
{
    return code < d->n_comorb ? d->comorb[code].ahrq : 0;
}

/* The AHRQ hierarchy is data: the builder stores, per measure, the measures it
 * clears (mc_fahrq.clears); the rules are transitive, so clearing from the record's
 * original mask gives the same result as the SAS program's sequential IF statements. */
static uint64_t ahrq_hierarchy(const mc_dict *d, uint64_t m)
{
    uint64_t out = m;
    for (size_t i = 0; i < d->n_ahrq; i++)
        if (m >> i & 1) out &= ~d->ahrq[i].clears;
    return out;
}

void mc_comorb_record(const mc_dict *d, const uint32_t *codes, size_t n, mc_comorb *out)
{
    memset(out, 0, sizeof *out);
    uint32_t ch = 0;
    uint64_t eq = 0, ah = 0;
    for (size_t i = 0; i < n; i++) {
        ch |= mc_code_charlson_mask(d, codes[i]);
        eq |= mc_code_elix_quan_mask(d, codes[i]);
        ah |= mc_code_ahrq_mask(d, codes[i]);
    }
    out->charlson_mask = ch;
    out->elix_quan_mask = eq;

    uint32_t hc = ch; /* Charlson hierarchy: count only the more severe form */
    if (hc & (1u << MC_CH_MSLD)) hc &= ~(1u << MC_CH_MLD);
    if (hc & (1u << MC_CH_DIABWC)) hc &= ~(1u << MC_CH_DIAB);
    if (hc & (1u << MC_CH_METACANC)) hc &= ~(1u << MC_CH_CANC);
    for (int i = 0; i < MC_CH__COUNT; i++)
        if (hc >> i & 1) {
            out->charlson_index += mc_quan_charlson[i].weight;
            out->charlson_index_quan2011 += mc_quan_charlson[i].weight2;
        }

    uint64_t he = eq; /* Elixhauser hierarchy (as in the R package 'comorbidity' scores) */
    if (he & (1ull << MC_EQ_HYPC)) he &= ~(1ull << MC_EQ_HYPUNC);
    if (he & (1ull << MC_EQ_DIABC)) he &= ~(1ull << MC_EQ_DIABUNC);
    if (he & (1ull << MC_EQ_METACANC)) he &= ~(1ull << MC_EQ_SOLIDTUM);
    for (int i = 0; i < MC_EQ__COUNT; i++)
        if (he >> i & 1) {
            out->elix_quan_count++;
            out->elix_vw += mc_quan_elix[i].weight;
        }

    if (d->n_ahrq) {
        ah = ahrq_hierarchy(d, ah);
        out->ahrq_mask = ah;
        for (size_t i = 0; i < d->n_ahrq; i++)
            if (ah >> i & 1) {
                out->ahrq_mortality += d->ahrq[i].mortality;
                out->ahrq_readmission += d->ahrq[i].readmission;
            }
    }
}

/* ---- names ---------------------------------------------------------------------- */

int mc_charlson_n(void) { return MC_CH__COUNT; }
const char *mc_charlson_name(int i) { return i >= 0 && i < MC_CH__COUNT ? mc_quan_charlson[i].name : ""; }
const char *mc_charlson_title(int i) { return i >= 0 && i < MC_CH__COUNT ? mc_quan_charlson[i].title : ""; }
int mc_charlson_weight(int i) { return i >= 0 && i < MC_CH__COUNT ? mc_quan_charlson[i].weight : 0; }
int mc_charlson_weight_quan2011(int i) { return i >= 0 && i < MC_CH__COUNT ? mc_quan_charlson[i].weight2 : 0; }
int mc_elix_quan_n(void) { return MC_EQ__COUNT; }
const char *mc_elix_quan_name(int i) { return i >= 0 && i < MC_EQ__COUNT ? mc_quan_elix[i].name : ""; }
const char *mc_elix_quan_title(int i) { return i >= 0 && i < MC_EQ__COUNT ? mc_quan_elix[i].title : ""; }
int mc_elix_vw_weight(int i) { return i >= 0 && i < MC_EQ__COUNT ? mc_quan_elix[i].weight : 0; }

int mc_ahrq_n(const mc_dict *d) { return (int)d->n_ahrq; }
const char *mc_ahrq_name(const mc_dict *d, int i) { return i >= 0 && (size_t)i < d->n_ahrq ? d->strs + d->ahrq[i].name : ""; }
const char *mc_ahrq_title(const mc_dict *d, int i) { return i >= 0 && (size_t)i < d->n_ahrq ? d->strs + d->ahrq[i].title : ""; }
void mc_ahrq_weights(const mc_dict *d, int i, int *mortality, int *readmission)
{
    int ok = i >= 0 && (size_t)i < d->n_ahrq;
    if (mortality) *mortality = ok ? d->ahrq[i].mortality : 0;
    if (readmission) *readmission = ok ? d->ahrq[i].readmission : 0;
}
