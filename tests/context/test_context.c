/* test_context.c — table tests of the context stage and the coding rules on top of it.
 * Builds a small dictionary in a temporary folder from our trigger lexicon and history
 * map (datasets/context/) plus a handful of diagnosis terms, then codes sentences with
 * mc_scan and checks, per target phrase: assertion, section, rule and counted code.
 * Usage: test_context TRIGGERS.csv HISTORY_MAP.csv */
#include "mc_test.h"
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include "context/mc_context.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const terms[][2] = {
    {"J18.9", "pneumonia"},          {"R50.9", "fever"},
    {"R05.9", "cough"},              {"R07.9", "chest pain"},
    {"I10", "hypertension"},         {"E11.9", "type 2 diabetes"},
    {"C50.919", "breast cancer"},    {"C18.9", "colon cancer"},
    {"I21.9", "myocardial infarction"}, {"I26.99", "pulmonary embolism"},
    {"I63.9", "stroke"},             {"N39.0", "urinary tract infection"},
    {"J45.909", "asthma"},           {"J93.9", "pneumothorax"},
    {"Z88.0", "penicillin allergy"}, {"R51.9", "headache"},
    {"I50.9", "heart failure"},      {"R56.9", "seizure"},
    {"F17.210", "smokes cigarettes"}, {"R68.83", "chills"},
    {"F19.10", "drug abuse"},        {"F10.90", "alcohol use"},
    {"Z72.0", "smoker"},             {"Z88.9", "drug allergies"},
    {"R19.4", "change in bowel habits"}, {"T78.40", "allergic reaction"},
    {"I25.10", "coronary artery disease"}, {"K50.90", "crohn's disease"},
    {"J90", "pleural effusion"},     {"S72.009", "hip fracture"},
    {"Z78.0", "postmenopausal"},
};

/* Assertion and section of one target. sect -1: not checked. */
typedef struct { const char *text, *target; int assertion, sect; } acase;

#define AFF MC_ASSERT_AFFIRMED
#define NEG MC_ASSERT_NEGATED
#define POS MC_ASSERT_POSSIBLE
#define HYP MC_ASSERT_HYPOTHETICAL
#define HIS MC_ASSERT_HISTORICAL
#define FAM MC_ASSERT_FAMILY

