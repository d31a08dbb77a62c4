/* test_import_builder.c — the ICD-10-CM importers with the real builder (mc_build):
 * the fixtures import, the code set and sources add up, and the dictionary writes. */
#include "dict_test.h"
#include "dict/mc_import_icd10cm.h"
#include <stdlib.h>
#include <unistd.h>

static const char *fx;
static const char *path(const char *name)
{
    static char p[1200];
    snprintf(p, sizeof p, "%s/%s", fx, name);
    return p;
}

static int ok(mc_status st, const mc_error *err)
{
    if (st != MC_OK) {
        char buf[1024];
        mc_error_format(err, buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    return st == MC_OK;
}

int main(int argc, char **argv)
{
    fx = argc > 1 ? argv[1] : "tests/dict/fixtures";
    mc_error err;
    memset(&err, 0, sizeof err);
    mc_builder *b = mc_builder_create();
    DT_CHECK(ok(mc_import_icd10cm_order(b, path("icd10cm-order-2026-mini.txt"), &err), &err));
    DT_CHECK(mc_builder_has_code(b, "S72009A"));
    DT_CHECK(!mc_builder_has_code(b, "Z99.999"));
    DT_CHECK(ok(mc_import_icd10cm_index(b, path("index-mini.xml"), &err), &err));
    DT_CHECK(ok(mc_import_icd10cm_index(b, path("index-mini.csv"), &err), &err));
    DT_CHECK(ok(mc_import_icd10cm_tabular(b, path("tabular-mini.xml"), &err), &err));
    mc_build_summary s;
    mc_builder_summary(b, &s);
    DT_EQ_LONG(s.codes, 31); /* no code invented by the index or the tabular */
    DT_EQ_LONG(s.billable, 18);
    DT_CHECK(s.per_source[MC_SRC_TITLE] > 0);
    DT_CHECK(s.per_source[MC_SRC_INDEX] > 0);
    DT_CHECK(s.per_source[MC_SRC_INCLUSION] > 0);
    char out[] = "/tmp/mc_test_import_XXXXXX";
    int fd = mkstemp(out);
    DT_CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    DT_CHECK(ok(mc_builder_write(b, out, &err), &err));
    unlink(out);
    mc_builder_free(b);
    return DT_DONE();
}
