#!/usr/bin/env bash
# Benchmark svy-tab: 20 questions (codes 1-5 and 8 = don't know) against a
# banner of region (9), sex (2) and age group (6), on a stratified cluster
# design (18 strata, PSUs of 20 interviews, unequal weights), in one run:
#
#   tests/bench/run-tab.sh [ROWS] [RUNS]      (defaults 1000000 and 3)
#
#   bare-csv -n FILE_ROWS                           the bare libcsv parse
#   bare-csv FILE_ROWS > /dev/null                  parse and write (context)
#   svy-tab -s SURVEY --rows q1..q20 --cols region,sex,agegrp --format csv
#           FILE_ROWS > /dev/null                   end to end
#   svy-tab ... FILE_100k                           against R at 100k rows
#   Rscript tests/bench/tab.R FILE_100k             R's estimation calls only
#   pspp (optional) weighted CROSSTABS of the same tables on FILE_ROWS
#
# and prints the medians and the ratios of the issue's bars:
#   R estimation calls at 100k / svy-tab end to end at 100k   >= 50
#   PSPP end to end / svy-tab end to end at ROWS              >= 1
#   svy-tab end to end / bare parse (bare-csv -n) at ROWS     <= 3
# (the ratio to the parse and write is printed too, for comparison with
# the other benchmarks, and the ratio to the bare parse run by run, as
# that baseline may swing between two speeds from one run to the next).
# Before timing, it checks that svy-tab and R agree on one cell (q1 = 1 in
# region 1: estimate and SE).  The R runs are at 100k rows because R takes
# minutes at 1M.
#
# Environment: BUILD (default build) is the build folder the project is
# built into (make -s BUILD=...); CC (default cc) compiles the helpers;
# SVY_BENCH_R=0 skips R (the check and the R runs, and so the 100k bar)
# and SVY_BENCH_PSPP=0 skips PSPP, for quick runs while working on
# svy-tab.  Files go to $BUILD/bench.  See tests/bench/README.md,
# "svy-tab".
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-3}
RROWS=100000
CC=${CC:-cc}
B=${BUILD:-build}

die() { echo "run-tab: $*" >&2; exit 1; }

[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 1000 ]] || die "ROWS must be an integer >= 1000 (got '$ROWS')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

HAVE_R=1
if [[ ${SVY_BENCH_R:-1} == 0 ]]; then
    HAVE_R=0
else
    command -v Rscript > /dev/null ||
        die "Rscript not found; install R: apt-get install --no-install-recommends r-base-core r-cran-survey (or SVY_BENCH_R=0)"
    Rscript -e 'suppressPackageStartupMessages(library(survey))' 2> /dev/null ||
        die "R package 'survey' not found: apt-get install --no-install-recommends r-cran-survey (or SVY_BENCH_R=0)"
fi
HAVE_PSPP=0
[[ ${SVY_BENCH_PSPP:-1} != 0 ]] && command -v pspp > /dev/null && HAVE_PSPP=1

BENCH=$B/bench
TAB=$B/bin/svy-tab
mkdir -p "$BENCH"

echo "== compiling bench helpers"
"$CC" -O2 -o "$BENCH/gen-tab" tests/bench/gen-tab.c
"$CC" -O2 -o "$BENCH/bare-csv" tests/bench/bare-csv.c -lcsv

echo "== building project (make -s BUILD=$B)"
make -s BUILD="$B" all || die "make failed"
[[ -x $TAB ]] || die "$TAB does not exist"

FILE=$BENCH/tab-$ROWS.csv
RFILE=$BENCH/tab-$RROWS.csv
for f in "$FILE:$ROWS" "$RFILE:$RROWS"; do
    if [[ ! -s ${f%%:*} ]]; then
        echo "== generating ${f%%:*} (${f##*:} rows)"
        "$BENCH/gen-tab" "${f##*:}" > "${f%%:*}.tmp" && mv "${f%%:*}.tmp" "${f%%:*}"
    fi
done

