/* fuzz_regress.c — replays each fuzz target over its corpus (tests/fuzz/corpus/<target>/)
 * plus deterministic mutations (bit flips, truncations, splices, byte insertions), so
 * the parsers are fuzzed on every ctest run without libFuzzer (like zstd's
 * regression_driver.c). usage: fuzz_regress TARGET CORPUS_DIR [ROUNDS] */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mc_fuzz_record(const uint8_t *data, size_t size);
int mc_fuzz_scan(const uint8_t *data, size_t size);
int mc_fuzz_dict(const uint8_t *data, size_t size);
int mc_fuzz_chunk(const uint8_t *data, size_t size);
const void *mc_fuzz_dict_image(size_t *len);
void mc_fuzz_cleanup(void);

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: fuzz_regress TARGET CORPUS_DIR [ROUNDS]\n"); return 2; }
    int (*fn)(const uint8_t *, size_t) = NULL;
    if (!strcmp(argv[1], "record")) fn = mc_fuzz_record;
    else if (!strcmp(argv[1], "scan")) fn = mc_fuzz_scan;
    else if (!strcmp(argv[1], "dict")) fn = mc_fuzz_dict;
    else if (!strcmp(argv[1], "chunk")) fn = mc_fuzz_chunk;
    else { fprintf(stderr, "unknown target %s\n", argv[1]); return 2; }
    int rounds = argc > 3 ? atoi(argv[3]) : 200;
    /* seeds: corpus files, and for the dictionary target the real image */
    size_t ns = 0;
    uint8_t *seed[256];
    size_t slen[256];
    DIR *dir = opendir(argv[2]);
    struct dirent *de;
    while (dir && (de = readdir(dir)) && ns < 255) {
        if (de->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", argv[2], de->d_name);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long l = ftell(f);
        fseek(f, 0, SEEK_SET);
        seed[ns] = malloc((size_t)l + 1);
        slen[ns] = fread(seed[ns], 1, (size_t)l, f);
        fclose(f);
        ns++;
    }
    if (dir) closedir(dir);
    if (!strcmp(argv[1], "dict")) {
        size_t l;
        const void *img = mc_fuzz_dict_image(&l);
        seed[ns] = malloc(l);
        memcpy(seed[ns], img, l);
        slen[ns++] = l;
    }
    if (!ns) { fprintf(stderr, "no seeds in %s\n", argv[2]); return 2; }
    size_t runs = 0;
    for (size_t s = 0; s < ns; s++) { fn(seed[s], slen[s]); runs++; }
    uint8_t *buf = malloc(1 << 20);
    for (int r = 0; r < rounds; r++)
        for (size_t s = 0; s < ns; s++) {
            size_t n = slen[s] < (1u << 19) ? slen[s] : (1u << 19);
            memcpy(buf, seed[s], n);
            int kind = (int)(next() % 5);
            if (kind == 0 && n) for (int k = 0; k < 1 + (int)(next() % 8); k++) buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
            else if (kind == 1 && n) n = next() % n;
            else if (kind == 2 && n) { size_t a = next() % n, b = next() % n; memmove(buf + a, buf + b, n - (a > b ? a : b)); }
            else if (kind == 3 && n + 16 < (1u << 20)) {
                size_t at = next() % (n + 1);
                static const char ins[] = "\"\n,\r\xc3\xa9\xff\x00;:.";
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (uint8_t)ins[next() % (sizeof ins - 1)];
                n++;
            } else if (n) for (size_t k = 0; k < n / 64 + 1; k++) buf[next() % n] = (uint8_t)next();
            fn(buf, n);
            runs++;
        }
    printf("fuzz_regress %s: %zu inputs, 0 crashes\n", argv[1], runs);
    free(buf);
    for (size_t s = 0; s < ns; s++) free(seed[s]);
    mc_fuzz_cleanup();
    return 0;
}
