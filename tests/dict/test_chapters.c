/* test_chapters.c — the built-in FY2026 chapter table (engine/dict/mc_chapters.c) equals
 * $MEDCODE_DATA/icd10cm/fy2026/icd10cm_chapters_ranges_fy2026.tsv. Skips (77) without data. */
#include "dict_test.h"
#include "dict/mc_chapters.h"
#include <stdlib.h>

typedef struct {
    int n;
    int num[32];
    char first[32][8], last[32][8], title[32][160];
} table;

static void on_chapter(void *ud, int num, const char *first, const char *last, const char *title)
{
    table *t = ud;
    if (t->n == 32) return;
    t->num[t->n] = num;
    snprintf(t->first[t->n], 8, "%s", first);
    snprintf(t->last[t->n], 8, "%s", last);
    snprintf(t->title[t->n], 160, "%s", title);
    t->n++;
}

int main(int argc, char **argv)
{
    table t = {0};
    mc_chapters_builtin(on_chapter, &t);
    DT_EQ_LONG(t.n, 22);
    const char *data = argc > 1 ? argv[1] : getenv("MEDCODE_DATA");
    if (!data) return DT_DONE() ? 1 : DT_SKIP;
    char path[1024];
    snprintf(path, sizeof path, "%s/icd10cm/fy2026/icd10cm_chapters_ranges_fy2026.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("skipped: %s not found\n", path);
        return DT_DONE() ? 1 : DT_SKIP;
    }
    char line[512];
    int row = 0;
    DT_CHECK(fgets(line, sizeof line, f) != NULL); /* header */
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        char *num = strtok(line, "\t"), *first = strtok(NULL, "\t"), *last = strtok(NULL, "\t"),
             *title = strtok(NULL, "\t");
        DT_CHECK(num && first && last && title);
        if (!title || row >= t.n) {
            row++;
            continue;
        }
        DT_EQ_LONG(t.num[row], atoi(num));
        DT_EQ_STR(t.first[row], first);
        DT_EQ_STR(t.last[row], last);
        DT_EQ_STR(t.title[row], title);
        row++;
    }
    fclose(f);
    DT_EQ_LONG(row, 22);
    return DT_DONE();
}
