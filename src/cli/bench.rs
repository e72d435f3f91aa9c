//! `spillway bench`: simulated arrivals and events per wall-clock second, and peak memory,
//! for the M/M/1 and bench-pipeline examples at growing run lengths; with `--scale`, the
//! time to load, validate, lay out and draw (SVG) generated designs of growing size (a
//! chain of stations and a fan-out from one producer to many sinks). A benchmark, not a
//! test: it prints numbers and asserts nothing.

use std::fmt::Write as _;
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
    /// Run lengths in expected arrivals, comma-separated (default 1000000,10000000; not
    /// run when only --scale is given).
    #[arg(long, value_delimiter = ',')]
    pub arrivals: Option<Vec<u64>>,
    /// Sizes in components of the generated designs (a chain of stations, a fan-out from
    /// one producer to that many sinks) to load, validate, lay out and draw as SVG,
    /// comma-separated, e.g. 5000,10000,20000; at most 1000000.
    #[arg(long, value_delimiter = ',', value_name = "SIZES")]
    pub scale: Option<Vec<usize>>,
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

/// Largest size `--scale` accepts.
pub const MAX_SCALE: usize = 1_000_000;

/// The RON text of a generated design of `n` components: `chain` is a producer, `n - 2`
/// stations in a row and a sink; `fanout` is one producer sending to `n` sinks.
#[must_use]
pub fn scale_design(shape: &str, n: usize) -> String {
    let mut comps = String::from(r#"(id: "p", kind: Producer()), "#);
    let mut conns = String::new();
    if shape == "chain" {
        let mut prev = "p".to_owned();
        for i in 1..n.saturating_sub(1) {
            let id = format!("s{i}");
            let _ = write!(comps, r#"(id: "{id}", kind: Station()), "#);
            let _ = write!(conns, r#"(from: "{prev}", to: "{id}"), "#);
            prev = id;
        }
        comps.push_str(r#"(id: "end", kind: Sink()), "#);
        let _ = write!(conns, r#"(from: "{prev}", to: "end"), "#);
    } else {
        for i in 0..n {
            let _ = write!(comps, r#"(id: "k{i}", kind: Sink()), "#);
            let _ = write!(conns, r#"(from: "p", to: "k{i}"), "#);
        }
    }
    format!(r#"(name: "{shape} {n}", components: [{comps}], connections: [{conns}])"#)
}

/// Time loading, validating, laying out and drawing generated designs of each size.
fn bench_scale(sizes: &[usize], json: bool) -> Result<()> {
    if let Some(n) = sizes.iter().find(|n| **n > MAX_SCALE || **n < 2) {
        anyhow::bail!("--scale {n} is out of range: sizes go from 2 to {MAX_SCALE}");
    }
    if !json {
        println!(
            "{:<8} {:>10} {:>11} {:>8} {:>10} {:>8} {:>8} {:>10} {:>12}",
            "design",
            "components",
            "connections",
            "load s",
            "validate s",
            "layout s",
            "svg s",
            "svg MiB",
            "peak RSS MiB"
        );
    }
    for &n in sizes {
        for shape in ["chain", "fanout"] {
            let text = scale_design(shape, n);
            let t = Instant::now();
            let doc = model::from_ron_str(&text)?;
            let load = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let problems = model::validate(&doc);
            let validate = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let diagram = crate::diagram::layout(&doc);
            let layout = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let svg = crate::export::svg::render_diagram(
                &diagram,
                &crate::export::svg::SvgOptions::default(),
            );
            let draw = t.elapsed().as_secs_f64();
            let svg_mib = svg.len() as f64 / 1_048_576.0;
            let mb = peak_rss_bytes().map_or(f64::NAN, |b| b as f64 / 1_048_576.0);
            let (c, k) = (doc.components.len(), doc.connections.len());
            if json {
                println!(
                    "{}",
                    serde_json::json!({"section": "scale", "design": shape, "components": c, "connections": k, "load_s": load, "validate_s": validate, "problems": problems.len(), "layout_s": layout, "svg_s": draw, "svg_mib": svg_mib, "peak_rss_mib": mb})
                );
            } else {
                println!(
                    "{shape:<8} {c:>10} {k:>11} {load:>8.3} {validate:>10.3} {layout:>8.3} {draw:>8.3} {svg_mib:>10.1} {mb:>12.1}"
                );
            }
        }
    }
    Ok(())
}

pub(super) fn bench(args: &BenchArgs) -> Result<ExitCode> {
    let arrivals = match (&args.arrivals, &args.scale) {
        (Some(a), _) => a.clone(),
        (None, Some(_)) => Vec::new(),
        (None, None) => vec![1_000_000, 10_000_000],
    };
    if let Some(sizes) = &args.scale {
        bench_scale(sizes, args.json)?;
        if arrivals.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        if !args.json {
            println!();
        }
    }
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
        for &n in &arrivals {
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
