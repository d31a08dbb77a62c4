/* mcgen — seeded generator of synthetic clinical-note archives for medcode benchmarks.
 * Writes CSV (id,date,age,sex,facility,note) straight to a streaming .csv.zst (optionally
 * multi-frame) or to plain CSV; the same arguments always give byte-identical output.
 * Notes come from a built-in phrase bank (our own prose), optionally mixed with a
 * dictionary term list (--terms), or replay real texts from the shared eval folder (--real). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define EXIT_USAGE 2
#define EXIT_IO 1

/* ---------------------------------------------------------------- errors, memory */

static void die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mcgen: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see mcgen --help)\n", stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}

static void die_io(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mcgen: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_IO);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_io("out of memory (%zu bytes)", n);
    return q;
}

/* ---------------------------------------------------------------- string builder */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t add)
{
    if (b->n + add + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + add + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_putc(sbuf *b, char c)
{
    sb_reserve(b, 1);
    b->p[b->n++] = c;
}

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->cap > b->n ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if (b->n + (size_t)k + 1 > b->cap) {
        sb_reserve(b, (size_t)k);
        va_start(ap, fmt);
        vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
    }
    b->n += (size_t)k;
}

/* ---------------------------------------------------------------- PRNG (xoshiro256**) */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rnd(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

/* uniform in [0, n); the modulo bias is irrelevant for n << 2^64 */
static uint32_t rbelow(rng_t *r, uint32_t n) { return n ? (uint32_t)((rnd(r) >> 11) % n) : 0; }
static int rrange(rng_t *r, int lo, int hi) { return lo + (int)rbelow(r, (uint32_t)(hi - lo + 1)); }
static double runit(rng_t *r) { return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0); }
static int rchance(rng_t *r, double p) { return runit(r) < p; }

/* exp() without libm so that lengths are identical on every platform (plain IEEE arithmetic) */
static double det_exp(double x)
{
    int k = (int)(x / 0.6931471805599453);
    double rr = x - k * 0.6931471805599453, term = 1, sum = 1;
    for (int i = 1; i < 20; i++) {
        term *= rr / i;
        sum += term;
    }
    while (k > 0) {
        sum *= 2;
        k--;
    }
    while (k < 0) {
        sum /= 2;
        k++;
    }
    return sum;
}

/* approximately standard normal (Irwin–Hall, 12 uniforms) */
static double rnormal(rng_t *r)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += runit(r);
    return s - 6.0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rbelow((r), (uint32_t)NELEM(a))])

/* ---------------------------------------------------------------- phrase bank
 * Each entry lists surface forms separated by '|': the first is the preferred wording,
 * the others are synonyms and abbreviations clinicians write. The first 40 diagnoses are
 * the common ones and are drawn more often. */

static const char *const DX[] = {
    "hypertension|HTN|high blood pressure|essential hypertension|HTN",
    "type 2 diabetes mellitus|T2DM|DM2|type 2 diabetes|diabetes|NIDDM|DM type 2",
    "hyperlipidemia|HLD|high cholesterol|dyslipidemia|hypercholesterolemia",
    "congestive heart failure|CHF|heart failure|HFrEF|HFpEF|systolic heart failure",
    "chronic obstructive pulmonary disease|COPD|emphysema|COPD",
    "atrial fibrillation|afib|AF|a-fib|paroxysmal atrial fibrillation|AFib",
    "myocardial infarction|MI|heart attack|NSTEMI|STEMI",
    "chronic kidney disease stage 3|CKD stage 3|CKD 3|CKD3a|chronic kidney disease|CKD",
    "urinary tract infection|UTI|cystitis|UTI",
    "pneumonia|PNA|community-acquired pneumonia|CAP|right lower lobe pneumonia",
    "asthma|reactive airway disease|mild intermittent asthma|asthma exacerbation",
    "depression|major depressive disorder|MDD|depressive disorder",
    "anxiety|generalized anxiety disorder|GAD|anxiety disorder",
    "gastroesophageal reflux disease|GERD|acid reflux|reflux",
    "obesity|morbid obesity|class 2 obesity|obesity",
    "coronary artery disease|CAD|ischemic heart disease|CAD",
    "hypothyroidism|underactive thyroid|hypothyroid",
    "osteoarthritis|OA|degenerative joint disease|DJD|osteoarthritis of the knee",
    "stroke|CVA|cerebrovascular accident|ischemic stroke",
    "anemia|iron deficiency anemia|IDA|normocytic anemia",
    "obstructive sleep apnea|OSA|sleep apnea",
    "acute kidney injury|AKI|acute renal failure",
    "deep vein thrombosis|DVT|left lower extremity DVT",
    "cellulitis|cellulitis of the left leg|lower extremity cellulitis",
    "sepsis|urosepsis|severe sepsis",
    "migraine|migraine headaches|migraine without aura",
    "low back pain|LBP|chronic low back pain|lumbago",
    "insomnia|chronic insomnia",
    "tobacco use|nicotine dependence|tobacco use disorder|current smoker",
    "alcohol use disorder|alcohol abuse|alcohol dependence|EtOH abuse",
    "benign prostatic hyperplasia|BPH|enlarged prostate",
    "gout|gouty arthritis|acute gout flare",
    "osteoporosis|osteopenia",
    "peripheral neuropathy|diabetic neuropathy|neuropathy",
    "dementia|Alzheimer disease|Alzheimer's dementia|cognitive impairment",
    "upper respiratory infection|URI|viral URI|common cold",
    "sinusitis|acute sinusitis|chronic sinusitis",
    "allergic rhinitis|seasonal allergies|hay fever",
    "transient ischemic attack|TIA",
    "pulmonary embolism|PE|bilateral pulmonary emboli",
    /* the long tail */
    "type 1 diabetes|T1DM|DM1|insulin-dependent diabetes",
    "hyperthyroidism|Graves disease|thyrotoxicosis",
    "rheumatoid arthritis|RA|seropositive rheumatoid arthritis",
    "epilepsy|seizure disorder|epilepsy",
    "Parkinson disease|Parkinson's disease|parkinsonism",
    "multiple sclerosis|relapsing-remitting multiple sclerosis|MS",
    "peripheral artery disease|PAD|peripheral vascular disease|PVD",
    "abdominal aortic aneurysm|AAA",
    "aortic stenosis|severe aortic stenosis|AS",
    "mitral regurgitation|moderate mitral regurgitation|MR",
    "cirrhosis|liver cirrhosis|alcoholic cirrhosis",
    "hepatitis C|HCV|chronic hepatitis C",
    "hepatitis B|HBV|chronic hepatitis B",
    "HIV|HIV infection|human immunodeficiency virus infection",
    "pancreatitis|acute pancreatitis|chronic pancreatitis",
    "cholecystitis|acute cholecystitis",
    "cholelithiasis|gallstones|symptomatic cholelithiasis",
    "appendicitis|acute appendicitis",
    "diverticulitis|sigmoid diverticulitis",
    "diverticulosis",
    "irritable bowel syndrome|IBS",
    "Crohn disease|Crohn's disease|Crohn's",
    "ulcerative colitis|UC",
    "peptic ulcer disease|PUD|gastric ulcer|duodenal ulcer",
    "gastrointestinal bleed|GI bleed|upper GI bleed|GIB|lower GI bleed",
    "constipation|chronic constipation",
    "hemorrhoids|internal hemorrhoids",
    "nephrolithiasis|kidney stones|renal calculi|kidney stone",
    "pyelonephritis|acute pyelonephritis",
    "erectile dysfunction",
    "breast cancer|carcinoma of the breast|breast carcinoma|invasive ductal carcinoma",
    "prostate cancer|prostate adenocarcinoma",
    "colon cancer|colorectal cancer|colon adenocarcinoma",
    "lung cancer|non-small cell lung cancer|NSCLC|small cell lung cancer",
    "pancreatic cancer|pancreatic adenocarcinoma",
    "ovarian cancer",
    "melanoma|malignant melanoma",
    "basal cell carcinoma|BCC",
    "squamous cell carcinoma of the skin|cutaneous SCC",
    "lymphoma|non-Hodgkin lymphoma|NHL|Hodgkin lymphoma",
    "leukemia|chronic lymphocytic leukemia|CLL|acute myeloid leukemia|AML",
    "multiple myeloma",
    "bladder cancer|urothelial carcinoma",
    "thyroid cancer|papillary thyroid carcinoma",
    "psoriasis|plaque psoriasis",
    "eczema|atopic dermatitis",
    "acne|acne vulgaris",
    "otitis media|ear infection|acute otitis media|AOM",
    "pharyngitis|strep throat|streptococcal pharyngitis",
    "bronchitis|acute bronchitis",
    "influenza|flu|influenza A",
    "COVID-19|SARS-CoV-2 infection|COVID",
    "tuberculosis|TB|latent tuberculosis|LTBI",
    "schizophrenia|schizoaffective disorder",
    "bipolar disorder|bipolar affective disorder|bipolar I disorder",
    "post-traumatic stress disorder|PTSD",
    "attention deficit hyperactivity disorder|ADHD",
    "autism spectrum disorder|autism",
    "opioid use disorder|opioid dependence",
    "glaucoma|open-angle glaucoma",
    "cataract|cataracts|bilateral cataracts",
    "macular degeneration|age-related macular degeneration|AMD",
    "diabetic retinopathy|nonproliferative diabetic retinopathy",
    "hyponatremia",
    "hypokalemia",
    "hyperkalemia",
    "dehydration|volume depletion",
    "hypoglycemia",
    "diabetic ketoacidosis|DKA",
    "syncope|vasovagal syncope",
    "vertigo|benign paroxysmal positional vertigo|BPPV",
    "Ménière disease|Ménière's disease|Meniere disease",
    "Bell palsy|Bell's palsy",
    "carpal tunnel syndrome|CTS",
    "lumbar radiculopathy|sciatica",
    "cervical spondylosis|cervical degenerative disc disease",
    "fibromyalgia",
    "systemic lupus erythematosus|SLE|lupus",
    "Sjögren syndrome|Sjögren's syndrome",
    "polymyalgia rheumatica|PMR",
    "giant cell arteritis|temporal arteritis",
    "sickle cell disease|sickle cell anemia",
    "thrombocytopenia",
    "vitamin D deficiency",
    "vitamin B12 deficiency|B12 deficiency",
    "chronic pain syndrome|chronic pain",
    "pressure ulcer|decubitus ulcer|pressure injury|sacral decubitus ulcer",
    "osteomyelitis",
    "septic arthritis",
    "herpes zoster|shingles",
    "candidiasis|oral thrush|yeast infection",
    "Clostridioides difficile infection|C. diff colitis|C diff infection",
    "MRSA infection|MRSA bacteremia",
    "infective endocarditis|endocarditis",
    "pericarditis|acute pericarditis",
    "cardiomyopathy|dilated cardiomyopathy|ischemic cardiomyopathy",
    "supraventricular tachycardia|SVT",
    "bradycardia|sinus bradycardia|symptomatic bradycardia",
    "heart block|complete heart block|first-degree AV block",
    "atrial flutter",
    "pulmonary hypertension",
    "interstitial lung disease|ILD|pulmonary fibrosis|idiopathic pulmonary fibrosis",
    "pleural effusion|right pleural effusion",
    "pneumothorax|spontaneous pneumothorax",
    "acute respiratory failure|acute hypoxic respiratory failure|hypoxemic respiratory failure",
    "anaphylaxis",
    "urticaria|hives",
    "hypertensive urgency|hypertensive emergency",
    "orthostatic hypotension|hypotension",
    "restless legs syndrome|RLS",
    "polycystic ovary syndrome|PCOS",
    "endometriosis",
    "uterine fibroids|leiomyoma of uterus",
    "preeclampsia",
    "gestational diabetes|GDM",
    "urinary incontinence|stress incontinence|urge incontinence",
    "overactive bladder",
    "hip fracture|femoral neck fracture|intertrochanteric fracture",
    "ankle sprain|lateral ankle sprain",
    "rotator cuff tear|rotator cuff tendinopathy",
    "concussion|mild traumatic brain injury",
    "nonalcoholic fatty liver disease|NAFLD|fatty liver|hepatic steatosis",
    "celiac disease",
    "Barrett esophagus|Barrett's esophagus",
    "hiatal hernia",
    "inguinal hernia|right inguinal hernia",
    "sarcoidosis",
    "hemochromatosis",
    "Guillain-Barré syndrome|Guillain-Barre syndrome",
    "anorexia nervosa",
    "hidradenitis suppurativa",
    "rosacea",
    "conjunctivitis|pink eye",
    "plantar fasciitis",
    "trigeminal neuralgia",
    "myasthenia gravis",
    "lactose intolerance",
    "Lyme disease",
    "scabies",
    "iron overload",
};

