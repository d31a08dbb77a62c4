/* mc_text.c — tokenizer and normaliser (see mc_text.h for the rules). One pass over
 * the bytes with a class table; normalised forms go to a per-thread buffer. */
#include "mc_text.h"
#include <stdlib.h>
#include <string.h>

enum { C_SEP = 0, C_LOW = 1, C_UP = 2, C_DIG = 3, C_APOS = 4, C_HI = 5 };

static const unsigned char cls[256] = {
    ['0'] = C_DIG, ['1'] = C_DIG, ['2'] = C_DIG, ['3'] = C_DIG, ['4'] = C_DIG,
    ['5'] = C_DIG, ['6'] = C_DIG, ['7'] = C_DIG, ['8'] = C_DIG, ['9'] = C_DIG,
    ['a'] = C_LOW, ['b'] = C_LOW, ['c'] = C_LOW, ['d'] = C_LOW, ['e'] = C_LOW, ['f'] = C_LOW,
    ['g'] = C_LOW, ['h'] = C_LOW, ['i'] = C_LOW, ['j'] = C_LOW, ['k'] = C_LOW, ['l'] = C_LOW,
    ['m'] = C_LOW, ['n'] = C_LOW, ['o'] = C_LOW, ['p'] = C_LOW, ['q'] = C_LOW, ['r'] = C_LOW,
    ['s'] = C_LOW, ['t'] = C_LOW, ['u'] = C_LOW, ['v'] = C_LOW, ['w'] = C_LOW, ['x'] = C_LOW,
    ['y'] = C_LOW, ['z'] = C_LOW,
    ['A'] = C_UP, ['B'] = C_UP, ['C'] = C_UP, ['D'] = C_UP, ['E'] = C_UP, ['F'] = C_UP,
    ['G'] = C_UP, ['H'] = C_UP, ['I'] = C_UP, ['J'] = C_UP, ['K'] = C_UP, ['L'] = C_UP,
    ['M'] = C_UP, ['N'] = C_UP, ['O'] = C_UP, ['P'] = C_UP, ['Q'] = C_UP, ['R'] = C_UP,
    ['S'] = C_UP, ['T'] = C_UP, ['U'] = C_UP, ['V'] = C_UP, ['W'] = C_UP, ['X'] = C_UP,
    ['Y'] = C_UP, ['Z'] = C_UP,
    ['\''] = C_APOS,
    [0x80] = C_HI, [0x81] = C_HI, [0x82] = C_HI, [0x83] = C_HI, [0x84] = C_HI, [0x85] = C_HI,
    [0x86] = C_HI, [0x87] = C_HI, [0x88] = C_HI, [0x89] = C_HI, [0x8a] = C_HI, [0x8b] = C_HI,
    [0x8c] = C_HI, [0x8d] = C_HI, [0x8e] = C_HI, [0x8f] = C_HI, [0x90] = C_HI, [0x91] = C_HI,
    [0x92] = C_HI, [0x93] = C_HI, [0x94] = C_HI, [0x95] = C_HI, [0x96] = C_HI, [0x97] = C_HI,
    [0x98] = C_HI, [0x99] = C_HI, [0x9a] = C_HI, [0x9b] = C_HI, [0x9c] = C_HI, [0x9d] = C_HI,
    [0x9e] = C_HI, [0x9f] = C_HI, [0xa0] = C_HI, [0xa1] = C_HI, [0xa2] = C_HI, [0xa3] = C_HI,
    [0xa4] = C_HI, [0xa5] = C_HI, [0xa6] = C_HI, [0xa7] = C_HI, [0xa8] = C_HI, [0xa9] = C_HI,
    [0xaa] = C_HI, [0xab] = C_HI, [0xac] = C_HI, [0xad] = C_HI, [0xae] = C_HI, [0xaf] = C_HI,
    [0xb0] = C_HI, [0xb1] = C_HI, [0xb2] = C_HI, [0xb3] = C_HI, [0xb4] = C_HI, [0xb5] = C_HI,
    [0xb6] = C_HI, [0xb7] = C_HI, [0xb8] = C_HI, [0xb9] = C_HI, [0xba] = C_HI, [0xbb] = C_HI,
    [0xbc] = C_HI, [0xbd] = C_HI, [0xbe] = C_HI, [0xbf] = C_HI, [0xc0] = C_HI, [0xc1] = C_HI,
    [0xc2] = C_HI, [0xc3] = C_HI, [0xc4] = C_HI, [0xc5] = C_HI, [0xc6] = C_HI, [0xc7] = C_HI,
    [0xc8] = C_HI, [0xc9] = C_HI, [0xca] = C_HI, [0xcb] = C_HI, [0xcc] = C_HI, [0xcd] = C_HI,
    [0xce] = C_HI, [0xcf] = C_HI, [0xd0] = C_HI, [0xd1] = C_HI, [0xd2] = C_HI, [0xd3] = C_HI,
    [0xd4] = C_HI, [0xd5] = C_HI, [0xd6] = C_HI, [0xd7] = C_HI, [0xd8] = C_HI, [0xd9] = C_HI,
    [0xda] = C_HI, [0xdb] = C_HI, [0xdc] = C_HI, [0xdd] = C_HI, [0xde] = C_HI, [0xdf] = C_HI,
    [0xe0] = C_HI, [0xe1] = C_HI, [0xe2] = C_HI, [0xe3] = C_HI, [0xe4] = C_HI, [0xe5] = C_HI,
    [0xe6] = C_HI, [0xe7] = C_HI, [0xe8] = C_HI, [0xe9] = C_HI, [0xea] = C_HI, [0xeb] = C_HI,
    [0xec] = C_HI, [0xed] = C_HI, [0xee] = C_HI, [0xef] = C_HI, [0xf0] = C_HI, [0xf1] = C_HI,
    [0xf2] = C_HI, [0xf3] = C_HI, [0xf4] = C_HI, [0xf5] = C_HI, [0xf6] = C_HI, [0xf7] = C_HI,
    [0xf8] = C_HI, [0xf9] = C_HI, [0xfa] = C_HI, [0xfb] = C_HI, [0xfc] = C_HI, [0xfd] = C_HI,
    [0xfe] = C_HI, [0xff] = C_HI,
};

