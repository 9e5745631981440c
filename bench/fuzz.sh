#!/bin/sh
# bench/fuzz.sh: the fuzz targets' long runs (`make bench`; the suite runs
# them briefly, tests/CMakeLists.txt). Each target fuzzes its corpus for
# SECONDS (default $FUZZ_SECONDS, else 60) from a fresh seed; a run that
# crashes is counted, its input kept in BUILD_DIR/fuzz-crashes/TARGET/, and
# the target goes on with the next seed for the time left.
#
#   bench/fuzz.sh [BUILD_DIR] [SECONDS]     FUZZ_SEED=N to repeat a run
#
# Prints key=value lines: fuzz_TARGET_execs, fuzz_TARGET_execs_per_s,
# fuzz_TARGET_known, fuzz_TARGET_crashes, then fuzz_seed and fuzz_crashes
# (must be 0). Exits 1 when any target crashed.
set -u
build=${1:-build}
seconds=${2:-${FUZZ_SECONDS:-60}}
seed=${FUZZ_SEED:-$(date +%s)}
root=$(cd "$(dirname "$0")/.." && pwd)
total_crashes=0

value() {  # value KEY LINE
  printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

for t in protocol fleet time_spec format screen tmux_control approvals; do
  bin="$build/bin/fuzz_$t"
  extra=""
  [ "$t" = tmux_control ] && extra="$root/tests/golden/tmux"
  crashes=0 execs=0 known=0 spent=0 s=$seed
  start=$(date +%s)
  while [ "$spent" -lt "$seconds" ]; do
    left=$((seconds - spent))
    line=$("$bin" --seconds="$left" --seed="$s" \
             --crash-dir="$build/fuzz-crashes/$t" \
             "$root/tests/fuzz/corpus/$t" $extra 2>>"$build/fuzz-$t.log" |
           grep "^fuzz_$t: execs=")
    if [ -n "$line" ]; then
      execs=$((execs + $(value execs "$line")))
      known=$((known + $(value known "$line")))
    else
      crashes=$((crashes + 1))
      echo "fuzz_$t: crashed with --seed=$s (see $build/fuzz-$t.log)" >&2
    fi
    s=$((s + 1))
    spent=$(($(date +%s) - start))
    [ -n "$line" ] && break
  done
  [ "$spent" -gt 0 ] || spent=1
  echo "fuzz_${t}_execs=$execs"
  echo "fuzz_${t}_execs_per_s=$((execs / spent))"
  echo "fuzz_${t}_known=$known"
  echo "fuzz_${t}_crashes=$crashes"
  total_crashes=$((total_crashes + crashes))
done
echo "fuzz_seed=$seed"
echo "fuzz_crashes=$total_crashes"
[ "$total_crashes" -eq 0 ]
