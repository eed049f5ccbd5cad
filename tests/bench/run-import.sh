#!/usr/bin/env bash
# Benchmark svy-import against a bare libcsv parse-and-write baseline.
#
#   tests/bench/run-import.sh [ROWS] [RUNS]        (defaults 1000000 and 5)
#
# Environment:
#   SVY_IMPORT_ARGS   extra arguments appended to svy-import's command line
#                     (split on whitespace)
#   CC                C compiler for the bench helpers (default cc)
#
# Builds build/bench/gen-survey and build/bench/bare-csv, builds the project
# with `make -s`, generates build/bench/survey-ROWS.csv if missing, then runs
#   build/bench/bare-csv FILE > /dev/null
#   build/bin/svy-import FILE $SVY_IMPORT_ARGS > /dev/null
# alternately RUNS times each (after one untimed warm-up of each), measuring
# wall time and peak RSS with GNU time, and prints each run, the medians and
# the ratios.  See tests/bench/README.md.
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-5}
CC=${CC:-cc}

die() { echo "run-import: $*" >&2; exit 1; }

[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "ROWS must be a positive integer (got '$ROWS')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

# Work from the repository root whatever the caller's directory.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

TIME=/usr/bin/time
[[ -x $TIME ]] || die "$TIME not found (GNU time; Debian package 'time')"

BENCH=build/bench
IMPORT=build/bin/svy-import
mkdir -p "$BENCH"

echo "== compiling bench helpers"
"$CC" -O2 -o "$BENCH/gen-survey" tests/bench/gen-survey.c
"$CC" -O2 -o "$BENCH/bare-csv" tests/bench/bare-csv.c -lcsv

echo "== building project (make -s)"
[[ -f Makefile ]] || die "no Makefile in $(pwd); cannot build svy-import"
make -s || die "make failed"
[[ -x $IMPORT ]] || die "$IMPORT does not exist (yet); build it first"

FILE=$BENCH/survey-$ROWS.csv
if [[ ! -s $FILE ]]; then
    echo "== generating $FILE ($ROWS rows)"
    "$BENCH/gen-survey" "$ROWS" > "$FILE.tmp"
    # Sanity check of the baseline: the generator writes canonical CSV, so
    # parsing and rewriting it must reproduce the file byte for byte.
    "$BENCH/bare-csv" "$FILE.tmp" | cmp -s - "$FILE.tmp" \
        || { rm -f "$FILE.tmp"; die "bare-csv round trip of the generated file differs"; }
    mv "$FILE.tmp" "$FILE"
fi
SIZE=$(stat -c %s "$FILE")

EXTRA=()
if [[ -n ${SVY_IMPORT_ARGS:-} ]]; then
    read -r -a EXTRA <<< "$SVY_IMPORT_ARGS"
fi

TFILE=$(mktemp)
trap 'rm -f "$TFILE"' EXIT

# measure NAME CMD... : runs CMD > /dev/null under GNU time, prints "SECS KIB"
measure() {
    local name=$1; shift
    if ! "$TIME" -f '%e %M' -o "$TFILE" "$@" > /dev/null; then
        die "$name failed: $*"
    fi
    tail -n 1 "$TFILE"
}

# median of the numbers given as arguments
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2];
              else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== file: $FILE  ($SIZE bytes, $ROWS rows)"
echo "== svy-import command: $IMPORT $FILE${EXTRA[*]:+ ${EXTRA[*]}}"
echo "== warm-up (untimed)"
measure bare-csv "$BENCH/bare-csv" "$FILE" > /dev/null
measure svy-import "$IMPORT" "$FILE" "${EXTRA[@]}" > /dev/null

BT=() BM=() IT=() IM=()
printf '\n%-5s %-10s %10s %14s\n' run program "wall (s)" "peak RSS (KiB)"
for ((i = 1; i <= RUNS; i++)); do
    out=$(measure bare-csv "$BENCH/bare-csv" "$FILE")
    read -r t m <<< "$out"
    BT+=("$t") BM+=("$m")
    printf '%-5s %-10s %10s %14s\n' "$i" bare-csv "$t" "$m"
    out=$(measure svy-import "$IMPORT" "$FILE" "${EXTRA[@]}")
    read -r t m <<< "$out"
    IT+=("$t") IM+=("$m")
    printf '%-5s %-10s %10s %14s\n' "$i" svy-import "$t" "$m"
done

BT_MED=$(median "${BT[@]}")
IT_MED=$(median "${IT[@]}")
BM_MED=$(median "${BM[@]}")
IM_MED=$(median "${IM[@]}")
IM_MAX=$(printf '%s\n' "${IM[@]}" | sort -n | tail -n 1)

echo
printf '%-18s %10s %14s\n' median "wall (s)" "peak RSS (KiB)"
printf '%-18s %10s %14.0f\n' bare-csv "$BT_MED" "$BM_MED"
printf '%-18s %10s %14.0f\n' svy-import "$IT_MED" "$IM_MED"
echo "file size: $SIZE bytes ($(awk -v s="$SIZE" 'BEGIN { printf "%.1f", s / 1048576 }') MiB)"
echo "svy-import max peak RSS over runs: $IM_MAX KiB"

awk -v it="$IT_MED" -v bt="$BT_MED" -v im="$IM_MED" -v size="$SIZE" 'BEGIN {
    if (bt > 0) r = sprintf("%.2f", it / bt); else r = "n/a (bare time rounds to 0)";
    printf "import/bare time ratio: %s  peak RSS / file size: %.2f\n", r, im * 1024 / size
}'
