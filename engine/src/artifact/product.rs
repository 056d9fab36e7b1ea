//! The product forecast a saved model records, checked before it is used.

/// A product forecast the saved model can reproduce: a mixing weight in (0, 1), and a
/// linear AR per target, of the model's window, whenever the choice uses it.
pub(super) fn check_product(
    product: &crate::pipeline::ProductSpec,
    targets: usize,
    lookback: usize,
    horizon: usize,
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
                    && t.iter().all(|steps| {
                        steps.len() == horizon
                            && steps.iter().flatten().all(|r| r.is_finite() && *r >= 0.0)
                    })
            });
        if bad_level || !shaped {
            return Err(format!(
                "the product forecast's intervals do not fit {targets} targets × {} levels × \
                 horizon {horizon} (or hold a level outside 0–1 or a negative radius)",
                i.levels.len()
            ));
        }
    }
    let baseline = match product.source {
        Source::Model => return Ok(()),
        Source::Baseline { baseline } => baseline,
        Source::Ensemble {
            baseline,
            model_weight,
        } => {
            if !(model_weight > 0.0 && model_weight < 1.0) {
                return Err(format!(
                    "the product forecast's model weight {model_weight} is not between 0 and 1"
                ));
            }
            baseline
        }
    };
    if baseline != BaselineKind::Linear {
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