static const char *const SX[] = {
    "chest pain|CP|substernal chest pain|chest pressure",
    "shortness of breath|SOB|dyspnea|dyspnea on exertion|DOE",
    "fever|fevers|febrile illness",
    "cough|productive cough|dry cough",
    "nausea",
    "vomiting|emesis",
    "diarrhea|loose stools",
    "abdominal pain|abd pain|epigastric pain|RLQ pain",
    "headache|HA|headaches",
    "dizziness|lightheadedness",
    "fatigue|malaise|tiredness",
    "palpitations",
    "leg swelling|lower extremity edema|pedal edema|edema",
    "weight loss|unintentional weight loss",
    "night sweats",
    "chills|rigors",
    "hematuria|blood in urine",
    "dysuria|burning with urination",
    "hemoptysis",
    "bright red blood per rectum|BRBPR|hematochezia",
    "melena|black tarry stools",
    "back pain",
    "joint pain|arthralgia|arthralgias",
    "rash|skin rash",
    "pruritus|itching",
    "sore throat",
    "rhinorrhea|runny nose|nasal congestion",
    "wheezing",
    "altered mental status|AMS|confusion",
    "generalized weakness|weakness",
    "numbness|paresthesias|tingling",
    "blurred vision|vision changes",
    "orthopnea",
    "paroxysmal nocturnal dyspnea|PND",
    "polyuria",
    "polydipsia",
    "decreased appetite|anorexia|poor appetite",
    "tremor",
    "fall|falls|mechanical fall",
    "seizure|seizures",
    "urinary frequency",
    "dysphagia|difficulty swallowing",
    "heartburn",
    "neck pain",
    "jaundice",
    "epistaxis|nosebleed",
    "syncopal episode|passing out",
    "myalgias|body aches",
};

static const char *const PROC[] = {
    "CABG|coronary artery bypass grafting|CABG x3",
    "PCI with drug-eluting stent|PCI|cardiac catheterization with stent placement",
    "appendectomy|laparoscopic appendectomy",
    "cholecystectomy|laparoscopic cholecystectomy|lap chole",
    "total knee arthroplasty|TKA|right knee replacement",
    "total hip arthroplasty|THA|left hip replacement",
    "hysterectomy|TAH-BSO|total abdominal hysterectomy",
    "cesarean section|C-section|C-section x2",
    "tonsillectomy|T&A",
    "inguinal hernia repair",
    "lumbar laminectomy|L4-L5 laminectomy|lumbar fusion",
    "carotid endarterectomy|CEA",
    "pacemaker placement|dual-chamber pacemaker|PPM",
    "AICD placement|ICD implantation",
    "TURP|transurethral resection of prostate",
    "mastectomy|left mastectomy|lumpectomy",
    "colectomy|sigmoid colectomy|right hemicolectomy",
    "cataract extraction|cataract surgery",
    "rotator cuff repair",
    "ORIF of the ankle|ORIF left wrist",
    "thyroidectomy|total thyroidectomy",
    "nephrectomy|right nephrectomy",
    "AV fistula creation",
    "gastric bypass|Roux-en-Y gastric bypass|sleeve gastrectomy",
    "colonoscopy with polypectomy",
    "upper endoscopy|EGD",
};

typedef struct {
    const char *name, *doses, *unit, *sig;
} med_t;

