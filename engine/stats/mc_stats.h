/* mc_stats.h — aggregation of coded records into counts, one shard per worker thread.
 * Counts are exact integers, so shards merge by addition in any order with the same
 * result. Indexed by dictionary code index. */
#ifndef MC_STATS_H
#define MC_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "mc_dict.h"
#include "mc_scan.h"
#include "context/mc_context.h"

typedef struct {
    uint32_t n_codes;
    uint64_t records;            /* records coded (processed) */
    uint64_t records_with_code;  /* records with at least one counted code */
    uint64_t mentions, counted;
    uint64_t *code_records;      /* [n_codes] records with the code counted */
    uint64_t *code_mentions;     /* [n_codes] counted mentions as that code */
    uint64_t *code_assert;       /* [n_codes * MC_ASSERT__COUNT] mentions by matched code and assertion */
    uint64_t rules[MC_RULE__COUNT];
    uint32_t *stamp;             /* [n_codes] per-record de-duplication (not merged) */
    uint32_t serial;
} mc_stats;

mc_stats *mc_stats_create(const mc_dict *d);
void mc_stats_free(mc_stats *s);
/* Add one coded record (its mentions after the coding rules). */
void mc_stats_record(mc_stats *s, const mc_mention *ms, size_t n);
/* into += from. */
void mc_stats_merge(mc_stats *into, const mc_stats *from);

#endif
