//! Mutation property (issue 13): random mutations of the shipped examples (a
//! connection's ends swapped, a connection pointed at its own source, a component
//! duplicated, a token or a character range deleted, a number replaced by an extreme
//! value) never panic, never abort and never run forever: whatever loads is validated;
//! whatever validates builds and runs (2 s simulated, at most
//! [`MAX_STEPS`](crate::hostile::MAX_STEPS) events) to its end or halts itself with a
//! reason; errors name a place; no export leaves its target.
//!
//! The mutants come from proptest with a fixed seed (same mutants on every run, no
//! failure files); every mutant is checked with the rules of [`crate::hostile`] and the
//! failures are reported together, grouped by cause.

use std::path::Path;
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use spillway::model::{self, Connection, Document};

use crate::common::TempDir;
use crate::hostile::{Case, cli_isolated, sweep, text_of};

/// Mutants checked per run.
const CASES: u32 = 200;

/// Numbers a mutation writes in place of one of the design's.
const EXTREMES: [&str; 6] = [
    "0",
    "-1",
    "1e308",
    "4294967295",
    "18446744073709551615",
    "NaN",
];

/// One change to an example.
#[derive(Clone, Debug)]
enum Mutation {
    /// Connection `i` (modulo their number) runs the other way.
    SwapEnds(usize),
    /// Connection `i` delivers back to its own source.
    PointAtItself(usize),
    /// Component `i` appears twice: with the same id, or with a new id and copies of its
    /// connections.
    Duplicate(usize, bool),
    /// The `i`-th token of the text is deleted.
    DeleteToken(usize),
    /// `len` characters from a position (per mille of the text) are deleted.
    DeleteRange(u16, usize),
    /// The `i`-th number of the text becomes `EXTREMES[j]`.
    Extreme(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::SwapEnds),
        any::<usize>().prop_map(Mutation::PointAtItself),
        (any::<usize>(), any::<bool>()).prop_map(|(i, same)| Mutation::Duplicate(i, same)),
        any::<usize>().prop_map(Mutation::DeleteToken),
        (0u16..1000, 1usize..64).prop_map(|(at, len)| Mutation::DeleteRange(at, len)),
        (any::<usize>(), 0..EXTREMES.len()).prop_map(|(i, j)| Mutation::Extreme(i, j)),
    ]
}

/// The shipped examples: (file name, text).
fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the examples are there");
    out
}

/// Apply the mutations that change the structure.
fn restructure(doc: &mut Document, m: &Mutation) {
    let nc = doc.connections.len();
    match *m {
        Mutation::SwapEnds(i) if nc > 0 => {
            let c = &mut doc.connections[i % nc];
            std::mem::swap(&mut c.from, &mut c.to);
        }
        Mutation::PointAtItself(i) if nc > 0 => {
            let c = &mut doc.connections[i % nc];
            c.to = c.from.clone();
        }
        Mutation::Duplicate(i, same) if !doc.components.is_empty() => {
            let mut copy = doc.components[i % doc.components.len()].clone();
            let id = copy.id.clone();
            if !same {
                copy.id = format!("{id}-copy");
                copy.name = String::new();
                let links: Vec<Connection> = doc
                    .connections
                    .iter()
                    .filter(|c| c.from == id || c.to == id)
                    .map(|c| {
                        let mut c = c.clone();
                        for end in [&mut c.from, &mut c.to] {
                            if *end == id {
                                end.clone_from(&copy.id);
                            }
                        }
                        c
                    })
                    .collect();
                doc.connections.extend(links);
            }
            doc.components.push(copy);
        }
        _ => {}
    }
}

/// Byte ranges of the tokens of RON text (strings whole, comments left out).
fn tokens(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.' | b'+'))
            {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && !text.is_char_boundary(i) {
                i += 1;
            }
        }
        out.push(start..i);
    }
    out
}

/// Whether a token is a number.
fn is_number(tok: &str) -> bool {
    tok.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '-')
        && tok.parse::<f64>().is_ok()
}

