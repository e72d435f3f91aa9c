//! Exporters: snapshots of every text format on two examples, determinism, structure
//! of the AsyncAPI documents, geometry without overlaps, DOT accepted by Graphviz.

use spillway::diagram;
use spillway::export::{self, Format, asyncapi, dot, markdown, mermaid, png, svg};
use spillway::model::Document;

use crate::common::example;

const SNAPSHOT_EXAMPLES: [&str; 2] = ["insurance-quotes", "order-fanout"];

fn all_examples() -> Vec<(String, Document)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".ron").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let d = example(&format!("{n}.ron"));
            (n, d)
        })
        .collect()
}

#[test]
fn mermaid_snapshots() {
    for n in SNAPSHOT_EXAMPLES {
        insta::assert_snapshot!(
            format!("mermaid_{n}"),
            mermaid::render(&example(&format!("{n}.ron")))
        );
    }
}

#[test]
fn dot_snapshots() {
    for n in SNAPSHOT_EXAMPLES {
        insta::assert_snapshot!(
            format!("dot_{n}"),
            dot::render(&example(&format!("{n}.ron")))
        );
    }
}

#[test]
fn svg_snapshots() {
    for n in SNAPSHOT_EXAMPLES {
        let doc = example(&format!("{n}.ron"));
        insta::assert_snapshot!(
            format!("svg_{n}"),
            svg::render(&doc, &svg::SvgOptions::default())
        );
    }
}

#[test]
fn markdown_snapshots() {
    for n in SNAPSHOT_EXAMPLES {
        let doc = example(&format!("{n}.ron"));
        let files = markdown::Attachments {
            diagram_svg: Some(format!("{n}.svg")),
            ..markdown::Attachments::default()
        };
        insta::assert_snapshot!(
            format!("markdown_{n}"),
            markdown::render(&doc, None, &files)
        );
    }
}

#[test]
fn asyncapi_snapshots() {
    for n in SNAPSHOT_EXAMPLES {
        let doc = example(&format!("{n}.ron"));
        insta::assert_snapshot!(format!("asyncapi_{n}"), asyncapi::render_all(&doc, None));
    }
}

#[test]
fn exports_are_deterministic() {
    for (n, doc) in all_examples() {
        let once = [
            mermaid::render(&doc),
            dot::render(&doc),
            svg::render(&doc, &svg::SvgOptions::default()),
            markdown::render(&doc, None, &markdown::Attachments::default()),
            asyncapi::render_all(&doc, None),
        ];
        let again = [
            mermaid::render(&doc),
            dot::render(&doc),
            svg::render(&doc, &svg::SvgOptions::default()),
            markdown::render(&doc, None, &markdown::Attachments::default()),
            asyncapi::render_all(&doc, None),
        ];
        assert_eq!(once, again, "{n}");
    }
}

/// Follow a local `$ref` (`#/a/b`) in a document.
fn resolve<'a>(doc: &'a serde_json::Value, r: &str) -> Option<&'a serde_json::Value> {
    let path = r.strip_prefix('#')?;
    doc.pointer(path)
}

