/* mc_quan.c — Quan H, Sundararajan V, Halfon P, et al. "Coding algorithms for defining
 * comorbidities in ICD-9-CM and ICD-10 administrative data." Med Care 2005;43(11):
 * 1130-1139: the ICD-10 Charlson (17 conditions) and Elixhauser (31 conditions)
 * algorithms as undotted code prefixes, in the condition order and spelling of the R
 * package 'comorbidity' (Gasparini 2018). Weights: Charlson ME et al., J Chronic Dis
 * 1987;40:373-383 (as used by Quan 2005); Quan H et al., Am J Epidemiol 2011;173:
 * 676-682 (updated weights); van Walraven C et al., Med Care 2009;47:626-633 (the
 * Elixhauser score). These lists are published facts; tests/groups checks every prefix
 * and weight against the reference TSV in MEDCODE_DATA/comorbidity/quan2005.
 * Some prefixes are WHO/Canadian ICD-10 codes (F00, I64, E14...) that match no
 * ICD-10-CM code: prefix matching is the rule, they simply never match. */
#include "codes/mc_quan.h"
#include <string.h>

const mc_quan_condition mc_quan_charlson[17] = {
    {"mi", "Myocardial infarction", 1, 0,
     "I21 I22 I252 "
    },
    {"chf", "Congestive heart failure", 1, 2,
     "I099 I110 I130 I132 I255 I420 I425 I426 I427 I428 I429 I43 I50 P290 "
    },
    {"pvd", "Peripheral vascular disease", 1, 0,
     "I70 I71 I731 I738 I739 I771 I790 I792 K551 K558 K559 Z958 Z959 "
    },
    {"cevd", "Cerebrovascular disease", 1, 0,
     "G45 G46 H340 I60 I61 I62 I63 I64 I65 I66 I67 I68 I69 "
    },
    {"dementia", "Dementia", 1, 2,
     "F00 F01 F02 F03 F051 G30 G311 "
    },
    {"cpd", "Chronic pulmonary disease", 1, 1,
     "I278 I279 J40 J41 J42 J43 J44 J45 J46 J47 J60 J61 J62 J63 J64 J65 J66 J67 J684 J701 "
     "J703 "
    },
    {"rheumd", "Rheumatic disease", 1, 1,
     "M05 M06 M315 M32 M33 M34 M351 M353 M360 "
    },
    {"pud", "Peptic ulcer disease", 1, 0,
     "K25 K26 K27 K28 "
    },
    {"mld", "Mild liver disease", 1, 2,
     "B18 K700 K701 K702 K703 K709 K713 K714 K715 K717 K73 K74 K760 K762 K763 K764 K768 "
     "K769 Z944 "
    },
    {"diab", "Diabetes without chronic complication", 1, 0,
     "E100 E101 E106 E108 E109 E110 E111 E116 E118 E119 E120 E121 E126 E128 E129 E130 E131 "
     "E136 E138 E139 E140 E141 E146 E148 E149 "
    },
    {"diabwc", "Diabetes with chronic complication", 2, 1,
     "E102 E103 E104 E105 E107 E112 E113 E114 E115 E117 E122 E123 E124 E125 E127 E132 E133 "
     "E134 E135 E137 E142 E143 E144 E145 E147 "
    },
    {"hp", "Hemiplegia or paraplegia", 2, 2,
     "G041 G114 G801 G802 G81 G82 G830 G831 G832 G833 G834 G839 "
    },
    {"rend", "Renal disease", 2, 1,
     "I120 I131 N032 N033 N034 N035 N036 N037 N052 N053 N054 N055 N056 N057 N18 N19 N250 "
     "Z490 Z491 Z492 Z940 Z992 "
    },
    {"canc", "Any malignancy, including lymphoma and leukaemia, except malignant neoplasm of skin", 2, 2,
     "C00 C01 C02 C03 C04 C05 C06 C07 C08 C09 C10 C11 C12 C13 C14 C15 C16 C17 C18 C19 C20 "
     "C21 C22 C23 C24 C25 C26 C30 C31 C32 C33 C34 C37 C38 C39 C40 C41 C43 C45 C46 C47 C48 "
     "C49 C50 C51 C52 C53 C54 C55 C56 C57 C58 C60 C61 C62 C63 C64 C65 C66 C67 C68 C69 C70 "
     "C71 C72 C73 C74 C75 C76 C81 C82 C83 C84 C85 C88 C90 C91 C92 C93 C94 C95 C96 C97 "
    },
    {"msld", "Moderate or severe liver disease", 3, 4,
     "I850 I859 I864 I982 K704 K711 K721 K729 K765 K766 K767 "
    },
    {"metacanc", "Metastatic solid tumour", 6, 6,
     "C77 C78 C79 C80 "
    },
    {"aids", "AIDS/HIV", 6, 4,
     "B20 B21 B22 B24 "
    },
};
const mc_quan_condition mc_quan_elix[31] = {
    {"chf", "Congestive heart failure", 7, 0,
     "I099 I110 I130 I132 I255 I420 I425 I426 I427 I428 I429 I43 I50 P290 "
    },
    {"carit", "Cardiac arrhythmias", 5, 0,
     "I441 I442 I443 I456 I459 I47 I48 I49 R000 R001 R008 T821 Z450 Z950 "
    },
    {"valv", "Valvular disease", -1, 0,
     "A520 I05 I06 I07 I08 I091 I098 I34 I35 I36 I37 I38 I39 Q230 Q231 Q232 Q233 Z952 Z953 "
     "Z954 "
    },
    {"pcd", "Pulmonary circulation disorders", 4, 0,
     "I26 I27 I280 I288 I289 "
    },
    {"pvd", "Peripheral vascular disorders", 2, 0,
     "I70 I71 I731 I738 I739 I771 I790 I792 K551 K558 K559 Z958 Z959 "
    },
    {"hypunc", "Hypertension, uncomplicated", 0, 0,
     "I10 "
    },
    {"hypc", "Hypertension, complicated", 0, 0,
     "I11 I12 I13 I15 "
    },
    {"para", "Paralysis", 7, 0,
     "G041 G114 G801 G802 G81 G82 G830 G831 G832 G833 G834 G839 "
    },
    {"ond", "Other neurological disorders", 6, 0,
     "G10 G11 G12 G13 G20 G21 G22 G254 G255 G312 G318 G319 G32 G35 G36 G37 G40 G41 G931 "
     "G934 R470 R56 "
    },
    {"cpd", "Chronic pulmonary disease", 3, 0,
     "I278 I279 J40 J41 J42 J43 J44 J45 J46 J47 J60 J61 J62 J63 J64 J65 J66 J67 J684 J701 "
     "J703 "
    },
    {"diabunc", "Diabetes, uncomplicated", 0, 0,
     "E100 E101 E109 E110 E111 E119 E120 E121 E129 E130 E131 E139 E140 E141 E149 "
    },
    {"diabc", "Diabetes, complicated", 0, 0,
     "E102 E103 E104 E105 E106 E107 E108 E112 E113 E114 E115 E116 E117 E118 E122 E123 E124 "
     "E125 E126 E127 E128 E132 E133 E134 E135 E136 E137 E138 E142 E143 E144 E145 E146 E147 "
     "E148 "
    },
    {"hypothy", "Hypothyroidism", 0, 0,
     "E00 E01 E02 E03 E890 "
    },
    {"rf", "Renal failure", 5, 0,
     "I120 I131 N18 N19 N250 Z490 Z491 Z492 Z940 Z992 "
    },
    {"ld", "Liver disease", 11, 0,
     "B18 I85 I864 I982 K70 K711 K713 K714 K715 K717 K72 K73 K74 K760 K762 K763 K764 K765 "
     "K766 K767 K768 K769 Z944 "
    },
    {"pud", "Peptic ulcer disease, excluding bleeding", 0, 0,
     "K257 K259 K267 K269 K277 K279 K287 K289 "
    },
    {"aids", "AIDS/HIV", 0, 0,
     "B20 B21 B22 B24 "
    },
    {"lymph", "Lymphoma", 9, 0,
     "C81 C82 C83 C84 C85 C88 C96 C900 C902 "
    },
    {"metacanc", "Metastatic cancer", 12, 0,
     "C77 C78 C79 C80 "
    },
    {"solidtum", "Solid tumour without metastasis", 4, 0,
     "C00 C01 C02 C03 C04 C05 C06 C07 C08 C09 C10 C11 C12 C13 C14 C15 C16 C17 C18 C19 C20 "
     "C21 C22 C23 C24 C25 C26 C30 C31 C32 C33 C34 C37 C38 C39 C40 C41 C43 C45 C46 C47 C48 "
     "C49 C50 C51 C52 C53 C54 C55 C56 C57 C58 C60 C61 C62 C63 C64 C65 C66 C67 C68 C69 C70 "
     "C71 C72 C73 C74 C75 C76 C97 "
    },
    {"rheumd", "Rheumatoid arthritis/collagen vascular diseases", 0, 0,
     "L940 L941 L943 M05 M06 M08 M120 M123 M30 M310 M311 M312 M313 M32 M33 M34 M35 M45 "
     "M461 M468 M469 "
    },
    {"coag", "Coagulopathy", 3, 0,
     "D65 D66 D67 D68 D691 D693 D694 D695 D696 "
    },
    {"obes", "Obesity", -4, 0,
     "E66 "
    },
    {"wloss", "Weight loss", 6, 0,
     "E40 E41 E42 E43 E44 E45 E46 R634 R64 "
    },
    {"fed", "Fluid and electrolyte disorders", 5, 0,
     "E222 E86 E87 "
    },
    {"blane", "Blood loss anaemia", -2, 0,
     "D500 "
    },
    {"dane", "Deficiency anaemia", -2, 0,
     "D508 D509 D51 D52 D53 "
    },
    {"alcohol", "Alcohol abuse", 0, 0,
     "F10 E52 G621 I426 K292 K700 K703 K709 T51 Z502 Z714 Z721 "
    },
    {"drug", "Drug abuse", -7, 0,
     "F11 F12 F13 F14 F15 F16 F18 F19 Z715 Z722 "
    },
    {"psycho", "Psychoses", 0, 0,
     "F20 F22 F23 F24 F25 F28 F29 F302 F312 F315 "
    },
    {"depre", "Depression", -3, 0,
     "F204 F313 F314 F315 F32 F33 F341 F412 F432 "
    },
};