static const med_t MEDS[] = {
    {"metformin", "500,850,1000", "mg", "PO BID"},
    {"lisinopril", "5,10,20,40", "mg", "PO daily"},
    {"amlodipine", "2.5,5,10", "mg", "PO daily"},
    {"atorvastatin", "10,20,40,80", "mg", "PO qHS"},
    {"rosuvastatin", "5,10,20", "mg", "PO daily"},
    {"metoprolol succinate", "25,50,100", "mg", "PO daily"},
    {"metoprolol tartrate", "12.5,25,50", "mg", "PO BID"},
    {"carvedilol", "3.125,6.25,12.5,25", "mg", "PO BID"},
    {"losartan", "25,50,100", "mg", "PO daily"},
    {"hydrochlorothiazide", "12.5,25", "mg", "PO daily"},
    {"furosemide", "20,40,80", "mg", "PO daily"},
    {"spironolactone", "25,50", "mg", "PO daily"},
    {"apixaban", "2.5,5", "mg", "PO BID"},
    {"warfarin", "2,2.5,5", "mg", "PO daily, goal INR 2-3"},
    {"aspirin", "81,325", "mg", "PO daily"},
    {"clopidogrel", "75", "mg", "PO daily"},
    {"insulin glargine", "10,18,24,32", "units", "subcut qHS"},
    {"insulin lispro", "4,6,8", "units", "subcut TID with meals"},
    {"empagliflozin", "10,25", "mg", "PO daily"},
    {"semaglutide", "0.25,0.5,1", "mg", "subcut weekly"},
    {"levothyroxine", "25,50,75,88,100,125", "mcg", "PO daily"},
    {"omeprazole", "20,40", "mg", "PO daily"},
    {"pantoprazole", "40", "mg", "PO daily"},
    {"albuterol", "90", "mcg", "2 puffs inh q4-6h PRN wheezing"},
    {"fluticasone-salmeterol", "250/50", "mcg", "1 inh BID"},
    {"tiotropium", "18", "mcg", "inh daily"},
    {"sertraline", "25,50,100", "mg", "PO daily"},
    {"escitalopram", "5,10,20", "mg", "PO daily"},
    {"bupropion XL", "150,300", "mg", "PO daily"},
    {"trazodone", "50,100", "mg", "PO qHS PRN sleep"},
    {"gabapentin", "100,300,600", "mg", "PO TID"},
    {"acetaminophen", "500,650,1000", "mg", "PO q6h PRN pain"},
    {"ibuprofen", "400,600,800", "mg", "PO q8h PRN"},
    {"oxycodone", "5,10", "mg", "PO q4h PRN severe pain"},
    {"prednisone", "5,10,20,40", "mg", "PO daily"},
    {"allopurinol", "100,300", "mg", "PO daily"},
    {"tamsulosin", "0.4", "mg", "PO qHS"},
    {"donepezil", "5,10", "mg", "PO qHS"},
    {"ceftriaxone", "1,2", "g", "IV q24h"},
    {"piperacillin-tazobactam", "3.375,4.5", "g", "IV q8h"},
    {"vancomycin", "1,1.25,1.5", "g", "IV q12h"},
    {"azithromycin", "250,500", "mg", "PO daily"},
    {"amoxicillin-clavulanate", "875", "mg", "PO BID x7 days"},
    {"nitrofurantoin", "100", "mg", "PO BID x5 days"},
    {"enoxaparin", "40", "mg", "subcut daily"},
    {"heparin", "5000", "units", "subcut q8h"},
    {"ondansetron", "4,8", "mg", "PO/IV q8h PRN nausea"},
    {"vitamin D3", "1000,2000", "IU", "PO daily"},
    {"ferrous sulfate", "325", "mg", "PO daily"},
    {"cyanocobalamin", "1000", "mcg", "PO daily"},
};

static const char *const ALLERGENS[] = {
    "penicillin (rash)", "sulfa drugs (hives)", "codeine (nausea)", "latex", "shellfish",
    "iodinated contrast (itching)", "morphine (pruritus)", "lisinopril (angioedema)",
    "amoxicillin (\"throat swelling\")", "peanuts (anaphylaxis)", "cephalexin",
    "bee stings", "NSAIDs (GI upset)", "adhesive tape",
};

static const char *const FILLER[] = {
    "Patient seen and examined at bedside.",
    "Chart and prior records reviewed.",
    "Case discussed with the attending physician, who agrees with the plan.",
    "History obtained from the patient and her daughter at the bedside.",
    "History was limited by patient fatigue.",
    "Interpreter used for the entire encounter.",
    "The patient is a reliable historian.",
    "Nursing notes reviewed; no acute events overnight.",
    "Tolerating a regular diet, ambulating with a walker.",
    "Labs and imaging personally reviewed.",
    "Outside hospital records were requested.",
    "The patient lives at home with a spouse and is independent in ADLs.",
    "Works as a school teacher, recently retired.",
    "Last seen in clinic 3 months ago.",
    "Pain controlled with current regimen, rated 3/10.",
    "Slept poorly last night due to noise on the unit.",
    "Understanding of the plan was confirmed using teach-back.",
    "Total time spent was 35 minutes, more than half in counseling.",
    "Questions were answered to the patient's satisfaction.",
    "Goals of care discussed; remains full code.",
    "Vaccinations up to date per patient report.",
    "Medication reconciliation completed with pharmacy.",
    "Family updated by phone.",
    "Exercises 2-3 times per week, mostly walking.",
    "Reports adherence to medications, uses a pill box.",
    "Seen in the ED overnight and admitted to the hospitalist service.",
    "Overall, the patient appears to be improving.",
    "Physical therapy and occupational therapy consulted.",
    "Follow-up appointment scheduled in 2 weeks with PCP.",
    "Diet: heart-healthy, carbohydrate-consistent.",
};

static const char *const QUOTES[] = {
    "I feel like an elephant is sitting on my chest",
    "I just haven't been myself lately",
    "it comes and goes",
    "my sugars have been all over the place",
    "I can't catch my breath when I climb stairs",
    "the room is spinning",
    "worst headache of my life",
    "I want to go home",
    "it burns, right here",
    "I'm tired all the time, doc",
};

/* context templates. '@' = mention, '^' = He/She, '~' = his/her, '%' = small number,
 * '&' = a past year, '!' = an adult age */
static const char *const T_AFF[] = {
    "Presents with @.", "Complains of @ for the past % days.", "Patient reports @.",
    "Found to have @.", "Diagnosed with @ today.", "Known @, on treatment.", "@ is noted.",
    "Positive for @.", "Findings are consistent with @.", "Admitted for @.",
    "@, stable on current regimen.", "^ continues to have @.", "Evaluated today for @.",
    "@, worsening over the last % days.", "Ongoing @, followed by cardiology.",
    "Workup confirmed @.", "^ was treated for @ with improvement.", "Pt c/o @ x % days.",
};
static const char *const T_NEG[] = {
    "Denies @.", "No @.", "Negative for @.", "@ was ruled out.", "No evidence of @.",
    "Without @.", "^ denies any @.", "No signs of @.", "@ is not present.",
    "Not consistent with @.", "Absence of @ noted.", "No history of @.",
    "Workup negative for @.", "Pt denies @ or other complaints.", "No @ at this time.",
};
static const char *const T_UNC[] = {
    "Possible @.", "Rule out @.", "R/O @.", "Suspected @.", "@ cannot be excluded.",
    "Concern for @.", "Likely @, pending workup.", "Questionable @.",
    "Differential includes @.", "Probable @.", "Cannot rule out @.", "Evaluate for @.",
    "Presentation may represent @.", "@ is suspected but not confirmed.",
};
static const char *const T_FAM[] = {
    "Mother had @.", "Father with @.", "Family history of @.", "Brother diagnosed with @ at age !.",
    "Sister has @.", "Maternal grandmother with @.", "FHx significant for @ in father.",
    "Strong family history of @.", "Mother deceased at ! from @.", "Paternal uncle with @.",
};
static const char *const T_HIST[] = {
    "History of @.", "H/o @.", "Hx of @.", "Remote history of @.",
    "Past history of @, resolved.", "Prior @ in &.", "Previously treated for @.",
    "@ in &, no recurrence.", "Status post treatment for @ (&).",
};
static const char *const T_HYPO[] = {
    "Return if @ develops.", "Return to ED for @ or worsening symptoms.", "Call if @ occurs.",
    "Instructed to seek care should @ develop.", "If @ recurs, will consider further imaging.",
    "Advised to return for any @.", "Should @ occur, stop the medication and call the clinic.",
};

static const char *const FACILITIES[] = {
    "FAC01", "FAC02", "FAC03", "FAC04", "FAC05", "FAC06",
    "FAC07", "FAC08", "FAC09", "FAC10", "FAC11", "FAC12",
};

