#!/usr/bin/env bash
# Trains the defaults (plus extra flags) on every suite series for each seed and keeps
# each run's report and predictions (with baselines), for comparing product-forecast
# rules offline with scripts/suite-rules.py (BENCHMARKS.md, "Trust").
# usage: scripts/suite-dump.sh OUT_DIR "EXTRA FLAGS" SEED...
set -u
cd "$(dirname "$0")/.."
B=${SEQCAST:-${CARGO_TARGET_DIR:-target}/release/seqcast}
out=$1; shift; flags=$1; shift
mkdir -p "$out"
for f in ${FILES:-../shared/data/suite/*.csv sample-data/*.csv}; do
  name=$(basename "$f" .csv)
  [ "$name" = australian_tourism ] && continue   # no test windows at the default split
  target=""
  [ "$name" = pollution ] && target="--target pm2.5"
  for seed in "$@"; do
    [ -f "$out/$name-$seed.json" ] && continue
    # shellcheck disable=SC2086
    "$B" train --csv "$f" $target --seed "$seed" --no-record --quiet \
      --report "$out/$name-$seed.json" --export "$out/$name-$seed.csv" --export-baselines \
      $flags > "$out/$name-$seed.log" 2>&1 || echo "FAIL $name $seed"
  done
done
