#!/usr/bin/env bash
# Runs the many-devices sync simulation with many seeds (default 1..20) on both backends:
#   bench/sim-seeds.sh [FIRST [LAST]]     e.g. bench/sim-seeds.sh 1 200
# Each failure prints its seed; rerun one with FIELDCHECK_SIM_SEED=N ./dev test -E 'test(many_devices)'.
set -euo pipefail
cd "$(dirname "$0")/.."
first=${1:-1}; last=${2:-20}; failed=()
for seed in $(seq "$first" "$last"); do
  if FIELDCHECK_FUZZ_SECS=0 FIELDCHECK_SIM_SEED=$seed ./dev test -E 'test(many_devices)' >/tmp/fieldcheck-sim-$seed.log 2>&1; then
    echo "seed $seed: ok"
  else
    echo "seed $seed: FAILED (log: /tmp/fieldcheck-sim-$seed.log)"; failed+=("$seed")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "failed seeds: ${failed[*]}"; exit 1; }
