#!/usr/bin/env bash
# README command 1: install dependencies, build, and code the embedded sample archive
# with the embedded default dictionary. Tables land in ./medcode-demo/.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/medcode run --text-col note --id-col id --out medcode-demo \
  --per-record medcode-demo/per-record.csv datasets/sample/notes.csv.zst
echo
echo "Summary tables: $(pwd)/medcode-demo/ (codes.csv, rejects.csv, manifest.json, per-record.csv)"
head -n 12 medcode-demo/codes.csv
