/* mc_text.h — the one normalisation shared by dictionary build and matching, and the
 * tokenizer that produces it with byte offsets and sentence/line/punctuation flags.
 *
 * A token is a maximal run of letters and digits (ASCII, or UTF-8 Latin letters).
 * Normalisation of a token, in order:
 *   - UTF-8 accented Latin letters fold to ASCII ("Ménière" -> "meniere"); other
 *     non-ASCII characters and invalid UTF-8 bytes are separators (never a crash);
 *   - ASCII case folds to lower case ("HTN" -> "htn");
 *   - an apostrophe inside a word is dropped, a possessive "'s" at its end too
 *     ("Crohn's" -> "crohn", "don't" -> "dont");
 *   - hyphens and other punctuation split tokens ("non-insulin-dependent" ->
 *     "non" "insulin" "dependent"); "38.2" (digits.digits) stays one token;
 *   - simple plurals lose their s: "-ies" -> "-y" ("arteries" -> "artery"), a final
 *     "s" after a letter goes when the word has 4+ letters and does not end in
 *     "ss", "us" or "is" ("fractures" -> "fracture", "diabetes" -> "diabete",
 *     "abscess", "status", "sepsis" unchanged);
 *   - roman numerals ii..ix become digits ("type II" -> "type 2", "stage IV" ->
 *     "stage 4"); "i", "v", "x" are left alone (too ambiguous in running text).
 * Because the same function runs at build and scan time, a phrase and a text match
 * when their normalised token sequences are equal.
 *
 * Thread safety: pure functions over caller-owned buffers.
 */
#ifndef MC_TEXT_H
#define MC_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "common/mc_skey.h"

/* Token flags: what stands between this token and the previous one, and its shape. */
#define MC_TOK_UPPER   0x0001u /* every letter upper case (at least one letter) */
#define MC_TOK_CAP     0x0002u /* first character is an upper-case letter */
#define MC_TOK_NUM     0x0004u /* starts with a digit */
#define MC_TOK_SENT    0x0008u /* a sentence boundary precedes this token */
#define MC_TOK_LINE    0x0010u /* first token of a line */
#define MC_TOK_BLANK   0x0020u /* a blank line (or more) precedes this token */
#define MC_TOK_COMMA   0x0040u /* a comma stands between previous token and this */
#define MC_TOK_SEMI    0x0080u /* a semicolon stands between previous token and this */
#define MC_TOK_COLON   0x0100u /* a colon follows this token (before the next token) */
#define MC_TOK_HYPHEN  0x0200u /* joined to the previous token by a hyphen or slash, no space */
#define MC_TOK_PAREN   0x0400u /* an opening or closing bracket stands before this token */
#define MC_TOK_BULLET  0x0800u /* line starts with a list marker ("-", "*", "1.", "2)") */
#define MC_TOK_DOT     0x1000u /* a full stop directly follows this token */

typedef struct {
    uint32_t start, end; /* byte span [start, end) in the source text */
    uint32_t norm;       /* offset of the normalised form in mc_tokens.norm */
    uint16_t norm_len;   /* length of the normalised form (<= MC_TOKEN_MAX) */
    uint16_t flags;      /* MC_TOK_* */
    uint32_t hash;       /* mc_skey_hash() of the normalised form (common/mc_skey.h) */
    int32_t id;          /* vocabulary id, -1 when not in the dictionary (set by the matcher) */
} mc_token;

#define MC_TOKEN_MAX 64  /* longer runs are cut into pieces of this many bytes */

/* Reusable token buffer (one per thread). Zero-initialise; free with mc_tokens_free.
 * After mc_tokenize, norm has at least MC_NORM_PAD readable bytes past norm_len, so a
 * normalised form can be loaded a word at a time (mc_skey_padded). */
typedef struct {
    mc_token *tok;
    size_t n, cap;
    char *norm;
    size_t norm_len, norm_cap;
} mc_tokens;

#define MC_NORM_PAD 16

/* Tokenize text[0..len) into out (cleared first). Returns 0, or -1 when out of memory.
 * Offsets are relative to text. Never reads past len; any bytes are accepted. */
int mc_tokenize(const char *text, size_t len, mc_tokens *out);
void mc_tokens_free(mc_tokens *t);

/* Hash of a normalised token (FNV-1a 32-bit) for the dictionary file's vocabulary
 * table (MC_SEC_VHASH, format version 1); written by the builder, checked at load. */
static inline uint32_t mc_token_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Normalise a whole phrase to its tokens joined by single spaces ("Type-II  DM's" ->
 * "type 2 dm"). Writes at most cap-1 bytes plus NUL; returns the number of tokens. */
int mc_normalize_phrase(const char *s, size_t len, char *out, size_t cap);

#endif
