//! Static attributes: facts about each series that do not change with time (region,
//! product type, store size), read from columns constant within each series of a long
//! table or from a second CSV keyed by the series id (`--static FILE`), and fed to the
//! model at every step of the series' windows: a number z-scored over the series, a
//! category one-hot encoded.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::Panel;
use crate::data::cell::is_missing;
use crate::data::table::{CsvTable, RawColumn};
use crate::error::{EngineError, Result};

/// A category attribute may have at most this many distinct values: more looks like an
/// id or a measurement written as text, and would make the model's input very wide.
pub const MAX_LEVELS: usize = 64;

/// One series' value of one attribute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// A number.
    Number(f64),
    /// A category (any text that is not a number).
    Text(String),
    /// No value for this series.
    Missing,
}

impl AttrValue {
    /// The value as a user reads it.
    pub fn label(&self) -> String {
        match self {
            Self::Number(v) => format!("{v}"),
            Self::Text(t) => t.clone(),
            Self::Missing => "(missing)".to_string(),
        }
    }
}

/// How one attribute is fed to the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttrKind {
    /// Every value is a number: z-scored over the series (a missing value is the mean).
    Number {
        /// Mean over the series.
        mean: f64,
        /// Population standard deviation over the series (0: the input is always 0).
        std: f64,
    },
    /// Categories, one input each (a missing value is a category of its own).
    Category {
        /// The categories in sorted order.
        levels: Vec<String>,
    },
}

/// One attribute and its encoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// Its name (the column's).
    pub name: String,
    /// How it is encoded.
    #[serde(flatten)]
    pub kind: AttrKind,
    /// Series without a value.
    pub missing: usize,
}

impl Attribute {
    /// Model inputs it takes.
    pub fn width(&self) -> usize {
        match &self.kind {
            AttrKind::Number { .. } => 1,
            AttrKind::Category { levels } => levels.len(),
        }
    }

    /// One line for the load report: `region (4 categories)`, `size (number)`.
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            AttrKind::Number { .. } => "number".to_string(),
            AttrKind::Category { levels } => format!("{} categories", levels.len()),
        };
        let missing = if self.missing > 0 {
            format!(", missing for {} series", self.missing)
        } else {
            String::new()
        };
        format!("{} ({what}{missing})", self.name)
    }
}

/// The encodings of a panel's attributes, fitted on its series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// One per [`Panel::attributes`] name, in order.
    pub attributes: Vec<Attribute>,
}

impl Encoding {
    /// Fits the encodings on every series of `panel`: a column whose every value is a
    /// number is a number, any other a category (at most [`MAX_LEVELS`]).
    pub fn fit(panel: &Panel) -> Result<Self> {
        let mut attributes = Vec::with_capacity(panel.attributes.len());
        for (a, name) in panel.attributes.iter().enumerate() {
            let values = || panel.series.iter().filter_map(|s| s.attributes.get(a));
            let missing = values().filter(|v| **v == AttrValue::Missing).count();
            let numbers: Vec<f64> = values()
                .filter_map(|v| match v {
                    AttrValue::Number(x) => Some(*x),
                    _ => None,
                })
                .collect();
            let texts = values().any(|v| matches!(v, AttrValue::Text(_)));
            let kind = if texts {
                let levels: BTreeSet<String> = values()
                    .map(|v| match v {
                        AttrValue::Missing => "(missing)".to_string(),
                        other => other.label(),
                    })
                    .collect();
                if levels.len() > MAX_LEVELS {
                    return Err(EngineError::Config(format!(
                        "static attribute '{name}' has {} distinct values; a category may have \
                         at most {MAX_LEVELS} (is it an id, or a number written as text?)",
                        levels.len()
                    )));
                }
                AttrKind::Category {
                    levels: levels.into_iter().collect(),
                }
            } else {
                let n = numbers.len().max(1) as f64;
                let mean = numbers.iter().sum::<f64>() / n;
                let var = numbers.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                AttrKind::Number {
                    mean,
                    std: var.sqrt(),
                }
            };
            attributes.push(Attribute {
                name: name.clone(),
                kind,
                missing,
            });
        }
        Ok(Self { attributes })
    }

    /// Model inputs over all attributes.
    pub fn width(&self) -> usize {
        self.attributes.iter().map(Attribute::width).sum()
    }

