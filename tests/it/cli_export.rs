//! `spillway export`: standard output, files written atomically, refusal to overwrite,
//! bad formats and paths, results.

use crate::common::{TempDir, spillway, succeed};

pub const SMALL: &str = r#"(
    name: "Small queue",
    scenario: (duration: "2m", warmup: "10s", seed: 3),
    components: [
        (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 20.0))),
        (id: "q", kind: SqsQueue(max_receive_count: 3)),
        (id: "f", kind: Lambda(duration_ms: Constant(20.0), fail_prob: 0.05)),
        (id: "dlq", kind: SqsQueue()),
    ],
    connections: [
        (from: "p", to: "q"), (from: "q", to: "f"), (from: "q", to: "dlq", kind: DeadLetter),
    ],
)"#;

fn run(args: &[&str]) -> std::process::Output {
    spillway().args(args).output().unwrap()
}

#[test]
fn text_formats_go_to_stdout() {
    for (format, start) in [
        ("mermaid", "---\ntitle: \"Insurance quotes\""),
        ("dot", "digraph \"Insurance quotes\""),
        ("svg", "<svg xmlns"),
        ("markdown", "# Insurance quotes"),
        ("asyncapi", "[\n  {\n    \"asyncapi\": \"3.0.0\""),
    ] {
        let out = run(&[
            "export",
            "examples/insurance-quotes.ron",
            "--format",
            format,
        ]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(start),
            "{format}: {}",
            &text[..text.len().min(200)]
        );
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn writes_atomically_and_refuses_to_overwrite() {
    let dir = TempDir::new("export-force");
    let path = dir.join("d.svg");
    let p = path.to_str().unwrap();
    succeed(&["export", "examples/order-fanout.ron", "-f", "svg", "-o", p]);
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
    std::fs::write(&path, "mine").unwrap();
    let out = run(&["export", "examples/order-fanout.ron", "-f", "svg", "-o", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("exists; use --force"), "{err}");
    assert!(err.contains(p), "the error names the path: {err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "mine",
        "left untouched"
    );
    let out = run(&[
        "export",
        "examples/order-fanout.ron",
        "-f",
        "svg",
        "-o",
        p,
        "--force",
        "-q",
    ]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "no temporary file is left behind");
}

#[test]
fn bad_formats_and_paths_are_errors() {
    let out = run(&["export", "examples/mm1.ron", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown format `pdf`"), "{err}");
    let out = run(&[
        "export",
        "examples/mm1.ron",
        "-f",
        "dot",
        "-o",
        "/nonexistent-dir/x.dot",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot write /nonexistent-dir/x.dot"), "{err}");
    let out = run(&["export", "examples/missing.ron", "-f", "dot"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn asyncapi_writes_one_file_per_application() {
    let dir = TempDir::new("export-asyncapi");
    let out_dir = dir.join("api");
    succeed(&[
        "export",
        "examples/order-fanout.ron",
        "-f",
        "asyncapi",
        "-o",
        out_dir.to_str().unwrap(),
        "-q",
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "billing.asyncapi.json",
            "shop.asyncapi.json",
            "warehouse.asyncapi.json"
        ]
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("shop.asyncapi.json")).unwrap())
            .unwrap();
    assert_eq!(v["asyncapi"], "3.0.0");
}

#[test]
fn results_formats_simulate() {
    let dir = TempDir::new("export-results");
    let design = dir.join("small.ron");
    std::fs::write(&design, SMALL).unwrap();
    let d = design.to_str().unwrap();
    let out = succeed(&["export", d, "-f", "csv"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("component,bucket_start_s,"), "{csv}");
    assert!(
        csv.lines().count() > 4 * 10,
        "one row per component and bucket"
    );
    let out = run(&["export", d, "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "spillway.report/1");
    assert!(v["cost"]["per_month_usd"].as_f64().unwrap() > 0.0);
    // the same run gives the same bytes
    assert_eq!(run(&["export", d, "-f", "json"]).stdout, out.stdout);

    let spec = dir.join("spec.md");
    succeed(&[
        "export",
        d,
        "-f",
        "markdown",
        "--with-results",
        "-o",
        spec.to_str().unwrap(),
        "-q",
    ]);
    let md = std::fs::read_to_string(&spec).unwrap();
    for needle in [
        "![Diagram of Small queue](spec.svg)",
        "```mermaid",
        "### KPIs per component",
        "### Cost",
        "per month",
        "### Findings",
        "![Throughput over time](spec-throughput.svg)",
        "![Cost rate over time](spec-cost.svg)",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    for f in ["spec.svg", "spec-throughput.svg", "spec-cost.svg"] {
        assert!(
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .starts_with("<svg"),
            "{f}"
        );
    }
    let out = run(&["export", d, "-f", "asyncapi", "--with-results"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["info"]["title"] == "f")
        .unwrap();
    assert!(
        f["info"]["x-spillway-simulated"]["throughput_per_s"]
            .as_f64()
            .unwrap()
            > 10.0
    );
}

#[test]
fn png_is_the_svg_rasterised_at_the_chosen_scale() {
    let dir = TempDir::new("export-png");
    let one = dir.join("one.png");
    let two = dir.join("two.png");
    for (path, scale) in [(&one, "1"), (&two, "2")] {
        succeed(&[
            "export",
            "examples/insurance-quotes.ron",
            "-f",
            "png",
            "--scale",
            scale,
            "-o",
            path.to_str().unwrap(),
        ]);
    }
    let a = png_size(&std::fs::read(&one).unwrap());
    let b = png_size(&std::fs::read(&two).unwrap());
    assert!(a.0 > 600 && a.1 > 200, "{a:?}");
    assert_eq!(b, (a.0 * 2, a.1 * 2));
    // refused without --force, and a bad scale names the range
    let again = run(&[
        "export",
        "examples/insurance-quotes.ron",
        "-f",
        "png",
        "-o",
        one.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let bad = run(&[
        "export",
        "examples/mm1.ron",
        "-f",
        "png",
        "--scale",
        "50",
        "-o",
        dir.join("big.png").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("from 0.25 to 8"));
    assert!(!dir.join("big.png").exists());
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_ids_are_refused_and_nothing_is_written() {
    let dir = TempDir::new("export-hostile-ids");
    let abs = dir.join("abs-target");
    for id in ["../../escaped", abs.to_str().unwrap(), "..", "a/b"] {
        let design = dir.join("hostile.ron");
        std::fs::write(
            &design,
            format!(
                r#"(components: [
                    (id: "p", kind: Producer()),
                    (id: {id:?}, kind: Lambda()),
                    (id: "s", kind: Sink()),
                ], connections: [(from: "p", to: {id:?}), (from: {id:?}, to: "s")])"#
            ),
        )
        .unwrap();
        let out_dir = dir.join("deep").join("api");
        for format in [
            "asyncapi", "svg", "markdown", "mermaid", "dot", "json", "csv",
        ] {
            let target = if format == "asyncapi" {
                out_dir.clone()
            } else {
                out_dir.join(format!("x.{format}"))
            };
            let out = run(&[
                "export",
                design.to_str().unwrap(),
                "-f",
                format,
                "-o",
                target.to_str().unwrap(),
            ]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{id} {format}: {err}");
            assert!(err.contains("has errors and is not exported"), "{err}");
            assert!(out.stdout.is_empty());
            assert_eq!(
                tree(&dir),
                ["hostile.ron"],
                "{id} {format}: nothing written anywhere"
            );
        }
    }
}

#[test]
fn asyncapi_file_names_of_device_names_are_safe() {
    let dir = TempDir::new("export-device-ids");
    let design = dir.join("dev.ron");
    std::fs::write(
        &design,
        r#"(components: [
            (id: "CON", kind: Producer()),
            (id: "nul", kind: Lambda()),
            (id: "s", kind: Sink()),
        ], connections: [(from: "CON", to: "nul"), (from: "nul", to: "s")])"#,
    )
    .unwrap();
    let out_dir = dir.join("api");
    succeed(&[
        "export",
        design.to_str().unwrap(),
        "-f",
        "asyncapi",
        "-o",
        out_dir.to_str().unwrap(),
        "-q",
    ]);
    let names = tree(&out_dir);
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        assert!(n.starts_with("_CON~") || n.starts_with("_nul~"), "{n}");
        assert!(n.ends_with(".asyncapi.json"), "{n}");
    }
}

#[test]
fn hostile_names_never_reach_the_terminal_or_a_file_raw() {
    use crate::exports::{assert_clean, hostile_design};
    let dir = TempDir::new("export-hostile-names");
    let design = dir.join("hostile.ron");
    std::fs::write(&design, hostile_design(true).0).unwrap();
    let d = design.to_str().unwrap();
    for args in [
        vec!["check", d],
        vec!["run", d, "-q"],
        vec!["run", d, "-q", "--json"],
    ] {
        let out = run(&args);
        assert_clean(&format!("{args:?} stdout"), &out.stdout);
        assert_clean(&format!("{args:?} stderr"), &out.stderr);
    }
    for format in [
        "svg", "png", "mermaid", "dot", "markdown", "asyncapi", "csv", "json",
    ] {
        let target = dir.join(format!("out-{format}"));
        let mut args = vec!["export", d, "-f", format, "--with-results", "-o"];
        let t = target.to_str().unwrap().to_owned();
        args.push(&t);
        let out = run(&args);
        assert_clean(&format!("{format} stderr"), &out.stderr);
        if format != "png" && format != "asyncapi" {
            let to_stdout = run(&["export", d, "-f", format, "--with-results", "-q"]);
            assert_clean(&format!("{format} stdout"), &to_stdout.stdout);
            assert_clean(&format!("{format} stdout err"), &to_stdout.stderr);
        }
        if !out.status.success() {
            continue;
        }
        let files = if target.is_dir() {
            std::fs::read_dir(&target)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        } else {
            // the file, and for markdown the SVG files beside it
            let mut v = vec![target.clone()];
            v.extend(
                std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| {
                        p.extension().is_some_and(|e| e == "svg")
                            && p.file_name()
                                .is_some_and(|n| n.to_string_lossy().starts_with("out-markdown"))
                    }),
            );
            v
        };
        for f in files.iter().filter(|_| format != "png") {
            assert_clean(&f.display().to_string(), &std::fs::read(f).unwrap());
        }
    }
}
