/* fuzz_dict_image.c — a small dictionary built in memory once (via a temp file) for the
 * scan target and as the seed of the dictionary-loader target. */
#include "mc_build.h"
#include "common/mc_util.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const void *mc_fuzz_dict_image(size_t *len);
void mc_fuzz_dict_image_free(void);

static char *img;
static size_t n;

void mc_fuzz_dict_image_free(void)
{
    free(img);
    img = NULL;
}

const void *mc_fuzz_dict_image(size_t *len)
{
    if (img) { *len = n; return img; }
    static const char *const terms[][2] = {
        {"I10", "hypertension"}, {"I10", "HTN"}, {"E11.9", "type 2 diabetes"}, {"E11.22", "type 2 diabetes with chronic kidney disease"},
        {"R07.9", "chest pain"}, {"C50.919", "breast cancer"}, {"I21.9", "myocardial infarction"}, {"H81.09", "Ménière disease"},
    };
    mc_builder *b = mc_builder_create();
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        mc_builder_add_term(b, terms[i][0], terms[i][1], MC_SRC_CURATED, 0, NULL);
    mc_builder_add_trigger(b, "no", 1, 1, 6, 0);
    mc_builder_add_trigger(b, "history of", 4, 1, 6, 0);
    mc_builder_add_trigger(b, "mother", 5, 3, 6, 0);
    mc_builder_add_trigger(b, "but", 7, 0, 0, 0);
    mc_builder_add_zmap(b, "C50", "Z80.3", "family history of breast cancer", "Z85.3", "history of breast cancer", 0);
    char path[] = "/tmp/mc_fuzz_dict_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    mc_error e;
    if (mc_builder_write(b, path, &e) || mc_read_file(path, &img, &n, &e)) abort();
    mc_builder_free(b);
    unlink(path);
    /* the image must be 8-byte aligned: malloc'd memory is */
    *len = n;
    return img;
}
