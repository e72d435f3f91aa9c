//! Hostile input (issue 13): a corpus of wrong, extreme and malicious designs run through
//! the library (load, validate, build, a bounded run, every export) and, for a sample,
//! through the command line (`check`, `run`, `export` in every format).
//!
//! Every case must end in either a clean result or a clear error that names a place
//! (line and column, a component, connection, event type or field), never a panic, an
//! abort or a hang; nothing printed or exported may carry raw terminal control or bidi
//! characters; no export may write outside the target it was given; a design that
//! `check` accepts must build and run; every run ends (finished, or halted with a reason).
//!
//! Most of the corpus is generated here from the component kinds and the shipped
//! examples; what is about bytes (encodings, NUL, nesting depth) lives in tests/hostile/.
//! Each test collects every failure and reports them grouped by cause at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Component as Part, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as Wall, Instant};

use assert_cmd::Command;
use spillway::export::{self, Format};
use spillway::model::aws::{
    ApiGateway, Autoscale, ContainerService, DynamoDbTable, EventBus, EventSourceMapping, Firehose,
    KafkaTopic, KinesisStream, LambdaFunction, ServiceSink, SnsTopic, SqsQueue, StepFunctions,
};
use spillway::model::{
    self, Arrivals, Component, ComponentKind, Connection, DeadLetterQueue, Document, Duration,
    EventType, KeySpace, LinkKind, Producer, Retry, Routing, Severity, Sink, Station, Throttle,
};
use spillway::sim::Simulation;

use crate::common::{TempDir, errors_of};

/// Most events a library run may process before it must have finished or halted.
pub const MAX_STEPS: u64 = 5_000_000;
/// Simulated time of a library run (longer scenarios are shortened to it).
pub const SHORT_NS: u64 = 2_000_000_000;
/// How long one command may take before it counts as a hang.
pub const CLI_TIMEOUT: Wall = Wall::from_secs(60);
/// How long one library case may take before the sweep reports it as a hang.
const CASE_TIMEOUT: Wall = Wall::from_secs(60);

// ---------------------------------------------------------------------------------------
// Findings

/// Failures of one test, grouped by cause, each with the cases that showed it.
#[derive(Default)]
pub struct Findings {
    by_cause: BTreeMap<String, Vec<String>>,
}

impl Findings {
    /// Record that `case` shows `cause`.
    pub fn add(&mut self, cause: impl Into<String>, case: &str) {
        self.by_cause
            .entry(cause.into())
            .or_default()
            .push(short(case, 160));
    }

    /// Take over another test part's findings.
    pub fn merge(&mut self, other: Findings) {
        for (cause, cases) in other.by_cause {
            self.by_cause.entry(cause).or_default().extend(cases);
        }
    }

    /// Fail with every cause and (up to 12 of) its cases, if there is any.
    #[track_caller]
    pub fn assert_none(&self, what: &str) {
        if self.by_cause.is_empty() {
            return;
        }
        let mut text = format!("{what}: {} kind(s) of failure\n", self.by_cause.len());
        for (cause, cases) in &self.by_cause {
            text.push_str(&format!(
                "\n* {} ({} case(s))\n",
                short(cause, 400),
                cases.len()
            ));
            for c in cases.iter().take(12) {
                text.push_str(&format!("    - {c}\n"));
            }
            if cases.len() > 12 {
                text.push_str(&format!("    - ... and {} more\n", cases.len() - 12));
            }
        }
        panic!("{text}");
    }
}

/// `s` with control and bidi characters escaped and cut to about `max` characters.
pub fn short(s: &str, max: usize) -> String {
    let p = model::printable(s);
    if p.chars().count() <= max {
        return p.into_owned();
    }
    let head: String = p.chars().take(max).collect();
    format!("{head}... ({} chars)", p.chars().count())
}

/// Prints how long a test took when it ends (see it with `--nocapture`).
pub struct Timer(&'static str, Instant);

impl Timer {
    /// Start timing `test`.
    pub fn new(test: &'static str) -> Self {
        Timer(test, Instant::now())
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        eprintln!("{}: {:.1} s", self.0, self.1.elapsed().as_secs_f64());
    }
}

// ---------------------------------------------------------------------------------------
// Rules on text

/// Whether `c` may not reach a terminal raw: control characters (line breaks and tabs
/// aside) and bidi overrides.
fn dangerous(c: char) -> bool {
    model::text::is_unsafe_char(c) && !matches!(c, '\n' | '\t' | '\r')
}

/// Whether output text carries a raw ESC, BEL, NUL, C1 or bidi character.
pub fn has_dangerous(text: &str) -> bool {
    text.chars().any(dangerous)
}

/// Whether `hay` has `word` followed (after optional spaces) by a digit.
fn word_then_number(hay: &str, word: &str) -> bool {
    hay.match_indices(word).any(|(i, _)| {
        hay[i + word.len()..]
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// Whether an error message names a place: a line, column or byte position; a
/// component, connection, event type, the scenario; or a field (`snake_case`, a dotted
/// path or a name in backticks).
pub fn names_place(msg: &str) -> bool {
    let m = msg.to_lowercase();
    if ["line", "column", "byte", "offset"]
        .iter()
        .any(|w| word_then_number(&m, w))
    {
        return true;
    }
    if [
        "component `",
        "connection #",
        "connection `",
        "event type",
        "scenario",
        "field",
        "version",
        "picture would be",
    ]
    .iter()
    .any(|w| m.contains(w))
    {
        return true;
    }
    if m.matches('`').count() >= 2 {
        return true;
    }
    m.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .any(|w| {
            let w = w.trim_matches('.');
            (w.contains('_') || w.contains('.'))
                && w.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && !w.contains("..")
        })
}

// ---------------------------------------------------------------------------------------
// Rules on paths

/// Windows device names, which no exported file may be called.
const DEVICES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Whether a file name an export derived from a design is acceptable on any system: not
/// empty or hidden, no device name, no control or bidi characters.
fn fair_file_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    !stem.is_empty()
        && !name.starts_with('.')
        && !DEVICES.iter().any(|d| stem.eq_ignore_ascii_case(d))
        && !model::has_unsafe_chars(name)
        && !name.contains(['/', '\\', ':'])
}

/// Why a path an export writes for target `target` is not inside what the target names
/// (the target itself; a sibling extending its file name, as the Markdown spec's
/// `x.svg`; a file directly inside it, as AsyncAPI's), if it is not.
pub fn outside_target(path: &Path, target: &Path) -> Option<String> {
    if path
        .components()
        .any(|c| matches!(c, Part::ParentDir | Part::CurDir))
    {
        return Some("a `..` or `.` in the path".into());
    }
    if path == target {
        return None;
    }
    if let Ok(rest) = path.strip_prefix(target) {
        let parts: Vec<_> = rest.components().collect();
        return match parts.as_slice() {
            [Part::Normal(n)] if fair_file_name(&n.to_string_lossy()) => None,
            [Part::Normal(n)] => Some(format!("file name `{}`", short(&n.to_string_lossy(), 60))),
            _ => Some("a subdirectory inside the target".into()),
        };
    }
    let stem = target.file_name().map(|s| s.to_string_lossy().into_owned());
    if path.parent() == target.parent()
        && let (Some(stem), Some(name)) = (stem, path.file_name())
        && name.to_string_lossy().starts_with(&stem)
    {
        return None;
    }
    Some("outside the target".into())
}

/// Every entry under `root` (files and directories), without following links.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            out.insert(p);
        }
    }
    out
}

/// The entries directly in `dir` (none if it does not exist).
fn entries(dir: &Path) -> BTreeSet<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// `base` joined with `rel` and resolved lexically (`..` removes a part).
fn resolve(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in base.join(rel).components() {
        match part {
            Part::ParentDir => {
                out.pop();
            }
            Part::CurDir => {}
            p => out.push(p),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The library path

/// What a case must show besides the general rules.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// Validation must refuse the design with an error containing each of these.
    pub refuse_naming: Option<Vec<String>>,
    /// A halted run's reason must name one of these components (the loop).
    pub loop_names: Vec<String>,
    /// Run the scenario's own duration (still at most [`MAX_STEPS`] events).
    pub full_duration: bool,
}

/// One design of the corpus.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it is, for the report.
    pub label: String,
    /// The file's text.
    pub text: String,
    /// Extra expectations.
    pub expect: Expect,
}

impl Case {
    /// A case with only the general rules.
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Self {
        Case {
            label: label.into(),
            text: text.into(),
            expect: Expect::default(),
        }
    }
}

/// How a case ended in the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It panicked somewhere (a finding was recorded).
    Panicked,
    /// The text did not load.
    LoadError,
    /// Validation found errors.
    Invalid,
    /// It validated, built and ran (finished or halted, or a finding was recorded).
    Ran,
    /// It validated but holds numbers large enough to size memory: it is built and run
    /// only in a separate process (an allocation failure aborts the process).
    Isolated,
}

