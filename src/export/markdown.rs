//! A Markdown specification of a design: title and description, the diagram (embedded
//! Mermaid, and an SVG file beside it when one is written), the scenario, a parameter
//! table per component, the event types, the connections with their filters and rules,
//! and the assumptions. With a report it adds the KPIs per component (with 95% CIs when
//! replications > 1), end-to-end latency, the cost breakdown with the monthly
//! projection, bottleneck findings, and line charts written as SVG files beside it.

use std::fmt::Write as _;

use serde_json::Value;

use super::chart::{Line, line_chart};
use super::mermaid;
use crate::cost::RunResult;
use crate::diagram::{self, num};
use crate::insight::causes::{self, counted_mean};
use crate::model::{Document, LinkKind, Severity, printable, validate};
use crate::sim::{ComponentReport, Count, Estimate, LatencySummary};
use crate::units::{elapsed, usd};

/// Files referenced by the spec, written beside it by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachments {
    /// File name of the diagram SVG, if one is written.
    pub diagram_svg: Option<String>,
    /// File name of the throughput chart, if one is written.
    pub throughput_svg: Option<String>,
    /// File name of the cost chart, if one is written.
    pub cost_svg: Option<String>,
}

/// Escape text for a Markdown table cell (pipes, line breaks, and control and
/// bidirectional characters as visible escapes).
#[must_use]
pub fn cell(text: &str) -> String {
    inline(text).replace('\\', "\\\\").replace('|', "\\|")
}

/// Text for one line of Markdown (a heading, a list item): line breaks become spaces,
/// control and bidirectional characters visible escapes (`\u{1b}`).
#[must_use]
pub fn inline(text: &str) -> String {
    printable(&text.replace(['\n', '\r'], " ")).into_owned()
}

/// A JSON parameter value as short text: `Exponential(mean: 15)`, `[a, b]`, `30s`.
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), num),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => {
            if m.len() == 1
                && let Some((k, inner)) = m.iter().next()
                && k.starts_with(|c: char| c.is_ascii_uppercase())
            {
                return match inner {
                    Value::Object(_) => format!("{k}{}", value_text(inner)),
                    Value::Null => k.clone(),
                    other => format!("{k}({})", value_text(other)),
                };
            }
            format!(
                "({})",
                m.iter()
                    .map(|(k, v)| format!("{k}: {}", value_text(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

/// The unit a parameter's name implies.
fn unit_of(name: &str) -> &'static str {
    let n = name.rsplit('.').next().unwrap_or(name);
    if n.ends_with("_ms") {
        "ms"
    } else if n.ends_with("_per_s") {
        "per second"
    } else if n.ends_with("_per_10s") {
        "per 10 s"
    } else if n.ends_with("_mb") {
        "MB"
    } else if n.ends_with("_gb") {
        "GB"
    } else if n.ends_with("_bytes") {
        "bytes"
    } else if n.ends_with("_prob") {
        "probability"
    } else {
        ""
    }
}

/// Rows (path, value) of a component's parameters: nested structs flattened with dots,
/// distributions and enums written inline.
fn param_rows(prefix: &str, v: &Value, rows: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m)
            if !(m.len() == 1
                && m.keys()
                    .all(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))) =>
        {
            for (k, inner) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                param_rows(&path, inner, rows);
            }
        }
        other => rows.push((prefix.to_owned(), value_text(other))),
    }
}

/// A number from the result with its 95% half-width when it has one.
fn with_ci(e: Estimate) -> String {
    if !e.mean.is_finite() {
        return "-".to_owned();
    }
    match e.half_width {
        Some(h) => format!("{} ± {}", num(e.mean), num(h)),
        None => num(e.mean),
    }
}

fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// A number as the JSON report holds it (0 where JSON cannot hold it: NaN).
fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// The specification as Markdown, with the results of a run when given.
#[must_use]
#[expect(
    clippy::too_many_lines,
    reason = "the spec is written in the order it is read"
)]
pub fn render(doc: &Document, report: Option<&RunResult>, files: &Attachments) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&doc.name));
    if !doc.description.is_empty() {
        let _ = writeln!(out, "{}\n", doc.description);
    }
    out.push_str("## Diagram\n\n");
    if let Some(svg) = &files.diagram_svg {
        let _ = writeln!(
            out,
            "![Diagram of {}]({svg})\n",
            inline(&doc.name).replace(['[', ']'], "")
        );
    }
    let _ = writeln!(out, "```mermaid\n{}```\n", mermaid::render(doc));

    out.push_str("## Scenario\n\n");
    let s = &doc.scenario;
    table(
        &mut out,
        &["setting", "value"],
        &[
            vec!["duration".into(), diagram::human_duration(s.duration)],
            vec!["warm-up".into(), diagram::human_duration(s.warmup)],
            vec!["seed".into(), s.seed.to_string()],
            vec!["replications".into(), s.replications.to_string()],
            vec![
                "time-series bucket".into(),
                diagram::human_duration(s.bucket_width()),
            ],
            vec![
                "Lambda account concurrency".into(),
                doc.account.lambda_concurrency.to_string(),
            ],
        ],
    );

    out.push_str("## Components\n\n");
    for (c, style) in doc.components.iter().zip(diagram::component_styles(doc)) {
        let _ = writeln!(
            out,
            "### {} ({} {}, `{}`)\n\n{}: {}\n",
            inline(c.display_name()),
            style.glyph,
            style.kind_label,
            inline(&c.id),
            style.group.label(),
            diagram::summary(&c.kind)
        );
        let v = serde_json::to_value(&c.kind).unwrap_or(Value::Null);
        let params = v.get(c.kind.kind_name()).cloned().unwrap_or(Value::Null);
        let mut rows = Vec::new();
        param_rows("", &params, &mut rows);
        if rows.iter().all(|(k, _)| k.is_empty()) {
            out.push_str("No parameters.\n\n");
            continue;
        }
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| {
                let u = unit_of(&k).to_owned();
                vec![format!("`{k}`"), v, u]
            })
            .collect();
        table(&mut out, &["parameter", "value", "unit"], &rows);
    }

    out.push_str("## Event types\n\n");
    if doc.event_types.is_empty() {
        out.push_str("One anonymous type `event` with 1024-byte payloads.\n\n");
    } else {
        let total: f64 = doc.event_types.iter().map(|t| t.weight.max(0.0)).sum();
        let rows: Vec<Vec<String>> = doc
            .event_types
            .iter()
            .map(|t| {
                let attrs: Vec<String> = t
                    .attributes
                    .iter()
                    .map(|(k, vs)| {
                        format!(
                            "{k}: {}",
                            vs.iter()
                                .map(|(v, _)| v.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect();
                vec![
                    format!("`{}`", t.name),
                    if total > 0.0 {
                        format!(
                            "{}%",
                            num((t.weight.max(0.0) / total * 1000.0).round() / 10.0)
                        )
                    } else {
                        "-".into()
                    },
                    value_text(&serde_json::to_value(&t.payload_bytes).unwrap_or(Value::Null)),
                    if attrs.is_empty() {
                        "-".into()
                    } else {
                        attrs.join("; ")
                    },
                ]
            })
            .collect();
        table(
            &mut out,
            &["type", "share", "payload (bytes)", "attributes"],
            &rows,
        );
    }

    out.push_str("## Connections\n\n");
    if doc.connections.is_empty() {
        out.push_str("None.\n\n");
    } else {
        // the first component with an id, as `Document::component` finds it
        let mut names: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for c in &doc.components {
            names.entry(c.id.as_str()).or_insert(c.display_name());
        }
        let rows: Vec<Vec<String>> = doc
            .connections
            .iter()
            .map(|c| {
                let name = |id: &str| names.get(id).map_or(id.to_owned(), |n| (*n).to_owned());
                let mut extra = Vec::new();
                if let Some(l) = &c.latency_ms {
                    extra.push(format!("latency {}", diagram::dist_text(l, "ms")));
                }
                if let Some(r) = &c.retry {
                    extra.push(format!("retry {} attempts", r.max_attempts));
                }
                if let Some(a) = c.max_event_age {
                    extra.push(format!("max age {}", diagram::human_duration(a)));
                }
                if let Some(d) = &c.dead_letter {
                    extra.push(format!("DLQ {}", name(d)));
                }
                let label = diagram::connection_label(c);
                vec![
                    name(&c.from),
                    name(&c.to),
                    diagram::link_style(c.kind).label.to_owned(),
                    if label.is_empty() { "-".into() } else { label },
                    if extra.is_empty() {
                        "-".into()
                    } else {
                        extra.join("; ")
                    },
                ]
            })
            .collect();
        table(
            &mut out,
            &["from", "to", "kind", "filter / rule", "delivery settings"],
            &rows,
        );
    }

    out.push_str("## Assumptions\n\n");
    out.push_str("- Behaviour follows Spillway's component semantics (see its README): documented AWS defaults and limits, retries with backoff, visibility timeouts, redrive to DLQs, cold starts, shard blocking and autoscaling delays.\n");
    out.push_str("- Cost uses AWS list prices for US East (N. Virginia) in USD; a month is 730 hours at the simulated load. Data transfer, storage at rest, CloudWatch and support plans are left out.\n");
    let _ = writeln!(
        out,
        "- The free tier is {}.",
        if doc.cost.free_tier {
            "included"
        } else {
            "not included"
        }
    );
    if !doc.cost.prices.is_empty() {
        let keys: Vec<&str> = doc.cost.prices.keys().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "- Prices overridden in the design: {}.",
            keys.join(", ")
        );
    }
    let problems = validate(doc);
    for p in &problems {
        let _ = writeln!(
            out,
            "- {}: {}",
            if p.severity == Severity::Error {
                "Validation error"
            } else {
                "Validation warning"
            },
            inline(&p.to_string())
        );
    }
    out.push('\n');

    if let Some(r) = report {
        results(&mut out, doc, r, files);
    }
    super::scrubbed(out)
}

#[expect(
    clippy::too_many_lines,
    reason = "the results chapter is written in the order it is read"
)]
fn results(out: &mut String, doc: &Document, r: &RunResult, files: &Attachments) {
    let reps = r.replications;
    let m = &r.mean.report;
    let _ = writeln!(
        out,
        "## Simulated results\n\n{} simulated {}, seed {}, {} replication{}{}.\n",
        elapsed(m.simulated_s),
        if m.warmup_s > 0.0 {
            format!("after a {} warm-up", elapsed(m.warmup_s))
        } else {
            "with no warm-up".to_owned()
        },
        m.seed,
        reps,
        if reps == 1 { "" } else { "s" },
        if reps > 1 {
            " (values are means ± 95% confidence half-widths)"
        } else {
            ""
        }
    );
    out.push_str("### KPIs per component\n\n");
    let mut rows = Vec::new();
    for c in &doc.components {
        let name = c.display_name();
        let Some(p) = r.component(name) else { continue };
        type L = LatencySummary<Count>;
        let lat =
            |l: Option<&L>, q: fn(&L) -> f64, f: fn(&ComponentReport<Count>) -> Option<&L>| {
                l.map_or("-".to_owned(), |_| {
                    with_ci(p.get(|c| f(c).map_or(f64::NAN, q)))
                })
            };
        let k = p.mean;
        let lost = k.counters.rejected.0
            + k.counters.dropped.0
            + k.counters.expired.0
            + k.counters.failed.0;
        rows.push(vec![
            name.to_owned(),
            with_ci(p.get(|c| c.arrival_rate_per_s)),
            with_ci(p.get(|c| c.throughput_per_s)),
            if k.utilisation.is_some() {
                with_ci(p.get(|c| c.utilisation.unwrap_or(f64::NAN)))
            } else {
                "-".into()
            },
            with_ci(p.get(|c| c.queue_depth.mean)),
            lat(k.sojourn_ms.as_ref(), |l| l.mean, |c| c.sojourn_ms.as_ref()),
            lat(k.sojourn_ms.as_ref(), |l| l.p99, |c| c.sojourn_ms.as_ref()),
            lat(
                k.residence_ms.as_ref(),
                |l| l.p99,
                |c| c.residence_ms.as_ref(),
            ),
            with_ci(p.get(|c| c.counters.retries.0)),
            num(lost),
            with_ci(p.get(|c| c.counters.dead_lettered.0)),
        ]);
    }
    table(
        out,
        &[
            "component",
            "arrivals/s",
            "done/s",
            "utilisation",
            "queue (mean)",
            "sojourn ms (mean)",
            "sojourn ms (p99)",
            "response ms (p99)",
            "retries",
            "lost",
            "dead-lettered",
        ],
        &rows,
    );
    if !m.end_to_end.is_empty() {
        out.push_str("### End-to-end latency (ms)\n\n");
        let report = r.report();
        let rows: Vec<Vec<String>> = m
            .end_to_end
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let q = |f: fn(&L) -> f64| {
                    report
                        .part(|r| r.end_to_end.get(i).map(|e| &e.latency_ms))
                        .map_or("-".to_owned(), |l| with_ci(l.get(f)))
                };
                type L = LatencySummary<Count>;
                vec![
                    e.from.clone(),
                    e.to.clone(),
                    q(|l| l.count.0),
                    q(|l| l.mean),
                    q(|l| l.p50),
                    q(|l| l.p99),
                    q(|l| l.p999),
                ]
            })
            .collect();
        table(
            out,
            &["from", "to", "count", "mean", "p50", "p99", "p99.9"],
            &rows,
        );
    }
    let cost = &r.mean.cost;
    out.push_str("### Cost\n\n");
    let mut rows = Vec::new();
    for (name, c) in &cost.components {
        for l in &c.lines {
            rows.push(vec![
                name.clone(),
                l.key.clone(),
                format!("{} {}", num(l.amount), l.unit),
                usd(l.usd),
                usd(l.per_month_usd),
                usd(l.retry_usd),
            ]);
        }
    }
    if rows.is_empty() {
        out.push_str("Nothing priced (only generic components).\n\n");
    } else {
        table(
            out,
            &[
                "component",
                "meter",
                "amount (window)",
                "window",
                "per month",
                "from retries",
            ],
            &rows,
        );
    }
    let ci = |e: Estimate| match e.half_width {
        Some(h) => format!("{} ± {}", usd(e.mean), usd(h)),
        None => usd(e.mean),
    };
    let c = r.cost();
    let _ = writeln!(
        out,
        "Total: {} in the measured window, **{} per month** (730 h at the same load), {} per million events; {}% of it from retries and redeliveries.\n",
        ci(c.get(|c| c.total_usd)),
        ci(c.get(|c| c.per_month_usd)),
        ci(c.get(|c| c.per_million_events_usd)),
        num((cost.retry_share * 1000.0).round() / 10.0)
    );
    out.push_str("### Findings\n\n");
    for f in findings(doc, r) {
        let _ = writeln!(out, "- {f}");
    }
    out.push('\n');
    if files.throughput_svg.is_some() || files.cost_svg.is_some() {
        out.push_str("### Charts\n\n");
        if let Some(t) = &files.throughput_svg {
            let _ = writeln!(out, "![Throughput over time]({t})\n");
        }
        if let Some(c) = &files.cost_svg {
            let _ = writeln!(out, "![Cost rate over time]({c})\n");
        }
    }
}

