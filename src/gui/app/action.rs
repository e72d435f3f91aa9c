//! What the user can ask for from the menu or the keyboard: an [`Action`], queued and
//! carried out at the end of the frame.

use std::path::PathBuf;

use crate::export::Format;

/// Something the user asked for from the menu or the keyboard.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// New empty design.
    New,
    /// Open a design (dialog).
    Open,
    /// Open this file.
    OpenPath(PathBuf),
    /// Open a built-in example by file name.
    OpenExample(&'static str),
    /// Save (Save As when it has no file yet).
    Save,
    /// Save under a new name (dialog).
    SaveAs,
    /// Save to this file.
    SaveTo(PathBuf),
    /// Open the export dialog (for this format; None: the last one).
    Export(Option<Format>),
    /// Undo the last step.
    Undo,
    /// Redo the last undone step.
    Redo,
    /// Delete the selection.
    Delete,
    /// Copy the selection to the clipboard.
    Copy,
    /// Copy and delete the selection.
    Cut,
    /// Paste a group from text (the system clipboard's).
    Paste(String),
    /// Paste what the editor itself copied last (the menu cannot read the system
    /// clipboard).
    PasteCopied,
    /// Copy and paste the selection in place (offset).
    Duplicate,
    /// Select every component.
    SelectAll,
    /// Move the selection by this much.
    Nudge(f32, f32),
    /// Zoom to fit.
    Fit,
    /// Lay the design out left to right.
    AutoLayout,
    /// Insert template number n.
    Template(usize),
    /// Switch between dark and light.
    ToggleTheme,
    /// Shrink the bottom panel to its tab row, or show it again.
    ToggleBottomPanel,
    /// Start a run (or restart one).
    Run,
    /// Pause a running run, or resume a paused one.
    PauseResume,
    /// Run one time bucket, then pause.
    Step,
    /// Stop the run (its figures stay).
    Stop,
    /// Close the window (asks about unsaved work).
    Quit,
}

impl Action {
    /// Whether it changes what is simulated (refused while a run is going).
    #[must_use]
    pub fn edits(&self) -> bool {
        matches!(
            self,
            Action::Undo
                | Action::Redo
                | Action::Delete
                | Action::Cut
                | Action::Paste(_)
                | Action::PasteCopied
                | Action::Duplicate
                | Action::Template(_)
        )
    }

    /// Whether it would throw away unsaved work.
    #[must_use]
    pub fn discards(&self) -> bool {
        matches!(
            self,
            Action::New
                | Action::Open
                | Action::OpenPath(_)
                | Action::OpenExample(_)
                | Action::Quit
        )
    }
}
