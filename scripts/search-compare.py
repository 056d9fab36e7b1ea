"""Compares a search method against random search on one series over seeds 1-5.

Usage: search-compare.py SEQCAST CSV "TRAIN FLAGS" RANDOM_TRIALS METHOD METHOD_TRIALS [PRUNE]

`search-study.py` for one series (the commands in BENCHMARKS.md were written with this
form): the same searches, table and median epoch ratio; see that script for the columns,
`RANDOM_PRUNE` and `PAR`.
"""
import os, subprocess, sys, tempfile

B, csv, flags = sys.argv[1:4]
rest = sys.argv[4:] or ["16"]
r_trials = rest[0]
method = rest[1] if len(rest) > 1 else "asha"
m_trials = rest[2] if len(rest) > 2 else "48"
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write(f"{csv}|{flags}\n")
study = os.path.join(os.path.dirname(os.path.abspath(__file__)), "search-study.py")
try:
    sys.exit(subprocess.call([sys.executable, study, B, f.name, r_trials, method, m_trials, "1-5"] + rest[3:4]))
finally:
    os.unlink(f.name)
