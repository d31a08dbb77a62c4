/* ab.h — the neutral interface between bench/ab's driver (ab_main.c) and its two sides
 * (ab_variant.c compiled per version, symbols prefixed A_ / B_). Only plain C types
 * cross it, so the two versions' headers may differ. */
#ifndef AB_H
#define AB_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *buf;         /* texts, one after another */
    const size_t *off, *len; /* text k is buf[off[k] .. off[k] + len[k]) */
    size_t n;
} ab_texts;

typedef struct {
    double wall, tokenize, match, context; /* seconds */
    uint64_t tokens, mentions, digest;     /* digest: every mention field, in order */
} ab_result;

#define AB_CAT2(a, b) a##_##b
#define AB_CAT(a, b) AB_CAT2(a, b)
#ifdef AB_SIDE
#define AB_SYM(name) AB_CAT(AB_SIDE, name)
#endif

/* Open the dictionary with that side's loader (NULL, message in msg, on failure). */
void *A_ab_open(const char *dict, int context, char *msg, size_t cap);
void *B_ab_open(const char *dict, int context, char *msg, size_t cap);
/* One pass over every text: 0, or -1 when a scan failed. */
int A_ab_pass(void *h, const ab_texts *t, ab_result *r);
int B_ab_pass(void *h, const ab_texts *t, ab_result *r);

#endif
