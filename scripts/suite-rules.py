"""Replays product-forecast rules on runs kept by scripts/suite-dump.sh: each rule picks
from the validation forecasts alone, then the test MASE of its pick is compared with the
best baseline's (mean over seeds per series). Needs numpy.

usage: python3 scripts/suite-rules.py DUMP_DIR [-v]
"""
import csv, json, sys, glob, os, math, collections
import numpy as np

def load(prefix):
    rep = json.load(open(prefix + '.json'))
    if not rep.get('model'):
        raise ValueError('no test windows')
    rows = list(csv.reader(open(prefix + '.csv')))
    hdr = rows[0]
    def col(suffix):
        for i, h in enumerate(hdr):
            if h.endswith(suffix): return i
        return None
    ia = col('_actual'); im = col('_model') or col('_predicted'); ip = col('_predicted')
    kinds = ['naive', 'seasonal_naive', 'drift', 'linear']
    ib = {k: col('_' + k) for k in kinds}
    isp = hdr.index('split'); istep = hdr.index('step')
    parts = {}
    for r in rows[1:]:
        sp = r[isp]
        if sp == 'future': continue
        d = parts.setdefault(sp, collections.defaultdict(list))
        d['actual'].append(float(r[ia])); d['model'].append(float(r[im])); d['step'].append(int(r[istep]))
        d['product'].append(float(r[ip]))
        for k, i in ib.items():
            if i is not None and r[i] != '': d[k].append(float(r[i]))
    m = rep['model']
    scale = m['mae'] / m['mase'] if m.get('mase') else 1.0
    out = {}
    for sp, d in parts.items():
        out[sp] = {k: np.array(v) for k, v in d.items()}
    return rep, out, scale

def mase(a, p, scale): return float(np.mean(np.abs(a - p)) / scale)

KINDS = ['naive', 'seasonal_naive', 'drift', 'linear']
W = [i / 20 for i in range(1, 20)]

def candidates(part):
    c = {'model': part['model']}
    for k in KINDS:
        if k in part and len(part[k]) == len(part['actual']): c[k] = part[k]
    return c

TIERS = [['naive', 'seasonal_naive'], ['drift'], ['linear']]

def tiered_best(s, d):
    # The best of the simplest tier; a more complex tier replaces it only when better by d.
    best = None
    for tier in TIERS:
        cand = [k for k in tier if k in s]
        if not cand: continue
        k = min(cand, key=s.get)
        if best is None or s[k] * (1 + d) < s[best]: best = k
    return best

def pair_fallback(s, c, a, scale, d):
    # The baselines' side of the product's rule: the tiered reference, or its even
    # average with a baseline that fits more and is better but not by the margin d.
    ref = tiered_best(s, d)
    tier = lambda k: next(i for i, t in enumerate(TIERS) if k in t)
    fitted = [k for k in s if k not in ('model', ref) and tier(k) > tier(ref) and s[k] < s[ref]]
    if not fitted:
        return (ref,), s[ref]
    f = min(fitted, key=s.get)
    return ('pair', ref, f), mase(a, 0.5 * c[ref] + 0.5 * c[f], scale)

def rule_factory(name):
    def rule(val, scale):
        a = val['actual']; c = candidates(val)
        s = {k: mase(a, v, scale) for k, v in c.items()}
        bb = min((k for k in s if k != 'model'), key=lambda k: s[k])
        ens = min(((w, mase(a, w * c['model'] + (1 - w) * c[bb], scale)) for w in W), key=lambda x: x[1])
        if name == 'argmin_all':
            best = min(s, key=s.get)
            if ens[1] < s[best]: return ('ens', bb, ens[0])
            return (best,)
        if name == 'argmin_single':
            return (min(s, key=s.get),)
        if name.startswith('margin'):
            d = float(name.split('_')[1])
            if s['model'] <= (1 + d) * s[bb]: return ('model',)
            return (bb,)
        if name.startswith('mmargin'):   # margin + ensemble if ens beats both by margin
            d = float(name.split('_')[1])
            if s['model'] <= (1 + d) * s[bb]: pick = ('model',); ps = s['model']
            else: pick = (bb,); ps = s[bb]
            if ens[1] * (1 + d) < min(s['model'], s[bb]): return ('ens', bb, ens[0])
            return pick
        if name.startswith('tier'):  # simpler baselines first; margin for the model and mix
            d = float(name.split('_')[1])
            bb = tiered_best(s, d)
            ens = min(((w, mase(a, w * c['model'] + (1 - w) * c[bb], scale)) for w in W), key=lambda x: x[1])
            if ens[1] * (1 + d) < min(s['model'], s[bb]): return ('ens', bb, ens[0])
            if s['model'] <= (1 + d) * s[bb]: return ('model',)
            return (bb,)
        if name.startswith('tiermix'):  # the tier rule, the mix needing its own margin
            _, d, m = name.split('_')
            d, m = float(d), float(m)
            bb = tiered_best(s, d)
            ens = min(((w, mase(a, w * c['model'] + (1 - w) * c[bb], scale)) for w in W), key=lambda x: x[1])
            if ens[1] * (1 + m) < min(s['model'], s[bb]): return ('ens', bb, ens[0])
            if s['model'] <= (1 + d) * s[bb]: return ('model',)
            return (bb,)
        if name.startswith('nomix'):  # the tier rule without the mix candidate
            d = float(name.split('_')[1])
            bb = tiered_best(s, d)
            if s['model'] <= (1 + d) * s[bb]: return ('model',)
            return (bb,)
        if name.startswith('pairm'):  # pair rule, the model needing its own margin M (negative: must win by M)
            _, d, m = name.split('_')
            fallback, fs = pair_fallback(s, c, a, scale, float(d))
            return ('model',) if s['model'] <= (1 + float(m)) * fs else fallback
        if name.startswith('pair'):  # the product's rule (tier, pair) without the mix
            d = float(name.split('_')[1])
            fallback, fs = pair_fallback(s, c, a, scale, d)
            return ('model',) if s['model'] <= (1 + d) * fs else fallback
        if name.startswith('band'):  # pair fallback; model when it wins validation by more than LO,
            # the fallback when it loses by more than HI, an equal mix of the two in between
            _, lo, hi = name.split('_')
            fallback, fs = pair_fallback(s, c, a, scale, 0.1)
            if s['model'] <= (1 - float(lo)) * fs: return ('model',)
            if s['model'] > (1 + float(hi)) * fs: return fallback
            return ('mixf', fallback)
        if name == 'model': return ('model',)
        if name == 'product': return ('product',)  # what the product chose (its export)
        if name.startswith('half'):  # model if better, else 50/50 mix if close, else baseline
            d = float(name.split('_')[1])
            if s['model'] <= s[bb]: return ('model',)
            if s['model'] <= (1 + d) * s[bb]: return ('ens', bb, 0.5)
            return (bb,)
        raise ValueError(name)
    return rule

