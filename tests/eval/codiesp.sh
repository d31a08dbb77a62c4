#!/usr/bin/env bash
# codiesp.sh — score medcode on CodiEsp (CLEF eHealth 2020, English translation, ICD-10-CM
# diagnoses): build an id,note CSV per split, run medcode with per-record output, and
# evaluate against the gold *D.tsv twice: the default (counted codes, assertion rules
# applied) and --all-mentions (every matched code: the CodiEsp gold codes negated
# diagnoses too). Each reports three rows: code (exact), hierarchy (a gold code that is
# an ancestor of the prediction matches: R51 ~ R51.9, T14.90 ~ T14.90XA; see
# include/mc_eval.h) and category (3 characters). Results go to OUT/codiesp-results.txt.
#
# usage: tests/eval/codiesp.sh [--medcode BIN] [--dict DICT] [--split train|dev|both] [--out DIR]
#                               [--no-context]
#   --no-context  run medcode with --no-context (every match counts; for baselines)
#   MEDCODE_DATA  reference data folder (default: ../shared/data beside the checkout);
#                 the corpus is read from $MEDCODE_DATA/../eval/codiesp-en/
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
medcode=$root/build/medcode
dict=""
run_args=()
split=both
out=$root/build/codiesp

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --medcode) medcode=${2:?--medcode needs a path}; shift 2 ;;
        --dict) dict=${2:?--dict needs a path}; shift 2 ;;
        --split) split=${2:?--split needs train, dev or both}; shift 2 ;;
        --out) out=${2:?--out needs a folder}; shift 2 ;;
        --no-context) run_args+=(--no-context); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "codiesp.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case $split in
    train) splits=(train) ;;
    dev) splits=(dev) ;;
    both) splits=(train dev) ;;
    *) echo "codiesp.sh: --split must be train, dev or both" >&2; exit 2 ;;
esac

data=${MEDCODE_DATA:-$root/../shared/data}
corpus=$data/../eval/codiesp-en
[ -d "$corpus" ] || { echo "codiesp.sh: corpus not found: $corpus (set MEDCODE_DATA)" >&2; exit 2; }
[ -x "$medcode" ] || { echo "codiesp.sh: medcode binary not found: $medcode (use --medcode)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "codiesp.sh: python3 is needed to build the CSV" >&2; exit 2; }

mkdir -p "$out"
results=$out/codiesp-results.txt
dict_args=()
[ -n "$dict" ] && dict_args=(--dict "$dict")
{
    echo "# CodiEsp English, ICD-10-CM diagnoses — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# medcode: $medcode ($("$medcode" --version 2>/dev/null | head -1 || true))"
    echo "# dictionary: ${dict:-embedded default}${run_args[*]:+ (run ${run_args[*]})}"
} > "$results"

for s in "${splits[@]}"; do
    texts=$corpus/$s/text_files_en
    gold=$corpus/$s/${s}D.tsv
    [ -d "$texts" ] && [ -f "$gold" ] || { echo "codiesp.sh: missing $texts or $gold" >&2; exit 2; }
    input=$out/$s.notes.csv
    python3 - "$texts" "$input" <<'PY'
import csv, os, sys
src, dst = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(src) if n.endswith(".txt"))
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(["id", "note"])
    for n in names:
        with open(os.path.join(src, n), encoding="utf-8", errors="replace") as t:
            w.writerow([n[:-4], t.read()])
PY
    ndocs=$(ls "$texts" | grep -c '\.txt$' || true)
    pred=$out/$s.pred.csv
    rm -rf "$out/run-$s"
    start=$(date +%s.%N)
    "$medcode" run "${dict_args[@]}" "${run_args[@]}" --text-col note --id-col id --out "$out/run-$s" \
        --per-record "$pred" --quiet "$input"
    end=$(date +%s.%N)
    {
        echo
        echo "## split $s: $ndocs documents, run $(python3 -c "print(f'{$end-$start:.2f}')") s"
        echo
        echo "### default (counted codes, assertion rules applied)"
        "$medcode" eval --gold "$gold" --pred "$pred" ${dict:+--dict "$dict"}
        echo
        echo "### --all-mentions (every matched code, negated and uncertain included)"
        "$medcode" eval --gold "$gold" --pred "$pred" --all-mentions ${dict:+--dict "$dict"}
    } >> "$results"
done
cat "$results"
echo "codiesp.sh: results in $results" >&2