# The survey folder: design from survey.conf, code 8 user-missing.
SURV=$BENCH/tab-survey
mkdir -p "$SURV"
{
    echo "variable,type,label,valid,missing,pii"
    echo "id,id,Respondent,,,no"
    echo "stratum,cat,Stratum,,,no"
    echo "psu,cat,PSU,,,no"
    echo "w,num,Weight,,,no"
    echo "region,cat,Region,1-9,,no"
    echo "sex,cat,Sex,1-2,,no"
    echo "agegrp,cat,Age group,1-6,,no"
    for q in $(seq 1 20); do echo "q$q,cat,Question $q,1-5 8,8,no"; done
} > "$SURV/codebook.csv"
printf 'strata = stratum\ncluster = psu\nweight = w\n' > "$SURV/survey.conf"
Q=$(seq -s, -f 'q%g' 1 20)
SVYT=("$TAB" -s "$SURV" --rows "$Q" --cols region,sex,agegrp --format csv)

# PSPP: the same tables as weighted CROSSTABS (no design-based SEs).
PSPS=$BENCH/tab-$ROWS.sps
{
    printf "GET DATA /TYPE=TXT /FILE='%s' /ARRANGEMENT=DELIMITED\n" "$(pwd)/$FILE"
    printf "  /DELCASE=LINE /FIRSTCASE=2 /DELIMITERS=','\n"
    printf "  /VARIABLES=id F8.0 stratum F2.0 psu F8.0 w F8.4 region F1.0 sex F1.0 agegrp F1.0"
    for q in $(seq 1 20); do printf " q%d F1.0" "$q"; done
    printf ".\nMISSING VALUES q1 TO q20 (8).\nWEIGHT BY w.\n"
    printf "CROSSTABS /TABLES=q1 TO q20 BY region sex agegrp /CELLS=COUNT COLUMN.\n"
} > "$PSPS"

TFILE=$(mktemp)
OFILE=$(mktemp)
trap 'rm -f "$TFILE" "$OFILE"' EXIT

# measure NAME CMD...: wall seconds (bash EPOCHREALTIME) with stdout to
# $TO (default /dev/null); the command's stderr is shown on failure.
measure() {
    local name=$1; shift
    local t0=$EPOCHREALTIME
    "$@" > "${TO:-/dev/null}" 2> "$TFILE" || { cat "$TFILE" >&2; die "$name failed: $*"; }
    local t1=$EPOCHREALTIME
    awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f\n", b - a }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.6g", m }'
}

echo "== file: $FILE ($(stat -c %s "$FILE") bytes); R file: $RFILE"
echo "== processors: $(nproc); load before: $(uptime | sed 's/.*load average: //')"
echo "== svy-tab: ${SVYT[*]} FILE > /dev/null"

echo "== warm-up and check (untimed): svy-tab and R on q1 = 1 in region 1"
measure bare-csv "$BENCH/bare-csv" "$FILE" > /dev/null
measure bare-csv "$BENCH/bare-csv" -n "$FILE" > /dev/null
TO=$OFILE measure svy-tab "${SVYT[@]}" "$RFILE" > /dev/null
if [[ $HAVE_R == 1 ]]; then
    ours=$(awk -F, '$3 == "prop" && $4 == "q1" && $5 == "1" && $7 == "region" && $8 == "1" { print $15, $16; exit }' "$OFILE")
    TO=$OFILE measure R Rscript tests/bench/tab.R "$RFILE" > /dev/null
    theirs=$(awk '$1 == "check" { print $2, $3 }' "$OFILE")
    awk -v a="$ours" -v b="$theirs" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        de = (x[1] - y[1]) / y[1]; ds = (x[2] - y[2]) / y[2]
        if (de < 0) de = -de; if (ds < 0) ds = -ds
        printf "   svy-tab %s  R %s  relative differences %.2g %.2g\n", a, b, de, ds
        exit !(de < 1e-9 && ds < 1e-6)
    }' || die "svy-tab and R disagree"
else
    echo "   R skipped (SVY_BENCH_R=0): no check against R"
fi