static const acase acases[] = {
    /* negation, forward */
    {"Patient denies fever, chills or cough.", "cough", NEG, -1},
    {"No evidence of pneumonia.", "pneumonia", NEG, -1},
    {"Chest x-ray is negative for pneumonia.", "pneumonia", NEG, -1},
    {"The patient doesn't have a headache.", "headache", NEG, -1},
    {"Without fever.", "fever", NEG, -1},
    {"He has never had a seizure.", "seizure", NEG, -1},
    /* negation, backward (post-triggers) */
    {"Pneumonia was ruled out.", "pneumonia", NEG, -1},
    {"Pulmonary embolism is unlikely.", "pulmonary embolism", NEG, -1},
    {"Pneumothorax is not seen.", "pneumothorax", NEG, -1},
    {"Blood cultures for pneumonia were negative.", "pneumonia", NEG, -1},
    {"The fever has resolved.", "fever", NEG, -1},
    /* pseudo-triggers: look like triggers, are not */
    {"No increase in the pneumothorax.", "pneumothorax", AFF, -1},
    {"No change in the pneumothorax.", "pneumothorax", AFF, -1},
    {"Gram negative pneumonia.", "pneumonia", AFF, -1},
    {"Not only fever but also cough.", "fever", AFF, -1},
    {"She walks without difficulty despite the chest pain.", "chest pain", AFF, -1},
    {"Pneumonia has not been ruled out.", "pneumonia", POS, -1},
    {"The stroke was not ruled out.", "stroke", POS, -1},
    /* terminators end the scope */
    {"Denies fever but reports cough.", "fever", NEG, -1},
    {"Denies fever but reports cough.", "cough", AFF, -1},
    {"No chest pain, however has a cough.", "cough", AFF, -1},
    {"No fever except for chills.", "chills", AFF, -1},
    {"No pneumothorax; positive for pneumonia.", "pneumonia", AFF, -1},
    /* scope ends at the sentence ... */
    {"No fever. Cough for two days.", "cough", AFF, -1},
    {"No fever\nCough for two days.", "cough", AFF, -1},
    /* ... at a section header ... */
    {"No prior studies Impression: pneumonia", "pneumonia", AFF, MC_SECT_IMPRESSION},
    /* ... and at the window */
    {"No acute changes were seen on the film taken yesterday, so the diagnosis is pneumonia.", "pneumonia", AFF, -1},
    {"Denies alcohol, tobacco, illicit drugs, recent travel, sick contacts or fever.", "fever", NEG, -1},
    /* uncertainty */
    {"Possible pneumonia.", "pneumonia", POS, -1},
    {"Probable heart failure.", "heart failure", POS, -1},
    {"Rule out pulmonary embolism.", "pulmonary embolism", POS, -1},
    {"R/O pulmonary embolism.", "pulmonary embolism", POS, -1},
    {"Pneumonia cannot be excluded.", "pneumonia", POS, -1},
    {"Cannot rule out pneumonia.", "pneumonia", POS, -1},
    {"Suspected myocardial infarction.", "myocardial infarction", POS, -1},
    {"Questionable pneumonia.", "pneumonia", POS, -1},
    {"Findings consistent with pneumonia.", "pneumonia", POS, -1},
    {"Pneumonia versus heart failure.", "heart failure", POS, -1},
    /* hypothetical */
    {"Return if fever develops.", "fever", HYP, -1},
    {"Return to the ER for chest pain.", "chest pain", HYP, -1},
    {"If he develops chest pain, call 911.", "chest pain", HYP, -1},
    {"Should she develop a fever, she will call.", "fever", HYP, -1},
    {"Call for headache or fever.", "fever", HYP, -1},
    /* historical */
    {"History of breast cancer.", "breast cancer", HIS, -1},
    {"h/o stroke.", "stroke", HIS, -1},
    {"s/p myocardial infarction.", "myocardial infarction", HIS, -1},
    {"Status post stroke.", "stroke", HIS, -1},
    {"Previous pneumonia.", "pneumonia", HIS, -1},
    {"Myocardial infarction 5 years ago.", "myocardial infarction", HIS, -1},
    {"She has a past medical history significant for asthma.", "asthma", HIS, -1},
    {"History of hypertension who presents with chest pain.", "chest pain", AFF, -1},
    {"No history of stroke.", "stroke", NEG, -1},
    /* family / other experiencer */
    {"Family history of colon cancer.", "colon cancer", FAM, -1},
    {"Mother had breast cancer.", "breast cancer", FAM, -1},
    {"Breast cancer in her mother.", "breast cancer", FAM, -1},
    {"Her brother has asthma.", "asthma", FAM, -1},
    {"His father had a stroke and the patient has hypertension.", "hypertension", AFF, -1},
    {"No family history of colon cancer.", "colon cancer", NEG, -1},
    {"FH is positive for a sister with breast cancer.", "breast cancer", FAM, -1},
    /* sections: headers with a colon, alone on a line, ALL-CAPS line starts; inline */
    {"PAST MEDICAL HISTORY:\nHypertension\nAsthma\n\nHPI: Chest pain.", "asthma", HIS, MC_SECT_PMH},
    {"PAST MEDICAL HISTORY:\nHypertension\nAsthma\n\nHPI: Chest pain.", "chest pain", AFF, MC_SECT_HPI},
    {"Past Medical History\nAsthma\nHPI\nChest pain today.", "asthma", HIS, MC_SECT_PMH},
    {"Past Medical History\nAsthma\nHPI\nChest pain today.", "chest pain", AFF, MC_SECT_HPI},
    {"PAST MEDICAL HISTORY Asthma and hypertension.", "hypertension", HIS, MC_SECT_PMH},
    {"PMH: HTN, asthma. FHx: colon cancer.", "asthma", HIS, MC_SECT_PMH},
    {"PMH: HTN, asthma. FHx: colon cancer.", "colon cancer", FAM, MC_SECT_FAMILY_HISTORY},
    {"FAMILY HISTORY\nBreast cancer.\nSOCIAL HISTORY: Smokes cigarettes.", "breast cancer", FAM, MC_SECT_FAMILY_HISTORY},
    {"FAMILY HISTORY\nBreast cancer.\nSOCIAL HISTORY: Smokes cigarettes.", "smokes cigarettes", AFF, MC_SECT_SOCIAL_HISTORY},
    {"Allergies: penicillin allergy.", "penicillin allergy", AFF, MC_SECT_ALLERGIES},
    {"Assessment: pneumonia.", "pneumonia", AFF, MC_SECT_ASSESSMENT},
    {"Discharge Diagnoses:\n1. Pneumonia.\n2. Heart failure.", "heart failure", AFF, MC_SECT_DIAGNOSES},
    {"Review of Systems: negative for fever, cough.", "cough", NEG, MC_SECT_ROS},
    {"Assessment of the patient shows pneumonia.", "pneumonia", AFF, MC_SECT_NONE},
    {"HISTORY OF PRESENT ILLNESS: chest pain.", "chest pain", AFF, MC_SECT_HPI},
    {"Family History: noncontributory.\nAssessment: stroke.", "stroke", AFF, MC_SECT_ASSESSMENT},
};

