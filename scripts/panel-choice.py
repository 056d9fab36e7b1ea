#!/usr/bin/env python3
"""Offline: what choosing per series between the model and a baseline on validation would
score on the test part of a many-series report (`seqcast eval m4-hourly --report r.json` or
`seqcast train ... --report r.json` on many series). The choice reads validation only; the
margin (switch to the baseline when its validation MASE is below margin x the model's) is
the knob to settle on data other than the test part. Usage: panel-choice.py r.json"""
import json, sys, math
r = json.load(open(sys.argv[1]))
val = {s['id']: s for s in r['validation']['per_series']}
test = {s['id']: s for s in r['per_series']}
n2 = r['aggregate']['naive2']
def owa(sm, ma): return 0.5 * (sm / n2['smape'] + ma / n2['mase'])
def agg(pick):
    sm = []; ma = []
    for i, t in test.items():
        name = pick(i)
        sc = t['model'] if name == 'model' else t['baselines'].get(name, t['model'])
        sm.append(sc['smape']); 
        if sc['mase'] is not None: ma.append(sc['mase'])
    S = sum(sm)/len(sm); M = sum(ma)/len(ma)
    return S, M, owa(S, M)
def best_val(i, cands, margin=1.0):
    v = val.get(i)
    if v is None: return 'model'
    scores = {'model': v['model']['mase']}
    for k, b in v['baselines'].items():
        if k in cands: scores[k] = b['mase']
    scores = {k: s for k, s in scores.items() if s is not None and math.isfinite(s)}
    best = min(scores, key=scores.get)
    if best != 'model' and scores[best] > margin * scores['model']: return 'model'
    return best
allb = ['naive', 'seasonal_naive', 'drift', 'linear', 'naive2']
print('model always      sMAPE %.3f MASE %.3f OWA %.3f' % agg(lambda i: 'model'))
for m in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
    print('per series, all baselines, switch if baseline < %.1f x model: sMAPE %.3f MASE %.3f OWA %.3f' % ((m,) + agg(lambda i: best_val(i, allb, m))))
for c in (['naive2'], ['seasonal_naive'], ['linear'], ['naive2','seasonal_naive','linear']):
    print('per series, model vs', c, ': sMAPE %.3f MASE %.3f OWA %.3f' % agg(lambda i: best_val(i, c)))
chosen = [best_val(i, allb) for i in test]
from collections import Counter; print(Counter(chosen))
