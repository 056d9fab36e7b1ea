//! Reading back floats that were not finite. JSON has no NaN or infinity: serde_json
//! writes them as `null`, and a plain `f64` field then refuses to read its own file —
//! a run whose MSE overflowed or whose loss became NaN was listed as damaged. Fields
//! that can hold such values read `null` as NaN ("not a number": the value is lost,
//! the run is not).

use serde::{Deserialize, Deserializer};

/// `deserialize_with` for an `f64` written by serde_json: `null` reads as NaN.
pub fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// `default` for an `f64` field that older files do not have: NaN (unknown).
pub fn nan() -> f64 {
    f64::NAN
}

/// `deserialize_with` for named values (`[("layer 1", 0.3), …]`): `null` reads as NaN.
pub fn named_nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
    let pairs = Vec::<(String, Option<f64>)>::deserialize(d)?;
    Ok(pairs
        .into_iter()
        .map(|(name, v)| (name, v.unwrap_or(f64::NAN)))
        .collect())
}

/// `deserialize_with` for keyed lists of values (`{"80": [0.5, null, …]}`): `null`
/// reads as NaN.
pub fn keyed_nan_if_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, Vec<f64>>, D::Error> {
    let map = std::collections::BTreeMap::<String, Vec<Option<f64>>>::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(key, values)| {
            (
                key,
                values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
            )
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::Serialize;

    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Row {
        #[serde(deserialize_with = "nan_if_null")]
        x: f64,
        #[serde(deserialize_with = "named_nan_if_null")]
        named: Vec<(String, f64)>,
        #[serde(default, deserialize_with = "keyed_nan_if_null")]
        keyed: std::collections::BTreeMap<String, Vec<f64>>,
    }

    #[test]
    fn non_finite_values_come_back_as_nan_and_finite_ones_as_they_were() {
        let row = Row {
            x: f64::INFINITY,
            named: vec![("a".into(), f64::NAN), ("b".into(), 1.5)],
            keyed: [("95".to_string(), vec![0.5, f64::NAN])].into(),
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"x":null,"named":[["a",null],["b",1.5]],"keyed":{"95":[0.5,null]}}"#
        );
        let back: Row = serde_json::from_str(&json).unwrap();
        assert!(back.x.is_nan() && back.named[0].1.is_nan());
        assert!(back.keyed["95"][0] == 0.5 && back.keyed["95"][1].is_nan());
        assert_eq!(back.named[1], ("b".into(), 1.5));
        let plain: Row = serde_json::from_str(r#"{"x":2.5,"named":[]}"#).unwrap();
        assert_eq!(plain.x, 2.5);
    }
}
