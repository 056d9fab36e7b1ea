#![allow(clippy::unwrap_used)] // a panic is a test failure

use super::*;

fn part(origins: &[usize], horizon: usize, offset: f64) -> PartForecast {
    let n = origins.len() * horizon;
    let series = |shift: f64| vec![(0..n).map(|i| i as f64 + shift).collect::<Vec<_>>()];
    PartForecast {
        origins: origins.to_vec(),
        actual: series(offset),
        model: series(offset + 1.0),
        baselines: BTreeMap::from([(BaselineKind::Naive, series(offset + 2.0))]),
        product: series(offset + 3.0),
        quantiles: None,
    }
}

#[test]
fn origins_step_from_the_first_and_refits_cover_every_chunk() {
    let test = [10, 11, 12, 13, 14, 15, 16];
    assert_eq!(origins(&test, 1), test);
    assert_eq!(origins(&test, 3), [10, 13, 16]);
    assert_eq!(origins(&test, 10), [10]);
    let settings = |every, refit| BacktestConfig { every, refit };
    assert_eq!(refit_count(7, settings(1, 0)), 0);
    assert_eq!(refit_count(7, settings(1, 3)), 3); // 3 + 3 + 1 origins
    assert_eq!(refit_count(6, settings(1, 3)), 2);
    assert_eq!(refit_count(1, settings(1, 5)), 1);
}

#[test]
fn a_subset_keeps_whole_windows_of_every_forecaster() {
    // Three windows of horizon 2: values 0..6 (+ offsets per forecaster).
    let p = part(&[5, 6, 7], 2, 0.0);
    let s = subset(&p, &[5, 7]);
    assert_eq!(s.origins, [5, 7]);
    assert_eq!(s.actual, [vec![0.0, 1.0, 4.0, 5.0]]);
    assert_eq!(s.model, [vec![1.0, 2.0, 5.0, 6.0]]);
    assert_eq!(
        s.baselines[&BaselineKind::Naive],
        [vec![2.0, 3.0, 6.0, 7.0]]
    );
    assert_eq!(s.product, [vec![3.0, 4.0, 7.0, 8.0]]);
}

#[test]
fn pieces_join_in_order_and_keep_only_shared_baselines() {
    let a = part(&[5, 6], 2, 0.0);
    let mut b = part(&[7], 2, 100.0);
    b.baselines
        .insert(BaselineKind::Drift, vec![vec![0.0, 0.0]]);
    let joined = concat(vec![a, b]);
    assert_eq!(joined.origins, [5, 6, 7]);
    assert_eq!(joined.actual, [vec![0.0, 1.0, 2.0, 3.0, 100.0, 101.0]]);
    assert_eq!(
        joined.baselines.keys().copied().collect::<Vec<_>>(),
        [BaselineKind::Naive],
        "drift is missing from the first piece"
    );
    assert!(
        joined.product.is_empty(),
        "the choice is applied after joining"
    );
}