thread_local! {
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Install (once) a panic hook that keeps the location of panics in sweep threads
/// instead of printing thousands of them; other threads print as usual.
fn quiet_panic_hook() {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET_PANICS.with(std::cell::Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Run `f`, turning a panic into a finding `panic in {stage}` (with its location).
fn guarded<T>(
    stage: &str,
    case: &str,
    findings: &mut Findings,
    f: impl FnOnce() -> T,
) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = LAST_PANIC.with(|p| p.borrow().clone());
            findings.add(
                format!("panic in {stage} at {at}: {}", short(&msg, 120)),
                case,
            );
            None
        }
    }
}

/// Whether a valid design holds a number that could size memory (2^20 or more, or not
/// finite), so that building it in this process could abort the whole test binary.
/// Seeds, weights and editor positions are left out: they size nothing.
pub fn needs_isolation(doc: &Document) -> bool {
    fn big(v: &serde_json::Value, key: &str) -> bool {
        match v {
            serde_json::Value::Number(n) => {
                !matches!(key, "seed" | "weight")
                    && n.as_f64().is_some_and(|x| x.abs() >= 1_048_576.0)
            }
            // NaN and infinities become null
            serde_json::Value::Null => true,
            serde_json::Value::Array(a) => a.iter().any(|x| big(x, key)),
            serde_json::Value::Object(o) => o
                .iter()
                .filter(|(k, _)| k.as_str() != "layout")
                .any(|(k, x)| big(x, k)),
            _ => false,
        }
    }
    match serde_json::to_value(doc) {
        Ok(v) => big(&v, ""),
        Err(_) => true,
    }
}

/// A copy of `doc` that runs at most [`SHORT_NS`] of simulated time, without warm-up
/// past its end.
pub fn shortened(doc: &Document) -> Document {
    let mut d = doc.clone();
    if d.scenario.duration.ns > SHORT_NS {
        d.scenario.duration = Duration::from_ns(SHORT_NS);
    }
    if d.scenario.warmup.ns >= d.scenario.duration.ns {
        d.scenario.warmup = Duration::ZERO;
    }
    d.scenario.bucket = None;
    d
}

/// Step `sim` at most [`MAX_STEPS`] times; the cause of a finding if it neither
/// finished nor halted by then, or halted without naming the loop.
fn bounded_run(sim: &mut Simulation, loop_names: &[String]) -> Option<String> {
    let mut n = 0u64;
    while n < MAX_STEPS && sim.step() {
        n += 1;
    }
    if let Some(why) = sim.halted() {
        if has_dangerous(why) {
            return Some("halted reason carries raw control/bidi characters".into());
        }
        if !loop_names.is_empty() && !loop_names.iter().any(|c| why.contains(c.as_str())) {
            return Some(format!(
                "run halted without naming the loop's component: `{}`",
                short(why, 160)
            ));
        }
        return None;
    }
    if !sim.is_finished() {
        return Some(format!(
            "run neither finished nor halted within {MAX_STEPS} events (simulated time stuck or crawling)"
        ));
    }
    None
}

/// The library's text formats (PNG is the SVG rasterised; CSV and JSON are checked when
/// a report exists).
const LIB_FORMATS: [Format; 5] = [
    Format::Svg,
    Format::Mermaid,
    Format::Dot,
    Format::Markdown,
    Format::AsyncApi,
];

/// Check `export::outputs` for `doc` in `format`: no panic, every path inside the
/// target, no raw control characters in the bytes. Writes nothing.
fn lib_export(
    doc: &Document,
    format: Format,
    report: Option<&spillway::cost::RunResult>,
    case: &str,
    findings: &mut Findings,
) {
    let target = Path::new("/nonexistent-spillway-target/out/x");
    let opts = export::Options::default();
    let Some(result) = guarded(&format!("export {format}"), case, findings, || {
        export::check_valid(doc)
            .and_then(|d| export::outputs(d, format, Some(target), report, &opts))
    }) else {
        return;
    };
    let Ok(outputs) = result else {
        return;
    };
    for o in &outputs {
        match &o.path {
            Some(p) => {
                if let Some(why) = outside_target(p, target) {
                    findings.add(
                        format!("export {format} (library) would write outside its target: {why}"),
                        case,
                    );
                }
            }
            None => findings.add(
                format!("export {format} (library) output without a path"),
                case,
            ),
        }
        if has_dangerous(&String::from_utf8_lossy(&o.bytes)) {
            findings.add(
                format!("export {format} (library) carries raw control/bidi characters"),
                case,
            );
        }
    }
}

/// Run one case through the library: load, validate, build (a design with no errors
/// must build), a bounded run, and the exports.
pub fn lib_case(case: &Case, findings: &mut Findings) -> Outcome {
    let label = case.label.as_str();
    let Some(loaded) = guarded("load", label, findings, || model::from_ron_str(&case.text)) else {
        return Outcome::Panicked;
    };
    let doc = match loaded {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.to_string();
            if !names_place(&msg) {
                findings.add(
                    format!("load error names no place: `{}`", short(&msg, 120)),
                    label,
                );
            }
            if has_dangerous(&msg) {
                findings.add("load error carries raw control/bidi characters", label);
            }
            if case.expect.refuse_naming.is_none() && !case.expect.loop_names.is_empty() {
                findings.add("a loop case does not load (test bug)", label);
            }
            return Outcome::LoadError;
        }
    };
    check_doc(&doc, case, findings)
}

/// [`lib_case`] from a loaded document on.
pub fn check_doc(doc: &Document, case: &Case, findings: &mut Findings) -> Outcome {
    let label = case.label.as_str();
    let Some(problems) = guarded("validate", label, findings, || model::validate(doc)) else {
        return Outcome::Panicked;
    };
    for p in &problems {
        let text = p.to_string();
        if model::has_unsafe_chars(&text) {
            findings.add(
                "validation message carries raw control/bidi characters",
                label,
            );
        }
        if let Some(k) = ["ApiGateway", "EventBus", "Analytics"]
            .iter()
            .find(|k| text.contains(&format!(" a {k}")))
        {
            findings.add(format!("\"a {k}\" in a message"), label);
        }
        if p.severity == Severity::Error && !names_place(&text) {
            findings.add(
                format!("validation error names no place: `{}`", short(&text, 120)),
                label,
            );
        }
    }
    let isolate = needs_isolation(doc);
    if !isolate {
        for f in LIB_FORMATS {
            lib_export(doc, f, None, label, findings);
        }
    }
    let errors = errors_of(&problems);
    if let Some(needles) = &case.expect.refuse_naming {
        if errors.is_empty() {
            findings.add("validation accepts what must be refused", label);
        } else if !one_names_all(&errors, needles) {
            findings.add(
                format!("refused, but no error names all of {needles:?}"),
                &format!("{label}: {}", errors.join(" | ")),
            );
        }
    }
    if !errors.is_empty() {
        return Outcome::Invalid;
    }
    if isolate {
        return Outcome::Isolated;
    }
    let Some(built) = guarded("build", label, findings, || Simulation::new(doc)) else {
        return Outcome::Panicked;
    };
    if let Err(e) = built {
        findings.add(
            format!(
                "check ok but build refuses: `{}`",
                short(&e.to_string(), 160)
            ),
            label,
        );
        return Outcome::Ran;
    }
    drop(built);
    let short_doc = if case.expect.full_duration {
        doc.clone()
    } else {
        shortened(doc)
    };
    let Some(Ok(mut sim)) = guarded("build", label, findings, || Simulation::new(&short_doc))
    else {
        findings.add("the shortened design does not build", label);
        return Outcome::Ran;
    };
    let Some(verdict) = guarded("run", label, findings, || {
        bounded_run(&mut sim, &case.expect.loop_names)
    }) else {
        return Outcome::Ran;
    };
    if let Some(cause) = verdict {
        findings.add(cause, label);
        return Outcome::Ran;
    }
    let Some(report) = guarded("report", label, findings, || sim.report()) else {
        return Outcome::Ran;
    };
    let book = spillway::cost::PriceBook::builtin().unwrap();
    let Some(result) = guarded("cost", label, findings, || {
        let cost = spillway::cost::estimate(&report, &short_doc.cost, &book);
        spillway::cost::RunResult::single(&report, &cost)
    }) else {
        return Outcome::Ran;
    };
    match result.to_json() {
        Ok(_) => {
            for f in [
                Format::Csv,
                Format::Json,
                Format::Markdown,
                Format::AsyncApi,
            ] {
                lib_export(&short_doc, f, Some(&result), label, findings);
            }
        }
        Err(e) => findings.add(format!("report cannot become JSON: {e}"), label),
    }
    Outcome::Ran
}