/* section headers: {full, upper, abbreviation} */
enum { S_CC, S_HPI, S_PMH, S_PSH, S_FHX, S_SHX, S_MEDS, S_ALL, S_ROS, S_VIT, S_PE, S_LABS,
       S_ASSESS, S_PLAN, S_IMPR, S_DCDX, S_COUNT };
static const char *const HDR[S_COUNT][3] = {
    {"Chief Complaint", "CHIEF COMPLAINT", "CC"},
    {"History of Present Illness", "HISTORY OF PRESENT ILLNESS", "HPI"},
    {"Past Medical History", "PAST MEDICAL HISTORY", "PMH"},
    {"Past Surgical History", "PAST SURGICAL HISTORY", "PSH"},
    {"Family History", "FAMILY HISTORY", "FHx"},
    {"Social History", "SOCIAL HISTORY", "SHx"},
    {"Medications", "MEDICATIONS", "Meds"},
    {"Allergies", "ALLERGIES", "All"},
    {"Review of Systems", "REVIEW OF SYSTEMS", "ROS"},
    {"Vitals", "VITAL SIGNS", "VS"},
    {"Physical Exam", "PHYSICAL EXAMINATION", "PE"},
    {"Labs", "LABORATORY DATA", "Labs"},
    {"Assessment", "ASSESSMENT", "A"},
    {"Plan", "PLAN", "P"},
    {"Impression", "IMPRESSION", "Imp"},
    {"Discharge Diagnoses", "DISCHARGE DIAGNOSES", "D/C Dx"},
};

/* ---------------------------------------------------------------- split forms */

typedef struct {
    int n;
    const char *f[10];
} forms_t;

static forms_t dxf[NELEM(DX)], sxf[NELEM(SX)], procf[NELEM(PROC)];

static void split_forms(const char *const *src, size_t n, forms_t *dst)
{
    for (size_t i = 0; i < n; i++) {
        char *s = strdup(src[i]);
        if (!s)
            die_io("out of memory");
        dst[i].n = 0;
        for (char *p = s; p && dst[i].n < 10;) {
            dst[i].f[dst[i].n++] = p;
            p = strchr(p, '|');
            if (p)
                *p++ = '\0';
        }
    }
}

/* ---------------------------------------------------------------- generator */

typedef struct {
    rng_t r;
    sbuf note;
    int female, age;
    int hdr_style;   /* 0 full, 1 upper, 2 abbreviation */
    int one_line;    /* sections run together on one line (dictated style) */
    char **terms;    /* --terms: external dictionary terms */
    size_t nterms;
    uint64_t mentions;
} gen_t;

static const char *pick_form(gen_t *g, const forms_t *f)
{
    if (f->n == 1 || rchance(&g->r, 0.45))
        return f->f[0];
    return f->f[rbelow(&g->r, (uint32_t)f->n)];
}

static const char *pick_dx(gen_t *g)
{
    g->mentions++;
    if (g->nterms && rbelow(&g->r, 3) == 0)
        return g->terms[rbelow(&g->r, (uint32_t)g->nterms)];
    uint32_t i = rchance(&g->r, 0.55) ? rbelow(&g->r, 40) : rbelow(&g->r, (uint32_t)NELEM(DX));
    return pick_form(g, &dxf[i]);
}

static const char *pick_sx(gen_t *g)
{
    g->mentions++;
    if (g->nterms && rbelow(&g->r, 3) == 0)
        return g->terms[rbelow(&g->r, (uint32_t)g->nterms)];
    return pick_form(g, &sxf[rbelow(&g->r, (uint32_t)NELEM(SX))]);
}

static void emit_tpl(gen_t *g, const char *tpl, const char *term)
{
    sbuf *b = &g->note;
    for (const char *p = tpl; *p; p++) {
        switch (*p) {
        case '@': {
            size_t at = b->n;
            sb_puts(b, term);
            if (p == tpl && b->p[at] >= 'a' && b->p[at] <= 'z')
                b->p[at] = (char)(b->p[at] - 'a' + 'A');
            break;
        }
        case '^': sb_puts(b, g->female ? "She" : "He"); break;
        case '~': sb_puts(b, g->female ? "her" : "his"); break;
        case '%': sb_printf(b, "%d", rrange(&g->r, 2, 14)); break;
        case '&': sb_printf(b, "%d", rrange(&g->r, 1995, 2023)); break;
        case '!': sb_printf(b, "%d", rrange(&g->r, 35, 88)); break;
        default: sb_putc(b, *p);
        }
    }
}

static void space(gen_t *g) { sb_putc(&g->note, ' '); }

/* one clinical sentence about a condition, in a context drawn from a realistic mix */
static void mention_sentence(gen_t *g, int symptom)
{
    const char *t = symptom ? pick_sx(g) : pick_dx(g);
    uint32_t c = rbelow(&g->r, 100);
    const char *tpl;
    if (c < 45)
        tpl = PICK(&g->r, T_AFF);
    else if (c < 70)
        tpl = PICK(&g->r, T_NEG);
    else if (c < 82)
        tpl = PICK(&g->r, T_UNC);
    else if (c < 92)
        tpl = PICK(&g->r, T_HIST);
    else if (c < 96)
        tpl = PICK(&g->r, T_FAM);
    else
        tpl = PICK(&g->r, T_HYPO);
    emit_tpl(g, tpl, t);
}

static void filler(gen_t *g)
{
    if (rchance(&g->r, 0.12)) {
        sb_printf(&g->note, "Patient states \"%s.\"", PICK(&g->r, QUOTES));
        return;
    }
    sb_puts(&g->note, PICK(&g->r, FILLER));
}

static void header(gen_t *g, int s)
{
    sbuf *b = &g->note;
    if (b->n)
        sb_puts(b, g->one_line ? "  " : (rchance(&g->r, 0.6) ? "\n\n" : "\n"));
    sb_puts(b, HDR[s][g->hdr_style]);
    sb_putc(b, ':');
    sb_putc(b, (!g->one_line && rchance(&g->r, 0.3)) ? '\n' : ' ');
}

static void list_sep(gen_t *g, int i, int numbered)
{
    if (numbered) {
        if (i)
            sb_putc(&g->note, g->one_line ? ' ' : '\n');
        sb_printf(&g->note, "%d. ", i + 1);
    } else if (i) {
        sb_puts(&g->note, ", ");
    }
}

static void sec_cc(gen_t *g)
{
    header(g, S_CC);
    const char *t = pick_sx(g);
    if (rchance(&g->r, 0.3))
        sb_printf(&g->note, "\"%s\"", t);
    else
        emit_tpl(g, rchance(&g->r, 0.5) ? "@ x % days." : "@.", t);
}

static void sec_hpi(gen_t *g, int nsent)
{
    header(g, S_HPI);
    sb_printf(&g->note, "%d y/o %s with ", g->age, g->female ? (rchance(&g->r, 0.5) ? "F" : "female") : (rchance(&g->r, 0.5) ? "M" : "male"));
    int k = rrange(&g->r, 1, 3);
    for (int i = 0; i < k; i++) {
        if (i)
            sb_puts(&g->note, i == k - 1 ? " and " : ", ");
        sb_puts(&g->note, pick_dx(g));
    }
    emit_tpl(g, " who presents with @ that started % days ago.", pick_sx(g));
    for (int i = 0; i < nsent; i++) {
        space(g);
        uint32_t c = rbelow(&g->r, 10);
        if (c < 2)
            mention_sentence(g, 1);
        else if (c < 4)
            mention_sentence(g, 0);
        else
            filler(g);
    }
}

static void sec_pmh(gen_t *g)
{
    header(g, S_PMH);
    int numbered = rchance(&g->r, 0.5), k = rrange(&g->r, 1, 6);
    for (int i = 0; i < k; i++) {
        list_sep(g, i, numbered);
        const char *t = pick_dx(g);
        if (rchance(&g->r, 0.15))
            emit_tpl(g, rchance(&g->r, 0.5) ? "h/o @" : "@, diagnosed &", t);
        else
            sb_puts(&g->note, t);
    }
    if (!numbered)
        sb_putc(&g->note, '.');
}

