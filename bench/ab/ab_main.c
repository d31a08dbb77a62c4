/* ab_main.c — bench/ab's driver: both versions' scanners in one process, on the same texts,
 * pass after pass in alternating order (AB, BA, AB, ...), after one warm-up pass each. Prints
 * one line per pass; the bench/ab script turns them into medians and ratios.
 *
 * usage: ab_scan DICT_A DICT_B TEXTS REPS CONTEXT(0|1) SIDES(AB|A|B)
 * Each side opens its dictionary with its own loader; TEXTS: texts separated by NUL bytes. Output lines:
 *   pass REP SIDE wall tokenize match context tokens mentions digest */
#include "ab.h"
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: ab_scan DICT_A DICT_B TEXTS REPS CONTEXT SIDES\n");
        return 2;
    }
    const char *sides = argv[6];
    int reps = atoi(argv[4]), context = atoi(argv[5]);
    FILE *f = fopen(argv[3], "rb");
    if (!f) { fprintf(stderr, "ab_scan: cannot open %s\n", argv[3]); return 1; }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) { fprintf(stderr, "ab_scan: out of memory\n"); return 1; }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) nt += buf[i] == 0;
    nt += n && buf[n - 1] != 0;
    size_t *off = malloc((nt + 1) * sizeof *off), *len = malloc((nt + 1) * sizeof *len), k = 0;
    for (size_t i = 0; i < n && off && len;) {
        size_t j = i;
        while (j < n && buf[j]) j++;
        off[k] = i, len[k++] = j - i;
        i = j + 1;
    }
    ab_texts t = {buf, off, len, k};
    void *h[2] = {NULL, NULL};
    char msg[300];
    int (*pass[2])(void *, const ab_texts *, ab_result *) = {A_ab_pass, B_ab_pass};
    for (int s = 0; s < 2; s++) {
        if (!strchr(sides, "AB"[s])) continue;
        const char *dict = argv[1 + s];
        h[s] = s ? B_ab_open(dict, context, msg, sizeof msg) : A_ab_open(dict, context, msg, sizeof msg);
        if (!h[s]) { fprintf(stderr, "ab_scan: side %c cannot open %s: %s\n", "AB"[s], dict, msg); return 1; }
    }
    for (int r = -1; r < reps; r++)
        for (int q = 0; q < 2; q++) {
            int s = (r & 1) ? 1 - q : q; /* AB, then BA, ... */
            if (!h[s]) continue;
            ab_result res;
            if (pass[s](h[s], &t, &res)) { fprintf(stderr, "ab_scan: side %c: a scan failed\n", "AB"[s]); return 1; }
            if (r >= 0)
                printf("pass %d %c %.6f %.6f %.6f %.6f %llu %llu %016llx\n", r, "AB"[s], res.wall, res.tokenize, res.match,
                       res.context, (unsigned long long)res.tokens, (unsigned long long)res.mentions,
                       (unsigned long long)res.digest);
        }
    return 0;
}
