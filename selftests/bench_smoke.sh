#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Smoke test of the benchmark (bench/atcp-bench --quick): every workload runs
# once over TCP and atcp on both paths and yields a non-zero result.  Not a
# performance test: no ratio is checked (make bench does the measuring).
cd "$(dirname "$0")/.." || exit 1
BIN=bench/atcp-bench
OUT=build/bench-smoke
echo "TAP version 13"
echo "1..3"
if [ ! -x "$BIN" ]; then
	echo "not ok 1 $BIN built"; echo "not ok 2 runs complete # skipped"; echo "not ok 3 results non-zero"
	exit 1
fi
echo "ok 1 $BIN built"
timeout 240 "$BIN" --quick --timeout 15 --out "$OUT" 2>&1 | sed 's/^/# /'
rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ]; then echo "ok 2 runs complete"; else echo "not ok 2 runs complete (status $rc)"; fi
bad=$(awk -F, 'NR > 1 && ($4 == "nan" || $5 == "nan" || $4 + 0 == 0 || $5 + 0 == 0) { print $1 "/" $2 }' "$OUT/summary.csv" 2>/dev/null)
if [ -s "$OUT/summary.csv" ] && [ -z "$bad" ]; then
	echo "ok 3 results non-zero"
else
	echo "not ok 3 results non-zero (missing: ${bad:-summary.csv})"
fi
