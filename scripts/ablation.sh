#!/usr/bin/env bash
# One row of the playbook ablation (BENCHMARKS.md, "The playbook's options"): the flags
# given against the four protocols, 3 seeds each. Usage: scripts/ablation.sh "FLAGS".
# SEQCAST names the binary (default: target/release/seqcast); run it on a quiet machine.
set -euo pipefail
flags=${1:-}
bin=${SEQCAST:-target/release/seqcast}
here=$(cd "$(dirname "$0")/.." && pwd)
pair=$(mktemp -d)
trap 'rm -rf "$pair"' EXIT
ln -s "$here/sample-data/daily-min-temperatures.csv" "$pair/"
ln -s "$here/sample-data/pollution.csv" "$pair/"
cp "$here/sample-data/targets.toml" "$pair/"
echo "== flags: ${flags:-(defaults)}"
# shellcheck disable=SC2086 # the flags are words
"$bin" eval ett --seeds 1,2,3 --horizons 96 $flags | grep -E "seqcast|windows,"
# shellcheck disable=SC2086
"$bin" eval air --seeds 42,1,2 $flags | grep -E "seed|runs\)"
# shellcheck disable=SC2086
"$bin" eval suite "$pair" --seeds 1,2,3 $flags | grep -E "^$(basename "$pair")/|summary" | sed "s#^$(basename "$pair")/##"
