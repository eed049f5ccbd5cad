#!/usr/bin/env bash
# Benchmark svy-weight (raking) against R's survey package and against a
# bare libcsv parse-and-write of the same file, in one run.
#
#   tests/bench/run-weight.sh [ROWS] [RUNS]        (defaults 1000000 and 3)
#
# Environment:
#   SVY_WEIGHT_ARGS   extra arguments for svy-weight (split on whitespace),
#                     placed before the file name
#   SVY_BENCH_CHECK   0 skips the untimed warm-up run that compares
#                     svy-weight's weights with R's (default 1)
#   SVY_BENCH_R       0 leaves R out altogether (no check, no timed runs,
#                     no R ratios): for quick runs of bare-csv against
#                     svy-weight while working on speed (default 1)
#   BUILD             the build folder (default build): the project is
#                     built with `make -s BUILD=$BUILD`, the programs and
#                     inputs are in $BUILD/bin and $BUILD/bench
#   CC                C compiler for the bench helpers (default cc)
#
# Builds build/bench/gen-weight and build/bench/bare-csv, builds the project
# with `make -s`, generates build/bench/weight-ROWS.csv (if missing) and
# build/bench/weight-targets.csv (build/ is $BUILD), then runs RUNS times,
# alternating:
#   build/bench/bare-csv FILE > /dev/null
#   build/bin/svy-weight -t TARGETS -m rake -b base --report REPORT FILE > /dev/null
#   Rscript tests/bench/weight.R FILE TARGETS
# and prints each run, the medians and the three ratios of the issue's bars:
#   R rake() / svy-weight weighting step   >= 100
#   R whole script / svy-weight end to end >= 5
#   svy-weight end to end / bare-csv       <= 1.5
# See tests/bench/README.md.
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-3}
CC=${CC:-cc}
CHECK=${SVY_BENCH_CHECK:-1}
USE_R=${SVY_BENCH_R:-1}
BUILD=${BUILD:-build}
[[ $USE_R != 0 ]] || CHECK=0

die() { echo "run-weight: $*" >&2; exit 1; }

[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 9 ]] || die "ROWS must be an integer >= 9 (got '$ROWS')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

# Work from the repository root whatever the caller's directory.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

TIME=/usr/bin/time
[[ -x $TIME ]] || die "$TIME not found (GNU time; Debian package 'time')"
command -v python3 > /dev/null || die "python3 not found"
if [[ $USE_R != 0 ]]; then
    command -v Rscript > /dev/null ||
        die "Rscript not found; install R: apt-get install --no-install-recommends r-base-core r-cran-survey"
    Rscript -e 'suppressPackageStartupMessages(library(survey))' 2> /dev/null ||
        die "R package 'survey' not found; install it: apt-get install --no-install-recommends r-cran-survey"
fi

BENCH=$BUILD/bench
WEIGHT=$BUILD/bin/svy-weight
mkdir -p "$BENCH"

echo "== compiling bench helpers"
"$CC" -O2 -o "$BENCH/gen-weight" tests/bench/gen-weight.c
"$CC" -O2 -o "$BENCH/bare-csv" tests/bench/bare-csv.c -lcsv

echo "== building project (make -s BUILD=$BUILD)"
[[ -f Makefile ]] || die "no Makefile in $(pwd); cannot build svy-weight"
make -s BUILD="$BUILD" || die "make failed"
[[ -x $WEIGHT ]] || die "$WEIGHT does not exist (yet); build it first"

FILE=$BENCH/weight-$ROWS.csv
TARGETS=$BENCH/weight-targets.csv
REPORT=$BENCH/weight-report.json
"$BENCH/gen-weight" --targets > "$TARGETS"
if [[ ! -s $FILE ]]; then
    echo "== generating $FILE ($ROWS rows)"
    "$BENCH/gen-weight" "$ROWS" > "$FILE.tmp"
    # The generator writes canonical CSV: bare-csv must reproduce it exactly.
    "$BENCH/bare-csv" "$FILE.tmp" | cmp -s - "$FILE.tmp" \
        || { rm -f "$FILE.tmp"; die "bare-csv round trip of the generated file differs"; }
    mv "$FILE.tmp" "$FILE"
