"""Short cuts of real series, scored on rows the product never sees.

Each monthly or quarterly CSV is cut to L rows ending 12 (cut a) or 36 (cut b) rows
before its end, for L in 48, 60, 72; the 12 rows after the cut are the truth. The product
is trained on the cut with default settings (`seqcast train --export`), and its forecast
past the end is scored by MASE against that truth (scale: the cut's in-sample seasonal
naive error), as a ratio to the best of naive, seasonal naive and drift on the same 12
rows. This is a user's question on a short series: is the forecast I get at least as good
as the obvious one?

usage:
  python3 scripts/short-cuts.py make OUT_DIR CSV...          (writes OUT_DIR/in)
  for f in OUT_DIR/in/*.csv; do for s in 1 2; do
      seqcast train --csv $f --target value --seed $s --no-record \\
          --export OUT_DIR/VARIANT/$(basename $f .csv)-$s.csv [FLAGS]; done; done
  python3 scripts/short-cuts.py score OUT_DIR VARIANT... [-v]
  python3 scripts/short-cuts.py tie OUT_DIR VARIANT [MARGIN]
      (runs also given --export-baselines --report OUT_DIR/VARIANT/NAME-SEED.json: replays
      the rule "on one validation window, when neither the model nor the baselines' side
      leads by MARGIN (0.1), forecast the even average of the model and the reference
      baseline" and scores it beside the product and the model alone)
Needs numpy. The season is 4 for files whose dates step by a quarter, 1 for yearly, else 12.
"""
import collections, csv, glob, math, os, sys
import numpy as np

def rows_of(path):
    rows = list(csv.reader(open(path)))
    hdr, body = rows[0], [r for r in rows[1:] if r and any(x.strip() for x in r)]
    def num(x):
        try:
            float(x); return True
        except ValueError:
            return False
    col = max(i for i in range(len(hdr)) if all(num(r[i]) for r in body[:20]))
    tcol = 1 if col == 0 else 0
    return [(r[tcol], r[col]) for r in body]

def make(out, paths):
    os.makedirs(f'{out}/in', exist_ok=True)
    for path in paths:
        name = os.path.basename(path)[:-4].replace('_', '-')
        body = rows_of(path); n = len(body)
        for L in (48, 60, 72):
            for cut, end in (('a', n - 12), ('b', n - 36)):
                if end - L < 0: continue
                with open(f'{out}/in/{name}_{L}{cut}.csv', 'w') as f:
                    f.write('time,value\n')
                    for t, v in body[end - L:end]: f.write(f'{t},{v}\n')
                with open(f'{out}/in/{name}_{L}{cut}.truth', 'w') as f:
                    f.write('\n'.join(v for _, v in body[end:end + 12]) + '\n')

def season(times):
    # months between the first two dates (YYYY-MM…); 3 → quarterly, 12 → yearly
    try:
        (y0, m0), (y1, m1) = [(int(t[:4]), int(t[5:7])) for t in times[:2]]
        step = (y1 - y0) * 12 + (m1 - m0)
    except ValueError:
        return 12
    return {3: 4, 12: 1}.get(step, 12)

def cut_of(out, f):
    """For the run export f: its cut's name, the truth, the MASE scale, the baselines'
    forecasts of the truth and the best one's MASE, and the export's future rows."""
    b, _seed = os.path.basename(f)[:-4].rsplit('-', 1)
    inp = list(csv.reader(open(f'{out}/in/{b}.csv')))[1:]
    y = np.array([float(r[1]) for r in inp]); m = season([r[0] for r in inp])
    t = np.array([float(x) for x in open(f'{out}/in/{b}.truth').read().split()])
    H = len(t); T = len(y)
    scale = np.mean(np.abs(y[m:] - y[:-m]))
    base = {'naive': np.full(H, y[-1]),
            'seasonal_naive': np.array([y[T - m + (h % m)] for h in range(H)]),
            'drift': y[-1] + np.arange(1, H + 1) * (y[-1] - y[0]) / (T - 1)}
    best = min(np.mean(np.abs(p - t)) for p in base.values()) / scale
    rows = list(csv.DictReader(open(f)))
    fut = [r for r in rows if r['split'] == 'future']
    prod = np.array([float(r['value_predicted']) for r in fut][:H])
    key = 'value_model' if fut and 'value_model' in fut[0] else 'value_predicted'
    model = np.array([float(r[key]) for r in fut][:H])
    return b, t, scale, base, best, rows, prod, model