/* Folding of U+00C0..U+00FF and U+0100..U+017F, one char per code point: an ASCII
 * letter (its case is the source case), ' ' = not a letter, and digraph markers
 * '{' AE '}' ae '<' IJ '>' ij '[' OE ']' oe ')' ss. */
static const char fold_c0[] = "AAAAAA{CEEEEIIIIDNOOOOO OUUUUYT)aaaaaa}ceeeeiiiidnooooo ouuuuyty";
static const char fold_100[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi<>JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo[]"
    "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/* Decode one UTF-8 sequence at p (n bytes available). Returns its length (1..4) and
 * the code point in *cp, or 0 for an invalid sequence. */
static int utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (p[1] & 0xC0) != 0x80) return 0;
        *cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        *cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return *cp >= 0x800 ? 3 : 0;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        *cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        return *cp >= 0x10000 && *cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

/* Fold a code point to ASCII letters. Returns the marker char (see tables) or 0 when
 * the code point is not a foldable letter. */
static char fold_cp(uint32_t cp)
{
    char f = 0;
    if (cp >= 0xC0 && cp <= 0xFF) f = fold_c0[cp - 0xC0];
    else if (cp >= 0x100 && cp <= 0x17F) f = fold_100[cp - 0x100];
    return f == ' ' ? 0 : f;
}

static int is_apos_cp(uint32_t cp) { return cp == 0x2019 || cp == 0x2018; }

/* Is the byte sequence at p the start of a word character? Returns its length or 0. */
static int word_char_len(const unsigned char *p, size_t n)
{
    unsigned k = cls[p[0]];
    if (k == C_LOW || k == C_UP || k == C_DIG) return 1;
    if (k == C_HI) {
        uint32_t cp;
        int l = utf8_decode(p, n, &cp);
        if (l && fold_cp(cp)) return l;
    }
    return 0;
}