static void sec_psh(gen_t *g)
{
    header(g, S_PSH);
    if (rchance(&g->r, 0.15)) {
        sb_puts(&g->note, "None.");
        return;
    }
    int k = rrange(&g->r, 1, 3);
    for (int i = 0; i < k; i++) {
        if (i)
            sb_puts(&g->note, rchance(&g->r, 0.5) ? ", " : "; ");
        const char *p = pick_form(g, &procf[rbelow(&g->r, (uint32_t)NELEM(PROC))]);
        if (rchance(&g->r, 0.5))
            sb_printf(&g->note, "s/p %s (%d)", p, rrange(&g->r, 1990, 2023));
        else
            sb_printf(&g->note, "%s %d", p, rrange(&g->r, 1990, 2023));
    }
    sb_putc(&g->note, '.');
}

static void sec_fhx(gen_t *g)
{
    header(g, S_FHX);
    if (rchance(&g->r, 0.15)) {
        sb_puts(&g->note, rchance(&g->r, 0.5) ? "Noncontributory." : "Unknown, patient was adopted.");
        return;
    }
    int k = rrange(&g->r, 1, 3);
    for (int i = 0; i < k; i++) {
        if (i)
            space(g);
        emit_tpl(g, PICK(&g->r, T_FAM), pick_dx(g));
    }
    if (rchance(&g->r, 0.4)) {
        space(g);
        emit_tpl(g, "No family history of @.", pick_dx(g));
    }
}

static void sec_shx(gen_t *g)
{
    static const char *const SMOKE[] = {
        "Never smoker.", "Former smoker, quit in &, % pack-years.",
        "Current smoker, 1 ppd x % years.", "Denies tobacco use.", "Vapes daily.",
    };
    static const char *const ETOH[] = {
        "Drinks % beers per week.", "Occasional alcohol use.", "Denies alcohol use.",
        "Social drinker, 1-2 glasses of wine on weekends.", "Heavy EtOH use, last drink yesterday.",
    };
    static const char *const DRUGS[] = {
        "Denies illicit drug use.", "Remote marijuana use.", "No IVDU.",
        "Lives alone in a 2-story house.", "Married, 3 children.", "Works in construction.",
    };
    header(g, S_SHX);
    emit_tpl(g, PICK(&g->r, SMOKE), "");
    space(g);
    emit_tpl(g, PICK(&g->r, ETOH), "");
    space(g);
    sb_puts(&g->note, PICK(&g->r, DRUGS));
}

static void med_line(gen_t *g)
{
    const med_t *m = &MEDS[rbelow(&g->r, (uint32_t)NELEM(MEDS))];
    int nd = 1;
    for (const char *p = m->doses; *p; p++)
        nd += *p == ',';
    int pick = (int)rbelow(&g->r, (uint32_t)nd);
    const char *d = m->doses;
    for (int i = 0; i < pick; i++)
        d = strchr(d, ',') + 1;
    const char *e = strchr(d, ',');
    int dl = e ? (int)(e - d) : (int)strlen(d);
    sb_printf(&g->note, "%s %.*s %s %s", m->name, dl, d, m->unit, m->sig);
}

static void sec_meds(gen_t *g)
{
    header(g, S_MEDS);
    int k = rrange(&g->r, 0, 9), numbered = rchance(&g->r, 0.4);
    if (!k) {
        sb_puts(&g->note, "None.");
        return;
    }
    for (int i = 0; i < k; i++) {
        if (numbered)
            list_sep(g, i, 1);
        else if (i)
            sb_puts(&g->note, g->one_line ? "; " : "\n");
        med_line(g);
    }
}

static void sec_allergies(gen_t *g)
{
    header(g, S_ALL);
    uint32_t c = rbelow(&g->r, 10);
    if (c < 5) {
        sb_puts(&g->note, c < 3 ? "NKDA." : "No known drug allergies.");
        return;
    }
    int k = rrange(&g->r, 1, 3);
    for (int i = 0; i < k; i++) {
        if (i)
            sb_puts(&g->note, ", ");
        sb_puts(&g->note, PICK(&g->r, ALLERGENS));
    }
    sb_putc(&g->note, '.');
}

static void sec_ros(gen_t *g)
{
    static const char *const SYS[] = {
        "Constitutional", "HEENT", "CV", "Resp", "GI", "GU", "MSK", "Neuro", "Psych", "Skin",
    };
    header(g, S_ROS);
    if (rchance(&g->r, 0.2)) {
        emit_tpl(g, "Negative except as noted in HPI. Specifically denies @, ", pick_sx(g));
        sb_puts(&g->note, pick_sx(g));
        sb_puts(&g->note, " and ");
        sb_puts(&g->note, pick_sx(g));
        sb_putc(&g->note, '.');
        return;
    }
    int k = rrange(&g->r, 1, 4), first = (int)rbelow(&g->r, (uint32_t)NELEM(SYS));
    for (int i = 0; i < k; i++) {
        if (i)
            sb_puts(&g->note, g->one_line || rchance(&g->r, 0.5) ? " " : "\n");
        sb_printf(&g->note, "%s: ", SYS[(first + i) % NELEM(SYS)]);
        if (rchance(&g->r, 0.7)) {
            sb_puts(&g->note, rchance(&g->r, 0.5) ? "denies " : "no ");
            sb_puts(&g->note, pick_sx(g));
            sb_puts(&g->note, ", ");
            sb_puts(&g->note, pick_sx(g));
            sb_putc(&g->note, '.');
        } else {
            emit_tpl(g, "positive for @; ", pick_sx(g));
            emit_tpl(g, "negative for @.", pick_sx(g));
        }
    }
}

static void vitals(gen_t *g)
{
    sbuf *b = &g->note;
    int sys = rrange(&g->r, 96, 182), dia = rrange(&g->r, 52, 104);
    sb_printf(b, "BP %d/%d, HR %d, RR %d, ", sys, dia, rrange(&g->r, 52, 128), rrange(&g->r, 12, 28));
    int tenths = rrange(&g->r, 361, 395);
    switch (rbelow(&g->r, 3)) {
    case 0: sb_printf(b, "T %d.%d °C, ", tenths / 10, tenths % 10); break;
    case 1: sb_printf(b, "T %d.%d C, ", tenths / 10, tenths % 10); break;
    default: {
        int f = (tenths * 9 + 1600) / 5; /* tenths of °F */
        sb_printf(b, "Temp %d.%d F, ", f / 10, f % 10);
    }
    }
    int spo2 = rrange(&g->r, 86, 100);
    if (spo2 < 92 && rchance(&g->r, 0.6))
        sb_printf(b, "SpO2 %d%% on %d L NC", spo2, rrange(&g->r, 2, 6));
    else
        sb_printf(b, "SpO2 %d%% on RA", spo2);
    if (rchance(&g->r, 0.4))
        sb_printf(b, ", Wt %d.%d kg, BMI %d.%d", rrange(&g->r, 45, 160), rrange(&g->r, 0, 9),
                  rrange(&g->r, 17, 48), rrange(&g->r, 0, 9));
    sb_putc(b, '.');
}

static void sec_vitals(gen_t *g)
{
    header(g, S_VIT);
    vitals(g);
}

static void sec_exam(gen_t *g)
{
    static const char *const PE[] = {
        "General: alert, oriented x3, in no acute distress.",
        "General: ill-appearing, diaphoretic.",
        "HEENT: PERRLA, EOMI, moist mucous membranes, oropharynx clear.",
        "Neck: supple, no JVD, no lymphadenopathy.",
        "CV: RRR, normal S1/S2, no murmurs, rubs or gallops.",
        "CV: irregularly irregular rhythm, 2/6 systolic murmur at RUSB.",
        "Lungs: CTAB, no wheezes, rales or rhonchi.",
        "Lungs: bibasilar crackles, decreased breath sounds at the right base.",
        "Abdomen: soft, non-tender, non-distended, normoactive bowel sounds.",
        "Abdomen: tender to palpation in the RUQ, positive Murphy sign.",
        "Ext: no edema, pulses 2+ bilaterally.",
        "Ext: 2+ pitting edema to the knees bilaterally.",
        "Neuro: CN II-XII intact, strength 5/5 throughout, sensation intact.",
        "Skin: warm and dry, no rashes; several café-au-lait macules on the trunk.",
        "Psych: appropriate mood and affect, linear thought process.",
    };
    header(g, S_PE);
    int k = rrange(&g->r, 2, 7), first = (int)rbelow(&g->r, (uint32_t)NELEM(PE));
    if (rchance(&g->r, 0.3)) {
        vitals(g);
        space(g);
    }
    for (int i = 0; i < k; i++) {
        if (i)
            sb_puts(&g->note, g->one_line || rchance(&g->r, 0.4) ? " " : "\n");
        sb_puts(&g->note, PE[(first + 2 * i) % NELEM(PE)]);
    }
}

