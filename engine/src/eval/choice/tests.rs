use super::*;

/// Actual values, the model's forecasts and the baselines', one target each.
type Inputs = (
    Vec<Vec<f64>>,
    Vec<Vec<f64>>,
    BTreeMap<BaselineKind, Vec<Vec<f64>>>,
);

fn inputs(actual: Vec<f64>, model: Vec<f64>, baselines: &[(BaselineKind, Vec<f64>)]) -> Inputs {
    (
        vec![actual],
        vec![model],
        baselines
            .iter()
            .map(|(k, v)| (*k, vec![v.clone()]))
            .collect(),
    )
}

/// `inputs`' validation forecasts over `windows` windows, each target's scale 1 (scores
/// are plain MAE).
fn unit_scale<'a>(
    actual: &'a [Vec<f64>],
    model: &'a [Vec<f64>],
    baselines: &'a BTreeMap<BaselineKind, Vec<Vec<f64>>>,
    windows: usize,
) -> ValidationForecasts<'a> {
    ValidationForecasts {
        actual,
        model,
        baselines,
        scales: &[Some(1.0)],
        windows,
    }
}

#[test]
fn scores_are_mae_over_the_scale_averaged_over_targets() {
    let actual = vec![vec![1.0, 2.0, 3.0, 4.0], vec![10.0, 10.0]];
    let model = vec![vec![1.0, 2.0, 3.0, 5.0], vec![12.0, 6.0]];
    let baselines = BTreeMap::new();
    let v = ValidationForecasts {
        actual: &actual,
        model: &model,
        baselines: &baselines,
        scales: &[Some(0.5), Some(2.0)],
        windows: 4,
    };
    // target 1: MAE 0.25 / 0.5 = 0.5; target 2: MAE 3 / 2 = 1.5; mean 1.0
    assert_eq!(v.score(&model), Some(1.0));
    let v = ValidationForecasts {
        scales: &[None, Some(0.0)],
        windows: 4,
        ..v
    };
    // no usable scale: MAE itself, (0.25 + 3) / 2
    assert_eq!(v.score(&model), Some(1.625));
}

#[test]
fn auto_picks_the_baseline_that_wins_on_validation() {
    let (a, m, b) = inputs(
        vec![1.0, 2.0, 3.0, 4.0],
        vec![1.0, 2.0, 3.0, 5.0],
        &[
            (BaselineKind::Naive, vec![0.0; 4]),
            (BaselineKind::SeasonalNaive, vec![1.0, 2.0, 3.0, 4.0]),
        ],
    );
    let v = ValidationForecasts {
        actual: &a,
        model: &m,
        baselines: &b,
        scales: &[Some(0.5)],
        windows: 4,
    };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(
        c.chosen,
        Source::Baseline {
            baseline: BaselineKind::SeasonalNaive
        }
    );
    assert_eq!(c.model_score, Some(0.5));
    assert_eq!(c.best_baseline, Some((BaselineKind::SeasonalNaive, 0.0)));
    // model, naive, seasonal naive and the best mix with seasonal naive
    assert_eq!(c.candidates.len(), 4);
    assert_eq!(c.candidates[0].score, 0.0);
    assert!(
        c.why.starts_with("Seasonal naive is better than the LSTM"),
        "{}",
        c.why
    );
    assert!(
        c.why
            .ends_with("forecasts use it — see why in Diagnostics."),
        "{}",
        c.why
    );
    assert_eq!(c.skill(), None, "no skill against a perfect baseline");

    // forced: the model stays, and the banner says the baseline is better
    let c = choose(ForecastMode::Model, Some(&v), "LSTM");
    assert_eq!(c.chosen, Source::Model);
    assert!(c.why.contains("as asked (--forecast model)"), "{}", c.why);
}

#[test]
fn auto_keeps_the_model_when_it_wins_and_reports_its_skill() {
    let (a, m, b) = inputs(
        vec![1.0, 2.0, 3.0, 4.0],
        vec![1.0, 2.0, 3.0, 4.5],
        &[(BaselineKind::Naive, vec![1.0, 1.0, 1.0, 3.0])],
    );
    let v = unit_scale(&a, &m, &b, 4);
    let c = choose(ForecastMode::Auto, Some(&v), "GRU");
    assert_eq!(c.chosen, Source::Model);
    // model MAE 0.125, naive (0 + 1 + 2 + 1) / 4 = 1: skill 1 − 0.125 = 0.875
    assert_eq!(c.skill(), Some(0.875));
    assert!(
        c.why.starts_with(
            "The GRU beats naive (repeat the last value), the best baseline, by 88% on validation"
        ),
        "{}",
        c.why
    );
    assert!(c.why.ends_with("forecasts use the GRU."), "{}", c.why);
}

