//! Helpers shared by the integration tests.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use spillway::model::{Document, Duration, Problem, Severity, from_ron_str};
use spillway::sim::{ComponentReport, Report, Simulation};

/// Load an example from the repository.
pub fn example(name: &str) -> Document {
    let path = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    spillway::model::load(std::path::Path::new(&path)).unwrap()
}

/// Parse a document written in a test.
pub fn doc(text: &str) -> Document {
    from_ron_str(text).unwrap_or_else(|e| panic!("test document does not parse: {e}"))
}

/// Run a document to its end and return the report.
pub fn run(doc: &Document) -> Report {
    let mut sim = Simulation::new(doc).unwrap_or_else(|e| panic!("{e}"));
    sim.run();
    let r = sim.report();
    assert!(r.ledger.balanced, "ledger does not balance: {:?}", r.ledger);
    r
}

/// Run a document to its end; besides the ledger balancing, every live message must be
/// held by some behaviour (none leaks).
pub fn run_ok(doc: &Document) -> Report {
    let r = run(doc);
    assert!(
        r.ledger.live_messages_accounted,
        "a behaviour leaks messages"
    );
    r
}

/// Set the duration so that about `arrivals` events arrive at `rate_per_s`.
pub fn lengthen(doc: &mut Document, arrivals: f64, rate_per_s: f64) {
    doc.scenario.duration = Duration::from_secs_f64(arrivals / rate_per_s).unwrap();
}

/// The errors among `problems` (warnings left out), as printed.
pub fn errors_of(problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

/// A component's metrics by name.
pub fn comp<'a>(r: &'a Report, name: &str) -> &'a ComponentReport {
    r.components
        .get(name)
        .unwrap_or_else(|| panic!("no component {name} in report"))
}

/// Assert `got` is within `tol` (relative) of `want`.
#[track_caller]
pub fn close(what: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want.abs();
    assert!(
        rel <= tol,
        "{what}: got {got:.4}, analytic {want:.4}, off by {:.2}% (tolerance {:.1}%)",
        rel * 100.0,
        tol * 100.0
    );
}

/// A kind-specific total of a component (`extra` in the report).
#[track_caller]
pub fn extra(c: &ComponentReport, key: &str) -> f64 {
    c.extra
        .get(key)
        .copied()
        .unwrap_or_else(|| panic!("no extra `{key}` in {:?}", c.extra))
}

/// A kind-specific total of a component, 0 when the report has none (a total that
/// never counted anything may be left out).
pub fn extra_or_0(c: &ComponentReport, key: &str) -> f64 {
    c.extra.get(key).copied().unwrap_or(0.0)
}

/// A component's billable usage of a meter: (amount, the part caused by retries).
#[track_caller]
pub fn usage(c: &ComponentReport, meter: &str) -> (f64, f64) {
    let u = c
        .usage
        .get(meter)
        .unwrap_or_else(|| panic!("no meter `{meter}` in {:?}", c.usage.keys()));
    (u.amount, u.from_retries)
}

/// The `spillway` binary, run from the repository root.
pub fn spillway() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("spillway").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A fresh, empty folder for one test, removed with everything in it when dropped.
/// It reads as a [`Path`] (`dir.join(..)`, `&dir` where a `&Path` is wanted).
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new folder under the system's temporary folder; `name` says which test made it
    /// (a counter keeps two folders of the same name apart).
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "spillway-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Where the folder is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

/// Write `bytes` to `name` in a temporary folder of this test process (`tag` keeps
/// the folders of different test files apart) and return its path. The file stays for
/// the rest of the test run.
pub fn temp_file(tag: &str, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Run `spillway ARGS`, assert that it succeeds and return its output.
#[track_caller]
pub fn succeed(args: &[&str]) -> std::process::Output {
    let out = spillway().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Run `spillway ARGS`, assert its exit code and return its standard error.
pub fn stderr_of(args: &[&str], code: i32) -> String {
    let out = spillway().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}