/// Run every case through the library on a worker thread watched for hangs; return the
/// findings and the cases to run in a separate process.
pub fn sweep(cases: Vec<Case>) -> (Findings, Vec<Case>, BTreeMap<&'static str, usize>) {
    quiet_panic_hook();
    let progress = Arc::new((AtomicUsize::new(0), Mutex::new(String::new())));
    let (tx, rx) = std::sync::mpsc::channel();
    let p = Arc::clone(&progress);
    std::thread::Builder::new()
        .name("hostile-sweep".into())
        .spawn(move || {
            QUIET_PANICS.with(|q| q.set(true));
            let mut findings = Findings::default();
            let mut isolated = Vec::new();
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            for case in cases {
                *p.1.lock().unwrap() = case.label.clone();
                p.0.fetch_add(1, Ordering::SeqCst);
                let outcome = lib_case(&case, &mut findings);
                *counts.entry(outcome_name(outcome)).or_default() += 1;
                if outcome == Outcome::Isolated {
                    isolated.push(case);
                }
            }
            let _ = tx.send((findings, isolated, counts));
        })
        .unwrap();
    let mut last = (0, Instant::now());
    loop {
        match rx.recv_timeout(Wall::from_millis(200)) {
            Ok(done) => return done,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let n = progress.0.load(Ordering::SeqCst);
                if n != last.0 {
                    last = (n, Instant::now());
                } else if last.1.elapsed() > CASE_TIMEOUT {
                    let label = progress.1.lock().unwrap().clone();
                    panic!(
                        "hang: a library call on case `{}` did not return within {} s",
                        short(&label, 200),
                        CASE_TIMEOUT.as_secs()
                    );
                }
            }
            Err(e) => panic!("the sweep thread died: {e}"),
        }
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Panicked => "panicked",
        Outcome::LoadError => "load error",
        Outcome::Invalid => "invalid",
        Outcome::Ran => "ran",
        Outcome::Isolated => "isolated",
    }
}

// ---------------------------------------------------------------------------------------
// The command-line path

/// Address space a command may use (4 GiB): a runaway allocation fails (and aborts)
/// instead of taking the machine's memory.
const MEMORY_CAP_KB: u64 = 4 << 20;

/// `spillway` under a memory cap and the hang timeout, started in `dir` (the other
/// tests run it plainly with `common::spillway`).
fn spillway_capped(dir: &Path) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("spillway");
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {MEMORY_CAP_KB} && exec \"$0\" \"$@\""))
        .arg(bin)
        .current_dir(dir)
        .timeout(CLI_TIMEOUT);
    c
}

/// What one command did.
struct Ran {
    code: Option<i32>,
    out: String,
}

/// Run `args` and apply the general rules: exit code 0 or 1 (not a panic, an abort or a
/// hang), no raw control characters in the output, an error that names a place.
fn command(dir: &Path, args: &[&str], what: &str, case: &str, findings: &mut Findings) -> Ran {
    use std::os::unix::process::ExitStatusExt;
    let started = Instant::now();
    let out = spillway_capped(dir).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code();
    match (code, out.status.signal()) {
        (Some(0 | 1), _) => {}
        (Some(101), _) => findings.add(format!("`{what}` panicked (exit code 101)"), case),
        (Some(c), _) => findings.add(format!("`{what}` exit code {c}"), case),
        (None, _) if started.elapsed() >= CLI_TIMEOUT => findings.add(
            format!("`{what}` hangs: no end within {} s", CLI_TIMEOUT.as_secs()),
            case,
        ),
        (None, Some(sig)) => findings.add(
            format!("`{what}` killed by signal {sig} (abort: failed allocation or stack overflow)"),
            case,
        ),
        (None, None) => findings.add(format!("`{what}` ended without a code"), case),
    }
    if text.contains("panicked at") {
        findings.add(format!("`{what}` prints a panic"), case);
    }
    if has_dangerous(&text) {
        findings.add(
            format!("`{what}` prints raw control/bidi characters to the terminal"),
            case,
        );
    }
    if code == Some(1) && !names_place(&text) {
        findings.add(
            format!(
                "`{what}` error names no place: `{}`",
                short(text.trim(), 160)
            ),
            case,
        );
    }
    Ran { code, out: text }
}

