//! Where the editor keeps its own state between runs: settings (recent files, the
//! design that is open, the theme) and the crash-recovery file, both in one config
//! directory that tests inject; and the examples compiled into the binary.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{self, Document, FileError};

/// The example designs compiled into the binary: (file name, RON text).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "order-fanout.ron",
        include_str!("../../examples/order-fanout.ron"),
    ),
    (
        "bench-pipeline.ron",
        include_str!("../../examples/bench-pipeline.ron"),
    ),
    (
        "kinesis-pipeline.ron",
        include_str!("../../examples/kinesis-pipeline.ron"),
    ),
    (
        "insurance-quotes.ron",
        include_str!("../../examples/insurance-quotes.ron"),
    ),
    (
        "inventory.ron",
        include_str!("../../examples/inventory.ron"),
    ),
    (
        "poison-messages.ron",
        include_str!("../../examples/poison-messages.ron"),
    ),
    ("mm1.ron", include_str!("../../examples/mm1.ron")),
    ("mmc.ron", include_str!("../../examples/mmc.ron")),
];

/// The example opened the very first time.
pub const FIRST_EXAMPLE: &str = "order-fanout.ron";

/// The built-in example called `name`, parsed.
///
/// # Errors
/// When there is no such example or it does not parse (a build problem).
pub fn example(name: &str) -> Result<Document, String> {
    let (_, text) = EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("no built-in example `{name}`"))?;
    model::from_ron_str(text).map_err(|e| format!("built-in example {name}: {e}"))
}

/// The description of every example, in [`EXAMPLES`] order (empty when it has none),
/// parsed once per process: the start window shows them on every frame.
#[must_use]
pub fn example_descriptions() -> &'static [String] {
    static DESCRIPTIONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    DESCRIPTIONS.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|(_, text)| {
                model::from_ron_str(text)
                    .map(|d| d.description)
                    .unwrap_or_default()
            })
            .collect()
    })
}

/// A file name stem for a design's name (the name a Save or Export dialog suggests):
/// lowercase letters and digits, `-` between, `design` when nothing is left.
#[must_use]
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "design".to_owned() } else { s }
}

/// Most recent files remembered.
pub const MAX_RECENT: usize = 10;

/// Editor settings saved between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened or saved designs, most recent first.
    pub recent: Vec<PathBuf>,
    /// The last design file opened or saved (settings written before [`Settings::open`]
    /// existed only have this: it is what they reopen).
    pub last: Option<PathBuf>,
    /// Light theme instead of dark.
    pub light: bool,
    /// The design that is open (kept up to date, so it is right after a crash too):
    /// what the next start without a file argument reopens.
    pub open: Option<Reopen>,
}

/// What the next start reopens: the design open when the editor closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reopen {
    /// A design file.
    File(PathBuf),
    /// A built-in example (by file name), as it is in the binary.
    Example(String),
    /// A new, empty design. An untitled design with components is never left behind
    /// at a clean quit: the unsaved-changes prompt has it saved (then it is a file)
    /// or thrown away on purpose.
    New,
}

impl Settings {
    /// Put `path` first in the recent list and make it the last design.
    pub fn touch(&mut self, path: &Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_path_buf());
        self.recent.truncate(MAX_RECENT);
        self.last = Some(path.to_path_buf());
        self.open = Some(Reopen::File(path.to_path_buf()));
    }

    /// What to open at a start without a file argument: the design open last time,
    /// else (settings from before `open` existed) the last file.
    #[must_use]
    pub fn reopen(&self) -> Option<Reopen> {
        self.open
            .clone()
            .or_else(|| self.last.clone().map(Reopen::File))
    }
}

/// Unsaved work read back from the recovery file.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    /// The design as it was at the last autosave.
    pub doc: Document,
    /// The file it was being edited from (`None`: untitled, or a recovery file written
    /// before the path was kept).
    pub path: Option<PathBuf>,
    /// Where an untitled design came from ("example order-fanout.ron"), if known.
    pub origin: Option<String>,
}

