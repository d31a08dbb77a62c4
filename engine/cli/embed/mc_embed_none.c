/* mc_embed_none.c — stage-1 CLI without an embedded dictionary (used to compile it). */
#include <stddef.h>

const void *mc_embedded_dict(size_t *len)
{
    *len = 0;
    return NULL;
}
