#!/usr/bin/env python3
"""Replays conformal intervals offline on suite dumps (scripts/suite-dump.sh): the
product forecast's validation errors give the radius per horizon step, scored on the
test windows, for three nonconformity scores:

  abs     |error|                               (what seqcast does today)
  spread  |error| / mean |first difference| over the window's lookback inputs
  level   |error| / |last input value|

usage: scripts/interval-scale.py DUMP_DIR [SUITE_DIR SAMPLE_DIR]
Prints per series the test coverage at 80 and 95 % and the mean interval score, and how
many series each score keeps within ±3 points of nominal (BENCHMARKS.md, intervals).
"""
import csv
import glob
import json
import math
import os
import sys

dump = sys.argv[1]
roots = sys.argv[2:] or ["../shared/data/suite", "sample-data"]
LEVELS = (0.8, 0.95)


def source(name):
    for r in roots:
        p = os.path.join(r, name)
        if os.path.exists(p):
            return p
    return None


def series_values(path, column):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [float(r[column]) for r in rows]


def quantile(errors, level):
    n = len(errors)
    rank = math.ceil((n + 1) * level)
    if n == 0 or rank > n:
        return None
    return sorted(errors)[rank - 1]


def scale(kind, values, origin, lookback):
    if kind == "abs":
        return 1.0
    window = values[origin - lookback + 1 : origin + 1]
    if kind == "level":
        return max(abs(window[-1]), 1e-9)
    diffs = [abs(b - a) for a, b in zip(window, window[1:])]
    return max(sum(diffs) / max(len(diffs), 1), 1e-9)


def main():
    totals = {k: {l: [0, 0] for l in LEVELS} for k in ("abs", "spread", "level")}
    for report_path in sorted(glob.glob(os.path.join(dump, "*.json"))):
        report = json.load(open(report_path))
        d, w = report["data"], report["config"]["window"]
        path = source(d["file"])
        if path is None or d.get("covariates"):
            continue
        target = d["targets"][0]
        try:
            values = series_values(path, target)
        except (KeyError, ValueError):
            continue
        if len(values) != d["rows"]:
            continue  # rows were dropped or filled: origins would not line up
        lookback, horizon = w["lookback"], w["horizon"]
        train, val, _ = d["split_rows"]
        rows = {"validation": {}, "test": {}}
        with open(report_path[:-5] + ".csv", newline="") as f:
            for r in csv.DictReader(f):
                if r["split"] in rows:
                    rows[r["split"]].setdefault(r["origin"], {})[int(r["step"])] = (
                        float(r[f"{target}_actual"]),
                        float(r[f"{target}_predicted"]),
                    )
        starts = {"validation": train - 1, "test": train + val - 1}
        parts = {}
        for split, by_origin in rows.items():
            windows = list(by_origin.values())
            parts[split] = [(starts[split] + i, steps) for i, steps in enumerate(windows)]
        # Check the alignment: step 1's actual is the row after the origin.
        ok = all(
            abs(steps[1][0] - values[o + 1]) < 1e-6 * max(1.0, abs(values[o + 1]))
            for split in parts
            for o, steps in parts[split][:3]
        )
        if not ok or not parts["validation"] or not parts["test"]:
            continue
        line = [os.path.basename(report_path)[:-5]]
        for kind in ("abs", "spread", "level"):
            cells = []
            for level in LEVELS:
                radius = []
                for k in range(1, horizon + 1):
                    errs = [
                        abs(s[k][0] - s[k][1]) / scale(kind, values, o, lookback)
                        for o, s in parts["validation"]
                        if k in s
                    ]
                    radius.append(quantile(errs, level))
                if any(r is None for r in radius):
                    cells.append("   —")
                    continue
                inside = n = 0
                score = 0.0
                for o, s in parts["test"]:
                    sc = scale(kind, values, o, lookback)
                    for k in range(1, horizon + 1):
                        if k not in s:
                            continue
                        a, p = s[k]
                        r = radius[k - 1] * sc
                        lo, hi = p - r, p + r
                        n += 1
                        inside += lo <= a <= hi
                        miss = lo - a if a < lo else (a - hi if a > hi else 0.0)
                        score += 2 * r + 2 / (1 - level) * miss
                cov = 100 * inside / n
                totals[kind][level][0] += abs(cov - 100 * level) <= 3
                totals[kind][level][1] += 1
                cells.append(f"{cov:5.1f} ({score / n:.3g})")
            line.append(f"{kind}: " + " ".join(cells))
        print("  ".join(line))
    for kind, t in totals.items():
        print(
            f"{kind:7s} within ±3 points: "
            + ", ".join(f"{int(100 * l)} % {t[l][0]}/{t[l][1]}" for l in LEVELS)
        )


main()
