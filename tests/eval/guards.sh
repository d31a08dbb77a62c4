#!/usr/bin/env bash
# guards.sh MEDCODE — the scanner's single-word guards (engine/match/mc_guard.h) on the
# embedded default dictionary, through `medcode dict lookup` (codes of the matches).
set -u
m=${1:?usage: guards.sh MEDCODE}
fail=0
codes() { "$m" dict lookup "$1" | awk -F'\t' 'NR > 1 { printf "%s%s", s, $2; s = " " }'; }
expect() {
    local got; got=$(codes "$1")
    if [ "$got" != "$2" ]; then echo "FAIL: '$1' -> '$got', expected '$2'"; fail=1; fi
}
expect "DVT in the left leg" "I82.409"                 # a diagnosis
expect "DVT prophylaxis with enoxaparin" ""            # rule 3: modifier of a procedural noun
expect "Start pneumonia workup today" ""
expect "tumor markers were normal" ""
expect "a 3 cm tumor was found" ""                     # rule 2: residual unspecified-site code
expect "history significant for carcinoma" "C80.1"    # ... unless after a history word
expect "BMI 31" ""                                     # rule 1: one word, V-Z header
expect "homeless" "Z59.00"                             # curated one-word status still counts
[ $fail = 0 ] && echo "guards ok"
exit $fail