def apply(pick, part):
    c = candidates(part)
    if pick[0] == 'ens':
        return pick[2] * c['model'] + (1 - pick[2]) * c[pick[1]]
    if pick[0] == 'pair':
        return 0.5 * c[pick[1]] + 0.5 * c[pick[2]]
    if pick[0] == 'mixf':
        return 0.5 * c['model'] + 0.5 * apply(pick[1], part)
    if pick[0] == 'product':
        return part['product']
    return c[pick[0]]

def evaluate(variant, rules, verbose=False):
    files = sorted(glob.glob(os.path.join(variant, '*.json')))
    by_series = collections.defaultdict(list)
    for f in files:
        prefix = f[:-5]
        name, seed = os.path.basename(prefix).rsplit('-', 1)
        by_series[name].append(prefix)
    res = {r: {} for r in rules}
    model_ratio = {}
    for name, prefixes in sorted(by_series.items()):
        per_rule = collections.defaultdict(list); models = []; bests = []
        for prefix in prefixes:
            try:
                rep, parts, scale = load(prefix)
            except (ValueError, KeyError):
                continue
            if 'test' not in parts: continue
            test = parts['test']; a = test['actual']
            bt = {k: mase(a, v, scale) for k, v in candidates(test).items() if k != 'model'}
            best = min(bt.values()); bests.append(best)
            models.append(mase(a, test['model'], scale))
            for r in rules:
                if 'validation' not in parts: pick = ('model',)
                else: pick = rule_factory(r)(parts['validation'], scale)
                per_rule[r].append((mase(a, apply(pick, test), scale), pick))
        if not bests: continue
        best = np.mean(bests)
        model_ratio[name] = np.mean(models) / best
        for r in rules:
            res[r][name] = (np.mean([x[0] for x in per_rule[r]]) / best, [x[1] for x in per_rule[r]])
    print(f'== {variant}: model beats best on {sum(v < 1 for v in model_ratio.values())}/{len(model_ratio)}, geo {math.exp(np.mean([math.log(v) for v in model_ratio.values()])):.3f}')
    if verbose:
        for n, v in model_ratio.items(): print(f'   {n:32s} model {v:.2f}')
    for r in rules:
        vals = res[r]
        within = sum(v[0] <= 1.05 for v in vals.values())
        worst = max(vals.items(), key=lambda kv: kv[1][0])
        geo = math.exp(np.mean([math.log(v[0]) for v in vals.values()]))
        print(f'  {r:16s} within {within}/{len(vals)} geo {geo:.3f} worst {worst[1][0]:.2f} {worst[0]}')
        if verbose:
            for n, v in vals.items():
                if v[0] > 1.05: print(f'      {n:30s} {v[0]:.2f} {v[1]}')

if __name__ == '__main__':
    variant = sys.argv[1]
    rules = sys.argv[2].split(',') if len(sys.argv) > 2 and not sys.argv[2].startswith('-') else ['product', 'model', 'argmin_all', 'argmin_single', 'margin_0.05', 'margin_0.1', 'margin_0.2', 'mmargin_0.05', 'mmargin_0.1', 'half_0.1', 'half_0.2', 'tier_0.05', 'tier_0.1', 'tier_0.2', 'nomix_0.05', 'nomix_0.1', 'nomix_0.2']
    evaluate(variant, rules, verbose='-v' in sys.argv)
