#!/usr/bin/env bash
# Benchmark svy-clean: 50 realistic rules (range and list checks, routing,
# recodes, derived scores, flags, speeders dropped) over gen-survey's
# 27-column file, end to end with the audit log and the dropped rows:
#
#   tests/bench/run-clean.sh [ROWS] [RUNS]      (defaults 1000000 and 5)
#
#   bare-csv FILE > /dev/null                         the bare libcsv parse
#   svy-clean -s SURVEY --audit A --dropped D FILE > /dev/null
#
# alternately RUNS times each after an untimed warm-up, and prints the
# medians, the ratio svy-clean / bare-csv (for context) and the bar of
# issue 6: svy-clean end to end <= 3 s at 1M rows.
#
# Environment: BUILD (default build) is the build folder the project is
# built into (make -s BUILD=...); CC (default cc) compiles the helpers.
# Files go to $BUILD/bench.  See tests/bench/README.md, "svy-clean".
set -euo pipefail

ROWS=${1:-1000000}
RUNS=${2:-5}
CC=${CC:-cc}
B=${BUILD:-build}
BAR=3

die() { echo "run-clean: $*" >&2; exit 1; }

[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "ROWS must be a positive integer (got '$ROWS')"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer (got '$RUNS')"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BENCH=$B/bench
CLEAN=$B/bin/svy-clean
mkdir -p "$BENCH"

echo "== compiling bench helpers"
"$CC" -O2 -o "$BENCH/gen-survey" tests/bench/gen-survey.c
"$CC" -O2 -o "$BENCH/bare-csv" tests/bench/bare-csv.c -lcsv

echo "== building project (make -s BUILD=$B)"
make -s BUILD="$B" "$CLEAN" || die "make failed"
[[ -x $CLEAN ]] || die "$CLEAN does not exist"

FILE=$BENCH/survey-$ROWS.csv
if [[ ! -s $FILE ]]; then
    echo "== generating $FILE ($ROWS rows)"
    "$BENCH/gen-survey" "$ROWS" > "$FILE.tmp" && mv "$FILE.tmp" "$FILE"
fi

# The survey folder: types, user-missing codes (8 don't know, 9 refused)
# and the id column for the audit log.
SURV=$BENCH/clean-survey
mkdir -p "$SURV"
{
    echo "variable,type,label,valid,missing,pii"
    echo "resp_id,id,Respondent,,,no"
    echo "interviewer,id,Interviewer,,,no"
    echo "region,cat,Region,1-9,,no"
    echo "settlement,cat,Settlement,1-2,,no"
    echo "stratum,cat,Stratum,1-16,,no"
    echo "psu,num,PSU,,,no"
    echo "dweight,num,Design weight,,,no"
    echo "sex,cat,Sex,1-2,,no"
    echo "age,num,Age,18-95,,no"
    echo "age_group,cat,Age group,1-6,,no"
    echo "education,cat,Education,\"1-5,9\",9,no"
    echo "ethnicity,cat,Ethnicity,1-4,,no"
    echo "lang,cat,Language,1-3,,no"
    echo "start,date,Start,,,no"
    echo "duration,num,Duration,,,no"
    for q in $(seq 1 10); do echo "q$q,cat,Question $q,\"1-5,8,9\",\"8,9\",no"; done
    echo "comment,text,Comment,,,no"
    echo "income,num,Income,,,no"
} > "$SURV/codebook.csv"
printf 'id = resp_id\n' > "$SURV/survey.conf"

# 50 statements, as a cleaning file for a real batch would have them.
cat > "$SURV/rules.txt" << 'EOF'
# Speeders go first: later rules do not see them.
drop when duration < 600                                   "speeder"
# Ranges of the frame and demographic variables.
assert region in 1..9                                      "region out of range"
assert settlement in 1..2                                  "settlement out of range"
assert stratum in 1..16                                    "stratum out of range"
assert psu >= 1                                            "psu missing or zero"
assert dweight > 0 and dweight < 10                        "design weight out of range"
assert sex in 1..2                                         "sex out of range"
assert age in 18..95                                       "age out of range"
assert education in 1..5, 9                                "education out of range"
assert ethnicity in 1..4                                   "ethnicity out of range"
assert lang in 1..3                                        "lang out of range"
assert interviewer != ""                                   "no interviewer"
warn when start < "2026-09-05" or start > "2026-10-15"     "interview outside fieldwork"
# Question ranges: valid codes or don't know / refused.
assert missing(q1) or q1 in 1..5, 8, 9                     "q1 out of range"
assert missing(q2) or q2 in 1..5, 8, 9                     "q2 out of range"
assert missing(q3) or q3 in 1..5, 8, 9                     "q3 out of range"
assert missing(q4) or q4 in 1..5, 8, 9                     "q4 out of range"
assert missing(q5) or q5 in 1..5, 8, 9                     "q5 out of range"
assert missing(q6) or q6 in 1..5, 8, 9                     "q6 out of range"
assert missing(q7) or q7 in 1..5, 8, 9                     "q7 out of range"
assert missing(q8) or q8 in 1..5, 8, 9                     "q8 out of range"
assert missing(q9) or q9 in 1..5, 8, 9                     "q9 out of range"
assert missing(q10) or q10 in 1..5, 8, 9                   "q10 out of range"
# Routing: Q7 follows Q6 unless Q6 was refused.
assert sysmis(q7) when q6 == 9                             "q7 asked after q6 refused"
set q7 = missing when q6 == 9                              "enforce routing q6 -> q7"
# Consistency between variables.
assert stratum == (region - 1) * 2 + settlement or region == 9   "stratum does not match region"
warn when age < 20 and education == 5                      "young for higher education"
# Recodes and derived variables.
recode age into agegrp5: 18..29=1, 30..39=2, 40..49=3, 50..59=4, 60..120=5
warn when age_group == 1 and agegrp5 != 1                  "age_group disagrees with age"
recode q1 into q1_3: 1..2=1, 3=2, 4..5=3, 8..9=missing
recode q2 into q2_3: 1..2=1, 3=2, 4..5=3, 8..9=missing
recode education: 9=missing                                "education refused: missing"
compute trust = mean(q1, q2, q3, q4, q5)
compute satisf = mean(q6, q7, q8, q9, q10)
compute answered = nvalid(q1, q2, q3, q4, q5, q6, q7, q8, q9, q10)
compute dk = count(q1 == 8, q2 == 8, q3 == 8, q4 == 8, q5 == 8, q6 == 8, q7 == 8, q8 == 8, q9 == 8, q10 == 8)
compute spread = max(q1, q2, q3, q4, q5) - min(q1, q2, q3, q4, q5)
compute minutes = round(duration / 60, 1)
compute income_k = round(income / 1000, 2) when not missing(income)
compute birth_year = 2026 - age
compute w_rel = dweight / 1.25
compute city = region == 1 and settlement == 1
# Checks on the derived values.
warn when answered < 5                                     "sparse interview"
warn when dk >= 4                                          "many don't know"
warn when abs(income_k - 1.5) > 2                         "income far from typical"
# Flags for the analyst.
flag short when duration < 900
flag straight when spread == 0 and answered == 10
flag any_refusal when any(q1 == 9, q2 == 9, q3 == 9, q4 == 9, q5 == 9)
flag all_positive when all(q1 in (1, 2), q2 in (1, 2), q3 in (1, 2))
flag young when age < 30
EOF
[[ $(grep -cv '^ *\(#\|$\)' "$SURV/rules.txt") == 50 ]] || die "rules.txt should hold 50 statements"

AUDIT=$BENCH/clean-audit.csv
DROPPED=$BENCH/clean-dropped.csv
SVYC=("$CLEAN" -s "$SURV" --audit "$AUDIT" --dropped "$DROPPED")

TFILE=$(mktemp)
trap 'rm -f "$TFILE"' EXIT

# measure NAME CMD...: wall seconds (bash EPOCHREALTIME), stdout to
# /dev/null; the command's stderr is shown on failure.
measure() {
    local name=$1; shift
    local t0=$EPOCHREALTIME
    "$@" > /dev/null 2> "$TFILE" || { cat "$TFILE" >&2; die "$name failed: $*"; }
    local t1=$EPOCHREALTIME
    awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f\n", b - a }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.3f", m }'
}

