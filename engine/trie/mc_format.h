/* mc_format.h — the compiled dictionary file ("prebuilt trie"), format version 1.
 *
 * Little-endian, written by engine/dict (mc_builder_write), memory-mapped read-only by
 * engine/trie (mc_dict_open) and shared by all threads. Distrusted at load: magic,
 * version, sizes, every section's bounds, alignment and XXH3-64 checksum, and every
 * offset stored inside the sections are checked before use.
 *
 * Header (64 bytes)
 *   OFFSET SIZE DESCRIPTION
 *        0    8 magic 8D 4D 43 44 0D 0A 1A 0A ("\x8D" "MCD\r\n\x1A\n": not ASCII/UTF-8,
 *               and catches text-mode and truncating transfers like PNG's)
 *        8    4 format version (MC_FORMAT_VERSION); a newer one is refused by number
 *       12    4 header size in bytes = 64 + 32 * section count
 *       16    8 file size in bytes (a truncated file is refused)
 *       24    4 section count (<= MC_MAX_SECTIONS)
 *       28    4 build option flags (MC_BUILDF_*)
 *       32   16 build id: XXH128 of the section table and all section bytes
 *       48    8 header checksum: XXH3-64 of bytes 0..47 and of the section table
 *       56    8 reserved, zero
 * Section table (32 bytes per section, right after the header)
 *        0    4 section id (MC_SEC_*)
 *        4    4 element size in bytes (1 for byte strings)
 *        8    8 offset from the start of the file (multiple of 64)
 *       16    8 length in bytes (multiple of the element size)
 *       24    8 XXH3-64 checksum of the section bytes
 * Unknown section ids are ignored (forward-compatible additions need no new version).
 */
#ifndef MC_FORMAT_H
#define MC_FORMAT_H

#include <stdint.h>

#define MC_FORMAT_VERSION 1u
#define MC_MAGIC "\x8D" "MCD\r\n\x1A\n"
#define MC_HEADER_SIZE 64u
#define MC_SECTION_ENTRY_SIZE 32u
#define MC_MAX_SECTIONS 64u
#define MC_SECTION_ALIGN 64u
#define MC_NONE 0xFFFFFFFFu

enum {
    MC_SEC_STRS = 1,     /* string pool: NUL-terminated UTF-8 strings, offset 0 = "" */
    MC_SEC_META = 2,     /* mc_fmeta[]: key/value strings (release, sources, options) */
    MC_SEC_VOCAB = 3,    /* mc_fvocab[]: one per normalised token, id = index */
    MC_SEC_VHASH = 4,    /* mc_fslot[]: open-addressing table, power-of-two size */
    MC_SEC_NODES = 5,    /* mc_fnode[]: trie nodes; node 0 is unused ("no node") */
    MC_SEC_EDGES = 6,    /* mc_fedge[]: children of each node, sorted by token id */
    MC_SEC_TERMS = 7,    /* mc_fterm[]: phrase at a terminal node */
    MC_SEC_CODES = 8,    /* mc_fcode[]: code table sorted by code, with hierarchy */
    MC_SEC_BLOCKS = 9,   /* mc_fblock[]: blocks (sections) sorted by first code */
    MC_SEC_CHAPTERS = 10,/* mc_fchapter[]: chapters 1..22 */
    MC_SEC_TRIGGERS = 11,/* mc_ftrigger[]: context triggers (trie 1 terms point here) */
    MC_SEC_COUNTERS = 12,/* mc_fmeta[]: build counters ("ambiguous", "variants", ...) as decimal strings */
    MC_SEC_ZMAP = 13,    /* mc_fzmap[]: one per code: family / personal history Z code (coding rules) */
    MC_SEC_ZRULES = 14   /* mc_fzrule[]: the prefix rules ZMAP was resolved from (for rebuilding) */
};

#define MC_TRIE_CODES 0u    /* trie 0: diagnosis phrases */
#define MC_TRIE_CONTEXT 1u  /* trie 1: context triggers and section headers */
#define MC_N_TRIES 2u

#define MC_BUILDF_DEFAULT_LEXICON 0x1u /* the curated default lexicon is included */
#define MC_BUILDF_ICD10CM_ORDER   0x2u
#define MC_BUILDF_ICD10CM_INDEX   0x4u
#define MC_BUILDF_ICD10CM_TABULAR 0x8u
#define MC_BUILDF_ICD10CM_NEOPLASM 0x10u

