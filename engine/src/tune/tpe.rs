//! The tree-structured Parzen estimator (Bergstra et al., 2011; Optuna's default
//! sampler, univariate): after a few random trials, the finished ones are split into
//! the best quarter ("good") and the rest; each knob gets a density from the good
//! trials' values, l(x), and one from the rest, g(x) (Gaussian kernels on ranges, as wide
//! as the gaps between the trials and truncated to the range, on a log scale for the
//! learning rate; smoothed frequencies on choices; each with a flat prior). The next
//! trial takes, knob by knob, on a range the best of a few candidates drawn from l by
//! l(x)/g(x), where good trials were and bad ones were not, and on a choice a draw in
//! proportion to l/g. Both softenings keep the search from settling on its first good
//! trials (BENCHMARKS.md, "Search: TPE against random search").

use super::space::{Knob, SearchSpace};
use super::{Method, TuneSettings};
use crate::config::CellKind;
use crate::rng::Rng;

/// Random trials before the estimator takes over.
pub const STARTUP_TRIALS: usize = 5;
/// Share of the finished trials counted as good.
const GOOD_SHARE: f64 = 0.25;
/// Trials from which TPE paid off in the measurements (BENCHMARKS.md, "TPE and the trial
/// budget"): at 16 trials most of its epochs go to the random start and the few trials
/// after it; from about 32 on it reaches random search's best with about half the epochs.
pub const PAYS_OFF_FROM: usize = 30;

/// A note for people when a search is TPE with too few trials to gain much over random
/// search; `None` for other methods and from [`PAYS_OFF_FROM`] trials on.
pub fn budget_note(settings: &TuneSettings) -> Option<String> {
    let trials = settings.trials;
    (settings.method == Method::Tpe && trials < PAYS_OFF_FROM).then(|| {
        format!(
            "TPE draws its first {STARTUP_TRIALS} trials at random and learns from the ones \
             after: with {trials} trials it gains little over random search; it pays off from \
             about {PAYS_OFF_FROM} trials"
        )
    })
}
/// Candidates drawn from the good density per range knob (choices are drawn once, in
/// proportion to l/g).
const CANDIDATES: usize = 24;
/// Draws from a kernel before falling back to its centre (a kernel centred in the range
/// keeps at least a third of its mass inside, so this almost never happens).
const TRUNCATION_TRIES: usize = 32;

/// The next trial's knobs from the finished trials `history` (knobs, validation loss;
/// lower is better).
pub fn propose(space: &SearchSpace, history: &[(Vec<Knob>, f64)], rng: &mut Rng) -> Vec<Knob> {
    let finished: Vec<&(Vec<Knob>, f64)> = history.iter().filter(|(_, v)| v.is_finite()).collect();
    if finished.len() < STARTUP_TRIALS {
        return space.sample(rng);
    }
    let mut sorted = finished;
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n_good = ((sorted.len() as f64 * GOOD_SHARE).ceil() as usize).clamp(1, sorted.len() - 1);
    let (good, bad) = sorted.split_at(n_good);
    let mut out = Vec::new();
    if let Some([lo, hi]) = space.lr {
        let of = |t: &&(Vec<Knob>, f64)| {
            t.0.iter().find_map(|k| match k {
                Knob::Lr(v) => Some(v.ln()),
                _ => None,
            })
        };
        let v = range_knob((lo.ln(), hi.ln()), (values(good, of), values(bad, of)), rng);
        // exp(ln x) can round past the range's ends.
        out.push(Knob::Lr(v.exp().clamp(lo, hi)));
    }
    let choices = |c: &[usize], knob: fn(&Knob) -> Option<usize>, rng: &mut Rng| {
        let of = |t: &&(Vec<Knob>, f64)| t.0.iter().find_map(knob);
        let picked = choice_knob(c, (values(good, of), values(bad, of)), rng);
        c[picked]
    };
    if let Some(c) = &space.hidden {
        out.push(Knob::Hidden(choices(
            c,
            |k| match k {
                Knob::Hidden(v) => Some(*v),
                _ => None,
            },
            rng,
        )));
    }
    if let Some(c) = &space.layers {
        out.push(Knob::Layers(choices(
            c,
            |k| match k {
                Knob::Layers(v) => Some(*v),
                _ => None,
            },
            rng,
        )));
    }
    if let Some(c) = &space.lookback {
        out.push(Knob::Lookback(choices(
            c,
            |k| match k {
                Knob::Lookback(v) => Some(*v),
                _ => None,
            },
            rng,
        )));
    }
    if let Some([lo, hi]) = space.dropout {
        let of = |t: &&(Vec<Knob>, f64)| {
            t.0.iter().find_map(|k| match k {
                Knob::Dropout(v) => Some(*v),
                _ => None,
            })
        };
        out.push(Knob::Dropout(range_knob(
            (lo, hi),
            (values(good, of), values(bad, of)),
            rng,
        )));
    }
    if let Some(c) = &space.cell {
        let index = |cell: CellKind| c.iter().position(|x| *x == cell);
        let of = |t: &&(Vec<Knob>, f64)| {
            t.0.iter().find_map(|k| match k {
                Knob::Cell(v) => index(*v),
                _ => None,
            })
        };
        let positions: Vec<usize> = (0..c.len()).collect();
        let picked = choice_knob(&positions, (values(good, of), values(bad, of)), rng);
        out.push(Knob::Cell(c[picked]));
    }
    if let Some(c) = &space.batch {
        out.push(Knob::Batch(choices(
            c,
            |k| match k {
                Knob::Batch(v) => Some(*v),
                _ => None,
            },
            rng,
        )));
    }
    out
}