/// Run the cases the library left to a separate process through `check` and, when it
/// accepts them, `run` (which must then end by itself).
pub fn cli_isolated(dir: &Path, cases: &[Case], findings: &mut Findings) {
    for (i, case) in cases.iter().enumerate() {
        let work = dir.join(format!("iso{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let design = work.join("design.ron");
        std::fs::write(&design, case.text.as_bytes()).unwrap();
        let d = design.to_str().unwrap();
        let check = command(&work, &["check", d], "check", &case.label, findings);
        if check.code != Some(0) {
            continue;
        }
        let run = command(
            &work,
            &["run", d, "--duration", "2s", "--warmup", "0s", "-q"],
            "run --duration 2s --warmup 0s -q",
            &case.label,
            findings,
        );
        if run.code == Some(1) && !halted(&run) {
            findings.add(
                format!("check ok but run refuses: `{}`", short(run.out.trim(), 160)),
                &case.label,
            );
        }
    }
}

/// Whether a command's output says its run halted (ended itself early).
fn halted(r: &Ran) -> bool {
    r.out.contains("the run was")
}

/// Whether one of the error messages `errors` contains every one of `needles`.
fn one_names_all(errors: &[String], needles: &[String]) -> bool {
    errors
        .iter()
        .any(|e| needles.iter().all(|n| e.contains(n.as_str())))
}

/// Every `step`-th of `cases` through the command line ([`cli_case`]), each in a folder
/// of its own under `dir`; with `export_first`, the first also through every export.
fn cli_sample(
    dir: &Path,
    cases: &[Case],
    step: usize,
    export_first: bool,
    findings: &mut Findings,
) {
    for (i, c) in cases.iter().enumerate().step_by(step) {
        cli_case(
            &dir.join(i.to_string()),
            c.text.as_bytes(),
            &c.label,
            export_first && i == 0,
            &[],
            findings,
        );
    }
}

/// Run a design file through `check` and `run --duration 2s -q` and, with `exports`,
/// through `export` in every format, each into a fresh target inside `root`; assert
/// the general rules, that what `check` accepts runs and exports and what it refuses
/// does not export, and that nothing appears outside the targets (inside `root`, in the
/// parent directories that `watch` paths point to, relative to the targets).
pub fn cli_case(
    root: &Path,
    bytes: &[u8],
    label: &str,
    exports: bool,
    watch: &[String],
    findings: &mut Findings,
) {
    // Deep enough that ids climbing out of a target with `../../..` stay in `root`.
    let work = root.join("a/b/c");
    std::fs::create_dir_all(&work).unwrap();
    let design = work.join("design.ron");
    std::fs::write(&design, bytes).unwrap();
    let d = design.to_str().unwrap();
    let check = command(&work, &["check", d], "check", label, findings);
    let run = command(
        &work,
        &["run", d, "--duration", "2s", "--warmup", "0s", "-q"],
        "run --duration 2s --warmup 0s -q",
        label,
        findings,
    );
    if check.code == Some(0) && run.code == Some(1) && !halted(&run) {
        findings.add(
            format!("check ok but run refuses: `{}`", short(run.out.trim(), 160)),
            label,
        );
    }
    if check.code == Some(1) && run.code == Some(0) {
        findings.add("check refuses but run succeeds", label);
    }
    if !exports {
        return;
    }
    for f in Format::ALL {
        let out_dir = work.join("out").join(f.name());
        std::fs::create_dir_all(&out_dir).unwrap();
        let target = out_dir.join("x");
        // where ids climbing out of the target point, outside `root`: (folder, name prefix)
        let mut watched: Vec<(PathBuf, String)> = watch
            .iter()
            .map(|id| resolve(&target, id))
            .filter(|p| !p.starts_with(root))
            .filter_map(|p| {
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some((p.parent()?.to_path_buf(), name))
            })
            .collect();
        watched.sort();
        watched.dedup();
        let listing = |(dir, prefix): &(PathBuf, String)| -> BTreeSet<PathBuf> {
            entries(dir)
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix.as_str()))
                })
                .collect()
        };
        let before_root = tree(root);
        let before: Vec<_> = watched.iter().map(listing).collect();
        let what = "export --format F -o DIR/x";
        let at = format!("{label} [F = {f}]");
        let label = at.as_str();
        let r = command(
            &work,
            &[
                "export",
                d,
                "--format",
                f.name(),
                "-o",
                target.to_str().unwrap(),
                "-q",
            ],
            what,
            label,
            findings,
        );
        let too_big = f == Format::Png && r.out.contains("the picture would be");
        if check.code == Some(0) && r.code == Some(1) && !halted(&r) && !too_big {
            findings.add(
                format!(
                    "check ok but `{what}` refuses: `{}`",
                    short(r.out.trim(), 160)
                ),
                label,
            );
        }
        if check.code == Some(1) && r.code == Some(0) {
            findings.add(
                format!("check refuses but `{what}` exports (no validation first)"),
                label,
            );
        }
        for p in tree(root).difference(&before_root) {
            if let Some(why) = outside_target(p, &target) {
                findings.add(format!("`{what}` writes outside its target ({why})"), label);
            } else if f != Format::Png
                && p.is_file()
                && has_dangerous(&String::from_utf8_lossy(
                    &std::fs::read(p).unwrap_or_default(),
                ))
            {
                findings.add(
                    format!("`{what}` writes raw control/bidi characters into the file"),
                    label,
                );
            }
        }
        for (w, old) in watched.iter().zip(&before) {
            if listing(w) != *old {
                findings.add(
                    format!("`{what}` writes into {}, outside its target", w.0.display()),
                    label,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Corpus: documents

/// One rich instance of every component kind: every optional parameter set, so every
/// field appears in the saved text.
pub fn every_kind() -> Vec<ComponentKind> {
    let throttle = Some(Throttle {
        rate_per_s: 50.0,
        burst: 20.0,
    });
    let retry = Retry {
        max_attempts: 3,
        backoff_ms: 10.0,
        ..Retry::default()
    };
    let sink = ServiceSink {
        rate_limit: throttle.clone(),
        ..ServiceSink::default()
    };
    let stream = KinesisStream {
        shard_records_per_s: Some(1000.0),
        shard_bytes_per_s: Some(1_000_000.0),
        max_retry_attempts: Some(2),
        max_record_age: Some(Duration::from_secs(60)),
        ..KinesisStream::default()
    };
    let topic = KafkaTopic {
        shard_records_per_s: Some(1000.0),
        shard_bytes_per_s: Some(1_000_000.0),
        max_retry_attempts: Some(2),
        max_record_age: Some(Duration::from_secs(60)),
        ..KafkaTopic::default()
    };
    vec![
        ComponentKind::Producer(Producer {
            max_events: Some(500),
            keys: Some(KeySpace::default()),
            ..Producer::default()
        }),
        ComponentKind::Station(Station {
            servers: 2,
            queue_capacity: Some(100),
            max_age: Some(Duration::from_secs(30)),
            throttle: throttle.clone(),
            timeout: Some(Duration::from_secs(5)),
            retry: retry.clone(),
            fail_prob: 0.1,
            ..Station::default()
        }),
        ComponentKind::Sink(Sink {}),
        ComponentKind::DeadLetterQueue(DeadLetterQueue {}),
        ComponentKind::ApiGateway(ApiGateway::default()),
        ComponentKind::EventBus(EventBus::default()),
        ComponentKind::SnsTopic(SnsTopic::default()),
        ComponentKind::SqsQueue(SqsQueue {
            max_receive_count: Some(3),
            max_concurrency: Some(10),
            ..SqsQueue::default()
        }),
        ComponentKind::Lambda(LambdaFunction {
            reserved_concurrency: Some(10),
            ..LambdaFunction::default()
        }),
        ComponentKind::KinesisStream(stream),
        ComponentKind::KafkaTopic(topic),
        ComponentKind::ContainerService(ContainerService {
            queue_capacity: Some(100),
            autoscale: Some(Autoscale::default()),
            ..ContainerService::default()
        }),
        ComponentKind::StepFunctions(StepFunctions {
            start_throttle: throttle,
            retry,
            ..StepFunctions::default()
        }),
        ComponentKind::DynamoDbTable(DynamoDbTable {
            stream: true,
            consumer: EventSourceMapping {
                max_retry_attempts: Some(2),
                max_record_age: Some(Duration::from_secs(60)),
                ..EventSourceMapping::default()
            },
            ..DynamoDbTable::default()
        }),
        ComponentKind::Firehose(Firehose {
            transform: Some("xf".into()),
            ..Firehose::default()
        }),
        ComponentKind::S3Bucket(sink.clone()),
        ComponentKind::Ses(sink.clone()),
        ComponentKind::LogGroup(sink.clone()),
        ComponentKind::Analytics(sink),
    ]
}

fn component(id: &str, kind: ComponentKind) -> Component {
    Component {
        id: id.into(),
        name: String::new(),
        kind,
    }
}

fn producer(rate: f64) -> ComponentKind {
    ComponentKind::Producer(Producer {
        arrivals: Arrivals::Poisson { rate_per_s: rate },
        ..Producer::default()
    })
}

/// `clients -> subject -> done` (a producer subject feeds `done` directly), 2 s.
pub fn kind_doc(kind: ComponentKind) -> Document {
    let mut doc = Document {
        name: format!("{} alone", kind.kind_name()),
        ..Document::default()
    };
    doc.scenario.duration = Duration::from_secs(2);
    let outputs = kind.has_outputs();
    let source = kind.is_source();
    let transform = matches!(&kind, ComponentKind::Firehose(f) if f.transform.is_some());
    doc.components = vec![
        component("clients", producer(20.0)),
        component("subject", kind),
        component("done", ComponentKind::Sink(Sink {})),
    ];
    if transform {
        doc.components.push(component(
            "xf",
            ComponentKind::Lambda(LambdaFunction::default()),
        ));
    }
    if !source {
        doc.connections.push(Connection::new("clients", "subject"));
    } else {
        doc.connections.push(Connection::new("clients", "done"));
    }
    if outputs {
        doc.connections.push(Connection::new("subject", "done"));
    }
    doc
}

/// A document using every top-level setting: event types with attributes, a filtered
/// connection with its own retry, age, latency, rule and dead-letter queue, prices.
pub fn settings_doc() -> Document {
    let mut doc = kind_doc(ComponentKind::EventBus(EventBus::default()));
    doc.description = "every setting".into();
    doc.scenario.warmup = Duration::from_ms(100);
    doc.scenario.bucket = Some(Duration::from_ms(100));
    doc.scenario.replications = 2;
    doc.event_types = vec![
        EventType {
            name: "Created".into(),
            attributes: [("tier".to_owned(), vec![("gold".to_owned(), 1.0)])].into(),
            ..EventType::default()
        },
        EventType {
            name: "Deleted".into(),
            weight: 0.5,
            ..EventType::default()
        },
    ];
    doc.components.push(component(
        "dlq",
        ComponentKind::DeadLetterQueue(DeadLetterQueue {}),
    ));
    let c = &mut doc.connections[1];
    c.filter = Some(spillway::model::Filter {
        event_types: vec!["Created".into()],
        attributes: [(
            "tier".to_owned(),
            spillway::model::Condition::Equals(vec!["gold".into()]),
        )]
        .into(),
    });
    c.latency_ms = Some(spillway::model::Dist::Constant(1.0));
    c.rule = "r1".into();
    c.retry = Some(Retry::default());
    c.max_event_age = Some(Duration::from_secs(60));
    c.dead_letter = Some("dlq".into());
    doc.account.lambda_concurrency = 100;
    doc.cost.prices.insert("lambda.requests".into(), 0.0000002);
    doc.layout.insert("clients".into(), [0.0, 0.0]);
    doc
}

/// Save a document as text.
pub fn text_of(doc: &Document) -> String {
    model::to_ron_string(doc).unwrap()
}

// ---------------------------------------------------------------------------------------
// Corpus: field mutations on the saved text

/// A struct field in RON text: its dotted path and where its value is.
#[derive(Clone, Debug)]
pub struct Field {
    /// `retry.max_attempts`.
    pub path: String,
    /// Byte range of the value.
    pub value: std::ops::Range<usize>,
}

/// Inside a RON string literal, at byte `i`: whether the literal goes on after it (a
/// backslash escapes the next byte, which `i` is moved onto).
fn string_goes_on(b: &[u8], i: &mut usize) -> bool {
    match b[*i] {
        b'\\' => {
            *i += 1;
            true
        }
        b'"' => false,
        _ => true,
    }
}

/// Where the value starting at `start` ends (exclusive, trailing spaces trimmed).
pub fn value_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut i = start;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            in_str = string_goes_on(b, &mut i);
        } else {
            match c {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => break,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => break,
                _ => {}
            }
        }
        i += 1;
    }
    let mut end = i;
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// `text` with the value of the first field whose path ends with `path` replaced.
pub fn set_field(text: &str, path: &str, value: &str) -> String {
    let f = fields(text)
        .into_iter()
        .find(|f| f.path.ends_with(path))
        .unwrap_or_else(|| panic!("no field {path} in {text}"));
    format!("{}{value}{}", &text[..f.value.start], &text[f.value.end..])
}

/// Every struct field (`name: value`) of RON text, with its path.
pub fn fields(text: &str) -> Vec<Field> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut pending = String::new();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            in_str = string_goes_on(b, &mut i);
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'(' | b'[' | b'{' => stack.push(std::mem::take(&mut pending)),
            b')' | b']' | b'}' => {
                stack.pop();
                pending.clear();
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let ident = &text[start..i];
                let mut j = i;
                while j < b.len() && b[j] == b' ' {
                    j += 1;
                }
                if b.get(j) == Some(&b':') && b.get(j + 1) != Some(&b':') {
                    let mut v = j + 1;
                    while v < b.len() && b[v].is_ascii_whitespace() {
                        v += 1;
                    }
                    let mut path: Vec<&str> = stack
                        .iter()
                        .filter(|s| !s.is_empty())
                        .map(String::as_str)
                        .collect();
                    path.push(ident);
                    out.push(Field {
                        path: path.join("."),
                        value: v..value_end(text, v),
                    });
                    pending = ident.to_owned();
                    i = j + 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Values of the wrong type or out of range, written into any field.
pub fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "\"text\"",
        "2.5",
        "0",
        "-1",
        "-1.0",
        "[1, 2]",
        "(bogus: 1)",
        "true",
        "Bogus",
        "()",
        "{\"k\": 1}",
        "Some(1)",
        "None",
        "4294967295",
        "18446744073709551615",
        "1e308",
        "-1e308",
        "NaN",
        "inf",
        "-inf",
        "\"-5s\"",
        "\"1e308s\"",
        "\"0s\"",
        "\"\"",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("\"{}\"", "x".repeat(100_000)));
    v
}

/// Every field inside `range` of `text` with every hostile value.
fn field_cases(prefix: &str, text: &str, range: std::ops::Range<usize>, out: &mut Vec<Case>) {
    let values = hostile_values();
    for f in fields(text) {
        if f.value.start < range.start || f.value.end > range.end {
            continue;
        }
        for v in &values {
            let mut t = String::with_capacity(text.len() + v.len());
            t.push_str(&text[..f.value.start]);
            t.push_str(v);
            t.push_str(&text[f.value.end..]);
            let path = f.path.strip_prefix("components.kind.").unwrap_or(&f.path);
            out.push(Case::new(format!("{prefix}: {path} = {}", short(v, 24)), t));
        }
    }
}

/// The wrong-type and out-of-range corpus: every field of every kind, and every
/// document-level setting.
pub fn field_corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    for kind in every_kind() {
        let name = kind.kind_name();
        let text = text_of(&kind_doc(kind));
        let at = text.find("id: \"subject\"").unwrap();
        let k = at + text[at..].find("kind: ").unwrap() + "kind: ".len();
        let range = k..value_end(&text, k);
        field_cases(name, &text, range, &mut cases);
    }
    let text = text_of(&settings_doc());
    field_cases("document", &text, 0..text.len(), &mut cases);
    cases
}