    /// The inputs for one series' attribute values (in [`Panel::attributes`] order).
    pub fn encode(&self, values: &[AttrValue]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.width());
        for (attribute, value) in self.attributes.iter().zip(values) {
            match &attribute.kind {
                AttrKind::Number { mean, std } => {
                    let z = match value {
                        AttrValue::Number(v) if *std > f64::EPSILON * mean.abs().max(1.0) => {
                            (v - mean) / std
                        }
                        _ => 0.0,
                    };
                    // A z-score of values that fit in f64: in range after the clamp.
                    out.push(z.clamp(-1e6, 1e6) as f32);
                }
                AttrKind::Category { levels } => {
                    let label = match value {
                        AttrValue::Missing => "(missing)".to_string(),
                        other => other.label(),
                    };
                    out.extend(levels.iter().map(|l| f32::from(u8::from(*l == label))));
                }
            }
        }
        out
    }
}

/// A cell of an attribute column: a number when it parses as a finite one, text
/// otherwise, missing when empty or a missing marker.
pub fn attr_value(text: Option<&str>) -> AttrValue {
    match text.map(str::trim) {
        None => AttrValue::Missing,
        Some(t) if is_missing(t) => AttrValue::Missing,
        Some(t) => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => AttrValue::Number(v),
            _ => AttrValue::Text(t.to_string()),
        },
    }
}

/// Reads one attribute per column of `columns` of a long table, each constant within
/// every series: `rows_of` lists each series' rows (in the order of `ids`). A column that
/// changes within a series is an error naming the series, the values and their lines.
pub fn from_columns(
    table: &CsvTable,
    columns: &[String],
    series: &[(String, Vec<usize>)],
) -> Result<Vec<Vec<AttrValue>>> {
    let cols: Vec<&RawColumn> = columns
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(series.len());
    for (id, rows) in series {
        let mut values = Vec::with_capacity(cols.len());
        for column in &cols {
            let mut seen: Option<(usize, &str)> = None;
            for &row in rows {
                let Some(text) = column.cells.text(row).filter(|t| !is_missing(t)) else {
                    continue;
                };
                match seen {
                    None => seen = Some((row, text)),
                    Some((first, v)) if v.trim() != text.trim() => {
                        return Err(EngineError::Csv(format!(
                            "column '{}' is not constant within series '{id}': '{v}' on line \
                             {}, '{text}' on line {}; a static attribute has one value per \
                             series (pass it as a covariate if it changes with time)",
                            column.name,
                            table.file_line(first),
                            table.file_line(row)
                        )));
                    }
                    Some(_) => {}
                }
            }
            values.push(attr_value(seen.map(|s| s.1)));
        }
        out.push(values);
    }
    Ok(out)
}