/// The values `of` the trials that have them.
fn values<T>(trials: &[&(Vec<Knob>, f64)], of: impl Fn(&&(Vec<Knob>, f64)) -> Option<T>) -> Vec<T> {
    trials.iter().filter_map(&of).collect()
}

/// A Parzen density on `[lo, hi]`: a Gaussian at each point and a flat prior worth one
/// point. Each point's bandwidth is its distance to the farther of its two neighbours
/// (the range's ends count as neighbours), at least the range over min(100, n + 1), as
/// Bergstra et al.'s TPE sets it: with few points the kernels are as wide as the gaps
/// between them, so a handful of trials that happen to agree on a value do not narrow
/// the next draws to that value (with one bandwidth for all points from their spread,
/// two good trials 0.01 apart in dropout made every later proposal repeat it).
struct Parzen {
    points: Vec<f64>,
    sigmas: Vec<f64>,
    lo: f64,
    hi: f64,
}

impl Parzen {
    fn new(points: Vec<f64>, (lo, hi): (f64, f64)) -> Self {
        let range = (hi - lo).max(f64::MIN_POSITIVE);
        let floor = range / (points.len() + 1).min(100) as f64;
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| points[a].total_cmp(&points[b]));
        let mut sigmas = vec![floor; points.len()];
        for (rank, &i) in order.iter().enumerate() {
            let left = rank.checked_sub(1).map_or(lo, |r| points[order[r]]);
            let right = order.get(rank + 1).map_or(hi, |&j| points[j]);
            let gap = (points[i] - left).max(right - points[i]);
            sigmas[i] = gap.clamp(floor, range);
        }
        Self {
            points,
            sigmas,
            lo,
            hi,
        }
    }

    fn density(&self, x: f64) -> f64 {
        let range = (self.hi - self.lo).max(f64::MIN_POSITIVE);
        let root_two_pi = (2.0 * std::f64::consts::PI).sqrt();
        let kernels: f64 = (self.points.iter().zip(&self.sigmas))
            .map(|(p, s)| (-0.5 * ((x - p) / s).powi(2)).exp() / (s * root_two_pi))
            .sum();
        (kernels + 1.0 / range) / (self.points.len() + 1) as f64
    }

    fn draw(&self, rng: &mut Rng) -> f64 {
        // The prior is one of the n + 1 components.
        let k = rng.below(self.points.len() + 1);
        let (Some(p), Some(s)) = (self.points.get(k), self.sigmas.get(k)) else {
            return rng.uniform_range(self.lo, self.hi);
        };
        // The kernel truncated to the range (redrawn, not clamped: clamping would pile
        // the mass beyond an end onto the end itself, and trials would repeat it).
        for _ in 0..TRUNCATION_TRIES {
            let x = p + rng.normal() * s;
            if (self.lo..=self.hi).contains(&x) {
                return x;
            }
        }
        p.clamp(self.lo, self.hi)
    }
}