// ---------------------------------------------------------------------------------------
// Corpus: hostile ids, names, loops, edges, counts

/// Ids and names meant to escape a folder, confuse a file system or rewrite a terminal.
pub fn hostile_strings(abs: &str) -> Vec<(&'static str, String)> {
    vec![
        ("parent escape", "../../escaped".into()),
        (
            "deep parent escape",
            "../../../../../../../../../../escaped-root".into(),
        ),
        ("absolute path", abs.into()),
        ("absolute /tmp", "/tmp/abs".into()),
        ("backslash escape", "..\\..\\escaped-win".into()),
        ("device name", "CON".into()),
        ("device name with extension", "nul.txt".into()),
        ("dot", ".".into()),
        ("dot dot", "..".into()),
        ("empty", String::new()),
        ("10k characters", "a".repeat(10_000)),
        ("ANSI colour", "\u{1b}[31mred\u{1b}[0m".into()),
        ("OSC title", "\u{1b}]0;owned\u{7}".into()),
        ("bidi override", "abc\u{202e}fed".into()),
        ("NUL", "a\u{0}b".into()),
        ("newline", "a\nb".into()),
        ("C1 CSI", "\u{9b}31m".into()),
        ("quotes and markup", "a\"b'<c>&d`|e]".into()),
    ]
}

/// `clients -> subject (SQS) -> fn (Lambda) -> done` with the Lambda's id, or its name
/// and the document's texts, set to `s` (a Lambda is an application, so AsyncAPI names a
/// file after it).
pub fn id_doc(s: &str, as_id: bool) -> Document {
    let mut doc = kind_doc(ComponentKind::SqsQueue(SqsQueue::default()));
    let id = if as_id { s } else { "fn" };
    doc.components.push(component(
        id,
        ComponentKind::Lambda(LambdaFunction::default()),
    ));
    doc.connections[1] = Connection::new("subject", id);
    doc.connections.push(Connection::new(id, "done"));
    if as_id {
        doc.layout.insert(s.into(), [10.0, 10.0]);
    } else {
        doc.components[3].name = s.into();
        doc.name = s.into();
        doc.description = s.into();
        doc.event_types = vec![EventType {
            name: s.into(),
            ..EventType::default()
        }];
    }
    doc
}

/// A document where `subject` (of `kind`) delivers to itself over `link` (with `split`,
/// 1e9:1 back into itself); it is fed by `clients` (unless it is a producer) and, with
/// `exit`, also delivers to `done`.
pub fn self_loop_doc(kind: ComponentKind, link: LinkKind, split: bool, exit: bool) -> Document {
    let mut kind = kind;
    if split {
        match &mut kind {
            ComponentKind::Station(s) => s.routing = Routing::Split,
            ComponentKind::Producer(p) => p.routing = Routing::Split,
            ComponentKind::Lambda(l) => l.routing = Routing::Split,
            ComponentKind::ContainerService(c) => c.routing = Routing::Split,
            _ => {}
        }
    }
    let mut doc = kind_doc(kind);
    if !exit {
        doc.connections.retain(|c| c.from != "subject");
    }
    doc.connections.push(Connection {
        kind: link,
        weight: if split { 1e9 } else { 1.0 },
        ..Connection::new("subject", "subject")
    });
    doc
}

