#!/usr/bin/env bash
# codiesp-baselines.sh — CodiEsp English (ICD-10-CM diagnoses) accuracy of medcode beside
# two baselines, all scored by the same scorer (medcode eval through tests/eval/codiesp.sh):
#   titles    plain title matcher: the FY2026 order file's titles only
#             (dict build --no-default-lexicon --no-variants --icd10cm-order), run --no-context
#   index     titles + composed Alphabetic Index phrases, no variants, no curated lexicon,
#             no tabular inclusion terms, run --no-context
#   medcode   the full dictionary (curated lexicon + order + index + tabular + Neoplasm
#             Table, variants),
#             default run (context and coding rules on)
# The baselines go through the same scanner (tokenizer, leftmost-longest matching and its
# single-word guards, engine/match/mc_guard.h); only the dictionary sources and the
# context stage differ. Every system is scored four ways (train/dev x default/--all-mentions)
# at three levels: code (exact), hierarchy (gold ancestor of the prediction matches;
# include/mc_eval.h) and category (3 characters). Without --no-context the default mode
# drops negated and other non-counted mentions; with it, both modes are the same.
#
# usage: bench/codiesp-baselines.sh [--medcode BIN] [--work DIR] [--results FILE]
#   MEDCODE_DATA  reference data (default ../shared/data beside the checkout)
#   --work     scratch folder (default build/codiesp-baselines)
#   --results  summary file (default bench/results/codiesp-<UTC date>.txt)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
medcode=$root/build/medcode
work=$root/build/codiesp-baselines
results=$root/bench/results/codiesp-$(date -u +%Y-%m-%d).txt
while [ $# -gt 0 ]; do
    case $1 in
        --medcode) medcode=${2:?}; shift 2 ;;
        --work) work=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "codiesp-baselines.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
data=${MEDCODE_DATA:-$root/../shared/data}
order=$data/icd10cm/fy2026/icd10cm-order-2026.txt
index=$data/icd10cm/fy2025-index/ICD10CM_2025_Index.csv
tabular=$data/icd10cm/tabular-fy2021/icd10cm_tabular_2021.xml
neoplasm=$data/icd10cm/fy2026/xml/icd10cm-neoplasm-April-1-2026-XML.xml
for f in "$order" "$index" "$tabular" "$neoplasm"; do
    [ -f "$f" ] || { echo "codiesp-baselines.sh: missing $f (set MEDCODE_DATA)" >&2; exit 2; }
done
[ -x "$medcode" ] || { echo "codiesp-baselines.sh: medcode not found: $medcode" >&2; exit 2; }
mkdir -p "$work" "$(dirname "$results")"

"$medcode" dict build --no-default-lexicon --no-variants --icd10cm-order "$order" -o "$work/titles.dict"
"$medcode" dict build --no-default-lexicon --no-variants --icd10cm-order "$order" --icd10cm-index "$index" \
    -o "$work/index.dict"
"$medcode" dict build --icd10cm-order "$order" --icd10cm-index "$index" --icd10cm-tabular "$tabular" \
    --icd10cm-neoplasm "$neoplasm" \
    -o "$work/medcode.dict"

ev=$root/tests/eval/codiesp.sh
bash "$ev" --medcode "$medcode" --dict "$work/titles.dict" --no-context --out "$work/titles" >/dev/null
bash "$ev" --medcode "$medcode" --dict "$work/index.dict" --no-context --out "$work/index" >/dev/null
bash "$ev" --medcode "$medcode" --dict "$work/medcode.dict" --out "$work/medcode" >/dev/null

python3 - "$work" "$results" "$("$medcode" --version | head -1)" <<'PY'
import re, sys, time
work, out, version = sys.argv[1:4]
systems = [("titles", "plain title matcher (order file titles, no variants, --no-context)"),
           ("index", "titles + Alphabetic Index phrases (no variants, no curation, --no-context)"),
           ("medcode", "medcode full dictionary (curated + order + index + tabular + neoplasm, variants, context)")]
rows = []
for name, _ in systems:
    split = mode = None
    for line in open(f"{work}/{name}/codiesp-results.txt"):
        m = re.match(r"## split (\w+)", line)
        if m: split = m.group(1)
        if line.startswith("### default"): mode = "default"
        if line.startswith("### --all-mentions"): mode = "all-mentions"
        m = re.match(r"(code|hierarchy|category)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)", line)
        if m and split and mode:
            rows.append((name, split, mode) + m.groups())
with open(out, "w") as f:
    f.write(f"# CodiEsp English (CLEF eHealth 2020), ICD-10-CM diagnoses: micro P/R/F1 over unique\n")
    f.write(f"# (document, code) pairs. {time.strftime('%Y-%m-%d', time.gmtime())}, {version}\n")
    f.write("# levels: code = exact; hierarchy = exact, or the gold code is an ancestor of the\n")
    f.write("#   prediction (gold R51 ~ pred R51.9, T14.90 ~ T14.90XA; one-to-one; include/mc_eval.h);\n")
    f.write("#   category = first 3 characters. modes: default = counted codes (assertion and coding\n")
    f.write("#   rules; the baselines run --no-context, so every match counts); all-mentions = the\n")
    f.write("#   dictionary code of every mention, negated included (the CodiEsp gold codes negated\n")
    f.write("#   diagnoses too). Train 500 documents, dev 250. Made by bench/codiesp-baselines.sh.\n")
    for name, desc in systems: f.write(f"# {name:8s} {desc}\n")
    f.write("\n%-8s %-5s %-12s %-9s %-9s %-7s %-7s %-5s %-5s %s\n" % ("system", "split", "mode", "level", "precision", "recall", "f1", "tp", "fp", "fn"))
    for r in rows:
        f.write("%-8s %-5s %-12s %-9s %-9s %-7s %-7s %-5s %-5s %s\n" % r)
print(open(out).read(), end="")
PY
echo "codiesp-baselines.sh: results in $results" >&2