#[test]
fn asyncapi_documents_are_complete() {
    for (n, doc) in all_examples() {
        let docs = asyncapi::documents(&doc, None);
        assert!(!docs.is_empty(), "{n}: no application");
        for (app, d) in &docs {
            let at = format!("{n}/{app}");
            assert_eq!(d["asyncapi"], "3.0.0", "{at}");
            assert!(
                d["info"]["title"].is_string() && d["info"]["version"].is_string(),
                "{at}"
            );
            for (id, op) in d["operations"].as_object().unwrap() {
                let action = op["action"].as_str().unwrap();
                assert!(action == "send" || action == "receive", "{at} {id}");
                let ch_ref = op["channel"]["$ref"].as_str().unwrap();
                assert!(ch_ref.starts_with("#/channels/"), "{at} {id}");
                assert!(resolve(d, ch_ref).is_some(), "{at} {id}: {ch_ref} missing");
                for m in op["messages"].as_array().unwrap() {
                    let r = m["$ref"].as_str().unwrap();
                    assert!(
                        r.starts_with(&format!("{ch_ref}/messages/")),
                        "{at} {id}: {r}"
                    );
                    assert!(resolve(d, r).is_some(), "{at} {id}: {r} missing");
                }
            }
            for (id, ch) in d["channels"].as_object().unwrap() {
                assert!(ch["address"].is_string(), "{at} {id}");
                for m in ch["messages"].as_object().unwrap().values() {
                    let r = m["$ref"].as_str().unwrap();
                    let msg = resolve(d, r).unwrap_or_else(|| panic!("{at} {id}: {r} missing"));
                    assert!(msg["payload"].is_object(), "{at} {r}");
                }
            }
        }
    }
    // bindings where they exist
    let fanout = asyncapi::documents(&example("order-fanout.ron"), None);
    let billing = &fanout.iter().find(|(id, _)| id == "billing").unwrap().1;
    let q = &billing["channels"]["billing-q"]["bindings"]["sqs"];
    assert_eq!(q["queue"]["visibilityTimeout"], 60);
    assert_eq!(q["queue"]["redrivePolicy"]["maxReceiveCount"], 5);
    let shop = &fanout.iter().find(|(id, _)| id == "shop").unwrap().1;
    assert_eq!(
        shop["channels"]["orders"]["bindings"]["sns"]["name"],
        "orders"
    );
    assert_eq!(shop["operations"]["send_orders"]["action"], "send");
    assert_eq!(
        billing["channels"]["billing-q"]["messages"]
            .as_object()
            .unwrap()
            .len(),
        3,
        "the filter policy lets three event types through"
    );
}

#[test]
fn diagrams_have_no_overlapping_boxes_or_labels() {
    for (n, doc) in all_examples() {
        let d = diagram::layout(&doc);
        let rects: Vec<([f32; 2], [f32; 2], String)> = d
            .nodes
            .iter()
            .map(|b| (b.min(), b.max(), b.id.clone()))
            .chain(d.edges.iter().filter(|e| !e.label.is_empty()).map(|e| {
                let [w, h] = e.label_size();
                let c = e.label_center;
                (
                    [c[0] - w / 2.0, c[1] - h / 2.0],
                    [c[0] + w / 2.0, c[1] + h / 2.0],
                    e.label.join(" "),
                )
            }))
            .collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let apart =
                    a.1[0] <= b.0[0] || b.1[0] <= a.0[0] || a.1[1] <= b.0[1] || b.1[1] <= a.0[1];
                assert!(apart, "{n}: {} overlaps {}", a.2, b.2);
            }
        }
        assert_eq!(d.nodes.len(), doc.components.len());
    }
}

/// Tags open and close in order (a small well-formedness check).
fn well_formed(xml: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(j) = rest.find('>') else {
            return false;
        };
        let tag = &rest[..j];
        rest = &rest[j + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name.trim()) {
                return false;
            }
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            stack.push(tag.split_whitespace().next().unwrap_or("").to_owned());
        }
    }
    stack.is_empty()
}

#[test]
fn svg_is_well_formed_text() {
    for (n, doc) in all_examples() {
        let s = svg::render(&doc, &svg::SvgOptions::default());
        assert!(well_formed(&s), "{n}");
        for c in &doc.components {
            let name = svg::xml(c.display_name());
            assert!(
                s.contains(&format!(">{name}</text>")),
                "{n}: {name} is not a whole <text>"
            );
        }
    }
}

#[test]
fn usvg_reads_the_svg_of_every_example_at_its_declared_size() {
    for (n, doc) in all_examples() {
        let s = svg::render(&doc, &svg::SvgOptions::default());
        let tree = png::parse_svg(&s).unwrap_or_else(|e| panic!("{n}: {e}"));
        let d = diagram::layout(&doc);
        let size = tree.size();
        assert!(
            size.width() > 300.0 && size.height() > 150.0,
            "{n}: {size:?}"
        );
        // every box lies inside the picture
        for node in &d.nodes {
            let hi = node.max();
            assert!(
                hi[0] <= size.width() && hi[1] <= size.height(),
                "{n}: {}",
                node.id
            );
        }
    }
}

