//! The fuzzer's mutations: byte-level (flips, inserts, deletions, duplications,
//! splices, tokens that matter to the parsers) and structure-aware for TOML and JSON
//! (one value of the parsed document replaced by an interesting one of any type, a key
//! removed or added, a value copied over another, then written back), so that most
//! inputs get past the syntax and reach the checks behind it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Tokens the parsers care about, inserted whole.
pub const CSV_TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"NA",
    b"null",
    b"NaN",
    b"inf",
    b"-",
    b"1e308",
    b"-1e309",
    b"1,234.5",
    b"1.234,5",
    b"2024-01-01",
    b"2024-13-45",
    b"01/02/2024",
    b"2024/01/02 03:04",
    b"2024-03-31T02:30:00+02:00",
    b"1700000000",
    b"date",
    b"time",
    b"year",
    b"month",
    b"day",
    b"hour",
    b"\xE9",
    b"\xC3",
    b"99999999999999999999",
    b"0",
    b"-0",
    b"1e-320",
];
pub const CONFIG_TOKENS: &[&[u8]] = &[
    b"\n",
    b"=",
    b"[",
    b"]",
    b"\"",
    b"0",
    b"-1",
    b"1e308",
    b"nan",
    b"inf",
    b"18446744073709551615",
    b"true",
    b"[data]",
    b"[window]",
    b"[model]",
    b"[train]",
    b"[eval]",
    b"lookback = ",
    b"horizon = ",
    b"stride = ",
    b"hidden = ",
    b"layers = ",
    b"batch = ",
    b"epochs = ",
    b"lr = ",
    b"dropout = ",
    b"by = \"rows\"",
    b"by = \"fractions\"",
    b"train = ",
    b"{",
    b"}",
];

