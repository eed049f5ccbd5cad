#!/usr/bin/env bash
# The demo pipeline on surveys/kg-demo, as 'make demo' runs it:
#   import the three raw batches with the survey's codebook, describe the
#   result, check fieldwork quality, tabulate a question.  Later steps (clean, weight, report) join
#   as the programs land.  Usage: surveys/kg-demo/demo.sh [BINDIR]   (default build/bin)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:-$root/build/bin}" && pwd)
survey=$root/surveys/kg-demo
out=$root/out
mkdir -p "$out"
export PATH="$bin:$PATH"
cd "$survey"

echo "== svy-import: three batches (UTF-8 CSV, CP1251 ';' decimal-comma CSV, .csv.gz)"
# --strict is not used: the demo batches carry deliberate faults, listed in
# the rejects file, and the pipeline goes on.
svy-import -v -s . --batch-col batch --rejects "$out/kg-demo-rejects.csv" \
    -o "$out/kg-demo.csv" raw/batch1.csv raw/batch2.csv raw/batch3.csv.gz

echo
echo "== svy-info: the imported data, labels in Russian"
svy-info -s . --lang ru "$out/kg-demo.csv"

echo
echo "== svy-info: region and vote intention, weighted by the design weight"
svy-info -s . --lang ru --freq region,q3 -w dweight "$out/kg-demo.csv"

echo
echo "== svy-qc: duplicates, near-duplicates, speeders, interviewers that stand out"
svy-qc -s . --match-threshold 0.9 --min-duration 600 -v \
    --summary "$out/kg-demo-qc-summary.csv" -o "$out/kg-demo-qc.csv" \
    "$out/kg-demo.csv"

echo
echo "== svy-tab: direction of the country by sex and settlement (design weights;"
echo "   strata and PSUs from survey.conf; weighting to census margins joins once"
echo "   svy-clean has removed the planted faults)"
svy-tab -s . -w dweight --rows q1 --cols sex,settlement "$out/kg-demo.csv"

echo
echo "data:     $out/kg-demo.csv"
echo "findings: $out/kg-demo-rejects.csv ($(($(wc -l < "$out/kg-demo-rejects.csv") - 1)) rows)"
echo "qc flags: $out/kg-demo-qc.csv, per interviewer: $out/kg-demo-qc-summary.csv"