/* The temporality axis (the `medcode assert` label) with the coding assertion: a weak
 * Historical (habits, allergies, "X status post <procedure>", "unchanged") keeps the
 * assertion affirmed. sect -1: not checked. */
typedef struct { const char *text, *target; int assertion; const char *temporality; int sect; } tcase;

static const tcase tcases[] = {
    /* the target names a habit or an allergy: Historical (weak), also when negated */
    {"The patient smokes cigarettes.", "smokes cigarettes", AFF, "Historical", MC_SECT_NONE},
    {"Denies alcohol use or drug abuse.", "drug abuse", NEG, "Historical", -1},
    {"Denies alcohol use or drug abuse.", "alcohol use", NEG, "Historical", -1},
    {"He has no known drug allergies.", "drug allergies", NEG, "Historical", -1},
    {"Allergies: penicillin allergy.", "penicillin allergy", AFF, "Historical", MC_SECT_ALLERGIES},
    {"TOBACCO: smoker for 40 years.", "smoker", AFF, "Historical", MC_SECT_SOCIAL_HISTORY},
    {"She is a former smoker.", "smoker", HIS, "Historical", -1},
    /* ... but not words that only look like one */
    {"The indication is change in bowel habits.", "change in bowel habits", AFF, "Recent", -1},
    {"Allergic reaction to contrast today.", "allergic reaction", AFF, "Recent", -1},
    {"Cough for two days.", "cough", AFF, "Recent", -1},
    /* a condition directly before "status post <procedure>" was treated in the past */
    {"Coronary artery disease status post CABG.", "coronary artery disease", AFF, "Historical", -1},
    {"Crohn's disease, status post ileocecal resection.", "crohn's disease", AFF, "Historical", -1},
    {"History of hypertension, coronary artery disease s/p CABG.", "coronary artery disease", HIS, "Historical", -1},
    {"PMH: colon cancer s/p resection.", "colon cancer", HIS, "Historical", MC_SECT_PMH},
    /* ... not when "status post" names the mechanism of the present injury, not across a
     * semicolon, and not a target further back */
    {"Left hip fracture status post fall.", "hip fracture", AFF, "Recent", -1},
    {"Status post fall with hip fracture.", "hip fracture", AFF, "Recent", -1},
    {"S/p MVC with hip fracture.", "hip fracture", AFF, "Recent", -1},
    {"Chest pain; status post CABG.", "chest pain", AFF, "Recent", -1},
    {"Chest pain for two days in a patient status post CABG.", "chest pain", AFF, "Recent", -1},
    /* a finding unchanged from (seen on) a prior study began before it */
    {"The pleural effusion is unchanged.", "pleural effusion", AFF, "Historical", -1},
    {"The pleural effusion is redemonstrated with no change.", "pleural effusion", AFF, "Historical", -1},
    {"The pneumothorax has not changed in size.", "pneumothorax", AFF, "Historical", -1},
    {"No change in the pneumothorax.", "pneumothorax", AFF, "Recent", -1},
    {"New pleural effusion.", "pleural effusion", AFF, "Recent", -1},
    /* menstrual / obstetric history is part of the past history */
    {"Menstrual History: postmenopausal", "postmenopausal", HIS, "Historical", MC_SECT_PMH},
    {"Clinical History: breast cancer.", "breast cancer", AFF, "Recent", MC_SECT_OTHER},
};