def score(out, variants, verbose):
    res = collections.defaultdict(lambda: collections.defaultdict(list))
    for v in variants:
        for f in sorted(glob.glob(f'{out}/{v}/*.csv')):
            b, t, scale, _base, best, rows, prod, model = cut_of(out, f)
            rows = [r for r in rows if r['split'] == 'future']
            res[b][v].append((np.mean(np.abs(prod - t)) / scale / best,
                              np.mean(np.abs(model - t)) / scale / best, rows[0]['forecast']))
    for L in ('48', '60', '72', 'all'):
        print(f'L = {L}')
        for v in variants:
            sel = [d[v] for b, d in res.items() if v in d and (L == 'all' or b.split('_')[-1][:2] == L)]
            if not sel: continue
            fr = [np.mean([x[0] for x in s]) for s in sel]; mr = [np.mean([x[1] for x in s]) for s in sel]
            print(f'  {v:10s} {len(fr):3d} cuts: forecast within 1.05x {sum(r <= 1.05 for r in fr):3d}, '
                  f'geo {math.exp(np.mean(np.log(fr))):.3f}, worst {max(fr):.2f} | model beats best '
                  f'{sum(r < 1 for r in mr):3d}, geo {math.exp(np.mean(np.log(mr))):.3f}')
    if verbose:
        for b, d in sorted(res.items()):
            print(b, '  '.join(f"{v} {np.mean([x[0] for x in d[v]]):.2f} ({','.join(x[2] for x in d[v])})"
                              for v in variants if v in d))

def tie(out, variant, margin):
    import json
    res = collections.defaultdict(lambda: collections.defaultdict(list))
    for f in sorted(glob.glob(f'{out}/{variant}/*.csv')):
        b, t, scale, base, best, rows, prod, model = cut_of(out, f)
        windows = len({r['origin'] for r in rows if r['split'] == 'validation'})
        rep = json.load(open(f[:-4] + '.json'))['forecast']
        cands = rep['candidates']; ref = rep.get('reference_baseline')
        ms = next((c['score'] for c in cands if c['source']['kind'] == 'model'), None)
        pair = next((c['score'] for c in cands if c['source']['kind'] == 'pair'), None)
        rs = next((c['score'] for c in cands if c['source'] == {'kind': 'baseline', 'baseline': ref}), None)
        fs = pair if pair is not None else rs
        new = prod
        if windows == 1 and ms is not None and fs is not None and ref in base and pair is None:
            if ms <= (1 - margin) * fs: new = model
            elif fs > (1 - margin) * ms: new = 0.5 * model + 0.5 * base[ref]
        score_of = lambda p: np.mean(np.abs(p - t)) / scale / best
        for k, p in (('product', prod), ('tie average', new), ('model', model)):
            res[b][k].append(score_of(p))
    for k in ('product', 'tie average', 'model'):
        fr = [np.mean(d[k]) for d in res.values()]
        print(f'{k:12s} {len(fr):3d} cuts: within 1.05x {sum(r <= 1.05 for r in fr):3d}, '
              f'geo {math.exp(np.mean(np.log(fr))):.3f}, worst {max(fr):.2f}')

if __name__ == '__main__':
    if len(sys.argv) > 3 and sys.argv[1] == 'make':
        make(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) > 3 and sys.argv[1] == 'score':
        score(sys.argv[2], [a for a in sys.argv[3:] if a != '-v'], '-v' in sys.argv)
    elif len(sys.argv) > 3 and sys.argv[1] == 'tie':
        tie(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.1)
    else:
        sys.exit(__doc__)
