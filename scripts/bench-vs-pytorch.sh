#!/usr/bin/env bash
# Runs `seqcast bench` and the PyTorch reference side by side on configs a–d and prints
# the ratios. Usage: scripts/bench-vs-pytorch.sh [REPEATS]   (default 1)
# Needs a release build (cargo build --release) and, for the reference, PyTorch in
# $TORCH_PYTHON (default /tmp/torchref/bin/python; install with
#   python3 -m venv /tmp/torchref && /tmp/torchref/bin/pip install torch).
# Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-1}"
seqcast="${SEQCAST:-${CARGO_TARGET_DIR:-target}/release/seqcast}"
python="${TORCH_PYTHON:-/tmp/torchref/bin/python}"
ref="${TORCH_BENCH:-../shared/bench/torch_rnn_bench.py}"
[ -x "$seqcast" ] || { echo "no $seqcast: run cargo build --release" >&2; exit 1; }
have_torch=1
{ [ -x "$python" ] && [ -f "$ref" ] && "$python" -c "import torch" 2>/dev/null; } || have_torch=0
[ "$have_torch" = 1 ] || echo "PyTorch reference not found ($python, $ref): seqcast only" >&2

configs=(
  "a lstm 64 2 96 24 64 3"
  "b gru 64 2 96 24 64 3"
  "c lstm 128 1 48 1 32 3"
  "d lstm 32 1 24 12 128 20"
)
rate() { sed -n 's/.*windows_per_s=\([0-9.]*\).*/\1/p' | tail -1; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf "%-6s %12s %12s %8s\n" config seqcast pytorch ratio
for c in "${configs[@]}"; do
  read -r name cell hidden layers lookback horizon batch epochs <<<"$c"
  flags=(--cell "$cell" --hidden "$hidden" --layers "$layers" --lookback "$lookback"
         --horizon "$horizon" --batch "$batch" --threads 2 --epochs "$epochs")
  ours=(); theirs=()
  for _ in $(seq "$repeats"); do
    ours+=("$("$seqcast" bench "${flags[@]}" | rate)")
    if [ "$have_torch" = 1 ]; then theirs+=("$("$python" "$ref" "${flags[@]}" | rate)"); fi
  done
  o=$(printf "%s\n" "${ours[@]}" | median)
  if [ "$have_torch" = 1 ]; then
    t=$(printf "%s\n" "${theirs[@]}" | median)
    printf "%-6s %12.1f %12.1f %7.2fx\n" "$name" "$o" "$t" "$(echo "$o / $t" | bc -l)"
  else
    printf "%-6s %12.1f %12s %8s\n" "$name" "$o" - -
  fi
done
