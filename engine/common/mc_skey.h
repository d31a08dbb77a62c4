/* mc_skey.h — fixed-size keys of short strings for in-memory hash tables: the first
 * 16 bytes as two words, zero-padded, and a hash of key and length. For strings
 * without NUL bytes (normalised tokens) two strings of up to 16 bytes are equal
 * exactly when their keys and lengths are; longer ones compare the rest.
 *
 * Used by the tokenizer (mc_token.hash) and the vocabulary table built at dictionary
 * load (trie/mc_trie.h); never stored in a file, so it may change between versions.
 * mc_skey reads only s[0..n); mc_skey_padded loads 16 bytes (s must have 16 readable
 * bytes from its start, as mc_tokens.norm has). Pure functions. */
#ifndef MC_SKEY_H
#define MC_SKEY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint64_t w[2]; } mc_skey_t;

static inline uint64_t mc_skey_mask_(size_t n)
{
    if (n >= 8) return ~0ull;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return n ? ~0ull << (8 * (8 - n)) : 0;
#else
    return (1ull << (8 * n)) - 1;
#endif
}

static inline mc_skey_t mc_skey_padded(const char *s, size_t n)
{
    mc_skey_t k;
    memcpy(&k.w[0], s, 8);
    memcpy(&k.w[1], s + 8, 8);
    k.w[0] &= mc_skey_mask_(n);
    k.w[1] &= n > 8 ? mc_skey_mask_(n - 8) : 0;
    return k;
}

static inline mc_skey_t mc_skey(const char *s, size_t n)
{
    char b[16] = {0};
    memcpy(b, s, n < 16 ? n : 16);
    return mc_skey_padded(b, n);
}

static inline uint32_t mc_skey_hash(mc_skey_t k, size_t n)
{
    uint64_t x = (k.w[0] ^ (uint64_t)n) * 0x9E3779B97F4A7C15ull + k.w[1] * 0xC2B2AE3D27D4EB4Full;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 29;
    return (uint32_t)x;
}

#endif
