#!/usr/bin/env bash
# README command 1: install dependencies, build, and code the embedded sample archive
# with the embedded default dictionary. Tables land in ./medcode-demo/.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/medcode run --text-col note --id-col id --out medcode-demo \
  --strata sex --age-col age --date-col date \
  --per-record medcode-demo/per-record.csv datasets/sample/notes.csv.zst
./build/medcode report medcode-demo -o medcode-demo/report.html
echo
echo "Summary tables in $(pwd)/medcode-demo/:"
echo "  codes.csv strata.csv ccsr.csv comorbidity.csv charlson_distribution.csv cooccurrence.csv"
echo "  standardised.csv rejects.csv manifest.json per-record.csv report.html"
echo "Most frequent codes (records per 1,000 notes, Wilson 95% interval):"
python3 - <<'PY'
import csv
rows = [r for r in csv.DictReader(open("medcode-demo/codes.csv"))
        if r["stratification"] == "all" and r["level"] == "code" and r["records"]]
for r in sorted(rows, key=lambda r: -int(r["records"]))[:10]:
    print(f'  {r["code"]:<9} {r["records"]:>5}  {r["prevalence_per_1000"]:>8} [{r["ci_low"]}, {r["ci_high"]}]  {r["title"]}')
PY