typedef struct { uint32_t key, val; } mc_fmeta;               /* string offsets */
typedef struct {
    uint32_t str;            /* normalised token (string offset) */
    uint32_t len;            /* its length */
    uint32_t root[MC_N_TRIES]; /* child of the root for this token, 0 = none */
} mc_fvocab;
typedef struct { uint32_t hash, id1; } mc_fslot;              /* id1 = id + 1, 0 = empty */
typedef struct { uint32_t edge, n_edges, term; } mc_fnode;    /* term = MC_NONE when not terminal */
typedef struct { uint32_t tok, child; } mc_fedge;
typedef struct {
    uint32_t target;         /* trie 0: code index; trie 1: trigger index */
    uint32_t text;           /* the phrase as written by its source (string offset) */
    uint16_t ntok;           /* tokens in the phrase */
    uint8_t source;          /* mc_source */
    uint8_t flags;           /* MC_TERMF_* */
    uint32_t system;         /* code system name (string offset) */
    uint32_t upper;          /* MC_TERMF_UPPER: bit i = token i must be upper case in the text */
} mc_fterm;
typedef struct {
    uint32_t code;           /* dotted code (string offset) */
    uint32_t title;          /* long title (string offset) */
    uint32_t short_title;    /* short title (string offset; may equal title) */
    uint32_t category;       /* index of the 3-character category code, MC_NONE if absent */
    uint32_t block;          /* index into BLOCKS, MC_NONE if unknown */
    uint32_t parent;         /* nearest shorter code present (E11.2 for E11.22), MC_NONE */
    uint8_t chapter;         /* 1..22, 0 unknown */
    uint8_t billable;        /* 1 billable, 0 header */
    uint8_t title_official;  /* 1 when the title came from an official file */
    uint8_t pad;
} mc_fcode;
typedef struct { uint32_t first, last, title; uint32_t chapter; } mc_fblock;
typedef struct { uint32_t first, last, title; uint32_t number; } mc_fchapter;
typedef struct {
    uint8_t category;        /* context category (engine/context/mc_context.h) */
    uint8_t direction;       /* forward, backward, both, pseudo, terminate */
    uint8_t window;          /* max tokens in scope, 0 = to the end of the sentence */
    uint8_t section;         /* section id for section headers, 0 otherwise */
    uint32_t text;           /* the trigger phrase (string offset) */
} mc_ftrigger;

typedef struct {
    uint32_t family;         /* code index of the family-history code (Z80-Z84), MC_NONE */
    uint32_t history;        /* code index of the personal-history code (Z85-Z87, I25.2...), MC_NONE */
    uint32_t flags;          /* MC_ZMAP_CHRONIC: "history of" still codes the condition */
} mc_fzmap;
#define MC_ZMAP_CHRONIC 0x1u
typedef struct { uint32_t prefix, family, history, chronic; } mc_fzrule; /* string offsets ("" = none) */

/* Diagnosis groups and comorbidity (engine/codes/mc_groups.c; include/mc_groups.h).
 * Optional sections: a dictionary without them has no CCSR / AHRQ data, and its Quan
 * masks are resolved from the code at lookup. */
enum {
    MC_SEC_CCSR_CATS = 20,  /* mc_fccsr_cat[]: CCSR categories sorted by name */
    MC_SEC_CCSR_CODES = 21, /* mc_fccsr_code[]: one per code (n_codes) or absent */
    MC_SEC_COMORB = 22,     /* mc_fcomorb[]: one per code: Quan Charlson/Elixhauser and AHRQ masks */
    MC_SEC_AHRQ = 23        /* mc_fahrq[]: AHRQ Elixhauser Refined measures (bit i = entry i), <= 64 */
};
#define MC_CCSR_NONE 0xFFFFu
typedef struct {
    uint32_t name;           /* "DIG001" (string offset) */
    uint32_t title;          /* "Intestinal infection" */
    uint32_t body;           /* body system abbreviation "DIG" */
    uint32_t body_title;     /* "Diseases of the digestive system" ("" when unknown) */
} mc_fccsr_cat;
typedef struct {
    uint16_t cat[6];         /* CCSR CATEGORY 1..6: category index, MC_CCSR_NONE after the last */
    uint16_t ip, op;         /* default inpatient / outpatient category, MC_CCSR_NONE */
} mc_fccsr_code;
typedef struct {
    uint32_t charlson;       /* bit i: Quan 2005 Charlson condition i (mc_groups.h order) */
    uint32_t reserved;       /* zero */
    uint64_t elix_quan;      /* bit i: Quan 2005 Elixhauser condition i */
    uint64_t ahrq;           /* bit i: AHRQ measure i (MC_SEC_AHRQ), before the hierarchy */
} mc_fcomorb;
typedef struct {
    uint32_t name;           /* "CMR_AIDS" (string offset) */
    uint32_t title;          /* "Acquired immune deficiency syndrome" */
    int32_t mortality;       /* mortality index weight */
    int32_t readmission;     /* readmission index weight */
    uint32_t flags;          /* MC_AHRQF_* */
    uint32_t reserved;       /* zero */
    uint64_t clears;         /* hierarchy: measures this one clears when present (DIAB_CX clears DIAB_UNCX) */
} mc_fahrq;
#define MC_AHRQF_POA 0x1u    /* the AHRQ software requires the diagnosis present on admission */

#endif