static void sec_labs(gen_t *g)
{
    sbuf *b = &g->note;
    header(g, S_LABS);
    sb_printf(b, "Na %d, K %d.%d, Cl %d, HCO3 %d, BUN %d, Cr %d.%d, Glu %d.", rrange(&g->r, 124, 146),
              rrange(&g->r, 2, 5), rrange(&g->r, 0, 9), rrange(&g->r, 94, 110), rrange(&g->r, 16, 30),
              rrange(&g->r, 7, 68), rrange(&g->r, 0, 3), rrange(&g->r, 5, 9), rrange(&g->r, 68, 420));
    if (rchance(&g->r, 0.7))
        sb_printf(b, " WBC %d.%d, Hgb %d.%d, Plt %d.", rrange(&g->r, 3, 19), rrange(&g->r, 0, 9),
                  rrange(&g->r, 7, 16), rrange(&g->r, 0, 9), rrange(&g->r, 90, 450));
    if (rchance(&g->r, 0.4))
        sb_printf(b, " HbA1c %d.%d%%.", rrange(&g->r, 5, 12), rrange(&g->r, 0, 9));
    if (rchance(&g->r, 0.3))
        sb_printf(b, " Troponin %s.", rchance(&g->r, 0.7) ? "<0.01" : "0.08, repeat pending");
    if (rchance(&g->r, 0.3))
        sb_printf(b, " BNP %d. INR %d.%d. Lactate %d.%d.", rrange(&g->r, 20, 2400),
                  rrange(&g->r, 0, 3), rrange(&g->r, 0, 9), rrange(&g->r, 0, 5), rrange(&g->r, 0, 9));
    if (rchance(&g->r, 0.3)) {
        sb_puts(b, " CXR: ");
        emit_tpl(g, rchance(&g->r, 0.5) ? "no acute cardiopulmonary process." : "findings suggestive of @.",
                 pick_dx(g));
    }
}

static void dx_list(gen_t *g, int s, int kmax)
{
    header(g, s);
    int k = rrange(&g->r, 1, kmax), numbered = rchance(&g->r, 0.6);
    for (int i = 0; i < k; i++) {
        list_sep(g, i, numbered);
        const char *t = pick_dx(g);
        uint32_t c = rbelow(&g->r, 10);
        if (c < 6)
            sb_puts(&g->note, t);
        else if (c < 8)
            emit_tpl(g, PICK(&g->r, T_UNC), t);
        else
            emit_tpl(g, rchance(&g->r, 0.5) ? "@, chronic, stable" : "@ - improving", t);
        if (!numbered && i == k - 1)
            sb_putc(&g->note, '.');
    }
}

static void sec_assessment(gen_t *g, int nsent)
{
    dx_list(g, S_ASSESS, 5);
    for (int i = 0; i < nsent; i++) {
        sb_putc(&g->note, (i == 0 && !g->one_line) ? '\n' : ' ');
        if (rchance(&g->r, 0.35))
            mention_sentence(g, 0);
        else
            filler(g);
    }
}

static void sec_plan(gen_t *g, int nsent)
{
    static const char *const PLAN[] = {
        "Continue home medications.", "Start @ workup with CBC, CMP and UA.",
        "Increase dose and recheck BMP in 1 week.", "Cardiology consult for @.",
        "Check TSH, lipid panel, HbA1c.", "Obtain CT abdomen/pelvis with contrast.",
        "Encourage diet and exercise, goal weight loss of 5-10%.", "Smoking cessation counseled.",
        "Titrate insulin per sliding scale.", "Diuresis with IV furosemide, strict I/O, daily weights.",
        "DVT prophylaxis with enoxaparin.", "Follow up with PCP in % weeks.",
        "Empiric antibiotics for @.", "Trend troponins, telemetry overnight.",
    };
    header(g, S_PLAN);
    for (int i = 0; i < nsent; i++) {
        if (i)
            space(g);
        uint32_t c = rbelow(&g->r, 10);
        if (c < 2) {
            emit_tpl(g, PICK(&g->r, T_HYPO), rchance(&g->r, 0.5) ? pick_sx(g) : pick_dx(g));
        } else if (c < 4) {
            sb_puts(&g->note, "Start ");
            med_line(g);
            sb_putc(&g->note, '.');
        } else {
            emit_tpl(g, PICK(&g->r, PLAN), pick_dx(g));
        }
    }
}

/* typos: swap two adjacent interior letters of a few long words */
static void add_typos(gen_t *g, size_t from)
{
    sbuf *b = &g->note;
    size_t i = from;
    while (i < b->n) {
        while (i < b->n && !((b->p[i] | 32) >= 'a' && (b->p[i] | 32) <= 'z'))
            i++;
        size_t s = i;
        while (i < b->n && (b->p[i] | 32) >= 'a' && (b->p[i] | 32) <= 'z')
            i++;
        if (i - s >= 5 && rbelow(&g->r, 250) == 0) {
            size_t k = s + 1 + rbelow(&g->r, (uint32_t)(i - s - 3));
            char t = b->p[k];
            b->p[k] = b->p[k + 1];
            b->p[k + 1] = t;
        }
    }
}

static void gen_note(gen_t *g)
{
    rng_t *r = &g->r;
    g->note.n = 0;
    /* log-normal-ish length: median ~1,300 characters, long right tail */
    double len = 1300.0 * det_exp(0.7 * rnormal(r));
    size_t target = len < 250 ? 250 : len > 24000 ? 24000 : (size_t)len;
    int scale = (int)(target / 700) + 1; /* sentences per narrative section */
    g->hdr_style = (int)rbelow(r, 3);
    g->one_line = rchance(r, 0.1);
    uint32_t kind = rbelow(r, 4); /* 0 progress, 1 H&P, 2 ED, 3 discharge */

    if (rchance(r, 0.8))
        sec_cc(g);
    sec_hpi(g, rrange(r, 1, 2 * scale));
    if (kind != 0 || rchance(r, 0.5))
        sec_pmh(g);
    if (kind == 1 || rchance(r, 0.3))
        sec_psh(g);
    if (kind == 1 || rchance(r, 0.3))
        sec_fhx(g);
    if (kind == 1 || rchance(r, 0.3))
        sec_shx(g);
    if (rchance(r, 0.7))
        sec_meds(g);
    if (rchance(r, 0.6))
        sec_allergies(g);
    if (kind != 3 && rchance(r, 0.6))
        sec_ros(g);
    if (rchance(r, 0.5))
        sec_vitals(g);
    if (kind != 3 || rchance(r, 0.4))
        sec_exam(g);
    if (rchance(r, 0.5))
        sec_labs(g);
    if (kind == 3) {
        dx_list(g, S_DCDX, 6);
    } else {
        sec_assessment(g, rrange(r, 0, scale));
        if (rchance(r, 0.3))
            dx_list(g, S_IMPR, 3);
    }
    sec_plan(g, rrange(r, 1, scale + 1));
    /* pad long notes with further narrative (interval history, daily progress) */
    while (g->note.n < target) {
        if (rchance(r, 0.3))
            header(g, rchance(r, 0.5) ? S_HPI : S_ASSESS);
        else
            space(g);
        for (int i = 0; i < 4; i++) {
            if (i)
                space(g);
            uint32_t c = rbelow(r, 10);
            if (c < 2)
                mention_sentence(g, (int)(c & 1));
            else
                filler(g);
        }
    }
    add_typos(g, 0);
}

/* ---------------------------------------------------------------- real texts (--real) */

typedef struct {
    char **t;
    size_t *len;
    size_t n, cap;
} texts_t;

