//! Where the editor keeps its own state between runs: settings (recent files, the last
//! design, the theme) and the crash-recovery file, both in one config directory that
//! tests inject; and the examples compiled into the binary.

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
    /// The design open when the editor last closed.
    pub last: Option<PathBuf>,
    /// Light theme instead of dark.
    pub light: bool,
}

impl Settings {
    /// Put `path` first in the recent list and make it the last design.
    pub fn touch(&mut self, path: &Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_path_buf());
        self.recent.truncate(MAX_RECENT);
        self.last = Some(path.to_path_buf());
    }
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

    /// Write unsaved work to the recovery file.
    ///
    /// # Errors
    /// When it cannot be written.
    pub fn write_recovery(&self, doc: &Document) -> Result<(), FileError> {
        std::fs::create_dir_all(&self.dir).map_err(|cause| FileError::Io {
            action: "write",
            path: self.dir.clone(),
            cause,
        })?;
        model::save(doc, &self.recovery_path())
    }

    /// The recovered design, if a recovery file exists and loads.
    #[must_use]
    pub fn read_recovery(&self) -> Option<Document> {
        let p = self.recovery_path();
        if p.exists() {
            model::load(&p).ok()
        } else {
            None
        }
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
    }
}
