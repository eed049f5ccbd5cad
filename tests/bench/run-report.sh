#!/usr/bin/env bash
# Benchmark svy-report: a 300-table workbook from the demo survey.
#
#   tests/bench/run-report.sh [TABLES] [RUNS]      (defaults 300 and 5)
#
# Runs the demo pipeline once (svy-import of the three raw batches,
# svy-clean, svy-weight --report, as surveys/kg-demo/demo.sh does), writes
# a table spec of TABLES tables cycling over the demo's categorical
# questions by region and sex (plus the spec's nets and the q9 set), runs
# svy-tab once to make the table stream, then times svy-report alone
# (Russian labels, the weighting report, charts on) RUNS times after one
# untimed warm-up, and prints each run and the median.  The bar of issue 5:
# the median is at most 2 s.  It checks that the workbook has TABLES table
# sheets (with openpyxl, when /usr/bin/python3 has it).
#
# Environment: BUILD (default build) is the build folder (make -s
# BUILD=...).  Files go to $BUILD/bench/report.  See tests/bench/README.md,
# "svy-report".
set -euo pipefail

TABLES=${1:-300}
RUNS=${2:-5}
B=${BUILD:-build}

die() { echo "run-report: $*" >&2; exit 1; }

[[ $TABLES =~ ^[0-9]+$ && $TABLES -gt 0 ]] || die "TABLES must be a positive integer (got '$TABLES')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
S=$root/surveys/kg-demo

echo "== building project (make -s BUILD=$B)"
make -s BUILD="$B" all || die "make failed"
bin=$root/$B/bin
for t in svy-import svy-clean svy-weight svy-tab svy-report; do
    [[ -x $bin/$t ]] || die "$bin/$t does not exist"
done
W=$root/$B/bench/report
mkdir -p "$W"

echo "== demo pipeline: import, clean, weight"
(cd "$S" &&
    "$bin/svy-import" -s . --batch-col batch --rejects "$W/rejects.csv" \
        -o "$W/kg-demo.csv" raw/batch1.csv raw/batch2.csv raw/batch3.csv.gz &&
    "$bin/svy-clean" -s . --audit "$W/audit.csv" --dropped "$W/dropped.csv" \
        -o "$W/clean.csv" "$W/kg-demo.csv" &&
    "$bin/svy-weight" -s . --missing category --report "$W/weighting.json" \
        -o "$W/weighted.csv" "$W/clean.csv") > /dev/null 2> "$W/pipeline.err" ||
    { cat "$W/pipeline.err" >&2; die "demo pipeline failed"; }

echo "== spec of $TABLES tables, table stream (svy-tab, once)"
qs=(q1 q2_president q2_parliament q2_government q2_courts q2_police q2_cec
    q2_media q3 q4 q5 q6 q7 q8 q9 q10 q11 education ethnicity lang)
{
    grep -E '^(net|mrset) ' "$S/tables.txt"
    for ((i = 0; i < TABLES; i++)); do
        echo "table ${qs[i % ${#qs[@]}]} by region, sex"
    done
} > "$W/spec.txt"
(cd "$S" && "$bin/svy-tab" -s . --spec "$W/spec.txt" --format csv \
    -o "$W/tables.csv" "$W/weighted.csv")
echo "stream: $(($(wc -l < "$W/tables.csv") - 1)) records, $(du -k "$W/tables.csv" | cut -f1) KB"

report() {
    (cd "$S" && "$bin/svy-report" -s . --lang ru --weighting "$W/weighting.json" \
        -o "$W/report.xlsx" "$W/tables.csv" 2> /dev/null)
}

echo "== svy-report, $RUNS runs after a warm-up ($(uptime | sed 's/.*load/load/'))"
report
times=()
for ((r = 1; r <= RUNS; r++)); do
    t0=$(date +%s.%N)
    report
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    times+=("$t")
    printf 'run %d: %.3f s\n' "$r" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1}
    END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "workbook: $(du -k "$W/report.xlsx" | cut -f1) KB"
if /usr/bin/python3 -c 'import openpyxl' 2> /dev/null; then
    sheets=$(/usr/bin/python3 -c 'import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(sum(1 for n in wb.sheetnames if n.startswith("T")))' "$W/report.xlsx")
    [[ $sheets -eq $TABLES ]] || die "the workbook has $sheets table sheets, not $TABLES"
    echo "table sheets: $sheets"
fi
printf 'svy-report %d tables: median %.3f s (bar: <= 2 s) %s\n' "$TABLES" "$median" \
    "$(echo "$median <= 2" | bc -l | sed 's/1/ok/; s/0/OVER/')"