/* s has MC_NORM_PAD readable bytes (the norm buffer): compared a word at a time. */
static int is_abbrev(const char *s, size_t n)
{
    static const char ab[][8] = {"dr", "mr", "mrs", "ms", "st", "vs", "eg", "ie", "etc", "approx",
                                 "fig", "pt", "no", "inc", "jr", "sr", "prof", "hx", "sx",
                                 "dx", "tx", "rx", "yo", "y", "wk", "mo", "min", "max"};
    if (n == 1) return 1; /* initials, "p.o.", "b.i.d." */
    if (n > 6) return 0;
    uint64_t w = mc_skey_padded(s, n).w[0];
    for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++) {
        uint64_t e;
        memcpy(&e, ab[i], 8);
        if (w == e) return 1;
    }
    return 0;
}

static const char *const roman[] = {"ii", "iii", "iv", "vi", "vii", "viii", "ix"};
static const char roman_digit[] = {'2', '3', '4', '6', '7', '8', '9'};

/* Apply plural and roman-numeral rules in place; returns the new length. */
static size_t finish_norm(char *s, size_t n, int had_digit)
{
    if (had_digit) return n;
    if (n >= 2 && n <= 4 && (s[0] == 'i' || s[0] == 'v')) {
        for (size_t r = 0; r < sizeof roman_digit; r++)
            if (strlen(roman[r]) == n && memcmp(roman[r], s, n) == 0) {
                s[0] = roman_digit[r];
                return 1;
            }
    }
    if (n >= 5 && s[n - 1] == 's' && s[n - 2] == 'e' && s[n - 3] == 'i') {
        s[n - 3] = 'y';
        return n - 2;
    }
    if (n >= 4 && s[n - 1] == 's') {
        char p = s[n - 2];
        if (p != 's' && p != 'u' && p != 'i' && p >= 'a' && p <= 'z') return n - 1;
    }
    return n;
}

/* The normalised forms never outgrow their source bytes (folding, dropping and the
 * plural and roman rules only shorten), so one reservation per text suffices. */
static int reserve_norm(mc_tokens *t, size_t len)
{
    size_t need = len + MC_NORM_PAD + 1;
    if (need <= t->norm_cap) return 0;
    size_t cap = t->norm_cap ? t->norm_cap : 4096;
    while (cap < need) cap *= 2;
    char *p = realloc(t->norm, cap);
    if (!p) return -1;
    t->norm = p;
    t->norm_cap = cap;
    return 0;
}

static int grow_tokens(mc_tokens *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256;
    mc_token *p = realloc(t->tok, cap * sizeof *p);
    if (!p) return -1;
    t->tok = p;
    t->cap = cap;
    return 0;
}

/* Collect one token starting at s[*pi] (a word character) into buf; returns its
 * normalised length and sets *pi past it, *acc to 1 (lower-case letter), 2 (upper-case
 * letter), 4 (digit) or'ed, *fl to MC_TOK_CAP / MC_TOK_NUM from its first character.
 * ASCII letters take the inner loop; digits, accents and apostrophes the slow one. */
