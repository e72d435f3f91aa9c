//! Every design in examples/ loads, validates cleanly and runs with a balanced ledger.

use spillway::model::{Duration, Severity, load, validate};
use spillway::sim::Simulation;

#[test]
fn every_example_checks_and_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        seen += 1;
        let mut doc = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let errors: Vec<_> = validate(&doc)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        // keep the test quick: ten simulated minutes of each
        doc.scenario.duration = doc.scenario.duration.min(Duration::from_secs(600));
        doc.scenario.warmup = Duration::ZERO;
        let mut sim = Simulation::new(&doc).unwrap();
        sim.run();
        let r = sim.report();
        assert!(r.finished && r.ledger.balanced, "{}", path.display());
        assert!(
            r.ledger.producers.values().all(|l| l.produced > 0),
            "{}: nothing produced",
            path.display()
        );
        // saving and loading again gives the same document
        let text = spillway::model::to_ron_string(&doc).unwrap();
        assert_eq!(
            spillway::model::from_ron_str(&text).unwrap(),
            doc,
            "{}",
            path.display()
        );
    }
    assert!(seen >= 3, "expected the examples, found {seen}");
}