/* Coding rules: setting, expected rule and the code that counts (NULL: not counted). */
typedef struct { const char *text, *target; mc_setting setting; int rule; const char *code; } rcase;

static const rcase rcases[] = {
    {"Possible pneumonia.", "pneumonia", MC_SETTING_OUTPATIENT, MC_RULE_UNCERTAIN_OUT, NULL},
    {"Possible pneumonia.", "pneumonia", MC_SETTING_INPATIENT, MC_RULE_UNCERTAIN_IN, "J18.9"},
    {"No pneumonia.", "pneumonia", MC_SETTING_INPATIENT, MC_RULE_NEGATED, NULL},
    {"Return if fever.", "fever", MC_SETTING_OUTPATIENT, MC_RULE_HYPOTHETICAL, NULL},
    {"Family history of breast cancer.", "breast cancer", MC_SETTING_OUTPATIENT, MC_RULE_FAMILY_Z, "Z80.3"},
    {"Mother has asthma.", "asthma", MC_SETTING_OUTPATIENT, MC_RULE_FAMILY_Z, "Z82.5"},
    {"FAMILY HISTORY: type 2 diabetes.", "type 2 diabetes", MC_SETTING_OUTPATIENT, MC_RULE_FAMILY_Z, "Z83.3"},
    {"History of breast cancer.", "breast cancer", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z85.3"},
    {"History of colon cancer.", "colon cancer", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z85.038"},
    {"History of myocardial infarction.", "myocardial infarction", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "I25.2"},
    {"History of pulmonary embolism.", "pulmonary embolism", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z86.711"},
    {"History of stroke.", "stroke", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z86.73"},
    {"History of urinary tract infection.", "urinary tract infection", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z87.440"},
    {"History of hypertension.", "hypertension", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_CHRONIC, "I10"},
    {"PMH: asthma.", "asthma", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_CHRONIC, "J45.909"},
    {"PMH: type 2 diabetes.", "type 2 diabetes", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_CHRONIC, "E11.9"},
    {"History of heart failure.", "heart failure", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_CHRONIC, "I50.9"},
    {"History of headache.", "headache", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_DROP, NULL},
    {"SOCIAL HISTORY: Smokes cigarettes.", "smokes cigarettes", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "F17.210"},
    {"Allergies: penicillin allergy.", "penicillin allergy", MC_SETTING_OUTPATIENT, MC_RULE_NOT_DIAGNOSIS, NULL},
    /* substance use (F1x.9-) noted in the social history is a habit, not a diagnosis (I.C.5.b.3);
     * abuse is a disorder, and use named elsewhere stays coded */
    {"SOCIAL HISTORY: Alcohol use on weekends.", "alcohol use", MC_SETTING_OUTPATIENT, MC_RULE_NOT_DIAGNOSIS, NULL},
    {"SOCIAL HISTORY: Drug abuse.", "drug abuse", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "F19.10"},
    {"Assessment: alcohol use.", "alcohol use", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "F10.90"},
    {"Assessment: pneumonia.", "pneumonia", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "J18.9"},
    /* weak historicals keep coding the condition */
    {"The patient smokes cigarettes.", "smokes cigarettes", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "F17.210"},
    {"Coronary artery disease status post CABG.", "coronary artery disease", MC_SETTING_OUTPATIENT, MC_RULE_CODED, "I25.10"},
    {"The pleural effusion is unchanged.", "pleural effusion", MC_SETTING_INPATIENT, MC_RULE_CODED, "J90"},
    {"Left hip fracture status post fall.", "hip fracture", MC_SETTING_INPATIENT, MC_RULE_CODED, "S72.009"},
    {"PMH: colon cancer s/p resection.", "colon cancer", MC_SETTING_OUTPATIENT, MC_RULE_HISTORY_Z, "Z85.038"},
    {"Denies drug abuse.", "drug abuse", MC_SETTING_OUTPATIENT, MC_RULE_NEGATED, NULL},
};

static const mc_mention *find_target(const mc_mention *ms, size_t n, const char *text, const char *target)
{
    size_t tl = strlen(target);
    for (size_t i = 0; i < n; i++)
        if (ms[i].end - ms[i].start == tl && strncasecmp(text + ms[i].start, target, tl) == 0) return &ms[i];
    return NULL;
}

static mc_dict *build_dict(const char *triggers, const char *zmap, char *path, size_t cap)
{
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = mc_builder_create();
    mc_status st = mc_builder_add_context_csv(b, triggers, &err);
    if (!st) st = mc_builder_add_zmap_csv(b, zmap, &err);
    for (size_t i = 0; !st && i < sizeof terms / sizeof terms[0]; i++)
        st = mc_builder_add_term(b, terms[i][0], terms[i][1], MC_SRC_CURATED, 0, NULL);
    if (!st) st = mc_builder_add_term(b, "I10", "HTN", MC_SRC_ABBREV, MC_TERMF_UPPER, NULL);
    snprintf(path, cap, "%s/test_context_%ld.dict", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    if (!st) st = mc_builder_write(b, path, &err);
    mc_builder_free(b);
    mc_dict *d = NULL;
    if (!st) st = mc_dict_open(path, &d, &err);
    if (st) {
        char buf[1024];
        mc_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "test_context: %s\n", buf);
        return NULL;
    }
    return d;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_context TRIGGERS.csv HISTORY_MAP.csv\n");
        return 2;
    }
    char path[512];
    mc_dict *d = build_dict(argv[1], argv[2], path, sizeof path);
    MC_CHECK(d != NULL);
    if (!d) return mc_test_result("test_context");
    mc_scratch *s = mc_scratch_create(d);
    mc_scan_opts o;
    mc_scan_opts_default(&o);

    for (size_t i = 0; i < sizeof acases / sizeof acases[0]; i++) {
        const acase *c = &acases[i];
        const mc_mention *ms;
        size_t n;
        MC_CHECK(mc_scan(s, c->text, strlen(c->text), &o, &ms, &n) == MC_OK);
        const mc_mention *m = find_target(ms, n, c->text, c->target);
        if (!m) {
            fprintf(stderr, "case %zu: target \"%s\" not matched in \"%s\"\n", i, c->target, c->text);
            MC_CHECK(m != NULL);
            continue;
        }
        if (m->assertion != c->assertion || (c->sect >= 0 && m->section != c->sect))
            fprintf(stderr, "case %zu: \"%s\" in \"%s\": got %s/%s (trigger \"%s\"), want %s/%s\n", i, c->target, c->text,
                    mc_assert_name(m->assertion), mc_section_name(m->section), mc_trigger_text(d, m->trigger),
                    mc_assert_name(c->assertion), c->sect >= 0 ? mc_section_name(c->sect) : "*");
        MC_CHECK(m->assertion == c->assertion);
        if (c->sect >= 0) MC_CHECK(m->section == c->sect);
    }

    for (size_t i = 0; i < sizeof tcases / sizeof tcases[0]; i++) {
        const tcase *c = &tcases[i];
        const mc_mention *ms;
        size_t n;
        MC_CHECK(mc_scan(s, c->text, strlen(c->text), &o, &ms, &n) == MC_OK);
        const mc_mention *m = find_target(ms, n, c->text, c->target);
        if (!m) {
            fprintf(stderr, "temporality case %zu: target \"%s\" not matched in \"%s\"\n", i, c->target, c->text);
            MC_CHECK(m != NULL);
            continue;
        }
        const char *neg, *temp, *exp;
        mc_assert_labels(s, (size_t)(m - ms), &neg, &temp, &exp);
        int ok = m->assertion == c->assertion && strcmp(temp, c->temporality) == 0 &&
                 (c->sect < 0 || m->section == c->sect);
        if (!ok)
            fprintf(stderr, "temporality case %zu: \"%s\" in \"%s\": got %s/%s/%s, want %s/%s/%s\n", i, c->target,
                    c->text, mc_assert_name(m->assertion), temp, mc_section_name(m->section), mc_assert_name(c->assertion),
                    c->temporality, c->sect >= 0 ? mc_section_name(c->sect) : "*");
        MC_CHECK(ok);
    }

    for (size_t i = 0; i < sizeof rcases / sizeof rcases[0]; i++) {
        const rcase *c = &rcases[i];
        o.setting = c->setting;
        const mc_mention *ms;
        size_t n;
        MC_CHECK(mc_scan(s, c->text, strlen(c->text), &o, &ms, &n) == MC_OK);
        const mc_mention *m = find_target(ms, n, c->text, c->target);
        if (!m) {
            fprintf(stderr, "rule case %zu: target \"%s\" not matched\n", i, c->target);
            MC_CHECK(m != NULL);
            continue;
        }
        mc_code_info ci;
        mc_dict_code(d, m->code, &ci);
        int ok = m->rule == c->rule && (c->code ? (m->counted && strcmp(ci.code, c->code) == 0) : !m->counted);
        if (!ok)
            fprintf(stderr, "rule case %zu: \"%s\": got %s %s counted=%d (assertion %s), want %s %s\n", i, c->text,
                    mc_rule_name(m->rule), ci.code, m->counted, mc_assert_name(m->assertion), mc_rule_name(c->rule),
                    c->code ? c->code : "(not counted)");
        MC_CHECK(ok);
    }

    /* The context pass is linear: a long note of repeated sentences gives every
     * mention the same answer as the sentence alone. */
    {
        const char *unit = "Denies fever. History of stroke. Mother had breast cancer. Possible pneumonia.\n";
        size_t ul = strlen(unit), reps = 2000;
        char *big = malloc(ul * reps + 1);
        for (size_t r = 0; r < reps; r++) memcpy(big + r * ul, unit, ul);
        big[ul * reps] = 0;
        o.setting = MC_SETTING_OUTPATIENT;
        const mc_mention *ms;
        size_t n;
        MC_CHECK(mc_scan(s, big, ul * reps, &o, &ms, &n) == MC_OK);
        MC_CHECK(n == 4 * reps);
        size_t bad = 0;
        static const int want[4] = {NEG, HIS, FAM, POS};
        for (size_t i = 0; i < n; i++)
            if (ms[i].assertion != want[i % 4]) bad++;
        MC_CHECK(bad == 0);
        free(big);
    }

    mc_scratch_free(s);
    mc_dict_close(d);
    unlink(path);
    return mc_test_result("test_context");
}