static size_t scan_word(const unsigned char *s, size_t len, size_t *pi, char *buf, unsigned *acc, uint16_t *fl)
{
    size_t i = *pi, n = 0;
    unsigned a = 0;
    uint16_t f = 0;
    unsigned k0 = cls[s[i]];
    if (k0 == C_UP) f |= MC_TOK_CAP;
    else if (k0 == C_DIG) f |= MC_TOK_NUM;
    for (;;) {
        size_t lim = i + (MC_TOKEN_MAX - n);
        if (lim > len) lim = len;
        while (i < lim) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            if (i + 8 <= lim) { /* eight bytes at a time (SWAR): which lead with ASCII letters */
                uint64_t w, lw;
                memcpy(&w, s + i, 8);
                lw = w | 0x2020202020202020ull; /* lower case; non-letters never become letters */
                uint64_t x = lw & 0x7F7F7F7F7F7F7F7Full;
                uint64_t let = (x + 0x1F1F1F1F1F1F1F1Full) & ~(x + 0x0505050505050505ull) & ~w & 0x8080808080808080ull;
                unsigned nl = let == 0x8080808080808080ull ? 8u : (unsigned)__builtin_ctzll(~let & 0x8080808080808080ull) >> 3;
                uint64_t m = nl == 8 ? ~0ull : (1ull << (8 * nl)) - 1;
                memcpy(buf + n, &lw, 8); /* room: norm never outgrows the text (reserve_norm) */
                a |= ((w & m & 0x2020202020202020ull) != 0) | (((~w & m & 0x2020202020202020ull) != 0) << 1);
                n += nl;
                i += nl;
                if (nl < 8) break;
                continue;
            }
#endif
            unsigned k = cls[s[i]];
            if (k - 1u > 1u) break; /* not C_LOW or C_UP */
            buf[n++] = (char)(s[i] | 0x20);
            a |= k;
            i++;
        }
        if (i >= len || n >= MC_TOKEN_MAX) break;
        unsigned char c = s[i];
        unsigned k = cls[c];
        if (k == C_DIG) {
            buf[n++] = (char)c;
            a |= 4;
            i++;
            /* 38.2 stays one token when the token so far is all digits */
            if (i + 1 < len && s[i] == '.' && cls[s[i + 1]] == C_DIG && !(a & 3) && n < MC_TOKEN_MAX - 1) {
                buf[n++] = '.';
                i++;
            }
        } else if (k == C_HI || k == C_APOS) {
            uint32_t cp = '\'';
            int l = 1;
            if (k == C_HI) {
                l = utf8_decode(s + i, len - i, &cp);
                if (!l) break;
            }
            char fc = k == C_HI ? fold_cp(cp) : 0;
            if (fc) {
                if (n + 2 > MC_TOKEN_MAX) break;
                int up = 0;
                switch (fc) {
                case '{': up = 1; /* fallthrough */
                case '}': buf[n++] = 'a'; buf[n++] = 'e'; break;
                case '<': up = 1; /* fallthrough */
                case '>': buf[n++] = 'i'; buf[n++] = 'j'; break;
                case '[': up = 1; /* fallthrough */
                case ']': buf[n++] = 'o'; buf[n++] = 'e'; break;
                case ')': buf[n++] = 's'; buf[n++] = 's'; break;
                default:
                    if (fc >= 'A' && fc <= 'Z') { up = 1; fc = (char)(fc + 32); }
                    buf[n++] = fc;
                }
                if (up) { if (i == *pi) f |= MC_TOK_CAP; a |= 2; } else a |= 1;
                i += (size_t)l;
            } else if (k == C_APOS || is_apos_cp(cp)) {
                /* apostrophe inside a word: "'s" at the end is dropped, else skipped */
                size_t j = i + (size_t)l;
                if (n == 0 || j >= len || !word_char_len(s + j, len - j)) break;
                if ((s[j] == 's' || s[j] == 'S') && (j + 1 >= len || !word_char_len(s + j + 1, len - j - 1))) {
                    i = j + 1;
                    break;
                }
                i = j;
            } else break;
        } else break;
    }
    *pi = i;
    *acc = a;
    *fl = f;
    return n;
}

/* Separator kinds that are not token flags (bits above the uint16_t flags). */
#define SEP_DOT    0x10000u /* a full stop */
#define SEP_HARD   0x20000u /* '?' or '!' */
#define SEP_JOINED 0x40000u /* a hyphen or slash joins the previous token to the next */