/// Bottleneck findings from a result: the busiest component, latency percentiles made
/// of redeliveries, growing queues, dead letters and losses, the ledger.
#[must_use]
pub fn findings(doc: &Document, r: &RunResult) -> Vec<String> {
    let mut out = Vec::new();
    let comps = &r.mean.report.components;
    let stores = causes::dead_letters(doc, &r.mean.report);
    let busiest = doc
        .components
        .iter()
        .filter_map(|c| {
            let u = comps.get(c.display_name())?.utilisation?;
            Some((c.display_name(), u))
        })
        .fold(None::<(&str, f64)>, |best, (n, u)| match best {
            Some((_, bu)) if bu >= u => best,
            _ => Some((n, u)),
        });
    if let Some((n, u)) = busiest {
        out.push(format!(
            "Highest utilisation: **{n}** at {}%{}.",
            num((u * 1000.0).round() / 10.0),
            if u > 0.85 {
                " — the bottleneck: queues grow quickly under bursts"
            } else {
                ""
            }
        ));
    }
    out.extend(
        causes::redelivery_waits(doc, &r.mean.report)
            .into_iter()
            .map(|c| format!("{}.", c.text)),
    );
    for c in &doc.components {
        let name = c.display_name();
        let Some(k) = comps.get(name) else { continue };
        let vals = &k.series.depth;
        let q = vals.len() / 4;
        // a dead-letter queue collecting dead letters is doing its job: told below
        if let Some(s) = stores.iter().find(|s| s.component == name) {
            out.push(format!("{}.", s.text));
        } else if q >= 1 {
            let first: f64 = vals[..q].iter().sum::<f64>() / q as f64;
            let last: f64 = vals[vals.len() - q..].iter().sum::<f64>() / q as f64;
            if last > 10.0 && last > 2.0 * first.max(1.0) {
                out.push(format!(
                    "The queue at **{name}** grows: mean depth {} in the first quarter of the run, {} in the last.",
                    num(first.round()),
                    num(last.round())
                ));
            }
        }
        let dl = k.counters.dead_lettered.0;
        let told = stores.iter().any(|s| s.covers.iter().any(|c| c == name));
        if dl > 0.0 && !told {
            let targets: Vec<String> = doc
                .connections
                .iter()
                .filter(|l| l.from == c.id && l.kind != LinkKind::Delivery)
                .filter_map(|l| doc.component(&l.to).map(|t| t.display_name().to_owned()))
                .collect();
            out.push(format!(
                "**{name}** gave up on {}{}.",
                counted_mean(dl, "event", "events"),
                if targets.is_empty() {
                    String::new()
                } else {
                    format!(" (to {})", targets.join(", "))
                }
            ));
        }
        let k = &k.counters;
        let lost = k.rejected.0 + k.dropped.0 + k.expired.0 + k.failed.0;
        if lost > 0.0 {
            out.push(format!(
                "**{name}** lost {} (rejected, dropped, expired or failed without a DLQ).",
                counted_mean(lost, "event", "events")
            ));
        }
    }
    if !r.mean.report.ledger.balanced {
        out.push("The conservation ledger does not balance: the run is suspect.".to_owned());
    }
    if out.len() <= 1 {
        out.push("No queue grows and nothing is lost.".to_owned());
    }
    out
}