#[test]
fn png_decodes_with_the_expected_size_and_background() {
    for n in SNAPSHOT_EXAMPLES {
        let doc = example(&format!("{n}.ron"));
        let text = svg::render(&doc, &svg::SvgOptions::default());
        let (w, h) = png::size(&text, 1.5).unwrap();
        for transparent in [false, true] {
            let opts = export::Options {
                scale: 1.5,
                transparent,
                ..export::Options::default()
            };
            let out = export::outputs(
                export::check_valid(&doc).unwrap(),
                Format::Png,
                None,
                None,
                &opts,
            )
            .unwrap();
            assert_eq!(out.len(), 1);
            let bytes = &out[0].bytes;
            let pic = resvg::tiny_skia::Pixmap::decode_png(bytes).unwrap();
            assert_eq!((pic.width(), pic.height()), (w, h), "{n}");
            let tree = png::parse_svg(&text).unwrap();
            assert_eq!(w, (tree.size().width() * 1.5).ceil() as u32);
            // the top-left corner is background: white, or nothing
            let corner = pic.pixel(1, 1).unwrap();
            if transparent {
                assert_eq!(corner.alpha(), 0, "{n}");
            } else {
                assert_eq!((corner.red(), corner.alpha()), (255, 255), "{n}");
            }
            // and something is drawn: many dark pixels (text, outlines)
            let dark = pic
                .pixels()
                .iter()
                .filter(|p| p.alpha() > 200 && p.red() < 80)
                .count();
            assert!(dark > 2_000, "{n}: {dark} dark pixels");
            assert_eq!(
                &export::outputs(
                    export::check_valid(&doc).unwrap(),
                    Format::Png,
                    None,
                    None,
                    &opts
                )
                .unwrap()[0]
                    .bytes,
                bytes,
                "{n}: PNG not deterministic"
            );
        }
    }
}

