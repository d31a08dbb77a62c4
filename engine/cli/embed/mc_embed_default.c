/* mc_embed_default.c — the default dictionary (build/default.dict, compiled from
 * datasets/ at build time) embedded in the medcode binary with .incbin. */
#include <stddef.h>

__asm__(".section .rodata\n"
        ".global mc_embedded_dict_start\n"
        ".balign 64\n"
        "mc_embedded_dict_start:\n"
        ".incbin \"" MC_DEFAULT_DICT_PATH "\"\n"
        ".global mc_embedded_dict_end\n"
        "mc_embedded_dict_end:\n"
        ".previous\n");

extern const unsigned char mc_embedded_dict_start[];
extern const unsigned char mc_embedded_dict_end[];

const void *mc_embedded_dict(size_t *len)
{
    *len = (size_t)(mc_embedded_dict_end - mc_embedded_dict_start);
    return mc_embedded_dict_start;
}
