/* dict_test.h — minimal assertions for the tests/dict and tests/eval groups
 * (file:line on failure; the test exits 1 at the end when any check failed). */
#ifndef DICT_TEST_H
#define DICT_TEST_H
#include <stdio.h>
#include <string.h>
static int dt_failures;
#define DT_CHECK(cond)                                                                  \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            dt_failures++;                                                              \
        }                                                                               \
    } while (0)
#define DT_CHECK_MSG(cond, ...)                                                         \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                               \
            fputc('\n', stderr);                                                        \
            dt_failures++;                                                              \
        }                                                                               \
    } while (0)
#define DT_EQ_LONG(a, b)                                                                \
    DT_CHECK_MSG((long)(a) == (long)(b), "%ld != %ld", (long)(a), (long)(b))
#define DT_EQ_STR(a, b)                                                                 \
    DT_CHECK_MSG((a) && strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a) ? (a) : "(null)", (b))
#define DT_DONE() (dt_failures ? (fprintf(stderr, "%d check(s) failed\n", dt_failures), 1) : 0)
#define DT_SKIP 77
#endif