/// The charts for a report: throughput of the busiest components and the cost rate, as
/// (throughput SVG, cost SVG).
#[must_use]
pub fn charts(doc: &Document, r: &RunResult) -> (String, String) {
    let bucket_s = r.mean.report.bucket_s;
    let (step, unit) = if bucket_s * 200.0 >= 7200.0 {
        (bucket_s / 60.0, "min")
    } else {
        (bucket_s, "s")
    };
    let mut lines: Vec<(f64, Line)> = doc
        .components
        .iter()
        .filter_map(|c| {
            let s = &r.mean.report.components.get(c.display_name())?.series;
            let values: Vec<f64> = s.throughput_per_s.iter().map(|v| finite(*v)).collect();
            let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
            Some((
                mean,
                Line {
                    name: c.display_name().to_owned(),
                    values,
                },
            ))
        })
        .collect();
    // the six busiest, in document order
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|a, b| lines[*b].0.total_cmp(&lines[*a].0).then(a.cmp(b)));
    order.truncate(6);
    order.sort_unstable();
    let picked: Vec<Line> = order
        .iter()
        .map(|i| {
            std::mem::replace(
                &mut lines[*i].1,
                Line {
                    name: String::new(),
                    values: Vec::new(),
                },
            )
        })
        .collect();
    let throughput = line_chart(
        &format!("{}: throughput", doc.name),
        "events per second",
        step,
        unit,
        &picked,
    );
    let cost_values: Vec<f64> = r
        .mean
        .cost
        .series_usd_per_hour
        .iter()
        .map(|v| finite(*v))
        .collect();
    let cost = line_chart(
        &format!("{}: cost rate", doc.name),
        "USD per hour",
        step,
        unit,
        &[Line {
            name: "all components".to_owned(),
            values: cost_values,
        }],
    );
    (throughput, cost)
}