/// `n` components in a chain from one producer (extreme but valid).
pub fn chain_doc(n: usize) -> Document {
    let mut doc = Document {
        name: format!("{n} components"),
        ..Document::default()
    };
    doc.scenario.duration = Duration::from_secs(2);
    doc.components.push(component("p", producer(5.0)));
    for i in 0..n {
        doc.components.push(component(
            &format!("s{i}"),
            ComponentKind::Station(Station::default()),
        ));
        let from = if i == 0 {
            "p".to_owned()
        } else {
            format!("s{}", i - 1)
        };
        doc.connections
            .push(Connection::new(&from, &format!("s{i}")));
    }
    doc.components
        .push(component("end", ComponentKind::Sink(Sink {})));
    doc.connections
        .push(Connection::new(&format!("s{}", n - 1), "end"));
    doc
}

/// Counts in [`huge_count_docs`] that size no memory (billing figures, key draws): they
/// need no bound, only an end to the run.
const NOT_MEMORY: [&str; 3] = ["brokers", "transitions", "cardinality"];

/// Count fields set to u32::MAX on the kind that has it (all but [`NOT_MEMORY`] size
/// memory): (label, document, component name, field).
pub fn huge_count_docs() -> Vec<(String, Document, &'static str, &'static str)> {
    let max = u32::MAX;
    let mut out = Vec::new();
    let mut add = |field: &'static str, kind: ComponentKind| {
        let label = format!("{}.{field} = u32::MAX", kind.kind_name());
        out.push((label, kind_doc(kind), "subject", field));
    };
    add(
        "servers",
        ComponentKind::Station(Station {
            servers: max,
            ..Station::default()
        }),
    );
    add(
        "shards",
        ComponentKind::KinesisStream(KinesisStream {
            shards: max,
            ..KinesisStream::default()
        }),
    );
    add(
        "shards",
        ComponentKind::KafkaTopic(KafkaTopic {
            shards: max,
            ..KafkaTopic::default()
        }),
    );
    add(
        "brokers",
        ComponentKind::KafkaTopic(KafkaTopic {
            brokers: max,
            ..KafkaTopic::default()
        }),
    );
    add(
        "parallelization_factor",
        ComponentKind::KinesisStream(KinesisStream {
            parallelization_factor: max,
            ..KinesisStream::default()
        }),
    );
    add(
        "batch_size",
        ComponentKind::KinesisStream(KinesisStream {
            batch_size: max,
            ..KinesisStream::default()
        }),
    );
    add(
        "replicas",
        ComponentKind::ContainerService(ContainerService {
            replicas: max,
            ..ContainerService::default()
        }),
    );
    add(
        "concurrency_per_replica",
        ComponentKind::ContainerService(ContainerService {
            concurrency_per_replica: max,
            ..ContainerService::default()
        }),
    );
    add(
        "max_replicas",
        ComponentKind::ContainerService(ContainerService {
            autoscale: Some(Autoscale {
                max_replicas: max,
                ..Autoscale::default()
            }),
            ..ContainerService::default()
        }),
    );
    add(
        "reserved_concurrency",
        ComponentKind::Lambda(LambdaFunction {
            reserved_concurrency: Some(max),
            ..LambdaFunction::default()
        }),
    );
    add(
        "max_concurrency",
        ComponentKind::SqsQueue(SqsQueue {
            max_concurrency: Some(max),
            ..SqsQueue::default()
        }),
    );
    add(
        "batch_size",
        ComponentKind::SqsQueue(SqsQueue {
            batch_size: max,
            ..SqsQueue::default()
        }),
    );
    add(
        "stream_shards",
        ComponentKind::DynamoDbTable(DynamoDbTable {
            stream: true,
            stream_shards: max,
            ..DynamoDbTable::default()
        }),
    );
    add(
        "transitions",
        ComponentKind::StepFunctions(StepFunctions {
            transitions: max,
            ..StepFunctions::default()
        }),
    );
    add(
        "cardinality",
        ComponentKind::Producer(Producer {
            keys: Some(KeySpace {
                cardinality: max,
                hot_share: 0.0,
            }),
            ..Producer::default()
        }),
    );
    let mut doc = kind_doc(ComponentKind::Lambda(LambdaFunction::default()));
    doc.account.lambda_concurrency = max;
    out.push((
        "account.lambda_concurrency = u32::MAX".into(),
        doc,
        "",
        "lambda_concurrency",
    ));
    let mut doc = kind_doc(ComponentKind::Station(Station::default()));
    doc.scenario.replications = max;
    out.push((
        "scenario.replications = u32::MAX".into(),
        doc,
        "",
        "replications",
    ));
    out
}

// ---------------------------------------------------------------------------------------
// The tests

/// Every field of every kind, and every document setting, with a value of the wrong type
/// or out of range.
#[test]
fn every_field_of_every_kind_with_wrong_types_and_extremes() {
    let _timer = Timer::new("every_field_of_every_kind_with_wrong_types_and_extremes");
    let cases = field_corpus();
    let total = cases.len();
    let (mut findings, isolated, counts) = sweep(cases);
    let dir = TempDir::new("hostile-fields");
    cli_isolated(&dir, &isolated, &mut findings);
    eprintln!("field corpus: {total} cases, {counts:?}");
    findings.assert_none("wrong types and extreme values");
}

/// Hostile ids and names, through the library and through every command and export.
#[test]
fn hostile_ids_and_names_stay_inside_and_never_reach_the_terminal_raw() {
    let _timer = Timer::new("hostile_ids_and_names_stay_inside_and_never_reach_the_terminal_raw");
    let strays = [
        "/tmp/abs.asyncapi.json",
        "/tmp/abs",
        "/escaped-root.asyncapi.json",
    ];
    for stray in strays {
        // left by an earlier run of this test, which reported it
        let _ = std::fs::remove_file(stray);
    }
    let dir = TempDir::new("hostile-ids");
    let abs = dir.join("abs-escape");
    let abs = abs.to_str().unwrap();
    let mut cases = Vec::new();
    for (what, s) in hostile_strings(abs) {
        for as_id in [true, false] {
            let role = if as_id { "id" } else { "name" };
            let mut case = Case::new(format!("{role}: {what}"), text_of(&id_doc(&s, as_id)));
            let fair = s
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
            if as_id && (s.is_empty() || !fair) {
                // ids are letters, digits, `-` and `_`: anything else must be refused
                case.expect.refuse_naming = Some(vec!["component".into()]);
            }
            cases.push((case, s.clone(), as_id));
        }
    }
    let (mut findings, isolated, _) = sweep(cases.iter().map(|c| c.0.clone()).collect());
    assert!(isolated.is_empty(), "nothing here is large");
    // the escaping ids must also be refused by the exports themselves
    for (i, (case, s, as_id)) in cases.iter().enumerate() {
        let root = dir.join(i.to_string());
        let watch = if *as_id {
            vec![s.clone(), format!("{s}.asyncapi.json")]
        } else {
            vec![]
        };
        cli_case(
            &root,
            case.text.as_bytes(),
            &case.label,
            true,
            &watch,
            &mut findings,
        );
    }
    for stray in strays {
        if Path::new(stray).exists() {
            findings.add(format!("an export wrote {stray}"), "absolute and deep ids");
            let _ = std::fs::remove_file(stray);
        }
    }
    findings.assert_none("hostile ids and names");
}