#[test]
fn a_baseline_only_slightly_better_on_validation_does_not_replace_the_model() {
    // model MAE 1.05, seasonal naive 1.0: 5 % better, inside the 10 % margin (and
    // every mix of the two errs by at least 1.0)
    let (a, m, b) = inputs(
        vec![0.0, 0.0],
        vec![1.05, 1.05],
        &[(BaselineKind::SeasonalNaive, vec![1.0, 1.0])],
    );
    let v = unit_scale(&a, &m, &b, 4);
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(c.chosen, Source::Model, "{}", c.why);
    assert!(
        c.why.starts_with("Seasonal naive is better than the LSTM"),
        "{}",
        c.why
    );
    assert!(
        c.why.ends_with("forecasts still use the LSTM: a difference under 10% on validation is not clear enough to switch."),
        "{}",
        c.why
    );
    // 20 % better is clear enough to leave the model…
    let m = vec![vec![1.25, 0.0]];
    let v = ValidationForecasts { model: &m, ..v };
    // model MAE 0.625 against the baseline's 1.0: now the model is 37.5 % better
    assert_eq!(
        choose(ForecastMode::Auto, Some(&v), "LSTM").chosen,
        Source::Model
    );
    let m = vec![vec![1.25, 1.25]];
    let v = ValidationForecasts { model: &m, ..v };
    // model 1.25, baseline 1.0, any mix ≥ 1.0: the baseline
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(
        c.chosen,
        Source::Baseline {
            baseline: BaselineKind::SeasonalNaive
        },
        "{}",
        c.why
    );
    // A mix that beats both by far on validation is scored, but `auto` does not use it
    // (its gain is the two's opposite errors cancelling): the baseline stays.
    // 0.45 × [1.25, −1.25] + 0.55 × [1, 1] = [1.1125, 0.0125], MAE 0.5625
    let m = vec![vec![1.25, -1.25]];
    let v = ValidationForecasts { model: &m, ..v };
    let mix = Source::Ensemble {
        baseline: BaselineKind::SeasonalNaive,
        model_weight: 0.45,
    };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert!(
        c.candidates
            .iter()
            .any(|x| x.source == mix && (x.score - 0.5625).abs() < 1e-12),
        "{:?}",
        c.candidates
    );
    assert_eq!(
        c.chosen,
        Source::Baseline {
            baseline: BaselineKind::SeasonalNaive
        },
        "{}",
        c.why
    );
    // `--forecast ensemble` asks for it.
    let c = choose(ForecastMode::Ensemble, Some(&v), "LSTM");
    assert_eq!(c.chosen, mix, "{}", c.why);
    assert!(
        c.why.ends_with("as asked (--forecast ensemble)."),
        "{}",
        c.why
    );
}

