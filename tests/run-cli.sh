#!/usr/bin/env bash
# CLI golden tests.  Usage: tests/run-cli.sh BINDIR [CASE...]
# A CASE is a case folder, or its name under tests/cli (svy-tab/basic).
#
# A case is a folder tests/cli/<tool>/<case>/ holding:
#   cmd            one shell line, run by bash in a scratch copy of the folder
#   expected.out   exact stdout (absent: stdout must be empty)
#   expected.err   exact stderr (absent: stderr must be empty)
#   expected.rc    exit status (absent: 0)
#   expected/NAME  a file the command must leave with exactly this content
#   absent         names (one a line) that must NOT exist afterwards
# plus any input files.  After every case no temporary output file
# (*.tmp??????) may be left behind.  Runs with LC_ALL=C TZ=UTC and BINDIR
# first on PATH; SVY_TESTS names the tests/ folder, so a case can use a
# shared helper (e.g. "$SVY_TESTS/xlsx/check_report.py") without a copy.  UPDATE=1 rewrites expected.out/err/rc from the actual run.
# Ends with "N passed, N failed".
set -u
bindir=$(cd "${1:?usage: run-cli.sh BINDIR [CASE...]}" 2>/dev/null && pwd) ||
    { echo "run-cli.sh: no such folder '$1'"; echo "cli: 0 passed, 1 failed"; exit 1; }
shift
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then cases=("$@"); else
    mapfile -t cases < <(find "$root/tests/cli" -name cmd -printf '%h\n' | sort)
fi
pass=0 fail=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for c in "${cases[@]}"; do
    # A case that is not a folder must not become "" (cp -a /. copies /).
    [ -d "$c" ] || [ ! -d "$root/tests/cli/$c" ] || c="$root/tests/cli/$c"
    d=$(cd "$c" 2>/dev/null && pwd) ||
        { echo "FAIL $c (no such case folder)"; fail=$((fail + 1)); continue; }
    c=$d
    name=${c#"$root"/tests/cli/}
    work="$scratch/$name"
    mkdir -p "$work"
    cp -a "$c"/. "$work"/
    rm -rf "$work/expected" "$work"/expected.* "$work/absent"
    # A case that hangs (a FIFO nobody reads) fails after a minute.
    (cd "$work" && LC_ALL=C TZ=UTC PATH="$bindir:$PATH" SVY_SURVEY= \
        SVY_TESTS="$root/tests" \
        timeout 60 bash -c "$(cat "$c/cmd")" >"$scratch/out" 2>"$scratch/err" </dev/null)
    rc=$?
    if [ "${UPDATE:-}" = 1 ]; then
        if [ -s "$scratch/out" ]; then cp "$scratch/out" "$c/expected.out"; else rm -f "$c/expected.out"; fi
        if [ -s "$scratch/err" ]; then cp "$scratch/err" "$c/expected.err"; else rm -f "$c/expected.err"; fi
        if [ $rc -ne 0 ]; then echo $rc >"$c/expected.rc"; else rm -f "$c/expected.rc"; fi
        if [ -d "$c/expected" ]; then
            for f in "$c"/expected/*; do cp "$work/$(basename "$f")" "$f" 2>/dev/null; done
        fi
    fi
    ok=1 why=""
    [ "$rc" -ne 124 ] || why+="timed out after 60 s"$'\n'
    exp_rc=0; [ -f "$c/expected.rc" ] && exp_rc=$(cat "$c/expected.rc")
    [ "$rc" -eq "$exp_rc" ] || { ok=0; why+="exit status $rc, expected $exp_rc"$'\n'; }
    for s in out err; do
        exp="$c/expected.$s"; [ -f "$exp" ] || exp=/dev/null
        if ! d=$(diff -u "$exp" "$scratch/$s"); then ok=0; why+="std$s differs:"$'\n'"$d"$'\n'; fi
    done
    if [ -d "$c/expected" ]; then
        for f in "$c"/expected/*; do
            b=$(basename "$f")
            if [ ! -f "$work/$b" ]; then ok=0; why+="file $b was not written"$'\n'
            elif ! d=$(diff -u "$f" "$work/$b"); then ok=0; why+="file $b differs:"$'\n'"$d"$'\n'; fi
        done
    fi
    if [ -f "$c/absent" ]; then
        while IFS= read -r b; do
            [ -n "$b" ] && [ -e "$work/$b" ] && { ok=0; why+="file $b exists but must not"$'\n'; }
        done <"$c/absent"
    fi
    left=$(find "$work" -name '*.tmp??????' | head -n 3)
    [ -z "$left" ] || { ok=0; why+="temporary files left: $left"$'\n'; }
    if [ $ok = 1 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); printf 'FAIL %s\n%s' "$name" "$why"
    fi
done
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
