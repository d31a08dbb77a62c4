/* mc_test.h — minimal assertions for medcode's C tests (Valkey-style TEST_ASSERT with
 * file:line). A failed check is reported and counted; main returns mc_test_result(). */
#ifndef MC_TEST_H
#define MC_TEST_H

#include <stdio.h>
#include <string.h>

static int mc_test_failures, mc_test_checks;

#define MC_CHECK(cond)                                                                     \
    do {                                                                                   \
        mc_test_checks++;                                                                  \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            mc_test_failures++;                                                            \
        }                                                                                  \
    } while (0)

#define MC_CHECK_STR(got, want)                                                            \
    do {                                                                                   \
        const char *g_ = (got), *w_ = (want);                                              \
        mc_test_checks++;                                                                  \
        if (strcmp(g_, w_) != 0) {                                                         \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_, w_); \
            mc_test_failures++;                                                            \
        }                                                                                  \
    } while (0)

static inline int mc_test_result(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, mc_test_checks, mc_test_failures);
    return mc_test_failures ? 1 : 0;
}

#endif