#[test]
fn a_more_complex_baseline_must_be_clearly_better_to_be_the_reference() {
    // Seasonal naive errs 1.0 everywhere; the linear autoregression 0.95 (5 % better,
    // inside the margin); drift 2.0. The model errs 1.5: worse than both by > 10 %.
    let (a, m, b) = inputs(
        vec![0.0, 0.0],
        vec![1.5, 1.5],
        &[
            (BaselineKind::SeasonalNaive, vec![1.0, 1.0]),
            (BaselineKind::Drift, vec![2.0, 2.0]),
            (BaselineKind::Linear, vec![0.95, 0.95]),
        ],
    );
    let v = unit_scale(&a, &m, &b, 4);
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(c.best_baseline, Some((BaselineKind::Linear, 0.95)));
    assert_eq!(c.reference, Some((BaselineKind::SeasonalNaive, 1.0)));
    // Too close to tell apart: the forecasts average the two (both err above the
    // actual values here, so the average errs 0.975).
    let pair = Source::Pair {
        simpler: BaselineKind::SeasonalNaive,
        fitted: BaselineKind::Linear,
    };
    assert_eq!(c.chosen, pair, "{}", c.why);
    assert!(
        c.candidates
            .iter()
            .any(|x| x.source == pair && (x.score - 0.975).abs() < 1e-12),
        "{:?}",
        c.candidates
    );
    assert!(
        c.why.ends_with(
            "forecasts use the average of seasonal naive and linear autoregression (validation \
             MASE 0.975): linear autoregression is only 5% better than seasonal naive on \
             validation, too little to choose between a simpler baseline and one that fits \
             more — see why in Diagnostics."
        ),
        "{}",
        c.why
    );
    // The mix is formed with the reference, not with the best baseline.
    assert!(c.candidates.iter().all(|x| !matches!(
        x.source,
        Source::Ensemble {
            baseline: BaselineKind::Linear,
            ..
        }
    )));

    // A model within 10 % of the reference stays, and the banner says why.
    let m = vec![vec![1.05, 1.05]];
    let v = ValidationForecasts { model: &m, ..v };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(c.chosen, Source::Model, "{}", c.why);
    assert!(
        c.why.ends_with(
            "forecasts still use the LSTM: it is within 10% of seasonal naive (validation MASE \
             1.000), and linear autoregression is not clearly better than that simpler baseline."
        ),
        "{}",
        c.why
    );

    // 20 % better is clear: the linear autoregression becomes the reference.
    let lin = vec![vec![0.8, 0.8]];
    let mut b = b.clone();
    b.insert(BaselineKind::Linear, lin);
    let m = vec![vec![1.5, 1.5]];
    let v = ValidationForecasts {
        model: &m,
        baselines: &b,
        ..v
    };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(c.reference, Some((BaselineKind::Linear, 0.8)));
    assert_eq!(
        c.chosen,
        Source::Baseline {
            baseline: BaselineKind::Linear
        }
    );
    assert!(
        c.candidates
            .iter()
            .all(|x| !matches!(x.source, Source::Pair { .. })),
        "nothing fits more than the reference: no pair"
    );
}

#[test]
fn two_baselines_too_close_to_tell_apart_are_averaged() {
    // Seasonal naive errs +1 on the first value and 0 on the second; the linear
    // autoregression 0 and −0.95: its MAE 0.475 is 5 % under seasonal naive's 0.5, not
    // clearly better, so seasonal naive stays the reference; their average errs +0.5 and
    // −0.475 (MAE 0.4875). Drift errs 3: not a partner. The model errs 0.6 (more than
    // 10 % above the pair's 0.4875).
    let (a, m, b) = inputs(
        vec![10.0, 20.0],
        vec![10.6, 20.6],
        &[
            (BaselineKind::SeasonalNaive, vec![11.0, 20.0]),
            (BaselineKind::Drift, vec![13.0, 23.0]),
            (BaselineKind::Linear, vec![10.0, 19.05]),
        ],
    );
    let v = unit_scale(&a, &m, &b, 4);
    let c = choose(ForecastMode::Auto, Some(&v), "GRU");
    assert_eq!(c.reference, Some((BaselineKind::SeasonalNaive, 0.5)));
    let pair = Source::Pair {
        simpler: BaselineKind::SeasonalNaive,
        fitted: BaselineKind::Linear,
    };
    assert_eq!(c.chosen, pair, "{}", c.why);
    let combined = pair.combine(&m, &b).unwrap();
    assert_eq!(combined, vec![vec![10.5, 19.525]]);
    assert!((v.score(&combined).unwrap() - 0.4875).abs() < 1e-12);
    assert!(pair.uses(BaselineKind::Linear) && pair.uses(BaselineKind::SeasonalNaive));
    assert!(!pair.uses(BaselineKind::Drift));
    assert_eq!(pair.name(), "baselines");
    assert_eq!(
        pair.describe("GRU"),
        "the average of seasonal naive and linear autoregression"
    );

    // A model within 10 % of the pair keeps the forecasts.
    let m = vec![vec![10.5, 20.5]];
    let v = ValidationForecasts { model: &m, ..v };
    assert_eq!(
        choose(ForecastMode::Auto, Some(&v), "GRU").chosen,
        Source::Model
    );
}

