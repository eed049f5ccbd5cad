#!/usr/bin/env bash
# The demo pipeline on surveys/kg-demo, as 'make demo' runs it:
#   import the three raw batches with the survey's codebook, describe the
#   result, check fieldwork quality, clean by rules.txt, weight to the census
#   margins, tabulate tables.txt, write the Excel reports in Russian and
#   English.  Usage: surveys/kg-demo/demo.sh [BINDIR]   (default build/bin)
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
echo "== svy-qc: duplicates, near-duplicates, speeders, straightlining, nonresponse, interviewers that stand out"
svy-qc -s . --match-threshold 0.9 --min-duration 600 -v \
    --summary "$out/kg-demo-qc-summary.csv" -o "$out/kg-demo-qc.csv" \
    "$out/kg-demo.csv"

echo
echo "== svy-clean: rules.txt (routing, out-of-range codes, speeders, age groups)"
svy-clean -s . --audit "$out/kg-demo-audit.csv" --dropped "$out/kg-demo-dropped.csv" \
    -o "$out/kg-demo-clean.csv" "$out/kg-demo.csv"

echo
echo "== svy-weight: rake to the census margins of targets.csv"
svy-weight -s . --missing category --report "$out/kg-demo-weighting.json" \
    -o "$out/kg-demo-weighted.csv" "$out/kg-demo-clean.csv"

echo
echo "== svy-tab: the tables of tables.txt, weighted, design from survey.conf"
svy-tab -s . "$out/kg-demo-weighted.csv"
svy-tab -s . --format csv -o "$out/kg-demo-tables.csv" "$out/kg-demo-weighted.csv"
svy-tab -s . --lang en --format csv -o "$out/kg-demo-tables-en.csv" \
    "$out/kg-demo-weighted.csv"

echo
echo "== svy-report: Excel reports in Russian and English"
svy-report -s . --lang ru --weighting "$out/kg-demo-weighting.json" \
    -o "$out/kg-demo-report-ru.xlsx" "$out/kg-demo-tables.csv"
svy-report -s . --lang en --weighting "$out/kg-demo-weighting.json" \
    -o "$out/kg-demo-report-en.xlsx" "$out/kg-demo-tables-en.csv"

echo
echo "data:     $out/kg-demo.csv"
echo "findings: $out/kg-demo-rejects.csv ($(($(wc -l < "$out/kg-demo-rejects.csv") - 1)) rows)"
echo "qc flags: $out/kg-demo-qc.csv, per interviewer: $out/kg-demo-qc-summary.csv"
echo "cleaned:  $out/kg-demo-clean.csv (audit log $out/kg-demo-audit.csv)"
echo "weighted: $out/kg-demo-weighted.csv (diagnostics $out/kg-demo-weighting.json)"
echo "tables:   $out/kg-demo-tables.csv (the table stream)"
echo "reports:  $out/kg-demo-report-ru.xlsx $out/kg-demo-report-en.xlsx"
