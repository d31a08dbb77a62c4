/* mc_context_names.c — names of context categories, directions, sections, assertions
 * and coding rules, as written in trigger lexicons and output columns. */
#include "context/mc_context.h"
#include <string.h>

static const char *const cat_names[MC_CTX__COUNT] = {"", "negated", "possible", "hypothetical", "historical",
                                                     "family", "pseudo", "terminate", "section",
                                                     "habit", "ongoing"};
static const char *const dir_names[MC_DIR__COUNT] = {"none",     "forward",          "backward",          "both",
                                                     "adjacent", "forward_adjacent", "backward_adjacent", "both_adjacent"};
static const char *const sect_names[MC_SECT__COUNT] = {
    "none", "chief_complaint", "history_present_illness", "past_medical_history", "past_surgical_history",
    "family_history", "social_history", "medications", "allergies", "review_of_systems", "physical_exam",
    "assessment", "plan", "impression", "diagnoses", "labs", "other"};
static const char *const assert_names[MC_ASSERT__COUNT] = {"affirmed", "negated", "possible", "hypothetical",
                                                           "historical", "family"};
static const char *const rule_names[MC_RULE__COUNT] = {
    "coded", "negated", "hypothetical", "uncertain_outpatient", "uncertain_inpatient", "family_z", "family_dropped",
    "history_z", "history_dropped", "history_chronic", "not_a_diagnosis", "superseded", "out_of_scope", "context_off"};

static int find(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i] && names[i][0] && strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *mc_ctx_category_name(int c) { return c > 0 && c < MC_CTX__COUNT ? cat_names[c] : "none"; }
int mc_ctx_category_parse(const char *s) { return find(cat_names, MC_CTX__COUNT, s); }
const char *mc_ctx_direction_name(int d) { return d >= 0 && d < MC_DIR__COUNT ? dir_names[d] : "none"; }
int mc_ctx_direction_parse(const char *s)
{
    if (!s[0]) return MC_DIR_NONE;
    return find(dir_names, MC_DIR__COUNT, s);
}
const char *mc_section_name(int s) { return s >= 0 && s < MC_SECT__COUNT ? sect_names[s] : "none"; }
int mc_section_parse(const char *s) { return find(sect_names, MC_SECT__COUNT, s); }
const char *mc_assert_name(int a) { return a >= 0 && a < MC_ASSERT__COUNT ? assert_names[a] : "unknown"; }
const char *mc_rule_name(int r) { return r >= 0 && r < MC_RULE__COUNT ? rule_names[r] : "unknown"; }

/* Axis labels of `medcode assert` (engine/context/mc_ctx_axes.h). */
#include "context/mc_ctx_axes.h"
static const char *const neg_labels[] = {"Affirmed", "Negated", "Possible"};
static const char *const temp_labels[] = {"Recent", "Historical", "Hypothetical"};
static const char *const exp_labels[] = {"Patient", "Other"};
const char *mc_ctx_negation_label(int v) { return v >= 0 && v < 3 ? neg_labels[v] : "Affirmed"; }
const char *mc_ctx_temporality_label(int v) { return v >= 0 && v < 3 ? temp_labels[v] : "Recent"; }
const char *mc_ctx_experiencer_label(int v) { return v >= 0 && v < 2 ? exp_labels[v] : "Patient"; }