/// Every kind that has outputs delivering to itself (delivery, dead-letter, on-failure,
/// and a 1e9:1 split back into itself), and a two-component cycle of every kind.
#[test]
fn self_loops_and_cycles_of_every_kind_end() {
    let _timer = Timer::new("self_loops_and_cycles_of_every_kind_end");
    let mut cases = Vec::new();
    for kind in every_kind() {
        let name = kind.kind_name();
        if !kind.has_outputs() {
            continue;
        }
        let mut links = vec![
            (LinkKind::Delivery, false, false),
            (LinkKind::Delivery, false, true),
            (LinkKind::Delivery, true, true),
        ];
        if kind.can_dead_letter() {
            links.push((LinkKind::DeadLetter, false, true));
            links.push((LinkKind::OnFailure, false, true));
        }
        for (link, split, exit) in links {
            let mut case = Case::new(
                format!(
                    "{name} -> itself {}({link:?}{})",
                    if exit { "and done " } else { "only " },
                    if split { ", split 1e9:1" } else { "" }
                ),
                text_of(&self_loop_doc(kind.clone(), link, split, exit)),
            );
            case.expect.loop_names = vec!["subject".into()];
            cases.push(case);
        }
        // a cycle through a second component of the same kind
        let mut doc = kind_doc(kind.clone());
        doc.components.push(component("twin", kind.clone()));
        doc.connections.push(Connection::new("subject", "twin"));
        doc.connections.push(Connection::new("twin", "subject"));
        let mut case = Case::new(format!("{name} <-> twin"), text_of(&doc));
        case.expect.loop_names = vec!["subject".into(), "twin".into()];
        cases.push(case);
    }
    // the cases, by hand: a Lambda that is its own asynchronous destination twice
    let mut doc = kind_doc(ComponentKind::Lambda(LambdaFunction::default()));
    doc.scenario.duration = Duration::from_secs(10);
    doc.connections.push(Connection::new("subject", "subject"));
    doc.connections.push(Connection::new("subject", "subject"));
    let mut case = Case::new("Lambda -> itself twice, 10 s", text_of(&doc));
    case.expect.loop_names = vec!["subject".into()];
    case.expect.full_duration = true;
    cases.push(case);
    let (mut findings, isolated, counts) = sweep(cases.clone());
    eprintln!("loops: {counts:?}");
    // a sample through the command line: the hangs
    let dir = TempDir::new("hostile-loops");
    cli_isolated(&dir, &isolated, &mut findings);
    for (i, label) in [
        "SqsQueue -> itself only (Delivery)",
        "S3Bucket -> itself only (Delivery)",
        "Lambda -> itself twice, 10 s",
        "Station -> itself and done (Delivery, split 1e9:1)",
    ]
    .iter()
    .enumerate()
    {
        let case = cases.iter().find(|c| c.label == *label).unwrap();
        cli_case(
            &dir.join(i.to_string()),
            case.text.as_bytes(),
            label,
            i == 0,
            &[],
            &mut findings,
        );
    }
    findings.assert_none("self-loops and cycles");
}

/// Connections to components that do not exist, and ids used twice.
#[test]
fn dangling_edges_and_duplicate_ids_are_refused_by_name() {
    let _timer = Timer::new("dangling_edges_and_duplicate_ids_are_refused_by_name");
    let mut early = Findings::default();
    let mut cases = Vec::new();
    for kind in every_kind() {
        let name = kind.kind_name();
        let mut doc = kind_doc(kind.clone());
        doc.connections.push(Connection::new("subject", "ghost"));
        let mut c = Case::new(format!("{name} -> ghost"), text_of(&doc));
        c.expect.refuse_naming = Some(vec!["ghost".into()]);
        cases.push(c);
        let mut doc = kind_doc(kind.clone());
        doc.connections.push(Connection::new("ghost", "subject"));
        let mut c = Case::new(format!("ghost -> {name}"), text_of(&doc));
        c.expect.refuse_naming = Some(vec!["ghost".into()]);
        cases.push(c);
        let mut doc = kind_doc(kind.clone());
        doc.components.push(component("subject", kind));
        let errors = model::validate(&doc)
            .iter()
            .filter(|p| p.severity == Severity::Error && p.message.contains("more than one"))
            .count();
        if errors != 1 {
            early.add(
                format!("a duplicate id gives {errors} errors, not one"),
                name,
            );
        }
        let mut c = Case::new(format!("{name} id twice"), text_of(&doc));
        c.expect.refuse_naming = Some(vec!["subject".into()]);
        cases.push(c);
    }
    let mut doc = kind_doc(ComponentKind::EventBus(EventBus::default()));
    doc.connections[1].dead_letter = Some("ghost".into());
    let mut c = Case::new("EventBus target dead_letter -> ghost", text_of(&doc));
    c.expect.refuse_naming = Some(vec!["ghost".into()]);
    cases.push(c);
    let mut doc = kind_doc(ComponentKind::Station(Station::default()));
    doc.layout.insert("ghost".into(), [1.0, 1.0]);
    cases.push(Case::new("layout of a ghost", text_of(&doc)));
    let mut doc = kind_doc(ComponentKind::Station(Station::default()));
    doc.components[1].name = "clients".into();
    let mut c = Case::new("a name equal to another id", text_of(&doc));
    c.expect.refuse_naming = Some(vec!["clients".into()]);
    cases.push(c);
    let (mut findings, isolated, _) = sweep(cases.clone());
    findings.merge(early);
    let dir = TempDir::new("hostile-edges");
    cli_isolated(&dir, &isolated, &mut findings);
    cli_sample(&dir, &cases, 19, true, &mut findings);
    findings.assert_none("dangling edges and duplicate ids");
}

/// Counts that size memory at u32::MAX must be refused with the component and field
/// named (they abort the process today, so only the command line builds them); 20,000
/// components are extreme but valid.
#[test]
fn huge_counts_are_refused_and_many_components_run() {
    let _timer = Timer::new("huge_counts_are_refused_and_many_components_run");
    quiet_panic_hook();
    let mut findings = Findings::default();
    let dir = TempDir::new("hostile-counts");
    for (i, (label, doc, comp, field)) in huge_count_docs().into_iter().enumerate() {
        let text = text_of(&doc);
        let mut needles = vec![field.to_owned()];
        if !comp.is_empty() {
            needles.push(comp.to_owned());
        }
        let case = Case {
            label: label.clone(),
            text: text.clone(),
            expect: Expect {
                refuse_naming: Some(needles),
                ..Expect::default()
            },
        };
        // in-process: load and validate only (building could abort the test binary)
        let problems = model::from_ron_str(&text).map(|d| model::validate(&d));
        match problems {
            Ok(problems) => {
                let errors = errors_of(&problems);
                let needles = case.expect.refuse_naming.as_ref().unwrap();
                if NOT_MEMORY.contains(&field) {
                    // extreme but harmless: refused, or it runs (the command line below)
                } else if errors.is_empty() {
                    findings.add(
                        "a memory-sizing count of u32::MAX passes validation",
                        &label,
                    );
                } else if !one_names_all(&errors, needles) {
                    findings.add(
                        format!("refused, but no error names all of {needles:?}"),
                        &format!("{label}: {}", errors.join(" | ")),
                    );
                }
            }
            Err(e) => findings.add(format!("saved text does not load: {e}"), &label),
        }
        cli_case(
            &dir.join(i.to_string()),
            text.as_bytes(),
            &label,
            i < 2,
            &[],
            &mut findings,
        );
    }
    // 20,000 stations in a chain: valid, so `check` accepts it and `run` ends. On the
    // command line only: a deep recursion overflowing a thread's stack aborts the whole
    // process, which would take every other test of this binary with it.
    let big = text_of(&chain_doc(20_000));
    let label = "20,000 stations in a chain";
    let root = dir.join("big");
    cli_case(&root, big.as_bytes(), label, false, &[], &mut findings);
    let r = command(
        &root,
        &["check", root.join("a/b/c/design.ron").to_str().unwrap()],
        "check",
        label,
        &mut findings,
    );
    if r.code != Some(0) {
        findings.add("check refuses 20,000 valid components", label);
    }
    findings.assert_none("huge counts");
}

