//! A quantile model's section of the closing table: each level's pinball loss and how
//! often the truth fell below it (validation and test), and every interval between a
//! trained pair of levels, raw and conformalised (CQR), on the test part.

use std::fmt::Write as _;

use seqcast_engine::pipeline::quantiles::QuantileReport;

use super::table::num;

/// The quantile section printed after the intervals table.
pub fn section(q: &QuantileReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nQuantile forecasts (pinball loss, lower is better; share of actual values at or \
         below each quantile, the level when calibrated):"
    );
    let _ = writeln!(
        out,
        "  {:>6} {:>14} {:>9} {:>14} {:>9}",
        "level", "val pinball", "below", "test pinball", "below"
    );
    for (k, v) in q.val.iter().enumerate() {
        let t = q.test.get(k);
        let _ = writeln!(
            out,
            "  {:>6} {:>14} {:>8.1}% {:>14} {:>8}",
            v.level,
            num(v.pinball),
            100.0 * v.below,
            t.map_or_else(|| "–".into(), |t| num(t.pinball)),
            t.map_or_else(|| "–".into(), |t| format!("{:.1}%", 100.0 * t.below)),
        );
    }
    if q.pinball.is_finite() {
        let _ = writeln!(out, "  mean test pinball loss {}", num(q.pinball));
    }
    if q.intervals.values().any(|p| p.raw.coverage.is_finite()) {
        let _ = writeln!(
            out,
            "  Intervals between the quantiles on the test part (raw; CQR: widened or narrowed \
             by a margin from the validation windows):"
        );
        let _ = writeln!(
            out,
            "  {:>6} {:>12} {:>9} {:>12} {:>12} | {:>9} {:>12} {:>12}",
            "level",
            "quantiles",
            "raw cov",
            "width",
            "int. score",
            "CQR cov",
            "width",
            "int. score"
        );
        for (label, p) in &q.intervals {
            let _ = writeln!(
                out,
                "  {:>5}% {:>12} {:>8.1}% {:>12} {:>12} | {:>8} {:>12} {:>12}",
                label,
                format!("{}–{}", p.lower, p.upper),
                100.0 * p.raw.coverage,
                num(p.raw.width),
                num(p.raw.winkler),
                if p.cqr.coverage.is_finite() {
                    format!("{:.1}%", 100.0 * p.cqr.coverage)
                } else {
                    "too few".into()
                },
                num(p.cqr.width),
                num(p.cqr.winkler),
            );
        }
    }
    out
}
