/* mc_dict_reseal.h — tests: recompute the checksums of a dictionary image (format in
 * engine/trie/mc_format.h) after changing its bytes on purpose, so that the change
 * reaches the structural checks behind the checksums. Any bytes are accepted: a section
 * table or section out of bounds is left as it is. Used by the fuzz targets and by
 * tests/unit/test_dict_load.c. */
#ifndef MC_DICT_RESEAL_H
#define MC_DICT_RESEAL_H

#include "trie/mc_format.h"
#include <stdint.h>
#include <string.h>
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL /* header-only: nothing to link */
#endif
#include <xxhash.h>

/* The sections whose id is one of ids[0..n_ids) (every section when n_ids is 0), then
 * the header's checksum. */
static inline void mc_test_reseal(unsigned char *b, size_t size, const uint32_t *ids, size_t n_ids)
{
    if (size < MC_HEADER_SIZE) return;
    uint32_t nsec;
    memcpy(&nsec, b + 24, 4);
    if (nsec > MC_MAX_SECTIONS || MC_HEADER_SIZE + (size_t)nsec * MC_SECTION_ENTRY_SIZE > size) return;
    for (uint32_t i = 0; i < nsec; i++) {
        unsigned char *e = b + MC_HEADER_SIZE + MC_SECTION_ENTRY_SIZE * i;
        uint32_t id;
        uint64_t off, len;
        memcpy(&id, e, 4);
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        int want = n_ids == 0;
        for (size_t k = 0; k < n_ids; k++) want |= ids[k] == id;
        if (!want || off > size || len > size - off) continue;
        uint64_t sum = XXH3_64bits(b + off, (size_t)len);
        memcpy(e + 24, &sum, 8);
    }
    XXH3_state_t *st = XXH3_createState();
    if (!st) return;
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, b, 48);
    XXH3_64bits_update(st, b + MC_HEADER_SIZE, (size_t)nsec * MC_SECTION_ENTRY_SIZE);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    memcpy(b + 48, &h, 8);
}

#endif