BT=() BP=() ST=() SR=() RE=() PT=()
printf '\n%-4s %-22s %9s\n' run program "wall (s)"
for ((i = 1; i <= RUNS; i++)); do
    t=$(measure bare-csv "$BENCH/bare-csv" "$FILE"); BT+=("$t")
    printf '%-4s %-22s %9s\n' "$i" "bare-csv $ROWS" "$t"
    t=$(measure bare-csv "$BENCH/bare-csv" -n "$FILE"); BP+=("$t")
    printf '%-4s %-22s %9s\n' "$i" "bare-csv -n $ROWS" "$t"
    t=$(measure svy-tab "${SVYT[@]}" "$FILE"); ST+=("$t")
    printf '%-4s %-22s %9s\n' "$i" "svy-tab $ROWS" "$t"
    t=$(measure svy-tab "${SVYT[@]}" "$RFILE"); SR+=("$t")
    printf '%-4s %-22s %9s\n' "$i" "svy-tab $RROWS" "$t"
    if [[ $HAVE_R == 1 ]]; then
        TO=$OFILE measure R Rscript tests/bench/tab.R "$RFILE" > /dev/null
        t=$(awk '$1 == "estimation_seconds" { print $2 }' "$OFILE"); RE+=("$t")
        printf '%-4s %-22s %9s  (estimation calls)\n' "$i" "R $RROWS" "$t"
    fi
    if [[ $HAVE_PSPP == 1 ]]; then
        t=$(measure pspp pspp -O format=txt -o /dev/null "$PSPS"); PT+=("$t")
        printf '%-4s %-22s %9s\n' "$i" "pspp $ROWS" "$t"
    fi
done

BT_MED=$(median "${BT[@]}")
BP_MED=$(median "${BP[@]}")
ST_MED=$(median "${ST[@]}")
SR_MED=$(median "${SR[@]}")
RE_MED=$([[ $HAVE_R == 1 ]] && median "${RE[@]}" || echo 0)
PT_MED=$([[ $HAVE_PSPP == 1 ]] && median "${PT[@]}" || echo 0)

echo
echo "load after: $(uptime | sed 's/.*load average: //')"
echo "medians over $RUNS runs:"
printf '  %-40s %10s s\n' "bare-csv -n parse only ($ROWS rows)" "$BP_MED"
printf '  %-40s %10s s\n' "bare-csv parse and write ($ROWS rows)" "$BT_MED"
printf '  %-40s %10s s\n' "svy-tab end to end ($ROWS rows)" "$ST_MED"
printf '  %-40s %10s s\n' "svy-tab end to end ($RROWS rows)" "$SR_MED"
if [[ $HAVE_R == 1 ]]; then
    printf '  %-40s %10s s\n' "R estimation calls ($RROWS rows)" "$RE_MED"
else
    echo "  R: skipped (SVY_BENCH_R=0)"
fi
if [[ $HAVE_PSPP == 1 ]]; then
    printf '  %-40s %10s s\n' "PSPP CROSSTABS end to end ($ROWS rows)" "$PT_MED"
else
    echo "  PSPP: skipped (SVY_BENCH_PSPP=0, or not installed: apt-get install pspp)"
fi
# Run by run, the ratio to the bare parse of the same round: the bare
# parse alone is single-threaded and, on some machines, swings between
# two speeds from one run to the next (tests/bench/README.md, step 5).
PAIRS=()
for ((i = 0; i < RUNS; i++)); do
    PAIRS+=("$(awk -v a="${ST[i]}" -v b="${BP[i]}" 'BEGIN { printf "%.2f", a / b }')")
done
echo
echo "svy-tab / bare parse, run by run: ${PAIRS[*]} (median $(median "${PAIRS[@]}"))"
echo
awk -v st="$ST_MED" -v bt="$BT_MED" -v bp="$BP_MED" -v sr="$SR_MED" -v re="$RE_MED" -v pt="$PT_MED" '
function bar(label, num, den, goal, atleast,    r, ok) {
    if (den <= 0 || num <= 0) { printf "%-44s n/a\n", label; return }
    r = num / den
    ok = atleast ? r >= goal : r <= goal
    printf "%-44s %9.2f  (bar %s %s)  %s\n", label, r, atleast ? ">=" : "<=", goal,
           ok ? "met" : "MISSED"
    if (!ok) missed++
}
BEGIN {
    bar("R estimation / svy-tab at 100k:", re, sr, 50, 1)
    bar("PSPP / svy-tab end to end:", pt, st, 1, 1)
    bar("svy-tab end to end / bare parse:", st, bp, 3, 0)
    if (bt > 0) printf "%-44s %9.2f  (for comparison, no bar)\n", "svy-tab end to end / bare parse and write:", st / bt
    printf "bars: %s\n", missed ? missed " missed" : "all met"
}'
