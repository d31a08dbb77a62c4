/* mc_text.c — tokenizer and normaliser (see mc_text.h for the rules). One pass over
 * the bytes with a class table; normalised forms go to a per-thread buffer. The common
 * tokens (short ASCII words and numbers) take a word-at-a-time path, fast_run, which
 * must give exactly what the general path (scan_word, finish_norm) gives. */
#include "mc_text.h"
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define MC_NOINLINE __attribute__((noinline))
#define MC_INLINE inline __attribute__((always_inline))
#else
#define MC_NOINLINE
#define MC_INLINE inline
#endif

/* Classes are bits; an ASCII word character's class is its MC_TOK_CAP / MC_TOK_NUM flag.
 * C_DOT and C_JOIN mark separators that matter right after a token. */
enum { C_SEP = 0, C_LOW = 1, C_UP = MC_TOK_CAP, C_DIG = MC_TOK_NUM, C_APOS = 8, C_HI = 16, C_DOT = 32, C_JOIN = 64,
       C_SPACE = 128 };
#define C_WORD (C_LOW | C_UP | C_DIG)
#define C_INWORD (C_WORD | C_APOS | C_HI) /* may continue a token */

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
    [' '] = C_SPACE, ['\''] = C_APOS, ['.'] = C_DOT, ['-'] = C_JOIN, ['/'] = C_JOIN, ['+'] = C_JOIN,
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

/* Two or three bytes as one number, for switches over short words. */
#define P2(a, b) ((unsigned)(a) | (unsigned)(b) << 8)
#define P3(a, b, c) (P2(a, b) | (unsigned)(c) << 16)

/* Is the normal form s[0..n) a word whose full stop does not end a sentence? */
static int is_abbrev(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    switch (n) {
    case 1: return 1; /* initials, "p.o.", "b.i.d." */
    case 2:
        switch (P2(s[0], s[1])) {
        case P2('d', 'r'): case P2('m', 'r'): case P2('m', 's'): case P2('s', 't'): case P2('v', 's'):
        case P2('e', 'g'): case P2('i', 'e'): case P2('p', 't'): case P2('n', 'o'): case P2('j', 'r'):
        case P2('s', 'r'): case P2('h', 'x'): case P2('s', 'x'): case P2('d', 'x'): case P2('t', 'x'):
        case P2('r', 'x'): case P2('y', 'o'): case P2('w', 'k'): case P2('m', 'o'): return 1;
        default: return 0;
        }
    case 3:
        switch (P3(s[0], s[1], s[2])) {
        case P3('m', 'r', 's'): case P3('e', 't', 'c'): case P3('f', 'i', 'g'): case P3('i', 'n', 'c'):
        case P3('m', 'i', 'n'): case P3('m', 'a', 'x'): return 1;
        default: return 0;
        }
    case 4: return memcmp(s, "prof", 4) == 0;
    case 6: return memcmp(s, "approx", 6) == 0;
    default: return 0;
    }
}

/* Roman numerals ii..ix: the digit, or 0. */
static int roman_of(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    switch (n) {
    case 2:
        switch (P2(s[0], s[1])) {
        case P2('i', 'i'): return '2';
        case P2('i', 'v'): return '4';
        case P2('v', 'i'): return '6';
        case P2('i', 'x'): return '9';
        default: return 0;
        }
    case 3:
        switch (P3(s[0], s[1], s[2])) {
        case P3('i', 'i', 'i'): return '3';
        case P3('v', 'i', 'i'): return '7';
        default: return 0;
        }
    case 4: return memcmp(s, "viii", 4) == 0 ? '8' : 0;
    default: return 0;
    }
}

/* Plural rule on n >= 1 letters ending in 's' ("-ies" -> "-y"; a final 's' after a letter
 * of 4+ letters, not "ss", "us", "is"): the new length. */