/// Adds the attributes of a static table (one row per series, keyed by the column named
/// `key` when it has one, else its first column; every other column is an attribute) to
/// every series of `panel`. Every series needs a row; rows of series not in the panel are
/// counted in the load report.
pub fn attach_file(panel: &mut Panel, table: &CsvTable, key: Option<&str>) -> Result<()> {
    let key_column = match key.and_then(|k| table.columns.iter().find(|c| c.name == k)) {
        Some(c) => c,
        None => table
            .columns
            .first()
            .ok_or_else(|| EngineError::Csv(format!("{} has no columns", table.source)))?,
    };
    let names: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.name != key_column.name)
        .map(|c| c.name.clone())
        .collect();
    if names.is_empty() {
        return Err(EngineError::Csv(format!(
            "{}: a static table needs the series id column '{}' and at least one attribute \
             column",
            table.source, key_column.name
        )));
    }
    if let Some(dup) = names.iter().find(|n| panel.attributes.contains(n)) {
        return Err(EngineError::Csv(format!(
            "{}: attribute '{dup}' is also a column of the series table",
            table.source
        )));
    }
    let mut rows: HashMap<&str, usize> = HashMap::with_capacity(table.n_rows);
    for row in 0..table.n_rows {
        let Some(id) = key_column.cells.text(row).filter(|t| !is_missing(t)) else {
            return Err(EngineError::Missing(format!(
                "{}, line {}: the series id in column '{}' is missing",
                table.source,
                table.file_line(row),
                key_column.name
            )));
        };
        if let Some(first) = rows.insert(id.trim(), row) {
            return Err(EngineError::Csv(format!(
                "{}: series '{}' has two rows (lines {} and {}); a static table has one row \
                 per series",
                table.source,
                id.trim(),
                table.file_line(first),
                table.file_line(row)
            )));
        }
    }
    let absent: Vec<&str> = panel
        .series
        .iter()
        .filter(|s| !rows.contains_key(s.id.as_str()))
        .map(|s| s.id.as_str())
        .collect();
    if let Some(first) = absent.first() {
        return Err(EngineError::Csv(format!(
            "{}: {} of the {} series have no row (the first: '{first}'); every series needs \
             its attributes",
            table.source,
            absent.len(),
            panel.series.len()
        )));
    }
    let columns: Vec<&RawColumn> = names
        .iter()
        .map(|n| table.column(n))
        .collect::<Result<_>>()?;
    let mut used = 0;
    for s in &mut panel.series {
        if let Some(&row) = rows.get(s.id.as_str()) {
            used += 1;
            s.attributes
                .extend(columns.iter().map(|c| attr_value(c.cells.text(row))));
        }
    }
    panel.attributes.extend(names);
    panel.report.static_unmatched = rows.len().saturating_sub(used);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::read_csv_bytes;

    fn panel() -> Panel {
        Panel::from_raw(
            "p",
            vec![
                ("a".into(), vec![Some(1.0), Some(2.0)]),
                ("b".into(), vec![Some(3.0), Some(4.0)]),
                ("c".into(), vec![Some(5.0), Some(6.0)]),
            ],
        )
    }

    #[test]
    fn a_static_file_is_matched_by_id_and_encoded() {
        let mut p = panel();
        let t = read_csv_bytes(
            b"id,region,size\nc,north,30\nz,west,1\na,south,10\nb,north,\n",
            "static.csv",
        )
        .unwrap();
        attach_file(&mut p, &t, Some("series")).unwrap();
        assert_eq!(p.attributes, ["region", "size"]);
        assert_eq!(
            p.series[0].attributes,
            [AttrValue::Text("south".into()), AttrValue::Number(10.0)]
        );
        assert_eq!(p.series[1].attributes[1], AttrValue::Missing);
        assert_eq!(p.report.static_unmatched, 1, "z is not a series");
        let enc = Encoding::fit(&p).unwrap();
        assert_eq!(enc.width(), 3, "two regions one-hot, size one number");
        // size: mean of 10 and 30 = 20, std 10; a → -1, b (missing) → 0, c → +1.
        assert_eq!(enc.encode(&p.series[0].attributes), [0.0, 1.0, -1.0]);
        assert_eq!(enc.encode(&p.series[1].attributes), [1.0, 0.0, 0.0]);
        assert_eq!(enc.encode(&p.series[2].attributes), [1.0, 0.0, 1.0]);
        assert_eq!(
            enc.attributes[1].describe(),
            "size (number, missing for 1 series)"
        );
        assert_eq!(enc.attributes[0].describe(), "region (2 categories)");
    }

    #[test]
    fn a_static_file_must_cover_every_series_once() {
        let mut p = panel();
        let t = read_csv_bytes(b"id,region\na,x\nb,y\n", "s.csv").unwrap();
        let e = attach_file(&mut p, &t, None).unwrap_err().to_string();
        assert!(
            e.contains("1 of the 3 series have no row (the first: 'c')"),
            "{e}"
        );
        assert!(p.attributes.is_empty(), "a failed attach changes nothing");
        let t = read_csv_bytes(b"id,region\na,x\nb,y\nc,z\na,w\n", "s.csv").unwrap();
        let e = attach_file(&mut p, &t, None).unwrap_err().to_string();
        assert!(e.contains("series 'a' has two rows (lines 2 and 5)"), "{e}");
    }

    #[test]
    fn too_many_categories_look_like_an_id() {
        let raw: Vec<(String, Vec<Option<f64>>)> = (0..70)
            .map(|i| (format!("s{i}"), vec![Some(1.0)]))
            .collect();
        let mut p = Panel::from_raw("p", raw);
        let csv: String = std::iter::once("id,code\n".to_string())
            .chain((0..70).map(|i| format!("s{i},c{i}\n")))
            .collect();
        let t = read_csv_bytes(csv.as_bytes(), "s.csv").unwrap();
        attach_file(&mut p, &t, None).unwrap();
        let e = Encoding::fit(&p).unwrap_err().to_string();
        assert!(e.contains("'code' has 70 distinct values"), "{e}");
    }
}
