/* fuzz_targets.c — one LLVMFuzzerTestOneInput per parser, selected at compile time with
 * -DMC_FUZZ_<TARGET>: CSV record (libcsv per record), tokenizer + scan, dictionary loader,
 * chunker over arbitrary bytes. Built with libFuzzer when MEDCODE_FUZZ=ON (clang), and
 * always linked into the regression driver (fuzz_regress.c) that replays a corpus and
 * deterministic mutations of it under ctest. */
#include "archive/mc_archive.h"
#include "mc_build.h"
#include "mc_dict.h"
#include "mc_scan.h"
#include "record/mc_record.h"
#include "text/mc_text.h"
#include "trie/mc_format.h"
#include "../mc_dict_reseal.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mc_fuzz_record(const uint8_t *data, size_t size);
int mc_fuzz_scan(const uint8_t *data, size_t size);
int mc_fuzz_dict(const uint8_t *data, size_t size);
int mc_fuzz_chunk(const uint8_t *data, size_t size);

void mc_fuzz_cleanup(void);
static mc_csvrec *p_rec;
static mc_dict *p_dict;
static mc_scratch *p_scratch;

int mc_fuzz_record(const uint8_t *data, size_t size)
{
    if (!p_rec) p_rec = mc_csvrec_create();
    mc_csvrec *p = p_rec;
    size_t nf;
    const char *why;
    if (mc_csvrec_parse(p, (const char *)data, size, &nf, &why) == MC_OK)
        for (size_t i = 0; i < nf; i++) {
            size_t l;
            const char *f = mc_csvrec_field(p, i, &l);
            if (strlen(f) > l) abort(); /* fields are NUL-terminated at their length or earlier (embedded NUL) */
        }
    return 0;
}

static mc_dict *small_dict(void)
{
    if (p_dict) return p_dict;
    size_t len;
    extern const void *mc_fuzz_dict_image(size_t *len);
    const void *img = mc_fuzz_dict_image(&len);
    mc_error e;
    if (mc_dict_open_mem(img, len, "fuzz", &p_dict, &e)) abort();
    return p_dict;
}

int mc_fuzz_scan(const uint8_t *data, size_t size)
{
    mc_dict *d = small_dict();
    if (!p_scratch) p_scratch = mc_scratch_create(d);
    mc_scratch *s = p_scratch;
    mc_scan_opts o;
    mc_scan_opts_default(&o);
    const mc_mention *ms;
    size_t n;
    if (mc_scan(s, (const char *)data, size, &o, &ms, &n) != MC_OK) return 0;
    for (size_t i = 0; i < n; i++)
        if (ms[i].end > size || ms[i].start >= ms[i].end || ms[i].code >= mc_dict_n_codes(d)) abort();
    return 0;
}

int mc_fuzz_dict(const uint8_t *data, size_t size)
{
    /* the loader must refuse or accept any bytes without reading out of bounds */
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (size && (data[size / 2] & 1)) mc_test_reseal(copy, size, NULL, 0); /* mutations reach the structural checks */
    mc_dict *d = NULL;
    mc_error e;
    if (mc_dict_open_mem(copy, size, "fuzz", &d, &e) == MC_OK) {
        mc_scratch *s = mc_scratch_create(d);
        mc_scan_opts o;
        mc_scan_opts_default(&o);
        const mc_mention *ms;
        size_t n;
        const char *t = "No chest pain. History of hypertension; mother had breast cancer. Type 2 diabetes.";
        mc_scan(s, t, strlen(t), &o, &ms, &n);
        mc_scratch_free(s);
        mc_dict_close(d);
    }
    free(copy);
    return 0;
}

int mc_fuzz_chunk(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mc_fuzz_chunk_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) { close(fd); unlink(path); return 0; }
    close(fd);
    mc_reader *r;
    mc_chunker *c;
    mc_error e;
    if (mc_reader_open(path, &r, &e) == MC_OK) {
        if (mc_chunker_create(r, path, 64, 256, &c, &e) == MC_OK) {
            mc_batch b = {0};
            uint64_t last = 0;
            while (mc_chunker_next(c, &b, &e) == MC_OK && b.n_recs)
                for (size_t i = 0; i < b.n_recs; i++) {
                    if (b.recs[i].number != last + 1 || b.recs[i].off + b.recs[i].len > b.len) abort();
                    last = b.recs[i].number;
                }
            mc_batch_free(&b);
            mc_chunker_free(c);
        }
        mc_reader_close(r);
    }
    unlink(path);
    return 0;
}

void mc_fuzz_cleanup(void)
{
    extern void mc_fuzz_dict_image_free(void);
    mc_csvrec_free(p_rec);
    mc_scratch_free(p_scratch);
    mc_dict_close(p_dict);
    mc_fuzz_dict_image_free();
    p_rec = NULL;
    p_scratch = NULL;
    p_dict = NULL;
}

#ifdef MC_FUZZ_TARGET
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return MC_FUZZ_TARGET(data, size); }
#endif