/// A rule on a load error's message: what it means when broken, and the test.
type ByteRule = (&'static str, fn(&str) -> bool);

/// What a byte-level file must give besides the general rules.
fn byte_rule(name: &str) -> Option<ByteRule> {
    fn line_and_byte(m: &str) -> bool {
        let m = m.to_lowercase();
        word_then_number(&m, "line") && m.contains("byte")
    }
    fn utf16(m: &str) -> bool {
        m.to_lowercase().contains("utf-16")
    }
    fn bom(m: &str) -> bool {
        let m = m.to_lowercase();
        m.contains("bom") || m.contains("byte order mark")
    }
    if name.starts_with("utf16") {
        Some(("a UTF-16 file is not named as UTF-16", utf16))
    } else if name.starts_with("utf8-bom") {
        Some(("a UTF-8 BOM is neither accepted nor named", bom))
    } else if name.starts_with("invalid-utf8")
        || name.starts_with("latin1")
        || name.starts_with("utf8-")
        || name.starts_with("truncated-utf8")
        || name.starts_with("random-bytes")
    {
        Some((
            "a non-UTF-8 file's error names no line and byte offset",
            line_and_byte,
        ))
    } else {
        None
    }
}

/// The files in tests/hostile/ (encodings, NUL bytes, nesting depth, unterminated
/// strings), and a 10 MB string: library load and the command line.
#[test]
fn bytes_encodings_and_depth_give_positions() {
    let _timer = Timer::new("bytes_encodings_and_depth_give_positions");
    quiet_panic_hook();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut files: Vec<PathBuf> = entries(&src)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the byte corpus is in tests/hostile/");
    let mut findings = Findings::default();
    let dir = TempDir::new("hostile-bytes");
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let label = format!("tests/hostile/{name}");
        let loaded = guarded("load", &label, &mut findings, || model::load(path));
        match loaded {
            Some(Ok(doc)) => {
                if let Some((cause, _)) = byte_rule(&name)
                    && !name.starts_with("utf8-bom")
                    && !name.starts_with("utf16")
                {
                    findings.add(format!("loads although {cause}"), &label);
                }
                let case = Case::new(label.clone(), String::new());
                check_doc(&doc, &case, &mut findings);
            }
            Some(Err(e)) => {
                let msg = e.to_string();
                if !names_place(&msg) {
                    findings.add(
                        format!("load error names no place: `{}`", short(&msg, 120)),
                        &label,
                    );
                }
                if has_dangerous(&msg) {
                    findings.add("load error carries raw control/bidi characters", &label);
                }
                if let Some((cause, ok)) = byte_rule(&name)
                    && !ok(&msg)
                {
                    findings.add(format!("{cause}: `{}`", short(&msg, 120)), &label);
                }
            }
            None => {}
        }
        let bytes = std::fs::read(path).unwrap();
        cli_case(
            &dir.join(i.to_string()),
            &bytes,
            &label,
            name.starts_with("escape"),
            &[],
            &mut findings,
        );
    }
    // a 10 MB string as a name and as a description
    let mut doc = kind_doc(ComponentKind::Station(Station::default()));
    doc.components[1].name = "n".repeat(10 << 20);
    let text = text_of(&doc);
    let label = "a 10 MB name";
    lib_case(&Case::new(label, text.clone()), &mut findings);
    cli_case(
        &dir.join("10mb"),
        text.as_bytes(),
        label,
        false,
        &[],
        &mut findings,
    );
    findings.assert_none("bytes, encodings and depth");
}

/// Every shipped example cut at several offsets, and with its brackets unbalanced.
#[test]
fn truncated_examples_name_the_place() {
    let _timer = Timer::new("truncated_examples_name_the_place");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut cases = Vec::new();
    for path in entries(&examples) {
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let last = text.rfind(')').unwrap();
        for k in 1..=12 {
            let mut cut = last * k / 13;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            cases.push(Case::new(format!("{name} cut at byte {cut}"), &text[..cut]));
        }
        cases.push(Case::new(
            format!("{name} without its last `)`"),
            &text[..last],
        ));
        cases.push(Case::new(
            format!("{name} with an extra `)`"),
            format!("{text})"),
        ));
        let first = text.find('[').unwrap();
        cases.push(Case::new(
            format!("{name} without its first `[`"),
            format!("{}{}", &text[..first], &text[first + 1..]),
        ));
    }
    let (mut findings, isolated, _) = sweep(cases.clone());
    assert!(isolated.is_empty(), "truncated examples do not load");
    let dir = TempDir::new("hostile-truncated");
    cli_sample(&dir, &cases, 11, false, &mut findings);
    findings.assert_none("truncated examples");
}

/// The messages: a wrong number type says which field wanted what, a huge
/// `--set` value is not reported in Rust's terms, a huge duration is not printed in full.
#[test]
fn wrong_types_are_explained_in_user_terms() {
    let _timer = Timer::new("wrong_types_are_explained_in_user_terms");
    let mut findings = Findings::default();
    let base = text_of(&kind_doc(ComponentKind::Station(Station::default())));
    for (field, value) in [("servers", "2.5"), ("service_ms", "10.0")] {
        let text = set_field(&base, &format!("kind.{field}"), value);
        let what = format!("{field}: {value}");
        match model::from_ron_str(&text) {
            Ok(_) => findings.add("loads", &what),
            Err(e) => {
                let m = e.to_string();
                if !m.contains(field) {
                    findings.add(format!("message does not name the field: `{m}`"), &what);
                }
            }
        }
    }
    let text = set_field(&base, "scenario.duration", "\"1e308s\"");
    let m = match model::from_ron_str(&text) {
        Ok(d) => model::validate(&d)
            .iter()
            .map(ToString::to_string)
            .collect(),
        Err(e) => e.to_string(),
    };
    if m.chars().filter(char::is_ascii_digit).count() > 40 {
        findings.add(
            format!("a huge duration printed in full: `{}`", short(&m, 100)),
            "1e308s",
        );
    }
    let dir = TempDir::new("hostile-terms");
    std::fs::write(dir.join("d.ron"), &base).unwrap();
    let r = command(
        &dir,
        &[
            "run",
            "d.ron",
            "--set",
            "subject.servers=99999999999999999999999",
            "-q",
        ],
        "run --set",
        "--set subject.servers=99999999999999999999999",
        &mut findings,
    );
    if r.code != Some(1)
        || !r.out.contains("servers")
        || r.out.contains("u32")
        || r.out.contains("floating point")
    {
        findings.add(
            format!(
                "--set with a huge whole number not explained in user terms: `{}`",
                short(r.out.trim(), 160)
            ),
            "--set subject.servers=99999999999999999999999",
        );
    }
    findings.assert_none("user terms");
}

/// The generated designs themselves are valid before they are made hostile, so the
/// corpus reaches build and run.
#[test]
fn the_corpus_starts_from_valid_designs() {
    let _timer = Timer::new("the_corpus_starts_from_valid_designs");
    let mut docs: Vec<(String, Document)> = every_kind()
        .into_iter()
        .map(|k| (k.kind_name().to_owned(), kind_doc(k)))
        .collect();
    docs.push(("settings".into(), settings_doc()));
    docs.push(("id doc".into(), id_doc("worker", true)));
    docs.push(("chain".into(), chain_doc(10)));
    for (what, doc) in docs {
        let again = model::from_ron_str(&text_of(&doc)).unwrap();
        let errors = errors_of(&model::validate(&again));
        assert!(errors.is_empty(), "{what}: {errors:?}");
        assert!(!needs_isolation(&again), "{what} runs in this process");
    }
}

#[test]
fn the_rules_themselves() {
    let _timer = Timer::new("the_rules_themselves");
    assert!(names_place("expected a number at line 3, column 7"));
    assert!(names_place(
        "error: component `q`: batch_size must be at least 1"
    ));
    assert!(!names_place("stream did not contain valid UTF-8"));
    assert!(!names_place("the simulation stopped unexpectedly"));
    let t = Path::new("/w/out/x");
    assert_eq!(outside_target(Path::new("/w/out/x"), t), None);
    assert_eq!(outside_target(Path::new("/w/out/x.svg"), t), None);
    assert_eq!(
        outside_target(Path::new("/w/out/x/app.asyncapi.json"), t),
        None
    );
    assert!(outside_target(Path::new("/w/out/x/../../escaped.asyncapi.json"), t).is_some());
    assert!(outside_target(Path::new("/w/escaped.asyncapi.json"), t).is_some());
    assert!(outside_target(Path::new("/w/out/x/CON.asyncapi.json"), t).is_some());
    assert!(outside_target(Path::new("/w/out/x/.asyncapi.json"), t).is_some());
    assert!(outside_target(Path::new("/w/out/x/a/b.asyncapi.json"), t).is_some());
    let f = fields("(a: 1, b: (c: \"x,)\", d: [1, 2]), e: Some((f: 2)))");
    let paths: Vec<_> = f.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a", "b", "b.c", "b.d", "e", "e.f"]);
    assert!(has_dangerous("a\u{1b}[31m") && !has_dangerous("a\nb\tc"));
}
