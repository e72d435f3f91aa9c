//! `--set COMPONENT.PARAM=VALUE`: change one parameter of one component for a what-if run.
//!
//! The document is turned into a JSON tree; the component is found by name or id; PARAM
//! is matched against the ends of the paths of its parameters (`servers`,
//! `service_ms.mean`, `mean`, `retry.max_attempts`), ignoring enum variant names. It must
//! match exactly one; otherwise the candidates are listed. A parameter not present
//! (an unset optional one such as `queue_capacity`) can be set by its full name.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use crate::model::{Document, expected_words, printable};

fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(k.clone());
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                leaves(child, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// Whether `wanted` matches the end of `path`, where path segments that are enum variant
/// names (capitalised) may be skipped.
fn suffix_matches(path: &[String], wanted: &[&str]) -> bool {
    let mut p = path.len();
    for w in wanted.iter().rev() {
        loop {
            if p == 0 {
                return false;
            }
            p -= 1;
            if path[p] == *w {
                break;
            }
            if !path[p].starts_with(|c: char| c.is_ascii_uppercase()) {
                return false;
            }
        }
    }
    true
}

/// A number as JSON: exact for integers that fit 64 bits, else a float; text that is
/// no finite number stays text, so deserializing says what the parameter takes.
fn parse_number(text: &str) -> Value {
    let t = text.trim();
    if let Ok(u) = t.parse::<u64>() {
        return Value::from(u);
    }
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Value::from(x),
        _ => Value::String(text.to_owned()),
    }
}

fn parse_value(text: &str, like: Option<&Value>) -> Value {
    match like {
        Some(Value::Number(_)) => parse_number(text),
        Some(Value::Bool(_)) => text
            .trim()
            .parse()
            .map_or_else(|_| Value::String(text.to_owned()), Value::Bool),
        Some(_) => Value::String(text.to_owned()),
        None => {
            if text.trim().parse::<f64>().is_ok() {
                parse_number(text)
            } else if let Ok(b) = text.trim().parse::<bool>() {
                Value::Bool(b)
            } else {
                Value::String(text.to_owned())
            }
        }
    }
}

/// A refused value in the user's words: serde says "invalid type: floating point
/// `1e23`, expected u32"; this says "`servers` must be a whole number from 0 to
/// 4294967295, found `1e23`".
fn refusal(comp: &str, param: &str, value: &str, e: &serde_json::Error) -> anyhow::Error {
    let text = e.to_string();
    let value = printable(value);
    if (text.starts_with("invalid type: ") || text.starts_with("invalid value: "))
        && let Some((_, expected)) = text.rsplit_once(", expected ")
    {
        return anyhow!(
            "component `{comp}`: `{param}` must be {}, found `{value}`",
            expected_words(expected)
        );
    }
    anyhow!("component `{comp}`: `{param}`: {text}")
}