/// The header line of the recovery file that names the design's file.
const RECOVERY_FILE: &str = "// file: ";
/// The header line of the recovery file that names an untitled design's origin.
const RECOVERY_ORIGIN: &str = "// origin: ";

/// The recovery file's text: comment lines naming the file (a JSON string, so any
/// character survives) and the origin, then the design as it is saved. Comments are
/// ignored by the loader, so the file is a design file like any other, and recovery
/// files written before the header existed still load (with no path).
///
/// # Errors
/// When the document cannot be written as RON (not expected).
pub fn recovery_text(
    doc: &Document,
    path: Option<&Path>,
    origin: Option<&str>,
) -> Result<String, FileError> {
    let mut out = String::from(
        "// Spillway recovery file: unsaved work, kept in case the editor does not close cleanly.\n",
    );
    // a path that is not UTF-8 cannot be written as text: the work is then recovered
    // untitled, and Save asks where
    if let Some(p) = path.and_then(Path::to_str) {
        out.push_str(RECOVERY_FILE);
        out.push_str(&serde_json::Value::String(p.to_owned()).to_string());
        out.push('\n');
    }
    if let Some(o) = origin {
        out.push_str(RECOVERY_ORIGIN);
        out.push_str(&serde_json::Value::String(o.to_owned()).to_string());
        out.push('\n');
    }
    out.push_str(&model::to_ron_string(doc)?);
    Ok(out)
}

/// The file and origin named in a recovery file's header (see [`recovery_text`]).
fn recovery_header(text: &str) -> (Option<PathBuf>, Option<String>) {
    let mut path = None;
    let mut origin = None;
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        let json = |rest: &str| serde_json::from_str::<String>(rest.trim()).ok();
        if let Some(rest) = line.strip_prefix(RECOVERY_FILE) {
            path = json(rest).filter(|p| !p.is_empty()).map(PathBuf::from);
        } else if let Some(rest) = line.strip_prefix(RECOVERY_ORIGIN) {
            origin = json(rest);
        }
    }
    (path, origin)
}

/// The editor's config directory and the files in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigDir {
    /// The directory (created on first write).
    pub dir: PathBuf,
}

