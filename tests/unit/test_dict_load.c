/* test_dict_load.c — the dictionary loader's structural checks behind the checksums.
 *
 * The loader checks the trie in a branch-free form for the layout the builder writes
 * (trie_scan in engine/trie/mc_dict.c) and falls back to a node-by-node pass for any
 * other layout or fault, and checks the terms block by block while checksumming them.
 * Here an image large enough for the block-wise path is damaged in its nodes, edges and
 * terms (thousands of seeded single-field changes, then the checksums recomputed so the
 * damage reaches the checks), and every verdict and message is compared with the rules
 * written out plainly below: a damaged image must be refused with the message of the
 * first broken rule, and one that still follows the rules must open, whatever its layout. */
#include "mc_test.h"
#include "mc_build.h"
#include "mc_dict.h"
#include "common/mc_util.h"
#include "trie/mc_format.h"
#include "../mc_dict_reseal.h"
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    uint32_t id, esz;
    uint64_t off, len;
} sec;

static sec find_sec(const unsigned char *img, uint32_t id)
{
    uint32_t n;
    memcpy(&n, img + 24, 4);
    sec r = {0};
    for (uint32_t i = 0; i < n; i++) { /* the last of an id is the one the loader takes */
        const unsigned char *e = img + MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * i;
        uint32_t sid;
        memcpy(&sid, e, 4);
        if (sid != id) continue;
        r.id = sid;
        memcpy(&r.esz, e + 4, 4);
        memcpy(&r.off, e + 8, 8);
        memcpy(&r.len, e + 16, 8);
    }
    return r;
}

/* The rules for nodes, edges and terms, one check at a time in the loader's order
 * (nodes with their edges, then terms): "" when they hold, else the first broken one's
 * message. */
