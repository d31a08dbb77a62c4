/* test_text.c — normaliser and tokenizer tables: normal forms, offsets, flags. */
#include "mc_test.h"
#include "text/mc_text.h"
#include <stdlib.h>

static const struct { const char *in, *norm; } norm_table[] = {
    {"Heart Failure", "heart failure"},
    {"HTN", "htn"},
    {"non-insulin-dependent", "non insulin dependent"},
    {"Crohn's disease", "crohn disease"},
    {"patient's", "patient"},
    {"don't", "dont"},
    {"Ménière's disease", "meniere disease"},
    {"MÉNIÈRE", "meniere"},
    {"œdema, Æsop, straße", "oedema aesop strasse"},
    {"fractures of ribs", "fracture of rib"},
    {"arteries allergies", "artery allergy"},
    {"diabetes", "diabete"},
    {"abscess status sepsis", "abscess status sepsis"},
    {"type II diabetes", "type 2 diabete"},
    {"Stage IV CKD", "stage 4 ckd"},
    {"CKD stage iii", "ckd stage 3"},
    {"T 38.2 C", "t 38.2 c"},
    {"BP 142/88", "bp 142 88"},
    {"has was gas", "has was gas"},
    {"(pneumonia)", "pneumonia"},
    {"\xff\xfe broken \xc3 utf8 \xe2\x82", "broken utf8"},
    {"", ""},
    {"   ", ""},
    {"x-ray", "x ray"},
    {"i v x", "i v x"},
};

static const struct { const char *text; int tok; unsigned flag; int want; } flag_table[] = {
    {"No fever. Cough present", 2, 0x0008u /* SENT */, 1},
    {"Dr. Smith saw him", 1, 0x0008u, 0},
    {"seen by dr. smith", 3, 0x0008u, 0},
    {"HTN\nDM2\nCOPD", 1, 0x0008u, 1},
    {"chest pain\nradiating to arm", 2, 0x0008u, 0},
    {"PMH: HTN", 0, 0x0100u /* COLON */, 1},
    {"PMH: HTN", 1, 0x0100u, 0},
    {"45-year-old", 1, 0x0200u /* HYPHEN */, 1},
    {"fever, cough", 1, 0x0040u /* COMMA */, 1},
    {"Is it pneumonia? No", 3, 0x0008u, 1},
    {"HTN", 0, 0x0001u /* UPPER */, 1},
    {"Htn", 0, 0x0001u, 0},
    {"line one\n\nline two", 2, 0x0020u /* BLANK */, 1},
    {"temp 38.5. Pulse 80", 2, 0x0008u, 1},
};

int main(void)
{
    char out[256];
    for (size_t i = 0; i < sizeof norm_table / sizeof norm_table[0]; i++) {
        mc_normalize_phrase(norm_table[i].in, strlen(norm_table[i].in), out, sizeof out);
        MC_CHECK_STR(out, norm_table[i].norm);
    }
    mc_tokens t = {0};
    for (size_t i = 0; i < sizeof flag_table / sizeof flag_table[0]; i++) {
        const char *s = flag_table[i].text;
        MC_CHECK(mc_tokenize(s, strlen(s), &t) == 0);
        MC_CHECK((size_t)flag_table[i].tok < t.n);
        if ((size_t)flag_table[i].tok < t.n) {
            int has = (t.tok[flag_table[i].tok].flags & flag_table[i].flag) != 0;
            if (has != flag_table[i].want) fprintf(stderr, "flag case %zu: \"%s\" token %d\n", i, s, flag_table[i].tok);
            MC_CHECK(has == flag_table[i].want);
        }
    }
    /* byte offsets point at the source text, including multi-byte letters */
    const char *s = "A Ménière case";
    MC_CHECK(mc_tokenize(s, strlen(s), &t) == 0);
    MC_CHECK(t.n == 3);
    MC_CHECK(t.tok[1].start == 2 && t.tok[1].end == 11);
    MC_CHECK(memcmp(t.norm + t.tok[1].norm, "meniere", 7) == 0 && t.tok[1].norm_len == 7);
    /* very long runs are cut, never overflow */
    char *big = malloc(10000);
    memset(big, 'a', 9999);
    big[9999] = 0;
    MC_CHECK(mc_tokenize(big, 9999, &t) == 0);
    MC_CHECK(t.n == (9999 + MC_TOKEN_MAX - 1) / MC_TOKEN_MAX);
    /* random bytes never crash and spans stay in bounds */
    unsigned x = 12345;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 9999; k++) { x = x * 1103515245u + 12345u; big[k] = (char)(x >> 16); }
        MC_CHECK(mc_tokenize(big, 9999, &t) == 0);
        for (size_t k = 0; k < t.n; k++)
            if (t.tok[k].end > 9999 || t.tok[k].start >= t.tok[k].end) { MC_CHECK(0); break; }
    }
    free(big);
    mc_tokens_free(&t);
    /* The letter loop reads eight bytes at a time where eight are left and one at a time
     * near the end of the text: the same words give the same tokens either way. Random
     * texts over letters of both cases, digits, accents, apostrophes and separators, alone
     * and followed by padding (so every token is read the wide way). */
    {
        static const char *al[] = {"a", "b", "k", "s", "i", "X", "Y", "Z", "E", " ", "9", "'", ".",
                                   "-", ",", "\n", "\xc3\xa9", "\xc3\x84", "\xc3\x9f", "\xe2\x80\x99", "\xc5\x92"};
        uint64_t rs = 0x9E3779B97F4A7C15ull;
        size_t differ = 0;
        mc_tokens t1 = {0}, t2 = {0};
        for (int it = 0; it < 20000; it++) {
            char txt[512];
            size_t len = 0;
            rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
            int nch = (int)(rs % 90);
            uint64_t y = rs;
            for (int k = 0; k < nch; k++) {
                y = y * 6364136223846793005ull + 1442695040888963407ull;
                const char *c = al[(y >> 33) % (sizeof al / sizeof al[0])];
                memcpy(txt + len, c, strlen(c));
                len += strlen(c);
            }
            size_t padded = len;
            memset(txt + padded, ' ', 24);
            padded += 24;
            if (mc_tokenize(txt, len, &t1) || mc_tokenize(txt, padded, &t2)) { differ++; continue; }
            int same = t1.n == t2.n;
            for (size_t k = 0; same && k < t1.n; k++) {
                const mc_token *a = &t1.tok[k], *b = &t2.tok[k];
                same = a->start == b->start && a->end == b->end && a->norm_len == b->norm_len && a->flags == b->flags &&
                       a->hash == b->hash && memcmp(t1.norm + a->norm, t2.norm + b->norm, a->norm_len) == 0;
            }
            if (!same && differ++ < 3) fprintf(stderr, "tokens differ with padding: [%.*s]\n", (int)len, txt);
        }
        MC_CHECK(differ == 0);
        mc_tokens_free(&t1);
        mc_tokens_free(&t2);
    }
    return mc_test_result("test_text");
}