static void texts_add(texts_t *T, char *s, size_t n)
{
    if (T->n == T->cap) {
        T->cap = T->cap ? T->cap * 2 : 1024;
        T->t = xrealloc(T->t, T->cap * sizeof *T->t);
        T->len = xrealloc(T->len, T->cap * sizeof *T->len);
    }
    T->t[T->n] = s;
    T->len[T->n++] = n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static void put_utf8(sbuf *b, uint32_t cp)
{
    if (cp < 0x80) {
        sb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        sb_putc(b, (char)(0xC0 | (cp >> 6)));
        sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        sb_putc(b, (char)(0xE0 | (cp >> 12)));
        sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        sb_putc(b, (char)(0xF0 | (cp >> 18)));
        sb_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

static int read_u4(const char *p, uint32_t *cp)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + (uint32_t)h;
    }
    *cp = v;
    return 0;
}

/* Parses a JSON string starting at *pp (just after the opening quote) into out (if non-NULL).
 * Returns 0 and leaves *pp after the closing quote, or -1 on malformed input. */
static int json_string(const char **pp, sbuf *out)
{
    const char *p = *pp;
    for (;;) {
        const char *q = p;
        while (*q && *q != '"' && *q != '\\')
            q++;
        if (out)
            sb_putn(out, p, (size_t)(q - p));
        p = q;
        if (*p == '"') {
            *pp = p + 1;
            return 0;
        }
        if (*p != '\\')
            return -1;
        p++;
        char c = *p++, e;
        switch (c) {
        case 'n': e = '\n'; break;
        case 't': e = '\t'; break;
        case 'r': e = '\r'; break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case '"': case '\\': case '/': e = c; break;
        case 'u': {
            uint32_t cp, lo;
            if (read_u4(p, &cp))
                return -1;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u' && !read_u4(p + 2, &lo) &&
                lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (out)
                put_utf8(out, cp);
            continue;
        }
        default: return -1;
        }
        if (out)
            sb_putc(out, e);
    }
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die_io("cannot open %s: %s", path, strerror(errno));
    sbuf b = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        sb_putn(&b, tmp, k);
    if (ferror(f))
        die_io("cannot read %s: %s", path, strerror(errno));
    fclose(f);
    sb_reserve(&b, 0);
    b.p[b.n] = '\0';
    *n = b.n;
    return b.p;
}

/* mtsamples.jsonl: one flat object per line; keep the "transcription" string (skip null) */
static void load_jsonl(texts_t *T, const char *path)
{
    size_t n;
    char *all = slurp(path, &n);
    size_t lineno = 0;
    for (char *line = all; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '{') {
            p++;
            for (;;) {
                while (*p == ' ' || *p == ',' || *p == '\t')
                    p++;
                if (*p != '"')
                    break;
                p++;
                sbuf key = {0};
                if (json_string(&p, &key))
                    die_io("%s: line %zu: malformed JSON string", path, lineno);
                while (*p == ' ' || *p == ':')
                    p++;
                int want = key.n == 13 && memcmp(key.p, "transcription", 13) == 0;
                free(key.p);
                if (*p == '"') {
                    p++;
                    sbuf val = {0};
                    if (json_string(&p, want ? &val : NULL))
                        die_io("%s: line %zu: malformed JSON string", path, lineno);
                    if (want && val.n)
                        texts_add(T, val.p, val.n);
                    else
                        free(val.p);
                } else { /* number, null, true, false: skip to the next member */
                    while (*p && *p != ',' && *p != '}')
                        p++;
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(all);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_txt_dir(texts_t *T, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        die_io("cannot open directory %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt"))
            continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 256;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[nn] = strdup(e->d_name);
        if (!names[nn++])
            die_io("out of memory");
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmpstr); /* readdir order is not deterministic */
    sbuf path = {0};
    for (size_t i = 0; i < nn; i++) {
        path.n = 0;
        sb_printf(&path, "%s/%s", dir, names[i]);
        size_t n;
        char *s = slurp(path.p, &n);
        if (n)
            texts_add(T, s, n);
        else
            free(s);
        free(names[i]);
    }
    free(names);
    free(path.p);
}

/* ---------------------------------------------------------------- output */

typedef struct {
    FILE *f;
    const char *path;
    ZSTD_CCtx *cctx; /* NULL: plain CSV */
    char *in, *out;
    size_t in_n, in_cap, out_cap;
    uint64_t frame_bytes, frame_limit; /* input bytes in the current frame; 0 = no limit */
    uint64_t total_in, total_out;
} out_t;

static void out_raw(out_t *o, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, o->f) != n)
        die_io("cannot write %s: %s", o->path, strerror(errno));
    o->total_out += n;
}

static void z_flush(out_t *o, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {o->in, o->in_n, 0};
    for (;;) {
        ZSTD_outBuffer ob = {o->out, o->out_cap, 0};
        size_t rem = ZSTD_compressStream2(o->cctx, &ob, &in, mode);
        if (ZSTD_isError(rem))
            die_io("zstd compression failed: %s", ZSTD_getErrorName(rem));
        out_raw(o, o->out, ob.pos);
        if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size)
            break;
    }
    o->in_n = 0;
}

static void out_write(out_t *o, const char *p, size_t n)
{
    o->total_in += n;
    if (!o->cctx) {
        out_raw(o, p, n);
        return;
    }
    while (n) {
        size_t k = o->in_cap - o->in_n;
        if (k > n)
            k = n;
        if (o->frame_limit && k > o->frame_limit - o->frame_bytes)
            k = (size_t)(o->frame_limit - o->frame_bytes);
        memcpy(o->in + o->in_n, p, k);
        o->in_n += k;
        o->frame_bytes += k;
        p += k;
        n -= k;
        if (o->frame_limit && o->frame_bytes == o->frame_limit) {
            z_flush(o, ZSTD_e_end); /* close this frame; the next byte starts a new one */
            o->frame_bytes = 0;
        } else if (o->in_n == o->in_cap) {
            z_flush(o, ZSTD_e_continue);
        }
    }
}

static void out_close(out_t *o)
{
    if (o->cctx && (o->in_n || o->frame_bytes || o->total_in == 0))
        z_flush(o, ZSTD_e_end);
    if (o->f == stdout ? fflush(o->f) != 0 : fclose(o->f) != 0)
        die_io("cannot write %s: %s", o->path, strerror(errno));
    ZSTD_freeCCtx(o->cctx);
    free(o->in);
    free(o->out);
}

/* ---------------------------------------------------------------- CSV record */

static void put_date(sbuf *b, rng_t *r)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int d = (int)rbelow(r, 3653); /* 2015-01-01 .. 2024-12-31 */
    int y = 2015;
    for (;;) {
        int yl = (y % 4 == 0) ? 366 : 365;
        if (d < yl)
            break;
        d -= yl;
        y++;
    }
    int m = 0;
    for (;; m++) {
        int ml = mdays[m] + (m == 1 && y % 4 == 0);
        if (d < ml)
            break;
        d -= ml;
    }
    sb_printf(b, "%04d-%02d-%02d", y, m + 1, d + 1);
}

static int pick_age(rng_t *r)
{
    uint32_t c = rbelow(r, 100);
    if (c < 8)
        return rrange(r, 0, 17);
    if (c < 35)
        return rrange(r, 18, 44);
    if (c < 70)
        return rrange(r, 45, 69);
    return rrange(r, 70, 99);
}

static void put_quoted(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n + 16);
    sb_putc(b, '"');
    const char *end = s + n;
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        if (!q) {
            sb_putn(b, s, (size_t)(end - s));
            break;
        }
        sb_putn(b, s, (size_t)(q - s + 1));
        sb_putc(b, '"');
        s = q + 1;
    }
    sb_putc(b, '"');
}

/* ---------------------------------------------------------------- main */

static uint64_t parse_size(const char *s)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || errno || v <= 0)
        die_usage("invalid --size '%s'", s);
    double mul = 1;
    switch (*e) {
    case 'k': case 'K': mul = 1024.0; e++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; e++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; e++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; e++; break;
    default: break;
    }
    if (*e == 'B' || *e == 'b')
        e++;
    if (*e)
        die_usage("invalid --size '%s' (use e.g. 500K, 100M, 1G)", s);
    return (uint64_t)(v * mul);
}

static long parse_int(const char *opt, const char *s, long lo, long hi)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || *e || errno || v < lo || v > hi)
        die_usage("invalid %s '%s' (expected an integer in %ld..%ld)", opt, s, lo, hi);
    return v;
}

