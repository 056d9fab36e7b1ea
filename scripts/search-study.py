"""A search method against random search over several series and seeds.

Usage: search-study.py SEQCAST SERIES RANDOM_TRIALS METHOD METHOD_TRIALS SEEDS [PRUNE]

SERIES is a file of lines `CSV|TRAIN FLAGS` (e.g. `sample-data/ETTh1.csv|--target OT
--horizon 24 --split-rows 8640,2880,2880 --epochs 30`); SEEDS a range such as `1-5`.
For every series and seed it runs `seqcast tune --method random` (its default median
pruning, or `--prune $RANDOM_PRUNE` when that variable is set) with RANDOM_TRIALS trials
and `--method METHOD` (with `--prune PRUNE` when given) with METHOD_TRIALS trials, both
with the same seed, and prints per seed: random's best validation loss (epochs run), the
method's, the epochs the method had run when it first reached random's best, its best
within random's epoch budget, and that epoch ratio; then per series and over all the
median ratio (a seed that never reaches random's best counts as worst) and on how many
seeds the method ends at or below random's best. Searches run `$PAR` at a time (default
1; the results are epoch counts and losses, the same at any parallelism) and are kept in
/tmp/search-study by command and binary (its size and modification time, so a rebuilt
binary runs them again); runs are recorded in
/tmp/search-study/runs, never beside the data.
"""
import hashlib, json, os, re, statistics, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

B, series_file, r_trials, method, m_trials, seeds = sys.argv[1:7]
prune = sys.argv[7] if len(sys.argv) > 7 else None
lo, hi = map(int, seeds.split("-"))
series = [l.strip().split("|", 1) for l in open(series_file) if l.strip() and not l.startswith("#")]
PAT = re.compile(r"trial\s+(\d+)\s+val loss\s+([0-9.eE+-]+|-)\s.*?(\d+) epochs")
CACHE = "/tmp/search-study"
os.makedirs(CACHE, exist_ok=True)


def search(csv, flags, meth, trials, seed, meth_prune):
    cmd = [B, "tune", "--csv", csv, "--method", meth, "--trials", str(trials), "--seed", str(seed),
           "--runs-dir", f"{CACHE}/runs"] + flags.split()
    if meth_prune:
        cmd += ["--prune", meth_prune]
    stat = os.stat(B)
    key = f"{' '.join(cmd)} {stat.st_size} {stat.st_mtime_ns}"
    path = f"{CACHE}/{hashlib.sha1(key.encode()).hexdigest()}.json"
    if os.path.exists(path):
        return json.load(open(path))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    epochs, best, curve = 0, float("inf"), []
    for line in out.splitlines():
        m = PAT.match(line.strip())
        if m:
            epochs += int(m.group(3))
            best = min(best, float(m.group(2)) if m.group(2) != "-" else float("inf"))
            curve.append((epochs, best))
    json.dump(curve, open(path, "w"))
    return curve


def compare(job):
    csv, flags, seed = job
    r = search(csv, flags, "random", r_trials, seed, os.environ.get("RANDOM_PRUNE"))
    m = search(csv, flags, method, m_trials, seed, prune)
    (r_epochs, r_best), (m_epochs, m_best) = r[-1], m[-1]
    reach = next((e for e, b in m if b <= r_best), None)
    at_budget = min([b for e, b in m if e <= r_epochs] or [float("inf")])
    ratio = reach / r_epochs if reach is not None else float("inf")
    return seed, r_best, r_epochs, m_best, m_epochs, reach, at_budget, ratio


jobs = [(csv, flags, s) for csv, flags in series for s in range(lo, hi + 1)]
with ThreadPoolExecutor(int(os.environ.get("PAR", "1"))) as pool:
    results = list(pool.map(compare, jobs))
everything = []
for i, (csv, _) in enumerate(series):
    rows = results[i * (hi - lo + 1):(i + 1) * (hi - lo + 1)]
    print(f"{csv}")
    for s, rb, re_, mb, me, reach, at_budget, ratio in rows:
        shown = "never" if reach is None else reach
        print(f"| {s} | {rb:.5f} ({re_}) | {mb:.5f} ({me}) | {shown} | {at_budget:.5f} | "
              f"{'–' if reach is None else f'{ratio:.2f}'} |")
    ratios = [x[-1] for x in rows]
    everything += ratios
    print(f"median epoch ratio {statistics.median(ratios):.2f}; at or below random's best on "
          f"{sum(1 for x in rows if x[3] <= x[1])} of {len(rows)} seeds", flush=True)
if len(series) > 1:
    print(f"all: median epoch ratio {statistics.median(everything):.2f}, at most 0.5 on "
          f"{sum(1 for x in everything if x <= 0.5)} of {len(everything)}")