/// The best of [`CANDIDATES`] draws from the good trials' density by l(x)/g(x).
fn range_knob((lo, hi): (f64, f64), (good, bad): (Vec<f64>, Vec<f64>), rng: &mut Rng) -> f64 {
    let (l, g) = (Parzen::new(good, (lo, hi)), Parzen::new(bad, (lo, hi)));
    let mut best = (f64::NEG_INFINITY, lo);
    for _ in 0..CANDIDATES {
        let x = l.draw(rng);
        let score = l.density(x).ln() - g.density(x).ln();
        if score > best.0 {
            best = (score, x);
        }
    }
    best.1
}

/// The index of a choice drawn with probability in proportion to l/g, where l and g are
/// the good and bad trials' frequencies of each choice plus one. Not the best l/g of a
/// few draws, as for ranges: with a handful of choices the best of two dozen draws is
/// the same choice every time, and the search stopped trying the others after its first
/// few good trials.
fn choice_knob<T: PartialEq>(choices: &[T], (good, bad): (Vec<T>, Vec<T>), rng: &mut Rng) -> usize {
    let weight = |seen: &[T], c: &T| (seen.iter().filter(|v| *v == c).count() + 1) as f64;
    // l/g up to a factor the same for every choice (the two totals), which a draw in
    // proportion does not see.
    let ratio: Vec<f64> = (choices.iter())
        .map(|c| weight(&good, c) / weight(&bad, c))
        .collect();
    let mut u = rng.uniform() * ratio.iter().sum::<f64>();
    let mut i = 0;
    while i + 1 < ratio.len() && u >= ratio[i] {
        u -= ratio[i];
        i += 1;
    }
    i
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A synthetic objective with its optimum at lr 1e-3, dropout 0.1, hidden 64, one
    /// layer and the GRU (value 0 there), smooth in the ranges.
    fn objective(knobs: &[Knob]) -> f64 {
        knobs
            .iter()
            .map(|k| match k {
                Knob::Lr(v) => (v.log10() + 3.0).powi(2),
                Knob::Dropout(v) => 20.0 * (v - 0.1).powi(2),
                Knob::Hidden(v) => f64::from(u8::from(*v != 64)) * 0.5,
                Knob::Layers(v) => f64::from(u8::from(*v != 1)) * 0.3,
                Knob::Cell(c) => f64::from(u8::from(*c != CellKind::Gru)) * 0.3,
                _ => 0.0,
            })
            .sum()
    }

    fn space() -> SearchSpace {
        SearchSpace {
            lr: Some([1e-5, 1e-1]),
            dropout: Some([0.0, 0.5]),
            hidden: Some(vec![16, 32, 64, 128, 256]),
            layers: Some(vec![1, 2, 3]),
            cell: Some(vec![CellKind::Lstm, CellKind::Gru, CellKind::Rnn]),
            ..SearchSpace::default()
        }
    }

    /// The best objective value a search of `budget` trials reaches.
    fn best_of(tpe: bool, budget: usize, seed: u64) -> f64 {
        let (space, mut rng) = (space(), Rng::new(seed));
        let mut history: Vec<(Vec<Knob>, f64)> = Vec::new();
        for _ in 0..budget {
            let knobs = if tpe {
                propose(&space, &history, &mut rng)
            } else {
                space.sample(&mut rng)
            };
            let value = objective(&knobs);
            history.push((knobs, value));
        }
        history
            .iter()
            .map(|(_, v)| *v)
            .fold(f64::INFINITY, f64::min)
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    #[test]
    fn tpe_finds_a_known_optimum_sooner_than_random_search() {
        let seeds = 1..=11;
        let tpe = median(seeds.clone().map(|s| best_of(true, 40, s)).collect());
        let random = median(seeds.clone().map(|s| best_of(false, 40, s)).collect());
        // Random search at twice the budget, for scale.
        let random_80 = median(seeds.map(|s| best_of(false, 80, s)).collect());
        println!(
            "median best over 11 seeds: TPE at 40 trials {tpe:.3}, random at 40 {random:.3}, random at 80 {random_80:.3}"
        );
        assert!(tpe < 0.5 * random, "TPE {tpe} against random {random}");
        assert!(
            tpe < random_80,
            "TPE at 40 {tpe} against random at 80 {random_80}"
        );
    }

    #[test]
    fn a_short_tpe_search_gets_a_note_and_a_long_one_none() {
        let search = |method, trials| TuneSettings {
            method,
            trials,
            ..TuneSettings::default()
        };
        let note = budget_note(&search(Method::Tpe, 16)).unwrap();
        assert!(
            note.contains("first 5 trials") && note.contains("with 16 trials"),
            "{note}"
        );
        assert_eq!(budget_note(&search(Method::Tpe, PAYS_OFF_FROM)), None);
        assert_eq!(budget_note(&search(Method::Tpe, 64)), None);
        // Random search and ASHA draw every trial at random: nothing to learn first.
        assert_eq!(budget_note(&search(Method::Random, 8)), None);
        assert_eq!(budget_note(&search(Method::Asha, 8)), None);
    }

    #[test]
    fn kernels_are_as_wide_as_the_gaps_and_truncated_to_the_range() {
        // Two trials 0.01 apart in [0, 0.3]: each kernel spans the gap to its farther
        // neighbour (the range's ends count), not their spread.
        let p = Parzen::new(vec![0.13, 0.12], (0.0, 0.3));
        assert!((p.sigmas[0] - 0.17).abs() < 1e-12, "{:?}", p.sigmas);
        assert!((p.sigmas[1] - 0.12).abs() < 1e-12, "{:?}", p.sigmas);
        // Three trials at one value: the outer two reach the range's ends, the middle one
        // (no gap on either side) gets the floor, the range over min(100, n + 1).
        let p = Parzen::new(vec![0.5; 3], (0.0, 1.0));
        assert_eq!(p.sigmas, vec![0.5, 0.25, 0.5]);
        // A point at the end: its draws stay inside and do not pile up on the end, as
        // clamping would put half of them there.
        let p = Parzen::new(vec![0.3], (0.0, 0.3));
        let mut rng = Rng::new(5);
        let draws: Vec<f64> = (0..2000).map(|_| p.draw(&mut rng)).collect();
        assert!(draws.iter().all(|x| (0.0..=0.3).contains(x)));
        let at_end = draws.iter().filter(|x| **x == 0.3).count();
        assert!(at_end < 5, "{at_end} of 2000 draws exactly at the end");
    }

    #[test]
    fn a_choice_is_drawn_in_proportion_to_l_over_g() {
        // Good trials all chose 0, bad ones 1 and 2: l/g = (4/6)/(1/9) = 6 for 0 and
        // (1/6)/(4/9) = 3/8 for 1 and 2, so 0 is drawn 16/18 of the time and the others
        // still 1/18 each.
        let good = vec![0usize, 0, 0];
        let bad = vec![1usize, 2, 1, 2, 1, 2];
        let mut rng = Rng::new(11);
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            counts[choice_knob(&[0usize, 1, 2], (good.clone(), bad.clone()), &mut rng)] += 1;
        }
        let share = |c: usize| c as f64 / 4000.0;
        assert!((share(counts[0]) - 16.0 / 18.0).abs() < 0.02, "{counts:?}");
        assert!((share(counts[1]) - 1.0 / 18.0).abs() < 0.02, "{counts:?}");
        assert!((share(counts[2]) - 1.0 / 18.0).abs() < 0.02, "{counts:?}");
    }

    #[test]
    fn the_first_trials_are_random_and_every_proposal_stays_in_the_space() {
        let space = space();
        let mut rng = Rng::new(3);
        let mut history = Vec::new();
        for i in 0..30 {
            let knobs = propose(&space, &history, &mut rng);
            assert_eq!(knobs.len(), 5);
            for k in &knobs {
                match k {
                    Knob::Lr(v) => assert!((1e-5..=1e-1).contains(v), "{v}"),
                    Knob::Dropout(v) => assert!((0.0..=0.5).contains(v), "{v}"),
                    Knob::Hidden(v) => assert!([16, 32, 64, 128, 256].contains(v)),
                    Knob::Layers(v) => assert!((1..=3).contains(v)),
                    _ => {}
                }
            }
            let value = if i == 7 { f64::NAN } else { objective(&knobs) };
            history.push((knobs, value));
        }
        // Before STARTUP_TRIALS finished trials a proposal is a random draw.
        let mut a = Rng::new(9);
        let mut b = Rng::new(9);
        let short: Vec<(Vec<Knob>, f64)> = history[..STARTUP_TRIALS - 1].to_vec();
        assert_eq!(propose(&space, &short, &mut a), space.sample(&mut b));
    }
}
