//! `--set COMPONENT.PARAM=VALUE`: change one parameter of one component for a what-if run.
//!
//! The document is turned into a JSON tree; the component is found by name or id; PARAM
//! is matched against the ends of the paths of its parameters (`servers`,
//! `service_ms.mean`, `mean`, `retry.max_attempts`), ignoring enum variant names. It must
//! match exactly one; otherwise the candidates are listed. A parameter not present
//! (an unset optional one such as `queue_capacity`) can be set by its full name.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use crate::model::Document;

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

fn parse_value(text: &str, like: Option<&Value>) -> Result<Value> {
    match like {
        Some(Value::Number(_)) => {
            let x: f64 = text
                .trim()
                .parse()
                .map_err(|_| anyhow!("`{text}` is not a number"))?;
            if !x.is_finite() {
                bail!("`{text}` is not a finite number");
            }
            Ok(if x.fract() == 0.0 && x.abs() < 9e15 {
                Value::from(x as i64)
            } else {
                Value::from(x)
            })
        }
        Some(Value::Bool(_)) => Ok(Value::Bool(
            text.trim()
                .parse()
                .map_err(|_| anyhow!("`{text}` is not true or false"))?,
        )),
        Some(_) => Ok(Value::String(text.to_owned())),
        None => {
            if let Ok(x) = text.trim().parse::<f64>() {
                parse_value(text, Some(&Value::from(x)))
            } else if let Ok(b) = text.trim().parse::<bool>() {
                Ok(Value::Bool(b))
            } else {
                Ok(Value::String(text.to_owned()))
            }
        }
    }
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
            *slot = parse_value(value, Some(slot))?;
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
            params.insert(param.to_owned(), parse_value(value, None)?);
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
    serde_json::from_value(tree).map_err(|e| anyhow!("component `{comp}`: {e}"))
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
        assert!(e.contains("not a number"), "{e}");
        let e = apply(&doc(), "B.warp=9").unwrap_err().to_string();
        assert!(e.contains("unknown field `warp`"), "{e}");
        let e = apply(&doc(), "B.servers").unwrap_err().to_string();
        assert!(e.contains("COMPONENT.PARAM=VALUE"), "{e}");
    }
}
