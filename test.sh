#!/usr/bin/env bash
# README command 2: install dependencies, build, and run the whole test suite (ctest).
# Reference data for the tests: MEDCODE_DATA (default ../shared/data beside the checkout).
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMEDCODE_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
cd build && ctest --output-on-failure -j"$(nproc)"
