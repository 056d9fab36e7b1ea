//! Which settings differ between runs: configurations flattened to `section.field`
//! paths and compared value by value.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::RunConfig;

/// One setting that differs between the compared configurations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// Dotted path, e.g. `train.lr` or `model.cell`.
    pub field: String,
    /// Its value in each configuration, in order ("-" when absent).
    pub values: Vec<String>,
}

/// The settings whose values are not the same in all of `configs`, in path order.
pub fn config_diff(configs: &[&RunConfig]) -> Vec<DiffRow> {
    let flat: Vec<BTreeMap<String, String>> = configs
        .iter()
        .map(|c| {
            let mut out = BTreeMap::new();
            if let Ok(value) = serde_json::to_value(c) {
                flatten("", &value, &mut out);
            }
            out
        })
        .collect();
    let mut fields: Vec<&String> = flat.iter().flat_map(BTreeMap::keys).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let values: Vec<String> = flat
                .iter()
                .map(|m| m.get(field).cloned().unwrap_or_else(|| "-".into()))
                .collect();
            let differ = values.windows(2).any(|w| w[0] != w[1]);
            differ.then(|| DiffRow {
                field: field.clone(),
                values,
            })
        })
        .collect()
}

/// Objects become `a.b` paths; tagged enums (`{"kind": "norm", "max": 1}`) and arrays stay
/// one value, written compactly.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.contains_key("kind") => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CellKind, ClipKind};

    #[test]
    fn only_changed_fields_are_listed() {
        let a = RunConfig::default();
        let mut b = a.clone();
        b.train.lr = 3e-3;
        b.model.cell = CellKind::Gru;
        let mut c = a.clone();
        c.train.clip = ClipKind::Value { max: 0.5 };
        let rows = config_diff(&[&a, &b]);
        let fields: Vec<&str> = rows.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(fields, ["model.cell", "train.lr"]);
        assert_eq!(rows[0].values, ["lstm", "gru"]);
        assert_eq!(rows[1].values, ["0.001", "0.003"]);
        let rows = config_diff(&[&a, &b, &c]);
        let fields: Vec<&str> = rows.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(fields, ["model.cell", "train.clip", "train.lr"]);
        assert!(rows[1].values[2].contains("value"), "{:?}", rows[1]);
        assert!(config_diff(&[&a, &a.clone()]).is_empty());
    }
}
