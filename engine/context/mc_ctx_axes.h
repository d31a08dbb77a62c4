/* mc_ctx_axes.h — the three ConText axes behind each mention's single assertion.
 *
 * mc_context_assert (mc_context.h) decides, for every mention, three independent
 * values — negation (affirmed / negated / possible), temporality (recent / historical /
 * hypothetical) and experiencer (patient / other) — and collapses them into the one
 * MC_ASSERT_* value the coding rules use:
 *
 *     negated > hypothetical > other experiencer (family) > possible > historical > affirmed
 *
 * "No family history of colon cancer": negated and other -> MC_ASSERT_NEGATED.
 * "Family history of breast cancer": historical and other -> MC_ASSERT_FAMILY.
 * "History of possible TIA": possible and historical -> MC_ASSERT_POSSIBLE.
 *
 * One exception to the collapse: a *weak* historical. The temporality axis says
 * "historical" (the condition or habit began in the past: the ConText definition) but
 * the coding assertion stays affirmed, because the text does not say that it has
 * resolved (ICD-10-CM I.C.21.c.4 keeps "history of" codes for conditions that no longer
 * exist). The `weak` flag records it. It comes from:
 *   - a mention in a Social History or Allergies section ("smokes" under Social History
 *     is a current habit), or a target that names a habit or allergy itself (a `habit`
 *     phrase in its own span: "drinks alcohol", "no known drug allergies");
 *   - a target directly before "status post" / "s/p" (trigger direction `adjacent`):
 *     "coronary artery disease status post CABG" is still coronary artery disease;
 *   - an `ongoing` trigger: "the effusion is unchanged", "redemonstrated".
 * A strong historical trigger or a Past Medical/Surgical or Family History section
 * makes it strong.
 *
 * The axes of the last mc_context_assert call stay in its scratch until the next call
 * (the `medcode assert` tool reports them). Thread safety: as the scratch.
 */
#ifndef MC_CTX_AXES_H
#define MC_CTX_AXES_H

#include <stddef.h>
#include <stdint.h>
#include "context/mc_context.h"

enum { MC_NEG_AFFIRMED = 0, MC_NEG_NEGATED = 1, MC_NEG_POSSIBLE = 2 };
enum { MC_TEMP_RECENT = 0, MC_TEMP_HISTORICAL = 1, MC_TEMP_HYPOTHETICAL = 2 };
enum { MC_EXP_PATIENT = 0, MC_EXP_OTHER = 1 };

typedef struct {
    uint8_t negation;      /* MC_NEG_* */
    uint8_t temporality;   /* MC_TEMP_* */
    uint8_t experiencer;   /* MC_EXP_* */
    uint8_t weak;          /* 1: a weak historical (see above): the coding assertion stays affirmed */
    int32_t neg_trigger;   /* trigger index that decided each axis, -1 = none or section */
    int32_t temp_trigger;
    int32_t exp_trigger;
} mc_ctx_axes;

/* Axes of mention k (0-based, in the order given) of the last mc_context_assert call
 * on c; NULL when k is out of range. */
const mc_ctx_axes *mc_ctx_axes_of(const mc_ctx_scratch *c, size_t k);

/* Labels used by `medcode assert` (the NegEx/ConText kit's vocabulary):
 * "Affirmed" / "Negated" / "Possible", "Recent" / "Historical" / "Hypothetical",
 * "Patient" / "Other". */
const char *mc_ctx_negation_label(int v);
const char *mc_ctx_temporality_label(int v);
const char *mc_ctx_experiencer_label(int v);

#endif
