//! The product forecast a saved model records, checked before it is used.

/// A product forecast the saved model can reproduce: a mixing weight in (0, 1), a
/// linear AR per target, of the model's window, whenever the choice uses it, and
/// interval bands on quantile pairs the model has (`quantiles` levels).
pub(super) fn check_product(
    product: &crate::pipeline::ProductSpec,
    targets: usize,
    (lookback, horizon): (usize, usize),
    quantiles: usize,
) -> Result<(), String> {
    use crate::eval::baselines::BaselineKind;
    use crate::eval::choice::Source;
    if let Some(i) = &product.intervals {
        let bad_level = i
            .levels
            .iter()
            .any(|l| !(l.is_finite() && *l > 0.0 && *l < 1.0));
        let shaped = i.radii.len() == targets
            && i.radii.iter().all(|t| {
                t.len() == i.levels.len()
                    && t.iter().enumerate().all(|(l, steps)| {
                        // A CQR margin may be negative (the quantiles were too wide).
                        let cqr = i.pairs.get(l).is_some_and(Option::is_some);
                        steps.len() == horizon
                            && steps
                                .iter()
                                .flatten()
                                .all(|r| r.is_finite() && (cqr || *r >= 0.0))
                    })
            });
        let pairs_fit = (i.pairs.is_empty() || i.pairs.len() == i.levels.len())
            && i.pairs
                .iter()
                .flatten()
                .all(|(l, h)| l < h && *h < quantiles);
        if !pairs_fit {
            return Err(format!(
                "the product forecast's intervals name quantile pairs the model does not have \
                 ({quantiles} quantile levels, {} interval levels)",
                i.levels.len()
            ));
        }
        if bad_level || !shaped {
            return Err(format!(
                "the product forecast's intervals do not fit {targets} targets × {} levels × \
                 horizon {horizon} (or hold a level outside 0–1 or a negative radius around the point)",
                i.levels.len()
            ));
        }
    }
    if let Source::Ensemble { model_weight, .. } = product.source
        && !(model_weight > 0.0 && model_weight < 1.0)
    {
        return Err(format!(
            "the product forecast's model weight {model_weight} is not between 0 and 1"
        ));
    }
    if !product.source.uses(BaselineKind::Linear) {
        return Ok(());
    }
    let fits = |ar: &Option<crate::eval::baselines::LinearAr>| {
        ar.as_ref().is_some_and(|a| {
            a.lookback() == lookback
                && a.horizon() == horizon
                && a.try_predict(&vec![0.0; lookback], &[lookback - 1]).is_ok()
        })
    };
    if product.linear.len() != targets || !product.linear.iter().all(fits) {
        return Err(format!(
            "the product forecast uses the linear autoregression, but model.json does not hold \
             one of lookback {lookback} and horizon {horizon} for each of the {targets} targets"
        ));
    }
    Ok(())
}