echo "== file: $FILE ($(stat -c %s "$FILE") bytes, $ROWS rows)"
echo "== svy-clean: ${SVYC[*]} FILE > /dev/null"
echo "== load: $(uptime | sed 's/.*load average/load average/')"
echo "== warm-up (untimed)"
measure bare-csv "$BENCH/bare-csv" "$FILE" > /dev/null
measure svy-clean "${SVYC[@]}" "$FILE" > /dev/null
# The summary of the warm-up run: rows each rule touched.
sed 's/^/   /' "$TFILE"
echo "   audit rows: $(($(wc -l < "$AUDIT") - 1)), dropped rows: $(($(wc -l < "$DROPPED") - 1))"

BT=() CT=()
printf '\n%-4s %-10s %9s\n' run program "wall (s)"
for ((i = 1; i <= RUNS; i++)); do
    t=$(measure bare-csv "$BENCH/bare-csv" "$FILE"); BT+=("$t")
    printf '%-4s %-10s %9s\n' "$i" bare-csv "$t"
    t=$(measure svy-clean "${SVYC[@]}" "$FILE"); CT+=("$t")
    printf '%-4s %-10s %9s\n' "$i" svy-clean "$t"
done

BT_MED=$(median "${BT[@]}")
CT_MED=$(median "${CT[@]}")
echo
echo "medians over $RUNS runs: bare-csv $BT_MED s, svy-clean $CT_MED s"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
awk -v c="$CT_MED" -v b="$BT_MED" -v bar="$BAR" -v rows="$ROWS" 'BEGIN {
    if (b > 0) printf "svy-clean/bare-csv time ratio: %.2f (context, no bar)\n", c / b
    if (rows == 1000000)
        printf "svy-clean end to end: %.3f s (bar <= %d s at 1M rows): %s\n", c, bar,
               c <= bar ? "met" : "MISSED"
}'