static int has_prefix(const char *und, size_t n, const char *list)
{
    for (const char *p = list; *p;) {
        const char *sp = strchr(p, ' ');
        size_t l = sp ? (size_t)(sp - p) : strlen(p);
        if (l && l <= n && memcmp(und, p, l) == 0) return 1;
        p += l;
        while (*p == ' ') p++;
    }
    return 0;
}

static size_t undot(const char *code, char out[16])
{
    size_t n = 0;
    for (const char *q = code; *q && n < 15; q++)
        if (*q != '.') out[n++] = *q;
    out[n] = 0;
    return n;
}

uint32_t mc_quan_charlson_mask(const char *code)
{
    char u[16];
    size_t n = undot(code, u);
    uint32_t m = 0;
    for (unsigned i = 0; i < sizeof mc_quan_charlson / sizeof mc_quan_charlson[0]; i++)
        if (has_prefix(u, n, mc_quan_charlson[i].prefixes)) m |= 1u << i;
    return m;
}

uint64_t mc_quan_elix_mask(const char *code)
{
    char u[16];
    size_t n = undot(code, u);
    uint64_t m = 0;
    for (unsigned i = 0; i < sizeof mc_quan_elix / sizeof mc_quan_elix[0]; i++)
        if (has_prefix(u, n, mc_quan_elix[i].prefixes)) m |= 1ull << i;
    return m;
}
