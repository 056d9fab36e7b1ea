"""Compares a search method against random search on one series over seeds 1-5.

Usage: search-compare.py SEQCAST CSV "TRAIN FLAGS" RANDOM_TRIALS METHOD METHOD_TRIALS [PRUNE]

Runs `seqcast tune --method random` (its default median pruning, or `--prune
$RANDOM_PRUNE` when that variable is set, e.g. `none`) with RANDOM_TRIALS
trials and `--method METHOD` (with `--prune PRUNE` when given) with METHOD_TRIALS trials,
both with the same seed, and prints per seed: random's best validation loss (epochs run),
the method's, the epochs the method had run when it first reached random's best, its
best within random's epoch budget, and that epoch ratio. Runs are recorded in
/tmp/asha/runs (never beside the data).
"""
import os, re, subprocess, sys, statistics
B = sys.argv[1]; csv = sys.argv[2]; extra = sys.argv[3].split() if len(sys.argv) > 3 else []
seeds = [1,2,3,4,5]
pat = re.compile(r"trial\s+(\d+)\s+val loss\s+([0-9.eE+-]+|-)\s.*?(\d+) epochs")
def run(method, trials, seed, prune=None):
    cmd = [B, "tune", "--csv", csv, "--method", method, "--trials", str(trials), "--seed", str(seed), "--runs-dir", "/tmp/asha/runs"] + extra
    if prune: cmd += ["--prune", prune]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout + ""
    rows = []
    for line in out.splitlines():
        m = pat.match(line.strip())
        if m:
            v = float(m.group(2)) if m.group(2) != "-" else float("inf")
            rows.append((int(m.group(1)), v, int(m.group(3))))
    return rows
def curve(rows):
    best, ep, c = float("inf"), 0, []
    for _, v, e in rows:
        ep += e; best = min(best, v); c.append((ep, best))
    return c
res = []
for s in seeds:
    r = curve(run("random", int(sys.argv[4]) if len(sys.argv) > 4 else 16, s, os.environ.get("RANDOM_PRUNE")))
    a = curve(run(sys.argv[5] if len(sys.argv) > 5 else "asha", int(sys.argv[6]) if len(sys.argv) > 6 else 48, s, sys.argv[7] if len(sys.argv) > 7 else None))
    rb, re_ = r[-1][1], r[-1][0]
    reach = next((ep for ep, b in a if b <= rb), None)
    at_budget = min([b for ep, b in a if ep <= re_] or [float("inf")])
    res.append((s, rb, re_, reach, at_budget, a[-1][1], a[-1][0]))
    print(f"| {s} | {rb:.5f} ({re_}) | {a[-1][1]:.5f} ({a[-1][0]}) | {reach if reach is not None else 'never'} | {at_budget:.5f} | {'' if reach is None else f'{reach/re_:.2f}'} |", flush=True)
ratios = [ (x[3]/x[2]) if x[3] is not None else float('inf') for x in res]
print("median epochs ratio", statistics.median(ratios))