static void usage(FILE *f)
{
    fputs("usage: mcgen --size SIZE [--seed N] [--terms FILE] [--real EVAL_DIR] [--level L]\n"
          "             [--frame-mb N] -o OUT\n"
          "       mcgen --print-terms\n"
          "Writes a synthetic clinical-note archive: CSV with header id,date,age,sex,facility,note.\n"
          "  --size SIZE     uncompressed target (K, M, G, T = powers of 1024); stops after the\n"
          "                  record that crosses it\n"
          "  --seed N        PRNG seed (default 1); same arguments give byte-identical output\n"
          "  --terms FILE    TSV term<TAB>code (medcode dict export-terms); a third of the\n"
          "                  diagnosis mentions are drawn uniformly from it\n"
          "  --real DIR      replay real texts from DIR/mtsamples/mtsamples.jsonl and\n"
          "                  DIR/codiesp-en/background/text_files_en/*.txt instead\n"
          "  --level L       zstd level (default 3)\n"
          "  --frame-mb N    end the zstd frame every N MiB of input (default 0: one frame)\n"
          "  -o OUT          OUT.zst: zstd; OUT.csv or '-': plain CSV\n"
          "  --print-terms   print the built-in condition phrases as term<TAB> lines and exit\n"
          "exit status: 0 ok, 1 I/O error, 2 usage error\n",
          f);
}

int main(int argc, char **argv)
{
    uint64_t size = 0, seed = 1;
    const char *out_path = NULL, *terms_path = NULL, *real_dir = NULL;
    int level = 3, have_size = 0, print_terms = 0;
    long frame_mb = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
#define NEEDV()                                         \
    do {                                                \
        if (!v)                                         \
            die_usage("option %s needs a value", a);    \
        i++;                                            \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--size")) {
            NEEDV();
            size = parse_size(v);
            have_size = 1;
        } else if (!strcmp(a, "--seed")) {
            NEEDV();
            char *e;
            errno = 0;
            seed = strtoull(v, &e, 10);
            if (e == v || *e || errno || *v == '-')
                die_usage("invalid --seed '%s'", v);
        } else if (!strcmp(a, "--terms")) {
            NEEDV();
            terms_path = v;
        } else if (!strcmp(a, "--real")) {
            NEEDV();
            real_dir = v;
        } else if (!strcmp(a, "--level")) {
            NEEDV();
            level = (int)parse_int(a, v, ZSTD_minCLevel(), ZSTD_maxCLevel());
        } else if (!strcmp(a, "--frame-mb")) {
            NEEDV();
            frame_mb = parse_int(a, v, 0, 1L << 20);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            NEEDV();
            out_path = v;
        } else if (!strcmp(a, "--print-terms")) {
            print_terms = 1;
        } else {
            die_usage("unknown argument '%s'", a);
        }
#undef NEEDV
    }

    split_forms(DX, NELEM(DX), dxf);
    split_forms(SX, NELEM(SX), sxf);
    split_forms(PROC, NELEM(PROC), procf);

    if (print_terms) {
        for (size_t i = 0; i < NELEM(DX); i++)
            for (int k = 0; k < dxf[i].n; k++)
                printf("%s\t\n", dxf[i].f[k]);
        for (size_t i = 0; i < NELEM(SX); i++)
            for (int k = 0; k < sxf[i].n; k++)
                printf("%s\t\n", sxf[i].f[k]);
        return fflush(stdout) ? EXIT_IO : 0;
    }
    if (!have_size)
        die_usage("--size is required");
    if (!out_path)
        die_usage("-o OUT is required");
    if (terms_path && real_dir)
        die_usage("--terms and --real cannot be combined");

    gen_t g = {0};
    rng_seed(&g.r, seed);

    char *terms_text = NULL; /* backing store of g.terms */
    if (terms_path) {
        size_t n;
        char *all = terms_text = slurp(terms_path, &n);
        size_t cap = 0;
        for (char *line = all; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            char *tab = strchr(line, '\t');
            if (tab)
                *tab = '\0';
            size_t l = strlen(line);
            if (l && line[l - 1] == '\r')
                line[--l] = '\0';
            if (l) {
                if (g.nterms == cap) {
                    cap = cap ? cap * 2 : 4096;
                    g.terms = xrealloc(g.terms, cap * sizeof *g.terms);
                }
                g.terms[g.nterms++] = line; /* points into 'all', kept for the whole run */
            }
            line = nl ? nl + 1 : NULL;
        }
        if (!g.nterms)
            die_usage("--terms %s holds no terms", terms_path);
    }

    texts_t real = {0};
    if (real_dir) {
        sbuf p = {0};
        sb_printf(&p, "%s/mtsamples/mtsamples.jsonl", real_dir);
        load_jsonl(&real, p.p);
        p.n = 0;
        sb_printf(&p, "%s/codiesp-en/background/text_files_en", real_dir);
        load_txt_dir(&real, p.p);
        free(p.p);
        if (!real.n)
            die_io("no texts found under %s", real_dir);
    }

    out_t o = {0};
    o.path = out_path;
    size_t pl = strlen(out_path);
    int plain = !strcmp(out_path, "-") || (pl >= 4 && !strcmp(out_path + pl - 4, ".csv"));
    o.f = !strcmp(out_path, "-") ? stdout : fopen(out_path, "wb");
    if (!o.f)
        die_io("cannot create %s: %s", out_path, strerror(errno));
    if (!plain) {
        o.cctx = ZSTD_createCCtx();
        if (!o.cctx)
            die_io("cannot create zstd context");
        ZSTD_CCtx_setParameter(o.cctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(o.cctx, ZSTD_c_checksumFlag, 1);
        o.in_cap = 1 << 20;
        o.out_cap = ZSTD_CStreamOutSize();
        o.in = xrealloc(NULL, o.in_cap);
        o.out = xrealloc(NULL, o.out_cap);
        o.frame_limit = (uint64_t)frame_mb << 20;
    }

    static const char HEADER[] = "id,date,age,sex,facility,note\n";
    out_write(&o, HEADER, sizeof HEADER - 1);

    sbuf rec = {0};
    size_t *order = NULL, pos = 0;
    if (real.n) {
        order = xrealloc(NULL, real.n * sizeof *order);
        for (size_t i = 0; i < real.n; i++)
            order[i] = i;
        pos = real.n; /* shuffle on first use */
    }
    uint64_t nrec = 0;
    while (o.total_in < size) {
        rng_t *r = &g.r;
        nrec++;
        rec.n = 0;
        sb_printf(&rec, "N%06llu,", (unsigned long long)nrec);
        put_date(&rec, r);
        g.age = pick_age(r);
        if (rbelow(r, 100) == 0)
            sb_puts(&rec, ",,");
        else
            sb_printf(&rec, ",%d,", g.age);
        uint32_t sx = rbelow(r, 100);
        g.female = sx < 52;
        sb_puts(&rec, sx < 52 ? "F," : sx < 98 ? "M," : "U,");
        /* a few large facilities and a long tail */
        uint32_t fc = rbelow(r, 100);
        sb_puts(&rec, FACILITIES[fc < 60 ? fc / 15 : 4 + (fc - 60) / 5]);
        sb_putc(&rec, ',');
        if (real.n) {
            if (pos == real.n) { /* Fisher–Yates, a new order each cycle */
                for (size_t i = real.n - 1; i > 0; i--) {
                    size_t j = (size_t)(rnd(r) % (i + 1)), t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                pos = 0;
            }
            size_t k = order[pos++];
            put_quoted(&rec, real.t[k], real.len[k]);
        } else {
            gen_note(&g);
            put_quoted(&rec, g.note.p, g.note.n);
        }
        sb_putc(&rec, '\n');
        out_write(&o, rec.p, rec.n);
    }
    out_close(&o);
    fprintf(stderr, "mcgen: %llu records, %llu bytes CSV, %llu bytes written to %s\n",
            (unsigned long long)nrec, (unsigned long long)o.total_in,
            (unsigned long long)o.total_out, out_path);
    for (size_t i = 0; i < real.n; i++)
        free(real.t[i]);
    free(real.t);
    free(real.len);
    free(order);
    free(rec.p);
    free(g.note.p);
    free(g.terms);
    free(terms_text);
    return 0;
}