#[test]
fn opposite_errors_make_the_even_combination_best() {
    let (a, m, b) = inputs(
        vec![1.0, 2.0, 3.0],
        vec![2.0, 3.0, 4.0],
        &[(BaselineKind::Drift, vec![0.0, 1.0, 2.0])],
    );
    let v = unit_scale(&a, &m, &b, 4);
    // The model (error 1) is as good as drift (error 1): `auto` keeps it, though their
    // even mix is exact.
    assert_eq!(
        choose(ForecastMode::Auto, Some(&v), "LSTM").chosen,
        Source::Model
    );
    let c = choose(ForecastMode::Ensemble, Some(&v), "LSTM");
    assert_eq!(
        c.chosen,
        Source::Ensemble {
            baseline: BaselineKind::Drift,
            model_weight: 0.5
        }
    );
    assert_eq!(c.candidates[0].score, 0.0);
    let combined = c.chosen.combine(&m, &b).unwrap();
    assert_eq!(combined, a);
    assert!(
        c.why.contains("0.50 × the LSTM + 0.50 × drift"),
        "{}",
        c.why
    );
}

#[test]
fn forced_and_unjudged_choices() {
    let (a, m, b) = inputs(
        vec![1.0, 2.0],
        vec![1.0, 2.0],
        &[(BaselineKind::Naive, vec![1.0, 1.0])],
    );
    let v = unit_scale(&a, &m, &b, 4);
    let naive = Source::Baseline {
        baseline: BaselineKind::Naive,
    };
    assert_eq!(choose(ForecastMode::Naive, Some(&v), "LSTM").chosen, naive);
    // a baseline that was not computed cannot be forced: the model stays
    assert_eq!(
        choose(ForecastMode::Linear, Some(&v), "LSTM").chosen,
        Source::Model
    );
    // no validation windows: auto keeps the model, a forced baseline is used
    let c = choose(ForecastMode::Auto, None, "LSTM");
    assert_eq!(c.chosen, Source::Model);
    assert!(c.candidates.is_empty());
    assert!(c.why.starts_with("No validation windows"), "{}", c.why);
    assert_eq!(choose(ForecastMode::Naive, None, "LSTM").chosen, naive);
    for mode in ForecastMode::ALL {
        assert_eq!(ForecastMode::parse(mode.name()), Some(mode));
    }
    assert_eq!(ForecastMode::parse("best"), None);
}

#[test]
fn on_one_validation_window_the_model_must_lead_by_the_margin() {
    // model MAE 0.95 against seasonal naive's 1.0: 5 % better
    let (a, m, b) = inputs(
        vec![0.0, 0.0],
        vec![0.95, 0.95],
        &[(BaselineKind::SeasonalNaive, vec![1.0, 1.0])],
    );
    let v = unit_scale(&a, &m, &b, 2);
    // on two windows, a lead is a lead
    assert_eq!(
        choose(ForecastMode::Auto, Some(&v), "LSTM").chosen,
        Source::Model
    );
    // on one, 5 % is not enough: the baseline, and the banner says why
    let v = ValidationForecasts { windows: 1, ..v };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    let snaive = Source::Baseline {
        baseline: BaselineKind::SeasonalNaive,
    };
    assert_eq!(c.chosen, snaive, "{}", c.why);
    assert_eq!(c.validation_windows, 1);
    assert_eq!(
        c.why,
        "The LSTM beats seasonal naive, the best baseline, by 5% on validation (validation \
         MASE 0.950 against seasonal naive's 1.000); forecasts use seasonal naive (validation \
         MASE 1.000) all the same: validation holds one window only, too little evidence to \
         trust the LSTM over the baselines unless it is at least 10% better."
    );
    // 0.89 is 11 % better: the model
    let m = vec![vec![0.89, 0.89]];
    let v = ValidationForecasts { model: &m, ..v };
    assert_eq!(
        choose(ForecastMode::Auto, Some(&v), "LSTM").chosen,
        Source::Model
    );
    // a tie (within half a per cent) reads as one, and the baseline stays
    let m = vec![vec![1.002, 1.002]];
    let v = ValidationForecasts { model: &m, ..v };
    let c = choose(ForecastMode::Auto, Some(&v), "LSTM");
    assert_eq!(c.chosen, snaive);
    assert!(
        c.why
            .starts_with("The LSTM ties with seasonal naive on validation")
            && c.why
                .contains("all the same: validation holds one window only"),
        "{}",
        c.why
    );
    // asked for, the model is used whatever the margin
    let m = vec![vec![0.95, 0.95]];
    let v = ValidationForecasts { model: &m, ..v };
    assert_eq!(
        choose(ForecastMode::Model, Some(&v), "LSTM").chosen,
        Source::Model
    );
}