static void oracle(const unsigned char *img, size_t n_vocab, size_t n_codes, size_t n_triggers, size_t strs_len,
                   char *msg, size_t cap)
{
    sec sn = find_sec(img, MC_SEC_NODES), se = find_sec(img, MC_SEC_EDGES), st = find_sec(img, MC_SEC_TERMS);
    const mc_fnode *nodes = (const mc_fnode *)(img + sn.off);
    const mc_fedge *edges = (const mc_fedge *)(img + se.off);
    const mc_fterm *terms = (const mc_fterm *)(img + st.off);
    size_t nn = sn.len / sizeof *nodes, ne = se.len / sizeof *edges, nt = st.len / sizeof *terms;
    msg[0] = 0;
    for (size_t i = 0; i < nn; i++) {
        uint64_t e0 = nodes[i].edge, k = nodes[i].n_edges;
        if (e0 > ne || e0 + k > ne) { snprintf(msg, cap, "trie node %zu: edges out of bounds", i); return; }
        if (nodes[i].term != MC_NONE && nodes[i].term >= nt) { snprintf(msg, cap, "trie node %zu: term out of bounds", i); return; }
        for (uint64_t j = 0; j < k; j++) {
            const mc_fedge *x = &edges[e0 + j];
            if (x->tok >= n_vocab || x->child == 0 || x->child >= nn) {
                snprintf(msg, cap, "trie node %zu: edge %u out of bounds", i, (unsigned)j);
                return;
            }
            if (j > 0 && edges[e0 + j - 1].tok >= x->tok) { snprintf(msg, cap, "trie node %zu: edges not sorted", i); return; }
        }
    }
    for (size_t i = 0; i < nt; i++) {
        size_t lim = terms[i].flags & 0x80u ? n_triggers : n_codes; /* MC_TERMF_CONTEXT: a trigger */
        if (terms[i].target >= lim) { snprintf(msg, cap, "term %zu: target out of bounds", i); return; }
        if (terms[i].text >= strs_len || terms[i].system >= strs_len) { snprintf(msg, cap, "term %zu: string out of bounds", i); return; }
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

/* A value near a bound, or anything. */
static uint32_t pick(uint32_t bound, uint32_t cur)
{
    switch (rnd(8)) {
    case 0: return 0;
    case 1: return bound ? bound - 1 : 0;
    case 2: return bound;
    case 3: return bound + 1;
    case 4: return cur + 1;
    case 5: return cur ? cur - 1 : 0;
    case 6: return MC_NONE;
    default: return rnd(bound + 2);
    }
}

/* Build an image of nterms phrases and damage it iters times. */
static void run(int nterms, int iters)
{
    char dp[] = "/tmp/mc_test_dict_load_XXXXXX";
    int fd = mkstemp(dp);
    MC_CHECK(fd >= 0);
    close(fd);
    /* Phrases over a small vocabulary that share first words: nodes with many sorted
     * children (the edge hash's wide nodes) and long chains; enough nodes, edges and
     * terms for sections of several check blocks. */
    mc_builder *b = mc_builder_create();
    static const char *const codes[] = {"I10", "E11.9", "J44.9", "N18.3", "C50.919", "R07.9"};
    char phrase[128];
    for (int i = 0; i < nterms; i++) {
        int w = 2 + i % 4;
        size_t o = 0;
        for (int k = 0; k < w; k++)
            o += (size_t)snprintf(phrase + o, sizeof phrase - o, "%sw%u", k ? " " : "", (unsigned)(k == 0 ? (unsigned)i % 37 : ((unsigned)i * 7919u + (unsigned)k * 104729u) % 1500));
        MC_CHECK(mc_builder_add_term(b, codes[i % 6], phrase, MC_SRC_CURATED, 0, NULL) == MC_OK);
    }
    mc_builder_add_trigger(b, "no", 1, 1, 6, 0);
    mc_builder_add_trigger(b, "history of", 4, 1, 6, 0);
    mc_error e;
    MC_CHECK(mc_builder_write(b, dp, &e) == MC_OK);
    mc_builder_free(b);
    char *raw;
    size_t len;
    MC_CHECK(mc_read_file(dp, &raw, &len, &e) == MC_OK);
    unlink(dp);
    uint64_t *orig = malloc(len + 8), *img = malloc(len + 8);
    memcpy(orig, raw, len);
    free(raw);

    mc_dict *d = NULL;
    MC_CHECK(mc_dict_open_mem(orig, len, "intact", &d, &e) == MC_OK);
    mc_dict_info info;
    mc_dict_get_info(d, &info);
    size_t n_triggers = info.n_triggers, n_codes = info.n_codes, n_vocab = info.n_vocab;
    mc_dict_close(d);
    sec sn = find_sec((unsigned char *)orig, MC_SEC_NODES), se = find_sec((unsigned char *)orig, MC_SEC_EDGES);
    sec st = find_sec((unsigned char *)orig, MC_SEC_TERMS), ss = find_sec((unsigned char *)orig, MC_SEC_STRS);
    size_t nn = sn.len / sizeof(mc_fnode), ne = se.len / sizeof(mc_fedge), nt = st.len / sizeof(mc_fterm);
    printf("image %zu bytes: %zu nodes, %zu edges, %zu terms\n", len, nn, ne, nt);
    MC_CHECK(sn.len > (256u << 10) && st.len > (128u << 10) && se.len > (128u << 10)); /* several blocks each */
    char want[160];
    oracle((unsigned char *)orig, n_vocab, n_codes, n_triggers, ss.len, want, sizeof want);
    MC_CHECK_STR(want, "");

    static const uint32_t damaged[3] = {MC_SEC_NODES, MC_SEC_EDGES, MC_SEC_TERMS};
    long refused = 0, opened = 0, mismatched = 0;
    for (int it = 0; it < iters; it++) {
        memcpy(img, orig, len);
        unsigned char *bi = (unsigned char *)img;
        mc_fnode *nodes = (mc_fnode *)(bi + sn.off);
        mc_fedge *edges = (mc_fedge *)(bi + se.off);
        mc_fterm *terms = (mc_fterm *)(bi + st.off);
        int changes = 1 + (int)rnd(2);
        for (int c = 0; c < changes; c++) {
            uint32_t i = rnd((uint32_t)nn), k = rnd((uint32_t)ne), t = rnd((uint32_t)nt);
            switch (rnd(10)) {
            case 0: nodes[i].edge = pick((uint32_t)ne, nodes[i].edge); break;
            case 1: nodes[i].n_edges = pick((uint32_t)(ne - nodes[i].edge), nodes[i].n_edges); break;
            case 2: nodes[i].term = pick((uint32_t)nt, nodes[i].term); break;
            case 3: edges[k].tok = pick((uint32_t)n_vocab, edges[k].tok); break;
            case 4: edges[k].child = pick((uint32_t)nn, edges[k].child); break;
            case 5: /* swap two neighbouring edges: unsorted inside a node, fine across nodes */
                if (k + 1 < ne) { mc_fedge x = edges[k]; edges[k] = edges[k + 1]; edges[k + 1] = x; }
                break;
            case 6: { /* another layout that keeps the rules: a leaf shares a node's edges */
                uint32_t j = rnd((uint32_t)nn);
                if (nodes[i].n_edges == 0 && nodes[j].n_edges > 0) { nodes[i].edge = nodes[j].edge; nodes[i].n_edges = nodes[j].n_edges; }
                break;
            }
            case 7: terms[t].target = pick((uint32_t)(terms[t].flags & 0x80u ? n_triggers : n_codes), terms[t].target); break;
            case 8: terms[t].text = pick((uint32_t)ss.len, terms[t].text); break;
            default: /* a leaf's empty range moved: valid up to the end of the edges */
                if (nodes[i].n_edges == 0) nodes[i].edge = pick((uint32_t)ne, nodes[i].edge);
                break;
            }
        }
        mc_test_reseal(bi, len, damaged, 3);
        oracle(bi, n_vocab, n_codes, n_triggers, ss.len, want, sizeof want);
        mc_dict *x = NULL;
        mc_status s = mc_dict_open_mem(img, len, "damaged", &x, &e);
        int ok = want[0] ? s == MC_E_DICT_CORRUPT && x == NULL && strcmp(e.msg, want) == 0 : s == MC_OK && x != NULL;
        if (!ok && mismatched++ < 5)
            fprintf(stderr, "iteration %d: want \"%s\", got status %d \"%s\"\n", it, want, (int)s, s ? e.msg : "");
        if (s == MC_OK) opened++;
        else refused++;
        mc_dict_close(x);
    }
    printf("damaged images: %ld refused, %ld opened, %ld differ from the rules\n", refused, opened, mismatched);
    MC_CHECK(mismatched == 0);
    MC_CHECK(refused > iters / 5 && opened > iters / 20); /* both verdicts exercised */
    free(orig);
    free(img);
}

int main(void)
{
    run(12000, 2000); /* checked on one thread */
    run(50000, 250);  /* over 4 MB: checked by two threads */
    return mc_test_result("test_dict_load");
}
