//! `spillway bench`: simulated arrivals and events per wall-clock second, and peak memory,
//! for the M/M/1 and bench-pipeline examples at growing run lengths. A benchmark, not a
//! test: it prints numbers and asserts nothing.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::model::{self, Arrivals, ComponentKind, Duration};
use crate::sim::Simulation;

/// The examples the benchmark runs, built into the binary.
pub const BENCH_MODELS: [(&str, &str); 2] = [
    ("mm1", include_str!("../../examples/mm1.ron")),
    (
        "bench-pipeline",
        include_str!("../../examples/bench-pipeline.ron"),
    ),
];

/// Options of `spillway bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Run lengths in expected arrivals, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![1_000_000u64, 10_000_000])]
    pub arrivals: Vec<u64>,
    /// Print one JSON line per measurement.
    #[arg(long)]
    pub json: bool,
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
#[must_use]
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub(super) fn bench(args: &BenchArgs) -> Result<ExitCode> {
    if !args.json {
        println!(
            "{:<16} {:>12} {:>9} {:>14} {:>14} {:>12}",
            "model", "arrivals", "wall s", "arrivals/s", "events/s", "peak RSS MiB"
        );
    }
    for (name, text) in BENCH_MODELS {
        let mut doc = model::from_ron_str(text)?;
        let rate: f64 = doc
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                ComponentKind::Producer(p) => Some(match p.arrivals {
                    Arrivals::Poisson { rate_per_s } => rate_per_s,
                    ref other => other.mean_rate_per_s(0.0),
                }),
                _ => None,
            })
            .sum();
        for &n in &args.arrivals {
            doc.scenario.duration =
                Duration::from_secs_f64(n as f64 / rate).unwrap_or(Duration::from_secs(1));
            doc.scenario.warmup = Duration::ZERO;
            let mut sim = Simulation::new(&doc)?;
            let t0 = Instant::now();
            sim.run();
            let report = sim.report();
            let wall = t0.elapsed().as_secs_f64();
            let produced: u64 = report.ledger.producers.values().map(|r| r.produced).sum();
            let mb = peak_rss_bytes().map_or(f64::NAN, |b| b as f64 / 1_048_576.0);
            let aps = produced as f64 / wall;
            let eps = sim.events_processed() as f64 / wall;
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"model": name, "arrivals": produced, "wall_s": wall, "arrivals_per_s": aps, "events_per_s": eps, "peak_rss_mib": mb, "ledger_balanced": report.ledger.balanced})
                );
            } else {
                println!(
                    "{name:<16} {produced:>12} {wall:>9.2} {aps:>14.0} {eps:>14.0} {mb:>12.1}"
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
