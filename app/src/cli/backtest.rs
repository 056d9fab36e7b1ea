//! The backtest's closing table: overall scores over the backtest origins, how the
//! error moved over time (consecutive stretches of origins), and the intervals'
//! coverage there.

use std::fmt::Write as _;

use seqcast_engine::config::MetricsScale;
use seqcast_engine::pipeline::backtest::{Backtest, OriginScore};

use super::table::metrics_table;

/// At most this many stretches in the error-over-time lines.
const STRETCHES: usize = 8;

/// The backtest section printed after the test table.
pub fn section(bt: &Backtest, scale: MetricsScale, model: &str, product: Option<&str>) -> String {
    let mut out = String::new();
    let (Some(first), Some(last)) = (bt.per_origin.first(), bt.per_origin.last()) else {
        let _ = writeln!(out, "\nBacktest: no origins (cancelled before the first)");
        return out;
    };
    let how = if bt.refit == 0 {
        "the trained model at every origin".to_string()
    } else {
        let secs: f64 = bt.refits.iter().map(|r| r.secs).sum();
        format!(
            "retrained every {} origins on the rows before them ({} retrainings, {secs:.1}s)",
            bt.refit,
            bt.refits.len()
        )
    };
    let title = format!(
        "\nBacktest: {} origins from {} to {}, every {}; {how}{}:",
        bt.per_origin.len(),
        first.label,
        last.label,
        bt.every,
        if bt.cancelled { "; cancelled" } else { "" }
    );
    out.push_str(&metrics_table(
        &title,
        bt.scores.in_scale(scale),
        model,
        product,
    ));
    let best = bt.best_baseline();
    let _ = writeln!(
        out,
        "  error over time (MASE, mean over the origins of each stretch){}:",
        best.map_or(String::new(), |k| format!(
            "; {} is the best baseline over the backtest",
            k.name()
        ))
    );
    for stretch in stretches(&bt.per_origin) {
        let (Some(a), Some(b)) = (stretch.first(), stretch.last()) else {
            continue;
        };
        let mean = |get: &dyn Fn(&OriginScore) -> f64| {
            stretch.iter().map(get).sum::<f64>() / stretch.len() as f64
        };
        let _ = write!(
            out,
            "    {} … {} ({:>3}): forecast {:.3}, model {:.3}",
            a.label,
            b.label,
            stretch.len(),
            mean(&|o| o.forecast.mase),
            mean(&|o| o.model.mase)
        );
        if let Some(k) = best {
            let _ = write!(
                out,
                ", {} {:.3}",
                k.name(),
                mean(&|o| o.baselines.get(&k).map_or(f64::NAN, |e| e.mase))
            );
        }
        out.push('\n');
    }
    if let Some(levels) = bt
        .intervals
        .get(seqcast_engine::pipeline::intervals::PRODUCT)
    {
        let cells: Vec<String> = levels
            .iter()
            .filter(|(_, s)| s.coverage.is_finite())
            .map(|(l, s)| format!("{l}% covers {:.1}%", 100.0 * s.coverage))
            .collect();
        if !cells.is_empty() {
            let _ = writeln!(
                out,
                "  the forecast's intervals (from validation) over the backtest: {}",
                cells.join(", ")
            );
        }
    }
    out
}

/// The origins cut into at most [`STRETCHES`] consecutive stretches of equal length
/// (the last may be shorter).
fn stretches(origins: &[OriginScore]) -> std::slice::Chunks<'_, OriginScore> {
    origins.chunks(origins.len().div_ceil(STRETCHES).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_cut_into_at_most_eight_stretches() {
        let o = |i: usize| OriginScore {
            origin: i,
            label: i.to_string(),
            forecast: Default::default(),
            model: Default::default(),
            baselines: Default::default(),
        };
        let lens = |n: usize| {
            let all: Vec<OriginScore> = (0..n).map(o).collect();
            stretches(&all)
                .map(<[OriginScore]>::len)
                .collect::<Vec<_>>()
        };
        assert_eq!(lens(3), [1, 1, 1]);
        assert_eq!(lens(16), [2; 8]);
        assert_eq!(lens(17), [3, 3, 3, 3, 3, 2]);
        assert!(lens(0).is_empty());
    }
}