static MC_INLINE size_t plural(char *s, size_t n)
{
    if (n >= 5 && s[n - 2] == 'e' && s[n - 3] == 'i') {
        s[n - 3] = 'y';
        return n - 2;
    }
    char p = n >= 4 ? s[n - 2] : 's';
    return p != 's' && p != 'u' && p != 'i' && p >= 'a' && p <= 'z' ? n - 1 : n;
}

/* Apply plural and roman-numeral rules in place; returns the new length. */
static size_t finish_norm(char *s, size_t n, int had_digit)
{
    if (had_digit) return n;
    int d = roman_of(s, n);
    if (d) {
        s[0] = (char)d;
        return 1;
    }
    return s[n - 1] == 's' ? plural(s, n) : n;
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

/* Separator state since the previous token: MC_TOK_COMMA, _SEMI, _PAREN, _BULLET,
 * _HYPHEN as they will be set on the next token, and the kinds below. SEP_NL is clear
 * exactly after a token, so it also says that the line has no text yet. */
#define SEP_DOT    0x10000u /* a full stop */
#define SEP_HARD   0x20000u /* '?' or '!' */
#define SEP_NL     0x40000u /* a line break (or no token yet) */
#define SEP_NL2    0x80000u /* two or more line breaks */
#define SEP_FIRST  0x100000u /* no token yet */
#define SEP_SLOW   (SEP_DOT | SEP_HARD | SEP_NL | SEP_NL2 | SEP_FIRST | MC_TOK_BULLET)

/* Flags of the token going to tk from a separator state with SEP_SLOW bits. */
static MC_NOINLINE unsigned slow_flags(const mc_token *tk, const char *norm, unsigned sep, unsigned fl)
{
    const mc_token *prev = sep & SEP_FIRST ? NULL : tk - 1;
    int sent = 0;
    if (!prev || (sep & (SEP_HARD | SEP_NL2))) sent = 1;
    else if (sep & SEP_NL) sent = (fl & (MC_TOK_CAP | MC_TOK_NUM)) || (sep & MC_TOK_BULLET) || (prev->flags & MC_TOK_COLON);
    else if (sep & SEP_DOT) sent = (fl & (MC_TOK_CAP | MC_TOK_NUM)) &&
                                  !((prev->flags & MC_TOK_DOT) && is_abbrev(norm + prev->norm, prev->norm_len));
    if (sent) fl |= MC_TOK_SENT;
    if (sep & SEP_NL) fl |= MC_TOK_LINE;
    if (sep & SEP_NL2) fl |= MC_TOK_BLANK;
    return fl | (sep & (MC_TOK_COMMA | MC_TOK_SEMI | MC_TOK_PAREN | MC_TOK_BULLET | MC_TOK_HYPHEN));
}

/* The separator byte c (ASCII, not a space) on the state sep. A full stop right after a
 * token (MC_TOK_DOT) and a joining hyphen or slash are seen where the token is written. */
static MC_INLINE unsigned ascii_separator(unsigned c, unsigned sep, mc_token *tk)
{
    switch (c) {
    case '\n': return sep | SEP_NL | (sep & SEP_NL) << 1;
    case '.': return sep | SEP_DOT;
    case '?': case '!': return sep | SEP_HARD;
    case ',': return sep | MC_TOK_COMMA;
    case ';': return sep | MC_TOK_SEMI;
    case ':':
        if (!(sep & SEP_NL)) tk[-1].flags |= MC_TOK_COLON; /* a token on this line */
        return sep;
    case '(': case ')': case '[': case ']': return sep | MC_TOK_PAREN;
    case '*': case '#': case '-': case '+': return sep & SEP_NL ? sep | MC_TOK_BULLET : sep;
    default: return sep;
    }
}

/* A non-ASCII separator at p (n bytes left): its length; list markers set MC_TOK_BULLET. */
static MC_NOINLINE size_t hi_separator(const unsigned char *p, size_t n, unsigned *sep)
{
    uint32_t cp;
    int l = utf8_decode(p, n, &cp);
    if (!l) return 1;
    if ((cp == 0x2022 || cp == 0x25CF || cp == 0x2013 || cp == 0x2014) && (*sep & SEP_NL)) *sep |= MC_TOK_BULLET;
    return (size_t)l;
}

/* Any token at s[*pi] (a word character) the general way: normalises it into buf and
 * returns its length (0: none), *pi past it, *key and *fl (shape flags). */
static MC_NOINLINE size_t slow_word(const unsigned char *s, size_t len, size_t *pi, char *buf, mc_skey_t *key, unsigned *fl)
{
    unsigned acc;
    uint16_t f;
    size_t n = scan_word(s, len, pi, buf, &acc, &f);
    if (n == 0) return 0;
    n = finish_norm(buf, n, acc & 4);
    *fl = f | ((acc & 3) == 2 ? MC_TOK_UPPER : 0);
    *key = mc_skey_padded(buf, n);
    return n;
}

/* A joining hyphen or slash at s[i]: a word character follows. */
static MC_NOINLINE unsigned joins(const unsigned char *s, size_t len, size_t i)
{
    return i + 1 < len && word_char_len(s + i + 1, len - i - 1) ? MC_TOK_HYPHEN : 0;
}

/* Writes the token [start, end) with its normal form at norm + off; kt is the class of
 * the byte at end (0 at the end of the text). Returns the separator state that follows. */
static unsigned put_token(mc_token *tk, const unsigned char *s, size_t len, const char *norm, size_t start,
                          size_t end, size_t off, size_t n, mc_skey_t key, unsigned fl, unsigned sep, unsigned kt)
{
    if (sep & SEP_SLOW) fl = slow_flags(tk, norm, sep, fl);
    else fl |= sep;
    sep = 0;
    if (kt & (C_DOT | C_JOIN)) {
        if (kt & C_DOT) fl |= MC_TOK_DOT;
        else sep = joins(s, len, end);
    }
    tk->start = (uint32_t)start;
    tk->end = (uint32_t)end;
    tk->norm = (uint32_t)off;
    tk->norm_len = (uint16_t)n;
    tk->flags = (uint16_t)fl;
    tk->hash = mc_skey_hash(key, n);
    tk->id = -1;
    return sep;
}

/* Where fast_run may start tokens: below the returned position 16 bytes of text are left
 * and there is a token slot for each start (its tokens end before a byte that cannot
 * start one, so they start 2+ bytes apart). */
static size_t fast_limit(size_t i, size_t len, const mc_token *tk, const mc_token *tend)
{
    size_t lim = len >= 16 ? len - 15 : 0, room = tk ? (size_t)(tend - tk) : 0;
    if (room == 0) return 0;
    if (lim > i && (lim - i) / 2 >= room) lim = i + 2 * room - 1;
    return lim;
}

/* Tokenizer state shared by fast_run and the general path. */
typedef struct {
    mc_token *tk; /* next token slot */
    size_t nlen;  /* bytes used in norm */
    unsigned sep; /* separator state since the previous token */
} run_state;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define B8(x) (0x0101010101010101ull * (x))

static uint64_t ld64(const unsigned char *p) { uint64_t w; memcpy(&w, p, 8); return w; }
/* High bit of each byte of w that is not an ASCII letter, resp. not a digit; exact up to
 * the lowest such byte (borrows and carries start only at bytes that are set). */
static uint64_t swar_nonletters(uint64_t w)
{
    uint64_t x = w | B8(0x20), y = x - B8(0x61);
    return (y | (y + B8(0x66)) | x) & B8(0x80);
}
static uint64_t swar_nondigits(uint64_t w)
{
    uint64_t y = w - B8(0x30);
    return (y | (y + B8(0x76)) | w) & B8(0x80);
}
/* Bytes below the lowest high bit of non (non != 0). */
static uint64_t low_mask(uint64_t non) { return (non ^ (non - 1)) >> 8; }

/* roman_of on the key of 2..4 lower-case letters. */
static int roman_key(uint64_t w)
{
    switch (w) {
    case 0x6969: return '2';     case 0x696969: return '3';   case 0x7669: return '4';
    case 0x6976: return '6';     case 0x696976: return '7';   case 0x69696976: return '8';
    case 0x7869: return '9';     default: return 0;
    }
}

/* The common case, from i while i < ilim (fast_limit): ASCII separators, and tokens of up
 * to 15 ASCII letters, up to 7 digits, or digits '.' digits up to 14 bytes, ended by a
 * byte that cannot continue them, eight bytes at a time. Returns where it stopped: at or
 * past ilim, or at a non-ASCII byte or a token it leaves to the general way. */
static MC_NOINLINE size_t fast_run(const unsigned char *s, size_t len, size_t i, size_t ilim, char *norm, run_state *st)
{
    mc_token *tk = st->tk;
    size_t nlen = st->nlen;
    unsigned sep = st->sep;
    while (i < ilim) {
        unsigned c = s[i], k = cls[c];
        if (!(k & C_WORD)) {
            if (k == C_HI) break;
            if (k != C_SPACE) {
                sep = ascii_separator(c, sep, tk);
                i += s[i + 1] == ' ';
            }
            i++;
            continue;
        }
        char *buf = norm + nlen; /* 16 bytes of room: norm never outgrows the text */
        uint64_t w = ld64(s + i), non, k0, k1 = 0;
        size_t r, n; /* bytes of text, of normal form */
        unsigned kt, fl;
        if (k != C_DIG) {
            uint64_t l = w | B8(0x20), m;
            non = swar_nonletters(w);
            if (non) {
                r = (unsigned)__builtin_ctzll(non) >> 3;
                kt = cls[s[i + r]];
                if (kt & C_INWORD) break;
                m = low_mask(non);
                memcpy(buf, &l, 8);
                k0 = l & m;
                fl = w & 0x20 ? 0 : MC_TOK_CAP | ((w & m & B8(0x20)) == 0); /* MC_TOK_UPPER */
                n = r;
                int d;
                if (buf[r - 1] == 's') {
                    n = plural(buf, r);
                    k0 = ld64((const unsigned char *)buf) & ((1ull << 8 * n) - 1);
                } else if (r - 2 < 3 && ((k0 & 0xFF) == 'i' || (k0 & 0xFF) == 'v') && (d = roman_key(k0)) != 0) {
                    buf[0] = (char)d;
                    k0 = (uint64_t)d;
                    n = 1;
                }
            } else {
                uint64_t w1 = ld64(s + i + 8), l1 = w1 | B8(0x20);
                non = swar_nonletters(w1);
                if (!non) break;
                r = 8 + ((unsigned)__builtin_ctzll(non) >> 3);
                kt = cls[s[i + r]];
                if (kt & C_INWORD) break;
                m = low_mask(non);
                memcpy(buf, &l, 8);
                memcpy(buf + 8, &l1, 8);
                k0 = l;
                k1 = l1 & m;
                fl = w & 0x20 ? 0 : MC_TOK_CAP | (((w | (w1 & m)) & B8(0x20)) == 0);
                n = r;
                if (buf[r - 1] == 's') {
                    n = plural(buf, r);
                    mc_skey_t key = mc_skey_padded(buf, n);
                    k0 = key.w[0];
                    k1 = key.w[1];
                }
            }
        } else {
            non = swar_nondigits(w);
            if (!non) break;
            r = (unsigned)__builtin_ctzll(non) >> 3;
            kt = cls[s[i + r]];
            if (kt & C_INWORD) break;
            memcpy(buf, &w, 8);
            k0 = w & low_mask(non);
            if ((kt & C_DOT) && cls[s[i + r + 1]] == C_DIG) { /* "38.2" */
                uint64_t w1 = ld64(s + i + 8);
                non = swar_nondigits(ld64(s + i + r + 1)) | 1ull << 63; /* 8+ digits: cut, then refused */
                r += 1 + ((unsigned)__builtin_ctzll(non) >> 3);
                if (r > 14) break;
                kt = cls[s[i + r]];
                if ((kt & C_INWORD) || ((kt & C_DOT) && cls[s[i + r + 1]] == C_DIG)) break;
                memcpy(buf + 8, &w1, 8);
                k0 = r < 8 ? w & ((1ull << 8 * r) - 1) : w;
                k1 = r > 8 ? w1 & ((1ull << 8 * (r - 8)) - 1) : 0;
            }
            fl = MC_TOK_NUM;
            n = r;
        }
        if (sep) {
            fl = sep & SEP_SLOW ? slow_flags(tk, norm, sep, fl) : fl | sep;
            sep = 0;
        }
        tk->start = (uint32_t)i;
        i += r;
        tk->end = (uint32_t)i;
        tk->norm = (uint32_t)nlen;
        tk->norm_len = (uint16_t)n;
        tk->flags = (uint16_t)fl;
        tk->hash = mc_skey_hash((mc_skey_t){{k0, k1}}, n);
        tk->id = -1;
        tk++;
        nlen += n;
        if (kt == C_SPACE) i++;
        else if (kt & C_DOT) tk[-1].flags |= MC_TOK_DOT;
        else if (kt & C_JOIN) sep = joins(s, len, i);
    }
    st->tk = tk;
    st->nlen = nlen;
    st->sep = sep;
    return i;
}
#else
/* Without the word-at-a-time path every token goes the general way. */
static size_t fast_run(const unsigned char *s, size_t len, size_t i, size_t ilim, char *norm, run_state *st)
{
    (void)s, (void)len, (void)ilim, (void)norm, (void)st;
    return i;
}
#endif

int mc_tokenize(const char *text, size_t len, mc_tokens *out)
{
    const unsigned char *s = (const unsigned char *)text;
    out->n = 0;
    out->norm_len = 0;
    if (reserve_norm(out, len)) return -1;
    run_state st = {out->tok, 0, SEP_NL | SEP_FIRST};
    mc_token *tend = st.tk ? st.tk + out->cap : NULL;
    size_t i = 0, ilim = fast_limit(0, len, st.tk, tend);

    for (;;) {
        if (i < ilim) i = fast_run(s, len, i, ilim, out->norm, &st);
        if (i >= len) break;
        unsigned c = s[i], k = cls[c];
        if (!(k & C_WORD) && !(k == C_HI && word_char_len(s + i, len - i))) {
            if (k == C_HI) i += hi_separator(s + i, len - i, &st.sep);
            else {
                if (k != C_SPACE) st.sep = ascii_separator(c, st.sep, st.tk);
                i++;
            }
            continue;
        }
        /* A token at i, the general way: normalised bytes go straight to the norm buffer
         * (room: they never outgrow their source, see reserve_norm). */
        if (st.tk == tend) {
            out->n = st.tk ? (size_t)(st.tk - out->tok) : 0;
            out->norm_len = st.nlen;
            if (grow_tokens(out)) return -1;
            st.tk = out->tok + out->n;
            tend = out->tok + out->cap;
        }
        size_t j = i;
        mc_skey_t key;
        unsigned fl;
        size_t n = slow_word(s, len, &j, out->norm + st.nlen, &key, &fl);
        if (n == 0) { i = j + 1; continue; }
        st.sep = put_token(st.tk, s, len, out->norm, i, j, st.nlen, n, key, fl, st.sep, j < len ? cls[s[j]] : 0);
        st.tk++;
        st.nlen += n;
        i = j;
        ilim = fast_limit(i, len, st.tk, tend);
    }
    out->n = st.tk ? (size_t)(st.tk - out->tok) : 0;
    out->norm_len = st.nlen;
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
