//! The command line: outputs, errors and exit codes (0 ok, 1 invalid input, 2 usage).

use crate::common::{TempDir, spillway, stderr_of, succeed, temp_file};

#[test]
fn check_accepts_the_examples() {
    let out = spillway()
        .args(["check", "examples/bench-pipeline.ron"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (5 components, 4 connections"));
}

#[test]
fn run_prints_a_table_with_the_stations() {
    let out = succeed(&[
        "run",
        "examples/bench-pipeline.ron",
        "--duration",
        "5m",
        "--seed",
        "3",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Bench pipeline",
        "residence ms",
        "\nA ",
        "\nB ",
        "\nC ",
        "end to end",
        "ledger balances",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(
        out.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
}

#[test]
fn run_json_follows_the_schema_and_set_changes_the_design() {
    let out = succeed(&[
        "run",
        "examples/mmc.ron",
        "--duration",
        "2h",
        "--json",
        "--set",
        "servers.servers=5",
        "--replications",
        "3",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "spillway.report/1");
    assert_eq!(v["replications"], 3);
    let util = v["components"]["servers"]["utilisation"].as_f64().unwrap();
    assert!(
        (util - 0.6).abs() < 0.03,
        "3/s over five servers is 60% busy, got {util}"
    );
    assert!(
        v["ci95"]["components"]["servers"]["utilisation"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(v["ledger"]["balanced"].as_bool().unwrap());
    assert!(v["end_to_end"][0]["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
}

#[test]
fn run_csv_writes_files() {
    let dir = TempDir::new("csv");
    let out = spillway()
        .args(["run", "examples/mm1.ron", "--duration", "2h", "--csv"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let comps = std::fs::read_to_string(dir.join("components.csv")).unwrap();
    assert!(comps.starts_with("component,kind,arrivals"));
    assert_eq!(comps.lines().count(), 4);
    let series = std::fs::read_to_string(dir.join("series.csv")).unwrap();
    assert!(series.lines().count() > 3 * 100);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let f = temp_file(
        "cli",
        "syntax.ron",
        "(\n  name: \"x\",\n  components: [ (id: \"a\" kind: Sink()) ],\n)\n",
    );
    let err = stderr_of(&["check", f.to_str().unwrap()], 1);
    assert!(err.contains("line 3, column"), "{err}");
    assert!(err.contains("syntax.ron"), "{err}");
}

#[test]
fn unknown_kinds_are_named() {
    let f = temp_file(
        "cli",
        "kind.ron",
        "(components: [ (id: \"a\", kind: Teleporter()) ])\n",
    );
    let err = stderr_of(&["run", f.to_str().unwrap()], 1);
    assert!(
        err.contains("Teleporter") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn bad_numbers_and_dangling_edges_are_listed_together() {
    let f = temp_file(
        "cli",
        "bad.ron",
        r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: -5.0))),
            (id: "q", kind: Producer(arrivals: Poisson(rate_per_s: NaN))),
            (id: "s", kind: Station(servers: 0)),
        ], connections: [(from: "p", to: "s"), (from: "q", to: "s"), (from: "s", to: "ghost")])"#,
    );
    let out = spillway()
        .args(["check", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("component `p`: arrivals: rate_per_s must be a finite rate >= 0, got -5"),
        "{text}"
    );
    assert!(
        text.contains("component `q`: arrivals: rate_per_s must be a finite rate >= 0, got NaN"),
        "{text}"
    );
    assert!(
        text.contains("component `s`: servers must be at least 1"),
        "{text}"
    );
    assert!(
        text.contains("`s -> ghost`: ends at unknown component `ghost`"),
        "{text}"
    );
    let err = stderr_of(&["run", f.to_str().unwrap()], 1);
    assert!(err.contains("not a runnable design"), "{err}");
}

#[test]
fn missing_files_and_bad_overrides_are_invalid_input() {
    let err = stderr_of(&["run", "no/such/file.ron"], 1);
    assert!(err.contains("cannot read no/such/file.ron"), "{err}");
    let err = stderr_of(
        &["run", "examples/mm1.ron", "--set", "server.nonsense=3"],
        1,
    );
    assert!(err.contains("unknown field `nonsense`"), "{err}");
    let err = stderr_of(&["run", "examples/mm1.ron", "--set", "server.servers=0"], 1);
    assert!(err.contains("servers must be at least 1"), "{err}");
}

#[test]
fn usage_errors_exit_with_two() {
    stderr_of(&["run"], 2);
    stderr_of(&["run", "examples/mm1.ron", "--duration", "soon"], 2);
    stderr_of(&["run", "examples/mm1.ron", "--frobnicate"], 2);
}

#[test]
fn run_prices_aws_designs_in_the_table_json_and_csv() {
    let args = [
        "run",
        "examples/poison-messages.ron",
        "--duration",
        "10m",
        "-q",
    ];
    let text = String::from_utf8(succeed(&args).stdout).unwrap();
    assert!(text.contains("cost (USD, us-east-1 list prices, free tier not included"));
    assert!(text.contains("lambda.requests") && text.contains("sqs.fifo_requests"));
    assert!(text.contains("per million events"));

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let v: serde_json::Value = serde_json::from_slice(&succeed(&json_args).stdout).unwrap();
    let cost = &v["cost"];
    assert!(cost["total_usd"].as_f64().unwrap() > 0.0);
    let comps = cost["components"].as_object().unwrap();
    assert!(comps.contains_key("worker-fifo") && comps.contains_key("fifo-q"));
    let sum: f64 = comps.values().map(|c| c["usd"].as_f64().unwrap()).sum();
    assert!((sum - cost["total_usd"].as_f64().unwrap()).abs() < 1e-9);
    // poison messages are received three times: some of the cost is from retries
    assert!(cost["retry_share"].as_f64().unwrap() > 0.01);

    // the free tier lowers the monthly figure
    let mut free = json_args.clone();
    free.push("--free-tier");
    let f: serde_json::Value = serde_json::from_slice(&succeed(&free).stdout).unwrap();
    assert!(f["cost"]["per_month_usd"].as_f64() < cost["per_month_usd"].as_f64());

    let dir = TempDir::new("cost-csv");
    let mut csv = args.to_vec();
    let d = dir.to_string_lossy().to_string();
    csv.extend(["--csv", &d]);
    succeed(&csv);
    let cost_csv = std::fs::read_to_string(dir.join("cost.csv")).unwrap();
    assert!(cost_csv.starts_with("component,key,unit,amount"));
    assert!(cost_csv.contains("worker-std,lambda.gb_seconds,"));
}

#[test]
fn run_uses_another_price_book_and_reports_a_broken_one() {
    let book = temp_file(
        "cli",
        "prices.ron",
        r#"(region: "test", currency: "USD", prices: {"lambda.requests": (usd: 1.0, unit: "request")})"#,
    );
    let out = succeed(&[
        "run",
        "examples/poison-messages.ron",
        "--duration",
        "10m",
        "-q",
        "--json",
        "--prices",
        book.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cost"]["region"], "test");
    // a dollar per invocation; every other meter is unpriced and named
    let lines = v["cost"]["components"]["worker-std"]["lines"]
        .as_array()
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["usd_per_unit"], 1.0);
    assert!(
        v["cost"]["unpriced"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str().unwrap().contains("sqs.fifo_requests"))
    );

    let broken = temp_file("cli", "broken.ron", "(region: \"x\",\n currency: 7)");
    let err = stderr_of(
        &[
            "run",
            "examples/poison-messages.ron",
            "--prices",
            broken.to_str().unwrap(),
        ],
        1,
    );
    assert!(
        err.contains("broken.ron") && err.contains("line 2"),
        "{err}"
    );
}