fi
SIZE=$(stat -c %s "$FILE")

EXTRA=()
if [[ -n ${SVY_WEIGHT_ARGS:-} ]]; then
    read -r -a EXTRA <<< "$SVY_WEIGHT_ARGS"
fi
SVYW=("$WEIGHT" -t "$TARGETS" -m rake -b base --report "$REPORT" "${EXTRA[@]}" "$FILE")
RCMD=(Rscript tests/bench/weight.R "$FILE" "$TARGETS")

TFILE=$(mktemp)
OFILE=$(mktemp)
EFILE=$(mktemp)
trap 'rm -f "$TFILE" "$OFILE" "$EFILE"' EXIT

# measure NAME CMD... : runs CMD under GNU time with stdout to $TO (default
# /dev/null) and stderr to $EFILE; prints "WALL_SECONDS PEAK_RSS_KIB".  The
# wall time comes from bash's EPOCHREALTIME (microseconds; %e has 10 ms).
measure() {
    local name=$1; shift
    local t0=$EPOCHREALTIME
    if ! "$TIME" -f '%M' -o "$TFILE" "$@" > "${TO:-/dev/null}" 2> "$EFILE"; then
        cat "$EFILE" >&2
        die "$name failed: $*"
    fi
    local t1=$EPOCHREALTIME
    awk -v a="${t0/,/.}" -v b="${t1/,/.}" -v m="$(tail -n 1 "$TFILE")" \
        'BEGIN { printf "%.3f %d\n", b - a, m }'
}

# the number named KEY anywhere in the JSON file $1
json_field() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
def find(o, k):
    if isinstance(o, dict):
        if k in o:
            return o[k]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v, k)
            if r is not None:
                return r
    return None
v = find(json.load(open(sys.argv[1])), sys.argv[2])
if not isinstance(v, (int, float)) or isinstance(v, bool):
    sys.exit("run-weight: no number '%s' in %s" % (sys.argv[2], sys.argv[1]))
print(repr(float(v)))
EOF
}

# the value on the line "KEY value" of R's output in $OFILE
r_field() {
    awk -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$OFILE" \
        || die "R printed no '$1'"
}

# median of the numbers given as arguments
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.6g", m }'
}

echo "== file: $FILE  ($SIZE bytes, $ROWS rows)"
echo "== svy-weight command: ${SVYW[*]} > /dev/null"
if [[ $USE_R != 0 ]]; then
    echo "== R command: ${RCMD[*]}"
else
    echo "== R left out (SVY_BENCH_R=0)"
fi

echo "== warm-up (untimed)"
measure bare-csv "$BENCH/bare-csv" "$FILE" > /dev/null
if [[ $CHECK != 0 ]]; then
    # Same problem on both sides: compare svy-weight's weights with R's.
    OUT=$BENCH/weight-$ROWS.out.csv
    RW=$BENCH/weight-$ROWS.r.txt
    TO=$OUT measure svy-weight "${SVYW[@]}" > /dev/null
    sed 's/^/   svy-weight: /' "$EFILE"
    measure R "${RCMD[@]}" "$RW" > /dev/null
    python3 - "$OUT" "$RW" "$ROWS" <<'EOF' || die "svy-weight's and R's weights differ"
import csv, sys
out, rw, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(out, newline="") as f:
    rd = csv.reader(f)
    head = next(rd)
    if "weight" not in head:
        sys.exit("   no 'weight' column in svy-weight's output")
    j = head.index("weight")
    ours = [float(r[j]) for r in rd]
with open(rw) as f:
    theirs = [float(x) for x in f]
if len(ours) != rows or len(theirs) != rows:
    sys.exit("   row counts: svy-weight %d, R %d, file %d" % (len(ours), len(theirs), rows))
d = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
print("   svy-weight vs R (rake epsilon 1e-7): max relative difference %.3g" % d)
if d > 1e-4:
    sys.exit("   more than 1e-4: not the same weights")
EOF
    rm -f "$OUT" "$RW"
else
    measure svy-weight "${SVYW[@]}" > /dev/null
fi

BT=() ST=() SM=() SW=() RT=() RR=() RS=()
printf '\n%-4s %-11s %9s %14s %s\n' run program "wall (s)" "peak RSS (KiB)" "inner timing (s)"
for ((i = 1; i <= RUNS; i++)); do
    read -r t m <<< "$(measure bare-csv "$BENCH/bare-csv" "$FILE")"
    BT+=("$t")
    printf '%-4s %-11s %9s %14s\n' "$i" bare-csv "$t" "$m"

    rm -f "$REPORT"
    read -r t m <<< "$(measure svy-weight "${SVYW[@]}")"
    w=$(json_field "$REPORT" seconds_weighting) || exit 1
    ST+=("$t") SM+=("$m") SW+=("$w")
    printf '%-4s %-11s %9s %14s weighting %.6g\n' "$i" svy-weight "$t" "$m" "$w"

    [[ $USE_R != 0 ]] || continue
    read -r t m <<< "$(TO=$OFILE measure R "${RCMD[@]}")"
    rk=$(r_field rake_seconds)
    rs=$(r_field script_seconds)
    RT+=("$t") RR+=("$rk") RS+=("$rs")
    printf '%-4s %-11s %9s %14s rake() %s, script %s\n' "$i" R "$t" "$m" "$rk" "$rs"
done

BT_MED=$(median "${BT[@]}")
ST_MED=$(median "${ST[@]}")
SM_MED=$(median "${SM[@]}")
SW_MED=$(median "${SW[@]}")
RT_MED=0 RR_MED=0 RS_MED=0
if [[ $USE_R != 0 ]]; then
    RT_MED=$(median "${RT[@]}")
    RR_MED=$(median "${RR[@]}")
    RS_MED=$(median "${RS[@]}")
fi

echo
echo "medians over $RUNS runs ($ROWS rows, $SIZE bytes):"
printf '  %-34s %10s s\n' "bare-csv parse and write" "$BT_MED"
printf '  %-34s %10s s  (peak RSS %s KiB)\n' "svy-weight end to end" "$ST_MED" "$SM_MED"
printf '  %-34s %10s s\n' "svy-weight weighting step" "$SW_MED"
if [[ $USE_R != 0 ]]; then
    printf '  %-34s %10s s\n' "R whole script (Rscript wall)" "$RT_MED"
    printf '  %-34s %10s s\n' "R script inside (proc.time)" "$RS_MED"
    printf '  %-34s %10s s\n' "R rake() call" "$RR_MED"
fi
echo

awk -v sw="$SW_MED" -v st="$ST_MED" -v bt="$BT_MED" -v rt="$RT_MED" -v rr="$RR_MED" \
    -v use_r="$USE_R" '
function bar(label, num, den, goal, atleast,    r, ok) {
    if (den <= 0) {
        printf "%-44s n/a (denominator rounds to 0)\n", label
        return
    }
    r = num / den
    ok = atleast ? r >= goal : r <= goal
    printf "%-44s %9.2f  (bar %s %s)  %s\n", label, r, atleast ? ">=" : "<=", goal,
           ok ? "met" : "MISSED"
    if (!ok) missed++
}
BEGIN {
    if (use_r != 0) {
        bar("R rake() / svy-weight weighting step:", rr, sw, 100, 1)
        bar("R whole script / svy-weight end to end:", rt, st, 5, 1)
    }
    bar("svy-weight end to end / bare-csv:", st, bt, 1.5, 0)
    printf "bars: %s\n", missed ? missed " missed" : "all met"
}'