impl ConfigDir {
    /// Use `dir` (tests pass a temporary directory).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        ConfigDir { dir }
    }

    /// `$XDG_CONFIG_HOME/spillway`, else `~/.config/spillway`; `None` without a home.
    #[must_use]
    pub fn user() -> Option<Self> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".config"))
            })?;
        Some(ConfigDir::new(base.join("spillway")))
    }

    /// The settings file.
    #[must_use]
    pub fn settings_path(&self) -> PathBuf {
        self.dir.join("settings.ron")
    }

    /// The crash-recovery copy of unsaved work.
    #[must_use]
    pub fn recovery_path(&self) -> PathBuf {
        self.dir.join("recovery.ron")
    }

    /// Read the settings; missing or unreadable settings give the defaults.
    #[must_use]
    pub fn load_settings(&self) -> Settings {
        std::fs::read_to_string(self.settings_path())
            .ok()
            .and_then(|t| ron::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Write the settings atomically.
    ///
    /// # Errors
    /// When the directory or file cannot be written.
    pub fn save_settings(&self, s: &Settings) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let text = ron::ser::to_string_pretty(s, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        model::write_atomic(&self.settings_path(), text.as_bytes()).map_err(|e| e.to_string())
    }

    /// Write unsaved work to the recovery file (atomically), with the file it belongs
    /// to and, for an untitled design, where it came from.
    ///
    /// # Errors
    /// When it cannot be written.
    pub fn write_recovery(
        &self,
        doc: &Document,
        path: Option<&Path>,
        origin: Option<&str>,
    ) -> Result<(), FileError> {
        std::fs::create_dir_all(&self.dir).map_err(|cause| FileError::Io {
            action: "write",
            path: self.dir.clone(),
            cause,
        })?;
        let text = recovery_text(doc, path, origin)?;
        model::write_atomic(&self.recovery_path(), text.as_bytes())
    }

    /// The recovered work, if a recovery file exists and loads (with its file, when
    /// the header names one).
    #[must_use]
    pub fn read_recovery(&self) -> Option<Recovered> {
        let p = self.recovery_path();
        if !p.exists() {
            return None;
        }
        let doc = model::load(&p).ok()?;
        // the loader checked size and encoding; the header is plain text at the top
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let (path, origin) = recovery_header(&text);
        Some(Recovered { doc, path, origin })
    }

    /// Delete the recovery file (after a clean save or exit).
    pub fn clear_recovery(&self) {
        let _ = std::fs::remove_file(self.recovery_path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_parses() {
        for (name, _) in EXAMPLES {
            assert!(example(name).is_ok(), "{name}");
        }
        assert!(example(FIRST_EXAMPLE).is_ok());
    }

    #[test]
    fn example_descriptions_are_those_of_the_examples() {
        let d = example_descriptions();
        assert_eq!(d.len(), EXAMPLES.len());
        for ((name, _), desc) in EXAMPLES.iter().zip(d) {
            assert_eq!(*desc, example(name).unwrap().description, "{name}");
        }
        assert!(d.iter().any(|s| !s.is_empty()));
    }

    #[test]
    fn file_stems_are_plain_lowercase_names() {
        assert_eq!(file_stem("Order fan-out (v2)"), "order-fan-out--v2");
        assert_eq!(file_stem("  ***  "), "design");
        assert_eq!(file_stem("Bestellungen"), "bestellungen");
    }

    #[test]
    fn recent_list_is_most_recent_first_without_duplicates() {
        let mut s = Settings::default();
        s.touch(Path::new("/a.ron"));
        s.touch(Path::new("/b.ron"));
        s.touch(Path::new("/a.ron"));
        assert_eq!(
            s.recent,
            vec![PathBuf::from("/a.ron"), PathBuf::from("/b.ron")]
        );
        assert_eq!(s.last.as_deref(), Some(Path::new("/a.ron")));
        assert_eq!(s.reopen(), Some(Reopen::File(PathBuf::from("/a.ron"))));
    }

    #[test]
    fn settings_from_before_open_existed_reopen_the_last_file() {
        let old: Settings =
            ron::from_str("(recent: [\"/a.ron\"], last: Some(\"/a.ron\"), light: true)").unwrap();
        assert_eq!(old.reopen(), Some(Reopen::File(PathBuf::from("/a.ron"))));
        let mut s = old.clone();
        s.open = Some(Reopen::Example("mm1.ron".to_owned()));
        let text = ron::ser::to_string_pretty(&s, ron::ser::PrettyConfig::default()).unwrap();
        let back: Settings = ron::from_str(&text).unwrap();
        assert_eq!(back.reopen(), Some(Reopen::Example("mm1.ron".to_owned())));
    }

    #[test]
    fn the_recovery_file_keeps_the_path_and_old_ones_still_load() {
        let dir = std::env::temp_dir().join(format!("spillway-rec-{}", std::process::id()));
        let c = ConfigDir::new(dir.clone());
        let doc = example("mm1.ron").unwrap();
        // a path with a quote, a newline and non-ASCII survives
        let odd = PathBuf::from("/tmp/a \"b\"\n/Bestellungen-ü.ron");
        c.write_recovery(&doc, Some(&odd), None).unwrap();
        let r = c.read_recovery().unwrap();
        assert_eq!((r.doc, r.path, r.origin), (doc.clone(), Some(odd), None));
        // the recovery file is a design file: it loads as one
        assert_eq!(model::load(&c.recovery_path()).unwrap(), doc);
        c.write_recovery(&doc, None, Some("example mm1.ron"))
            .unwrap();
        let r = c.read_recovery().unwrap();
        assert_eq!(
            (r.path, r.origin.as_deref()),
            (None, Some("example mm1.ron"))
        );
        // a recovery file from before the header: the design, no path
        model::save(&doc, &c.recovery_path()).unwrap();
        let r = c.read_recovery().unwrap();
        assert_eq!((r.doc, r.path, r.origin), (doc, None, None));
        c.clear_recovery();
        assert!(c.read_recovery().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