/// Apply the mutations that change the text.
fn retext(text: &mut String, m: &Mutation) {
    match *m {
        Mutation::DeleteToken(i) => {
            let toks = tokens(text);
            if !toks.is_empty() {
                text.replace_range(toks[i % toks.len()].clone(), "");
            }
        }
        Mutation::DeleteRange(at, len) => {
            let mut start = text.len() * usize::from(at) / 1000;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, "");
        }
        Mutation::Extreme(i, j) => {
            let numbers: Vec<_> = tokens(text)
                .into_iter()
                .filter(|r| is_number(&text[r.clone()]))
                .collect();
            if !numbers.is_empty() {
                text.replace_range(numbers[i % numbers.len()].clone(), EXTREMES[j]);
            }
        }
        _ => {}
    }
}

/// The mutant of example `ex` under `muts`.
fn mutant(examples: &[(String, String)], ex: usize, muts: &[Mutation]) -> Case {
    let (name, original) = &examples[ex % examples.len()];
    let mut doc = model::from_ron_str(original).unwrap();
    for m in muts {
        restructure(&mut doc, m);
    }
    let mut text = text_of(&doc);
    for m in muts {
        retext(&mut text, m);
    }
    Case::new(format!("{name} with {muts:?}"), text)
}

/// The property, over [`CASES`] mutants from a fixed seed.
#[test]
fn mutated_examples_never_panic_and_every_run_ends() {
    let _timer = crate::hostile::Timer::new("mutated_examples_never_panic_and_every_run_ends");
    let examples = examples();
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let cases = Mutex::new(Vec::new());
    let strategy = (0..examples.len(), prop::collection::vec(mutation(), 1..=3));
    runner
        .run(&strategy, |(ex, muts)| {
            cases.lock().unwrap().push(mutant(&examples, ex, &muts));
            Ok(())
        })
        .unwrap();
    let cases = cases.into_inner().unwrap();
    assert_eq!(cases.len(), CASES as usize);
    let (mut findings, isolated, counts) = sweep(cases);
    let dir = TempDir::new("mutation");
    cli_isolated(&dir, &isolated, &mut findings);
    eprintln!("mutants: {counts:?}");
    // the mutants must reach every stage, or the property tests little
    assert!(counts.get("ran").copied().unwrap_or(0) >= 10, "{counts:?}");
    assert!(
        counts.get("load error").copied().unwrap_or(0) >= 20,
        "{counts:?}"
    );
    findings.assert_none("mutated examples");
}

#[test]
fn mutations_do_what_they_say() {
    let ex = vec![(
        "t.ron".to_owned(),
        r#"(components: [(id: "a", kind: Producer()), (id: "b", kind: Sink())], connections: [(from: "a", to: "b")])"#
            .to_owned(),
    )];
    let swapped = model::from_ron_str(&mutant(&ex, 0, &[Mutation::SwapEnds(7)]).text).unwrap();
    assert_eq!(
        (
            swapped.connections[0].from.as_str(),
            swapped.connections[0].to.as_str()
        ),
        ("b", "a")
    );
    let own = model::from_ron_str(&mutant(&ex, 0, &[Mutation::PointAtItself(0)]).text).unwrap();
    assert_eq!(own.connections[0].to, "a");
    let dup = model::from_ron_str(&mutant(&ex, 0, &[Mutation::Duplicate(1, false)]).text).unwrap();
    assert_eq!(dup.components.len(), 3);
    assert_eq!(dup.connections.len(), 2);
    let same = model::from_ron_str(&mutant(&ex, 0, &[Mutation::Duplicate(0, true)]).text).unwrap();
    assert_eq!(same.components[2].id, "a");
    let mut t = "(a: 12, b: \"x y\", c: 3.5)".to_owned();
    retext(&mut t, &Mutation::Extreme(1, 2));
    assert_eq!(t, "(a: 12, b: \"x y\", c: 1e308)");
    retext(&mut t, &Mutation::DeleteToken(5));
    assert_eq!(t, "(a: 12, : \"x y\", c: 1e308)");
}