/// Apply one override and return the changed document.
///
/// # Errors
/// When the syntax is wrong, the component or parameter does not exist, the parameter is
/// ambiguous, or the value does not fit.
pub fn apply(doc: &Document, spec: &str) -> Result<Document> {
    let (lhs, value) = spec
        .split_once('=')
        .ok_or_else(|| anyhow!("expected COMPONENT.PARAM=VALUE"))?;
    let (comp, param) = lhs
        .split_once('.')
        .ok_or_else(|| anyhow!("expected COMPONENT.PARAM=VALUE"))?;
    let wanted: Vec<&str> = param.split('.').collect();
    let mut tree = serde_json::to_value(doc)?;
    let index = doc
        .components
        .iter()
        .position(|c| c.display_name() == comp)
        .or_else(|| doc.components.iter().position(|c| c.id == comp))
        .ok_or_else(|| {
            let names: Vec<&str> = doc.components.iter().map(|c| c.display_name()).collect();
            anyhow!(
                "no component named `{comp}` (components: {})",
                names.join(", ")
            )
        })?;
    let kind = &mut tree["components"][index]["kind"];
    let mut paths = Vec::new();
    leaves(kind, &mut Vec::new(), &mut paths);
    let matching: Vec<&Vec<String>> = paths
        .iter()
        .filter(|p| suffix_matches(p, &wanted))
        .collect();
    match matching.len() {
        1 => {
            let path = matching[0].clone();
            let mut slot = &mut *kind;
            for seg in &path {
                slot = match slot {
                    Value::Array(items) => &mut items[seg.parse::<usize>()?],
                    other => &mut other[seg.as_str()],
                };
            }
            *slot = parse_value(value, Some(slot));
        }
        0 => {
            // An optional parameter that is unset: add it under the kind's parameters.
            let Value::Object(variant) = kind else {
                bail!("component `{comp}` has no parameters")
            };
            let Some(params) = variant.values_mut().next().and_then(Value::as_object_mut) else {
                bail!("component `{comp}` has no parameter `{param}`")
            };
            if wanted.len() != 1 {
                bail!("component `{comp}` has no parameter `{param}`");
            }
            params.insert(param.to_owned(), parse_value(value, None));
        }
        _ => {
            let names: Vec<String> = matching
                .iter()
                .map(|p| {
                    p.iter()
                        .filter(|s| !s.starts_with(|c: char| c.is_ascii_uppercase()))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect();
            bail!(
                "`{param}` is ambiguous in `{comp}`: use one of {}",
                names.join(", ")
            );
        }
    }
    serde_json::from_value(tree).map_err(|e| {
        if e.to_string().starts_with("unknown field") {
            anyhow!("component `{comp}`: {e}")
        } else {
            refusal(comp, param, value, &e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, Dist, from_ron_str};

    fn doc() -> Document {
        from_ron_str(include_str!("../../examples/bench-pipeline.ron")).unwrap()
    }

    fn station(d: &Document, id: &str) -> crate::model::Station {
        match &d.component(id).unwrap().kind {
            ComponentKind::Station(s) => s.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sets_nested_and_short_names() {
        let d = apply(&doc(), "B.servers=2").unwrap();
        assert_eq!(station(&d, "B").servers, 2);
        let d = apply(&d, "A.mean=12.5").unwrap();
        assert_eq!(
            station(&d, "A").service_ms,
            Dist::Exponential { mean: 12.5 }
        );
        let d = apply(&d, "B.retry.max_attempts=5").unwrap();
        assert_eq!(station(&d, "B").retry.max_attempts, 5);
        let d = apply(&d, "C.queue_capacity=100").unwrap();
        assert_eq!(station(&d, "C").queue_capacity, Some(100));
        let d = apply(&d, "C.timeout=2s").unwrap();
        assert_eq!(
            station(&d, "C").timeout,
            Some(crate::model::Duration::from_secs(2))
        );
    }

    #[test]
    fn explains_mistakes() {
        let e = apply(&doc(), "Z.servers=2").unwrap_err().to_string();
        assert!(e.contains("no component named `Z`"), "{e}");
        let e = apply(&doc(), "B.servers=lots").unwrap_err().to_string();
        assert_eq!(
            e,
            "component `B`: `servers` must be a whole number from 0 to 4294967295, found `lots`"
        );
        let e = apply(&doc(), "B.warp=9").unwrap_err().to_string();
        assert!(e.contains("unknown field `warp`"), "{e}");
        let e = apply(&doc(), "B.servers").unwrap_err().to_string();
        assert!(e.contains("COMPONENT.PARAM=VALUE"), "{e}");
    }

    #[test]
    fn says_what_a_number_must_be() {
        let e = apply(&doc(), "B.servers=99999999999999999999999")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "component `B`: `servers` must be a whole number from 0 to 4294967295, found `99999999999999999999999`"
        );
        for v in ["2.5", "-1", "4294967296", "1e23"] {
            let e = apply(&doc(), &format!("B.servers={v}"))
                .unwrap_err()
                .to_string();
            assert_eq!(
                e,
                format!(
                    "component `B`: `servers` must be a whole number from 0 to 4294967295, found `{v}`"
                )
            );
        }
        // u64, set while unset, and exact beyond 2^53
        let e = apply(&doc(), "C.queue_capacity=-5")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "component `C`: `queue_capacity` must be a whole number from 0 to 18446744073709551615, found `-5`"
        );
        let d = apply(&doc(), "C.queue_capacity=18446744073709551615").unwrap();
        assert_eq!(station(&d, "C").queue_capacity, Some(u64::MAX));
        // floats
        for v in ["fast", "inf", "NaN"] {
            let e = apply(&doc(), &format!("A.mean={v}"))
                .unwrap_err()
                .to_string();
            assert_eq!(
                e,
                format!("component `A`: `mean` must be a number, found `{v}`")
            );
        }
        // a duration says what is wrong with it
        let e = apply(&doc(), "C.timeout=2x").unwrap_err().to_string();
        assert!(e.starts_with("component `C`: `timeout`: "), "{e}");
        assert!(e.contains("unit `x`"), "{e}");
        // values are printed safely
        let e = apply(&doc(), "B.servers=\u{1b}[2J")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}