#[test]
fn graphviz_accepts_the_dot_of_every_example() {
    if std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_err()
    {
        // .ci/run installs Graphviz, so CI never skips this
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is missing on CI"
        );
        eprintln!("note: Graphviz `dot` is not installed; skipping the DOT rendering check");
        return;
    }
    for (n, doc) in all_examples() {
        let mut child = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot::render(&doc).as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Texts with terminal escapes (SGR colour, an OSC title), a bidi override, a NUL, a C1
/// CSI, DEL, a line break and the characters the formats quote.
const HOSTILE_TEXTS: [&str; 8] = [
    "red\u{1b}[31m",
    "title\u{1b}]0;owned\u{7}",
    "abc\u{202e}fed",
    "nul\u{0}x",
    "two\nlines",
    "pipe|quote\"lt<amp&",
    "c1\u{9b}31m",
    "tab\tdel\u{7f}",
];

/// A design whose every text (design name, description, event type, attribute value,
/// component names) is one of [`HOSTILE_TEXTS`], or with `hostile` false a placeholder
/// (`ZQ0Z`, `ZQ1Z`, ...); and the (placeholder, hostile text) pairs.
pub fn hostile_design(hostile: bool) -> (String, Vec<(String, String)>) {
    const TEMPLATE: &str = r#"(
        name: {N},
        description: {N},
        scenario: (duration: "30s", warmup: "0s", seed: 1),
        event_types: [(name: {N}, attributes: {"region": [({N}, 1.0)]})],
        components: [
            (id: "p", name: {N}, kind: Producer(arrivals: Poisson(rate_per_s: 5.0))),
            (id: "t", name: {N}, kind: SnsTopic()),
            (id: "q", name: {N}, kind: SqsQueue()),
            (id: "f", name: {N}, kind: Lambda()),
            (id: "s", name: {N}, kind: Sink()),
        ],
        connections: [
            (from: "p", to: "t"),
            (from: "t", to: "q", filter: (attributes: {"region": Exists(true)})),
            (from: "q", to: "f"),
            (from: "f", to: "s"),
        ],
    )"#;
    let mut out = String::new();
    let mut pairs = Vec::new();
    let mut rest = TEMPLATE;
    let mut i = 0;
    while let Some(at) = rest.find("{N}") {
        out.push_str(&rest[..at]);
        let text = HOSTILE_TEXTS[i % HOSTILE_TEXTS.len()];
        let placeholder = format!("ZQ{i}Z");
        if hostile {
            out.push_str(&ron::to_string(text).unwrap());
        } else {
            out.push_str(&format!("\"{placeholder}\""));
        }
        pairs.push((placeholder, text.to_owned()));
        i += 1;
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    (out, pairs)
}

/// No character that could drive a terminal (or that XML cannot hold): C0 and C1
/// controls but line feed and tab, DEL, bidirectional formatting.
pub fn assert_clean(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some((at, c)) = text
        .char_indices()
        .find(|(_, c)| spillway::model::text::is_unsafe_char(*c) && *c != '\n' && *c != '\t')
    {
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        panic!("{what}: raw {c:?} at byte {at}: {:?}", &text[from..at]);
    }
}

/// The report of the hostile design: simulated from the plain one (validation may refuse
/// the hostile one), with every placeholder turned into its hostile text.
fn hostile_report() -> (Document, spillway::cost::RunResult) {
    let (hostile_text, _) = hostile_design(true);
    let (plain_text, pairs) = hostile_design(false);
    let hostile = crate::common::doc(&hostile_text);
    let plain = crate::common::doc(&plain_text);
    let book = spillway::cost::PriceBook::builtin().unwrap();
    let mut report = export::simulate(&plain, &book, None).unwrap();
    report.rename(&|s| {
        let mut s = s.to_owned();
        for (k, v) in &pairs {
            s = s.replace(k, v);
        }
        s
    });
    (hostile, report)
}

#[test]
fn hostile_text_never_reaches_an_export_raw() {
    let (doc, report) = hostile_report();
    assert!(
        report.to_json().unwrap().to_string().contains("\\u001b"),
        "the report carries the escapes"
    );
    let svg_text = svg::render(&doc, &svg::SvgOptions::default());
    assert_clean("svg", svg_text.as_bytes());
    png::parse_svg(&svg_text).unwrap_or_else(|e| panic!("usvg reads it: {e}"));
    assert!(!png::render(&svg_text, 1.0).unwrap().is_empty());
    assert!(svg_text.contains(r"red\u{1b}[31m"), "escaped visibly");
    assert_clean("mermaid", mermaid::render(&doc).as_bytes());
    let d = dot::render(&doc);
    assert_clean("dot", d.as_bytes());
    assert!(d.contains(r"red\\u{1b}[31m"), "DOT shows the backslash");
    let md = markdown::render(&doc, Some(&report), &markdown::Attachments::default());
    assert_clean("markdown", md.as_bytes());
    assert!(!md.contains("# two\nlines"), "a heading stays one line");
    let (tp, cost) = markdown::charts(&doc, &report);
    for (what, chart) in [("throughput chart", tp), ("cost chart", cost)] {
        assert_clean(what, chart.as_bytes());
        png::parse_svg(&chart).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    let all = asyncapi::render_all(&doc, Some(&report));
    assert_clean("asyncapi", all.as_bytes());
    let v: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert!(v.is_array());
    assert!(
        all.contains("\\u202e"),
        "the bidi override survives as an escape"
    );
    let csv = export::csv::tables(&report);
    for (what, t) in [
        ("components.csv", &csv.components),
        ("series.csv", &csv.series),
        ("cost.csv", &csv.cost),
    ] {
        assert_clean(what, t.as_bytes());
        let width = t.lines().next().unwrap().split(',').count();
        assert!(width > 1, "{what}");
    }
    let value = report.to_json().unwrap();
    let json = export::json_pretty(&value).unwrap();
    assert_clean("json", json.as_bytes());
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    // both read back from text (the parser may round a float's last bit either way)
    let plain: serde_json::Value = serde_json::from_str(&value.to_string()).unwrap();
    assert_eq!(back, plain, "escapes change the bytes, not the values");
    // and through outputs(), when validation lets the design through at all
    for format in Format::ALL {
        let r = format.shows_results().then_some(&report);
        if let Ok(outs) = export::check_valid(&doc)
            .and_then(|d| export::outputs(d, format, None, r, &export::Options::default()))
        {
            for o in outs.iter().filter(|_| format != Format::Png) {
                assert_clean(format.name(), &o.bytes);
            }
        }
    }
}
