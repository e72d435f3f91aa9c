//! `check` ok implies `run` builds: for the shipped examples and systematic mutations of
//! their numbers (and a few fields they leave at the default), a document that validation
//! passes without an error must build into a simulation. Everything a build can refuse
//! has to be found by validation first, so the editor's Problems panel shows it.

use serde_json::{Value, json};
use spillway::model::{Document, Severity, load, validate};
use spillway::sim::Simulation;

/// Replacement values for an integer field.
const INTS: &[u64] = &[
    0,
    1,
    2,
    5,
    6,
    10,
    11,
    1000,
    1001,
    10_001,
    100_001,
    4_294_967_295,
];
/// Replacement values for a number that is not a whole number.
const FLOATS: &[f64] = &[
    0.0, -1.0, 1e-320, 0.5, 1.0, 1.5, 129.0, 1e9, 1e12, 1e300, -1e300,
];
/// Replacement values for a duration.
const DURATIONS: &[&str] = &["0s", "1ns", "59s", "61s", "13h", "2d", "400d"];

/// Every path to a number or duration in `v`, as JSON pointers.
fn leaves(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                leaves(x, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{path}/{i}"), out);
            }
        }
        Value::Number(_) => out.push(path.to_owned()),
        Value::String(s)
            if s.starts_with(|c: char| c.is_ascii_digit())
                && s.ends_with(|c: char| c.is_ascii_alphabetic()) =>
        {
            out.push(path.to_owned());
        }
        _ => {}
    }
}

/// The values a leaf is replaced by.
fn replacements(v: &Value) -> Vec<Value> {
    match v {
        Value::Number(n) if n.is_u64() => INTS.iter().map(|&i| json!(i)).collect(),
        Value::Number(_) => FLOATS.iter().map(|&f| json!(f)).collect(),
        _ => DURATIONS.iter().map(|&d| json!(d)).collect(),
    }
}

/// Fields the examples leave at their defaults but a build looks at: set them on every
/// component of the kind (`kind`, `field`, values).
fn injections() -> Vec<(&'static str, &'static str, Vec<Value>)> {
    vec![
        (
            "SqsQueue",
            "max_concurrency",
            vec![
                json!(0),
                json!(1),
                json!(2),
                json!(1000),
                json!(1001),
                json!(4_294_967_295u64),
            ],
        ),
        (
            "Lambda",
            "reserved_concurrency",
            vec![json!(0), json!(1), json!(4_294_967_295u64)],
        ),
        (
            "KinesisStream",
            "shards",
            vec![json!(20_001), json!(100_001), json!(4_294_967_295u64)],
        ),
        ("KafkaTopic", "shards", vec![json!(4_294_967_295u64)]),
        ("Station", "servers", vec![json!(4_294_967_295u64)]),
        (
            "ContainerService",
            "replicas",
            vec![json!(4_294_967_295u64)],
        ),
        (
            "DynamoDbTable",
            "stream_shards",
            vec![json!(4_294_967_295u64)],
        ),
    ]
}

/// Assert the property for one document; returns whether it was valid.
fn check(doc: &Document, what: &str) -> bool {
    let errors = validate(doc)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    if errors > 0 {
        return false;
    }
    if let Err(e) = Simulation::new(doc) {
        panic!("{what}: validation found no error but the build refuses it: {e}");
    }
    true
}

/// A small deterministic generator, so the sample of mutations is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn a_design_that_checks_also_builds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut rng = Lcg(13);
    let (mut tried, mut valid) = (0, 0);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc = load(path).unwrap();
        let base = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            serde_json::from_value::<Document>(base.clone()).unwrap(),
            doc,
            "{name} goes through JSON unchanged"
        );
        let mut all = Vec::new();
        leaves(&base, "", &mut all);
        // every leaf once with a value picked at random, then more picks at random
        let picks: Vec<usize> = (0..all.len())
            .chain((0..120).map(|_| rng.next(all.len())))
            .collect();
        for leaf in picks {
            let ptr = &all[leaf];
            let choices = replacements(base.pointer(ptr).unwrap());
            let value = choices[rng.next(choices.len())].clone();
            let mut v = base.clone();
            *v.pointer_mut(ptr).unwrap() = value.clone();
            let Ok(mutant) = serde_json::from_value::<Document>(v) else {
                continue; // out of the field's type: the loader's business
            };
            tried += 1;
            valid += usize::from(check(&mutant, &format!("{name}: {ptr} = {value}")));
        }
        for (kind, field, values) in injections() {
            for value in values {
                let mut v = base.clone();
                let mut hit = false;
                for c in v["components"].as_array_mut().unwrap() {
                    if let Some(params) = c["kind"].get_mut(kind) {
                        params[field] = value.clone();
                        hit = true;
                    }
                }
                if !hit {
                    continue;
                }
                let mutant = serde_json::from_value::<Document>(v).unwrap();
                tried += 1;
                valid += usize::from(check(&mutant, &format!("{name}: {kind}.{field} = {value}")));
            }
        }
    }
    assert!(tried >= 300, "only {tried} mutants were tried");
    assert!(valid >= 50, "only {valid} of {tried} mutants were valid");
}