int mc_tokenize(const char *text, size_t len, mc_tokens *out)
{
    const unsigned char *s = (const unsigned char *)text;
    out->n = 0;
    out->norm_len = 0;
    if (reserve_norm(out, len)) return -1;
    size_t i = 0;
    /* Separator state since the previous token: line breaks, and MC_TOK_COMMA, _SEMI,
     * _PAREN, _BULLET as they will be set on the next token, plus SEP_* below. */
    int newlines = 1, line_has_text = 0;
    unsigned sep = 0;

    while (i < len) {
        unsigned char c = s[i];
        if (c == ' ') { i++; continue; }
        unsigned k = cls[c];
        int wl = (k == C_LOW || k == C_UP || k == C_DIG) ? 1 : k == C_HI ? word_char_len(s + i, len - i) : 0;
        if (!wl) {
            int step = 1;
            if (c >= 0x80) {
                uint32_t cp;
                int l = utf8_decode(s + i, len - i, &cp);
                if (l) {
                    step = l;
                    if (cp == 0x2022 || cp == 0x25CF) { if (!line_has_text) sep |= MC_TOK_BULLET; }
                    else if (cp == 0x2013 || cp == 0x2014) { if (!line_has_text) sep |= MC_TOK_BULLET; }
                }
            } else {
                switch (c) {
                case '\n':
                    newlines++;
                    line_has_text = 0;
                    break;
                case '.':
                    if (i > 0 && out->n && out->tok[out->n - 1].end == i) out->tok[out->n - 1].flags |= MC_TOK_DOT;
                    sep |= SEP_DOT;
                    break;
                case '?': case '!': sep |= SEP_HARD; break;
                case ',': sep |= MC_TOK_COMMA; break;
                case ';': sep |= MC_TOK_SEMI; break;
                case ':':
                    if (out->n && !newlines) out->tok[out->n - 1].flags |= MC_TOK_COLON;
                    break;
                case '(': case ')': case '[': case ']': sep |= MC_TOK_PAREN; break;
                case '*': case '#': if (!line_has_text) sep |= MC_TOK_BULLET; break;
                case '-': case '/': case '+':
                    if (!line_has_text && c != '/') sep |= MC_TOK_BULLET;
                    else if (out->n && out->tok[out->n - 1].end == i && i + 1 < len &&
                             word_char_len(s + i + 1, len - i - 1))
                        sep |= SEP_JOINED;
                    break;
                default: break;
                }
            }
            i += (size_t)step;
            continue;
        }

        /* A token: normalised bytes go straight to the norm buffer. */
        uint32_t start = (uint32_t)i;
        char *buf = out->norm + out->norm_len;
        unsigned acc;
        uint16_t fl;
        size_t n = scan_word(s, len, &i, buf, &acc, &fl);
        if (n == 0) { i++; continue; }
        n = finish_norm(buf, n, acc & 4);
        if ((acc & 3) == 2) fl |= MC_TOK_UPPER;

        /* Flags from the separator since the previous token. */
        const mc_token *prev = out->n ? &out->tok[out->n - 1] : NULL;
        int sent = 0;
        if (!prev || (sep & SEP_HARD) || newlines >= 2) sent = 1;
        else if (newlines) sent = (fl & (MC_TOK_CAP | MC_TOK_NUM)) || (sep & MC_TOK_BULLET) || (prev->flags & MC_TOK_COLON);
        else if (sep & SEP_DOT) sent = (fl & (MC_TOK_CAP | MC_TOK_NUM)) &&
                                      !((prev->flags & MC_TOK_DOT) && is_abbrev(out->norm + prev->norm, prev->norm_len));
        if (sent) fl |= MC_TOK_SENT;
        if (newlines || !prev) fl |= MC_TOK_LINE;
        if (newlines >= 2) fl |= MC_TOK_BLANK;
        fl |= (uint16_t)(sep & (MC_TOK_COMMA | MC_TOK_SEMI | MC_TOK_PAREN | MC_TOK_BULLET));
        if ((sep & SEP_JOINED) && !newlines) fl |= MC_TOK_HYPHEN;
        if (out->n == out->cap && grow_tokens(out)) return -1;
        mc_token *tk = &out->tok[out->n++];
        tk->start = start;
        tk->end = (uint32_t)i;
        tk->norm = (uint32_t)out->norm_len;
        tk->norm_len = (uint16_t)n;
        tk->flags = fl;
        tk->hash = mc_skey_hash(mc_skey_padded(buf, n), n);
        tk->id = -1;
        out->norm_len += n;
        newlines = 0;
        sep = 0;
        line_has_text = 1;
    }
    return 0;
}

void mc_tokens_free(mc_tokens *t)
{
    free(t->tok);
    free(t->norm);
    memset(t, 0, sizeof *t);
}

int mc_normalize_phrase(const char *str, size_t len, char *out, size_t cap)
{
    mc_tokens t = {0};
    if (cap == 0) return 0;
    out[0] = 0;
    if (mc_tokenize(str, len, &t)) return 0;
    size_t o = 0;
    int count = 0;
    for (size_t k = 0; k < t.n; k++) {
        size_t need = t.tok[k].norm_len + (o ? 1 : 0);
        if (o + need + 1 > cap) break;
        if (o) out[o++] = ' ';
        memcpy(out + o, t.norm + t.tok[k].norm, t.tok[k].norm_len);
        o += t.tok[k].norm_len;
        count++;
    }
    out[o] = 0;
    mc_tokens_free(&t);
    return count;
}
