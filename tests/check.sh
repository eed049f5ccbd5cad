#!/usr/bin/env bash
# Run every unit-test binary and the CLI goldens for each build folder given
# (build, build-san), add up their "N passed, N failed" lines and end with
# one total line.  Exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
total_pass=0 total_fail=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
tally() { # reads runner output, echoes it, adds its counts
    local out=$1 p f
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        total_fail=$((total_fail + 1)); echo "  (no result line: counted as a failure)"
        return
    fi
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}
for dir in "$@"; do
    echo "== $dir"
    if ! ls "$dir"/tests/unit/test_* >/dev/null 2>&1; then
        echo "  no unit-test binaries in '$dir': counted as a failure"
        total_fail=$((total_fail + 1))
    fi
    for t in "$dir"/tests/unit/test_*; do
        [ -x "$t" ] || continue
        out=$("$t" 2>&1); rc=$?
        tally "$out"
        if [ $rc -ne 0 ] && ! grep -qE ' [1-9][0-9]* failed' <<<"$out"; then
            total_fail=$((total_fail + 1)); echo "  $t exited $rc"
        fi
    done
    out=$(tests/run-cli.sh "$dir/bin" 2>&1)
    tally "$out"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