pub const JSON_TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b":",
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b"true",
    b"0",
    b"-1",
    b"1e308",
    b"1e999",
    b"4294967296",
    b"18446744073709551615",
    b"1000000000",
    b"\"horizon\": ",
    b"\"lookback\": ",
    b"\"hidden\": ",
    b"\"layers\": ",
    b"\"shape\": [",
    b"\"log\": true",
    b"\"diff\": true",
    b"\"scale\": ",
    b"\"center\": ",
    b"\"n_targets\": ",
    b"\"columns\": [",
    b"\"mse\": null",
    b"\"id\": \"",
    b"\\u0000",
    b"\xE9",
];

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], tokens: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 => {
                let other = &corpus[rng.below(corpus.len())];
                let start = rng.below(other.len());
                let end = (start + rng.below(128)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            5 => out.truncate(at),
            _ => {
                let token = tokens[rng.below(tokens.len())];
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out.truncate(1 << 16);
    out
}

/// Integers that sit on limits (zero, signs, sizes the engine bounds, 64-bit ends).
const INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    7,
    12,
    24,
    168,
    10_000_000,
    10_000_001,
    1 << 31,
    1 << 32,
    1 << 53,
    i64::MAX,
    i64::MIN,
];

/// Floats on limits; the non-finite ones only where the format has them (TOML).
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    0.5,
    1.0,
    -1.0,
    1e-300,
    5e-324,
    1e300,
    f64::MAX,
    f64::MIN,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

/// Strings the settings take, and hostile ones.
const STRINGS: &[&str] = &[
    "",
    "lstm",
    "gru",
    "rnn",
    "zscore",
    "minmax",
    "robust",
    "none",
    "auto",
    "rows",
    "fractions",
    "seasonal_naive",
    "value",
    "date",
    "DD/MM/YYYY",
    "\0",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "é",
];

/// A structure-aware mutation of a TOML document; `None` when it does not parse.
pub fn toml_mutation(rng: &mut Rng, text: &str) -> Option<String> {
    let table: toml::Table = text.parse().ok()?;
    let mut root = toml::Value::Table(table);
    let target = rng.below(count_toml(&root));
    mutate_toml_at(&mut root, target, &mut 0, rng);
    toml::to_string(&root).ok()
}

fn count_toml(v: &toml::Value) -> usize {
    1 + match v {
        toml::Value::Table(t) => t.values().map(count_toml).sum(),
        toml::Value::Array(a) => a.iter().map(count_toml).sum(),
        _ => 0,
    }
}

fn mutate_toml_at(v: &mut toml::Value, target: usize, seen: &mut usize, rng: &mut Rng) -> bool {
    if *seen == target {
        *v = match &*v {
            toml::Value::Table(t) if rng.below(2) == 0 && !t.is_empty() => {
                let mut t = t.clone();
                if rng.below(2) == 0 {
                    let key = t
                        .keys()
                        .nth(rng.below(t.len()))
                        .cloned()
                        .unwrap_or_default();
                    t.remove(&key);
                } else {
                    t.insert("unknown_setting".into(), toml::Value::Integer(1));
                }
                toml::Value::Table(t)
            }
            old => toml_value(rng, old),
        };
        return true;
    }
    *seen += 1;
    match v {
        toml::Value::Table(t) => t
            .iter_mut()
            .any(|(_, c)| mutate_toml_at(c, target, seen, rng)),
        toml::Value::Array(a) => a.iter_mut().any(|c| mutate_toml_at(c, target, seen, rng)),
        _ => false,
    }
}

fn toml_value(rng: &mut Rng, old: &toml::Value) -> toml::Value {
    use toml::Value as V;
    match rng.below(7) {
        0 => V::Integer(INTEGERS[rng.below(INTEGERS.len())]),
        1 => V::Float(FLOATS[rng.below(FLOATS.len())]),
        2 => V::String(STRINGS[rng.below(STRINGS.len())].into()),
        3 => V::Boolean(rng.below(2) == 0),
        4 => V::Array(vec![old.clone(); [0, 1, 2, 1000][rng.below(4)]]),
        _ => match old {
            V::Integer(i) => V::Integer(match rng.below(3) {
                0 => i.saturating_add(1),
                1 => i.saturating_sub(1),
                _ => i.saturating_mul(1000),
            }),
            V::Float(f) => V::Float(if rng.below(2) == 0 { -f } else { f * 1e6 }),
            V::String(s) => V::String(s.repeat([0, 2, 10_000][rng.below(3)])),
            other => other.clone(),
        },
    }
}

/// A structure-aware mutation of a JSON document; `None` when it does not parse.
pub fn json_mutation(rng: &mut Rng, text: &[u8]) -> Option<Vec<u8>> {
    let mut root: serde_json::Value = serde_json::from_slice(text).ok()?;
    let target = rng.below(count_json(&root));
    mutate_json_at(&mut root, target, &mut 0, rng);
    serde_json::to_vec_pretty(&root).ok()
}

fn count_json(v: &serde_json::Value) -> usize {
    1 + match v {
        serde_json::Value::Object(o) => o.values().map(count_json).sum(),
        serde_json::Value::Array(a) => a.iter().map(count_json).sum(),
        _ => 0,
    }
}

fn mutate_json_at(
    v: &mut serde_json::Value,
    target: usize,
    seen: &mut usize,
    rng: &mut Rng,
) -> bool {
    if *seen == target {
        *v = match &*v {
            serde_json::Value::Object(o) if rng.below(2) == 0 && !o.is_empty() => {
                let mut o = o.clone();
                let key = o
                    .keys()
                    .nth(rng.below(o.len()))
                    .cloned()
                    .unwrap_or_default();
                o.remove(&key);
                serde_json::Value::Object(o)
            }
            old => json_value(rng, old),
        };
        return true;
    }
    *seen += 1;
    match v {
        serde_json::Value::Object(o) => {
            o.values_mut().any(|c| mutate_json_at(c, target, seen, rng))
        }
        serde_json::Value::Array(a) => a.iter_mut().any(|c| mutate_json_at(c, target, seen, rng)),
        _ => false,
    }
}

fn json_value(rng: &mut Rng, old: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    match rng.below(8) {
        0 => V::from(INTEGERS[rng.below(INTEGERS.len())]),
        1 => {
            serde_json::Number::from_f64(FLOATS[rng.below(FLOATS.len())]).map_or(V::Null, V::Number)
        }
        2 => V::from(STRINGS[rng.below(STRINGS.len())]),
        3 => V::Bool(rng.below(2) == 0),
        4 => V::Null,
        5 => V::Array(vec![old.clone(); [0, 1, 2, 1000][rng.below(4)]]),
        6 => V::from(u64::MAX),
        _ => match old {
            V::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => V::from(i.saturating_add([1, -1, 1000][rng.below(3)])),
                (None, Some(f)) => {
                    serde_json::Number::from_f64(-f * 1.000_001).map_or(V::Null, V::Number)
                }
                _ => V::Null,
            },
            V::String(s) => V::from(s.repeat([0, 2][rng.below(2)])),
            // An array keeps its shape with one element dropped or doubled.
            V::Array(a) if !a.is_empty() => {
                let mut a = a.clone();
                let i = rng.below(a.len());
                if rng.below(2) == 0 {
                    a.remove(i);
                } else {
                    let copy = a[i].clone();
                    a.insert(i, copy);
                }
                V::Array(a)
            }
            other => other.clone(),
        },
    }
}
