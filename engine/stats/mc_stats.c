/* mc_stats.c — per-thread count shards and their merge (mc_stats.h). */
#include "stats/mc_stats.h"
#include <stdlib.h>
#include <string.h>

mc_stats *mc_stats_create(const mc_dict *d)
{
    mc_stats *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n_codes = mc_dict_n_codes(d);
    size_t n = s->n_codes ? s->n_codes : 1;
    s->code_records = calloc(n, sizeof(uint64_t));
    s->code_mentions = calloc(n, sizeof(uint64_t));
    s->code_assert = calloc(n * MC_ASSERT__COUNT, sizeof(uint64_t));
    s->stamp = calloc(n, sizeof(uint32_t));
    if (!s->code_records || !s->code_mentions || !s->code_assert || !s->stamp) { mc_stats_free(s); return NULL; }
    return s;
}

void mc_stats_free(mc_stats *s)
{
    if (!s) return;
    free(s->code_records);
    free(s->code_mentions);
    free(s->code_assert);
    free(s->stamp);
    free(s);
}

void mc_stats_record(mc_stats *s, const mc_mention *ms, size_t n)
{
    s->records++;
    if (++s->serial == 0) { memset(s->stamp, 0, s->n_codes * sizeof *s->stamp); s->serial = 1; }
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const mc_mention *m = &ms[i];
        s->mentions++;
        s->code_assert[(size_t)m->matched_code * MC_ASSERT__COUNT + m->assertion]++;
        s->rules[m->rule]++;
        if (!m->counted) continue;
        s->counted++;
        s->code_mentions[m->code]++;
        if (s->stamp[m->code] != s->serial) {
            s->stamp[m->code] = s->serial;
            s->code_records[m->code]++;
            any = 1;
        }
    }
    s->records_with_code += any;
}

void mc_stats_merge(mc_stats *a, const mc_stats *b)
{
    a->records += b->records;
    a->records_with_code += b->records_with_code;
    a->mentions += b->mentions;
    a->counted += b->counted;
    for (uint32_t i = 0; i < a->n_codes; i++) {
        a->code_records[i] += b->code_records[i];
        a->code_mentions[i] += b->code_mentions[i];
    }
    for (size_t i = 0; i < (size_t)a->n_codes * MC_ASSERT__COUNT; i++) a->code_assert[i] += b->code_assert[i];
    for (int i = 0; i < MC_RULE__COUNT; i++) a->rules[i] += b->rules[i];
}
