#!/usr/bin/env bash
# Benchmark svy-qc end to end (near-duplicates are the heavy part) against
# the bare cost of parsing and writing the same CSV, in one run.
#
#   tests/bench/run-qc.sh [ROWS] [RUNS]        (defaults 100000 and 3)
#
# Environment:
#   BUILD         build folder of the project (default build), as in
#                 `make BUILD=...`; the bench files go to BUILD/bench
#   SVY_QC_ARGS   extra arguments for svy-qc (split on whitespace), placed
#                 before the file name, e.g. "-j 1"
#   CC            C compiler for the bench helpers (default cc)
#
# Builds BUILD/bench/gen-qc and BUILD/bench/bare-csv, builds the project
# with `make -s BUILD=...`, generates BUILD/bench/qc-ROWS.csv (if missing;
# 100 questions, see gen-qc.c) and the survey folder BUILD/bench/qc-survey,
# prints the machine's load, runs svy-qc once untimed with -v (its summary
# shows what was found), then RUNS times, alternating:
#   BUILD/bench/bare-csv FILE > /dev/null
#   BUILD/bin/svy-qc -s SURVEY --summary SUMMARY FILE > /dev/null
# and prints each run, the medians, the load again, and the issue's bar:
#   svy-qc end to end <= 60 s (100,000 interviews x 100 questions)
# See tests/bench/README.md.
set -euo pipefail

ROWS=${1:-100000}
RUNS=${2:-3}
CC=${CC:-cc}
BUILD=${BUILD:-build}
BAR=60

die() { echo "run-qc: $*" >&2; exit 1; }

[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 2 ]] || die "ROWS must be an integer >= 2 (got '$ROWS')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

# Work from the repository root whatever the caller's directory.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

TIME=/usr/bin/time
[[ -x $TIME ]] || die "$TIME not found (GNU time; Debian package 'time')"

BENCH=$BUILD/bench
QC=$BUILD/bin/svy-qc
SURVEY=$BENCH/qc-survey
mkdir -p "$BENCH" "$SURVEY"

echo "== compiling bench helpers"
"$CC" -O2 -o "$BENCH/gen-qc" tests/bench/gen-qc.c
"$CC" -O2 -o "$BENCH/bare-csv" tests/bench/bare-csv.c -lcsv

echo "== building project (make -s BUILD=$BUILD)"
make -s BUILD="$BUILD" || die "make failed"
[[ -x $QC ]] || die "$QC does not exist (yet); build it first"

FILE=$BENCH/qc-$ROWS.csv
SUMMARY=$BENCH/qc-$ROWS.summary.csv
"$BENCH/gen-qc" --survey "$SURVEY"
if [[ ! -s $FILE ]]; then
    echo "== generating $FILE ($ROWS rows)"
    "$BENCH/gen-qc" "$ROWS" > "$FILE.tmp"
    mv "$FILE.tmp" "$FILE"
fi
SIZE=$(stat -c %s "$FILE")

EXTRA=()
if [[ -n ${SVY_QC_ARGS:-} ]]; then
    read -r -a EXTRA <<< "$SVY_QC_ARGS"
fi
SVYQ=("$QC" -s "$SURVEY" --summary "$SUMMARY" "${EXTRA[@]}" "$FILE")

TFILE=$(mktemp)
EFILE=$(mktemp)
trap 'rm -f "$TFILE" "$EFILE"' EXIT

# measure NAME CMD... : runs CMD under GNU time, stdout to /dev/null and
# stderr to $EFILE; prints "WALL_SECONDS PEAK_RSS_KIB".  The wall time
# comes from bash's EPOCHREALTIME (microseconds; %e has 10 ms).
measure() {
    local name=$1; shift
    local t0=$EPOCHREALTIME
    if ! "$TIME" -f '%M' -o "$TFILE" "$@" > /dev/null 2> "$EFILE"; then
        cat "$EFILE" >&2
        die "$name failed: $*"
    fi
    local t1=$EPOCHREALTIME
    awk -v a="${t0/,/.}" -v b="${t1/,/.}" -v m="$(tail -n 1 "$TFILE")" \
        'BEGIN { printf "%.3f %d\n", b - a, m }'
}

# median of the numbers given as arguments
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.6g", m }'
}

echo "== file: $FILE  ($SIZE bytes, $ROWS rows)"
echo "== svy-qc command: ${SVYQ[*]} > /dev/null"
echo "== processors online: $(getconf _NPROCESSORS_ONLN)"
echo "== load before: $(uptime)"

echo "== warm-up (untimed), svy-qc -v summary head:"
measure bare-csv "$BENCH/bare-csv" "$FILE" > /dev/null
measure svy-qc "$QC" -v -s "$SURVEY" --summary "$SUMMARY" "${EXTRA[@]}" \
    "$FILE" > /dev/null
sed -n '1,/stands out/s/^/   /p' "$EFILE"

BT=() QT=() QM=()
printf '\n%-4s %-9s %9s %14s\n' run program "wall (s)" "peak RSS (KiB)"
for ((i = 1; i <= RUNS; i++)); do
    read -r t m <<< "$(measure bare-csv "$BENCH/bare-csv" "$FILE")"
    BT+=("$t")
    printf '%-4s %-9s %9s %14s\n' "$i" bare-csv "$t" "$m"

    read -r t m <<< "$(measure svy-qc "${SVYQ[@]}")"
    QT+=("$t") QM+=("$m")
    printf '%-4s %-9s %9s %14s\n' "$i" svy-qc "$t" "$m"
done

BT_MED=$(median "${BT[@]}")
QT_MED=$(median "${QT[@]}")
QM_MED=$(median "${QM[@]}")

echo
echo "== load after: $(uptime)"
echo "medians over $RUNS runs ($ROWS rows, $SIZE bytes):"
printf '  %-26s %10s s\n' "bare-csv parse and write" "$BT_MED"
printf '  %-26s %10s s  (peak RSS %s KiB)\n' "svy-qc end to end" "$QT_MED" "$QM_MED"
awk -v q="$QT_MED" -v b="$BT_MED" -v bar="$BAR" 'BEGIN {
    if (b > 0)
        printf "  %-26s %10.1f\n", "svy-qc / bare-csv", q / b
    printf "svy-qc end to end: %.2f s (bar <= %d s)  %s\n", q, bar,
           q <= bar ? "met" : "MISSED"
    exit q > bar
}'
