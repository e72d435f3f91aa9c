//! Every change to the document is a [`Command`], applied in one place
//! ([`Editor::apply`]): that is where undo/redo, the dirty flag and the revision live.
//! Widgets never change the document themselves; they return commands. The editor's
//! fields are private: everything else reads the document through [`Editor::doc`].
//!
//! Contract between panels: the palette starts an egui drag-and-drop with a
//! [`crate::model::Component`] as payload (its id is a suggestion); the canvas accepts
//! the drop, gives it a [`unique_id`] and returns a [`Command::Add`] at the drop point.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::model::{Component, Connection, Document};
use crate::units::counted;

/// A change to the document, as one user action (one undo step).
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Add components (palette, paste, duplicate, template), with their positions, and
    /// the connections among them.
    Add {
        /// New components (ids unique in the document; see [`unique_id`]).
        components: Vec<(Component, [f32; 2])>,
        /// New connections.
        connections: Vec<Connection>,
        /// What the undo menu calls it ("Add SQS queue", "Paste 3 components").
        label: String,
    },
    /// Remove components (with every connection touching them and their layout) and
    /// connections (by index into `Document::connections`).
    Remove {
        /// Component ids.
        components: Vec<String>,
        /// Connection indices.
        connections: Vec<usize>,
    },
    /// Move components to new positions (a whole drag is one command).
    Move(Vec<(String, [f32; 2])>),
    /// Add one connection (wiring on the canvas).
    Connect(Connection),
    /// Replace a component's parameters or name (inspector edit), by id.
    SetComponent(String, Component),
    /// Replace a connection (inspector edit), by index.
    SetConnection(usize, Connection),
    /// Replace the whole document (scenario, name, description, auto-layout, ...).
    SetDocument(Box<Document>, String),
}

impl Command {
    /// Short description for the Edit menu ("Undo Move").
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Command::Add { label, .. } | Command::SetDocument(_, label) => label.clone(),
            Command::Remove {
                components,
                connections,
            } => match (components.len() as u64, connections.len() as u64) {
                (1, 0) => "Delete component".to_owned(),
                (0, 1) => "Delete connection".to_owned(),
                (n, 0) => format!("Delete {}", counted(n, "component", "components")),
                (0, m) => format!("Delete {}", counted(m, "connection", "connections")),
                (n, m) => format!(
                    "Delete {} and {}",
                    counted(n, "component", "components"),
                    counted(m, "connection", "connections")
                ),
            },
            Command::Move(v) if v.len() == 1 => "Move component".to_owned(),
            Command::Move(v) => format!("Move {} components", v.len()),
            Command::Connect(_) => "Connect".to_owned(),
            Command::SetComponent(id, _) => format!("Edit {id}"),
            Command::SetConnection(..) => "Edit connection".to_owned(),
        }
    }

    /// Apply to a document. Commands that refer to something missing (a stale id) do
    /// nothing rather than panic.
    pub fn apply_to(&self, doc: &mut Document) {
        match self {
            Command::Add {
                components,
                connections,
                ..
            } => {
                for (c, pos) in components {
                    doc.layout.insert(c.id.clone(), *pos);
                    doc.components.push(c.clone());
                }
                doc.connections.extend(connections.iter().cloned());
            }
            Command::Remove {
                components,
                connections,
            } => {
                let gone: BTreeSet<&str> = components.iter().map(String::as_str).collect();
                let drop: BTreeSet<usize> = connections.iter().copied().collect();
                let mut i = 0;
                doc.connections.retain(|k| {
                    let keep = !drop.contains(&i)
                        && !gone.contains(k.from.as_str())
                        && !gone.contains(k.to.as_str());
                    i += 1;
                    keep
                });
                doc.components.retain(|c| !gone.contains(c.id.as_str()));
                for id in &gone {
                    doc.layout.remove(*id);
                }
            }
            Command::Move(moves) => {
                for (id, pos) in moves {
                    if doc.component(id).is_some() {
                        doc.layout.insert(id.clone(), *pos);
                    }
                }
            }
            Command::Connect(conn) => doc.connections.push(conn.clone()),
            Command::SetComponent(id, c) => {
                if let Some(slot) = doc.components.iter_mut().find(|x| &x.id == id) {
                    *slot = c.clone();
                }
            }
            Command::SetConnection(i, conn) => {
                if let Some(slot) = doc.connections.get_mut(*i) {
                    *slot = conn.clone();
                }
            }
            Command::SetDocument(d, _) => *doc = (**d).clone(),
        }
    }
}

/// An id not yet used in `doc`, derived from `base` (`queue`, `queue-2`, ...).
#[must_use]
pub fn unique_id(doc: &Document, base: &str) -> String {
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = if clean.is_empty() {
        "c".to_owned()
    } else {
        clean
    };
    if doc.component(&clean).is_none() {
        return clean;
    }
    (2..)
        .map(|n| format!("{clean}-{n}"))
        .find(|id| doc.component(id).is_none())
        .unwrap_or(clean)
}

/// What is selected on the canvas (GUI state, never saved in the document).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Selected component ids.
    pub components: BTreeSet<String>,
    /// Selected connection indices.
    pub connections: BTreeSet<usize>,
}

impl Selection {
    /// Nothing selected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.components.is_empty() && self.connections.is_empty()
    }

    /// Select only this component.
    pub fn only_component(&mut self, id: &str) {
        self.components.clear();
        self.connections.clear();
        self.components.insert(id.to_owned());
    }

    /// Select only this connection.
    pub fn only_connection(&mut self, i: usize) {
        self.components.clear();
        self.connections.clear();
        self.connections.insert(i);
    }

    /// Drop what no longer exists in `doc`.
    pub fn retain_existing(&mut self, doc: &Document) {
        self.components.retain(|id| doc.component(id).is_some());
        self.connections.retain(|i| *i < doc.connections.len());
    }
}

/// The open document with its history: the one place that changes it.
#[derive(Debug)]
pub struct Editor {
    /// The design as it is now.
    doc: Document,
    /// Where it is saved, if anywhere.
    path: Option<PathBuf>,
    /// Changed since it was last saved or opened.
    dirty: bool,
    /// Work recovered after a crash, not saved since.
    recovered: bool,
    undo: Vec<(Document, String)>,
    redo: Vec<(Document, String)>,
    /// Bumped on every change of `doc`.
    revision: u64,
}

/// Most undo steps kept.
pub const UNDO_LIMIT: usize = 200;

impl Editor {
    /// Edit `doc`, saved at `path` (if any), with an empty history.
    #[must_use]
    pub fn new(doc: Document, path: Option<PathBuf>) -> Self {
        Editor {
            doc,
            path,
            dirty: false,
            recovered: false,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: 0,
        }
    }

    /// The design as it is now.
    #[must_use]
    pub fn doc(&self) -> &Document {
        &self.doc
    }

    /// Where the design is saved, if anywhere.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether the design changed since it was last saved or opened.
    #[must_use]
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Whether the design is work recovered after a crash, not saved since.
    #[must_use]
    pub fn is_recovered(&self) -> bool {
        self.recovered
    }

    /// Bumped on every change of the document (and when it is replaced); views and
    /// caches compare it to know when to rebuild.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Apply a command as one undoable step. A command that changes nothing leaves no
    /// step and does not mark the document dirty.
    pub fn apply(&mut self, cmd: &Command) {
        let before = self.doc.clone();
        cmd.apply_to(&mut self.doc);
        if self.doc == before {
            return;
        }
        self.undo.push((before, cmd.label()));
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.dirty = true;
        self.revision += 1;
    }

    /// Undo the last step; returns its label.
    pub fn undo(&mut self) -> Option<String> {
        let (doc, label) = self.undo.pop()?;
        let now = std::mem::replace(&mut self.doc, doc);
        self.redo.push((now, label.clone()));
        self.dirty = true;
        self.revision += 1;
        Some(label)
    }

    /// Redo the last undone step; returns its label.
    pub fn redo(&mut self) -> Option<String> {
        let (doc, label) = self.redo.pop()?;
        let now = std::mem::replace(&mut self.doc, doc);
        self.undo.push((now, label.clone()));
        self.dirty = true;
        self.revision += 1;
        Some(label)
    }

    /// Label of the step Undo would undo.
    #[must_use]
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|(_, l)| l.as_str())
    }

    /// Label of the step Redo would redo.
    #[must_use]
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|(_, l)| l.as_str())
    }

    /// Replace the document (New, Open): history cleared, not dirty.
    pub fn replace(&mut self, doc: Document, path: Option<PathBuf>) {
        *self = Editor {
            revision: self.revision + 1,
            ..Editor::new(doc, path)
        };
    }

    /// Replace the document by work recovered after a crash: history cleared, dirty
    /// (it is not on disk), and saved where it was being edited from (`path`; `None`
    /// for an untitled design), so Save writes the file it belongs to.
    pub fn recover(&mut self, doc: Document, path: Option<PathBuf>) {
        self.replace(doc, path);
        self.dirty = true;
        self.recovered = true;
    }

    /// Mark saved at `path`.
    pub fn saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.dirty = false;
        self.recovered = false;
    }

    /// The user chose to throw the unsaved changes away (before New, Open or Quit):
    /// the document stays as it is but no longer counts as changed.
    pub fn discard_changes(&mut self) {
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, Sink};

    fn sink(id: &str) -> Component {
        Component {
            id: id.to_owned(),
            name: String::new(),
            kind: ComponentKind::Sink(Sink {}),
        }
    }

    #[test]
    fn undo_and_redo_restore_each_step() {
        let mut e = Editor::new(Document::default(), None);
        e.apply(&Command::Add {
            components: vec![(sink("a"), [0.0, 0.0]), (sink("b"), [200.0, 0.0])],
            connections: vec![],
            label: "Add".into(),
        });
        e.apply(&Command::Connect(Connection::new("a", "b")));
        e.apply(&Command::Move(vec![("a".into(), [10.0, 20.0])]));
        assert!(e.dirty);
        assert_eq!(e.doc.layout["a"], [10.0, 20.0]);
        assert_eq!(e.undo().as_deref(), Some("Move component"));
        assert_eq!(e.doc.layout["a"], [0.0, 0.0]);
        assert_eq!(e.undo().as_deref(), Some("Connect"));
        assert!(e.doc.connections.is_empty());
        assert_eq!(e.redo().as_deref(), Some("Connect"));
        assert_eq!(e.doc.connections.len(), 1);
        // removing a component removes its connections and layout, and undo brings
        // all of it back
        e.apply(&Command::Remove {
            components: vec!["a".into()],
            connections: vec![],
        });
        assert_eq!(e.doc.components.len(), 1);
        assert!(e.doc.connections.is_empty() && !e.doc.layout.contains_key("a"));
        e.undo();
        assert_eq!(e.doc.components.len(), 2);
        assert_eq!(e.doc.connections.len(), 1);
        assert!(e.redo_label().is_some());
        // a new step clears the redo history
        e.apply(&Command::Move(vec![("b".into(), [1.0, 1.0])]));
        assert!(e.redo_label().is_none());
    }

    #[test]
    fn commands_that_change_nothing_leave_no_step() {
        let mut e = Editor::new(Document::default(), None);
        e.apply(&Command::Move(vec![("ghost".into(), [1.0, 1.0])]));
        assert!(!e.dirty && e.undo_label().is_none());
    }

    #[test]
    fn delete_labels_count_in_the_singular_and_plural() {
        let remove = |c: usize, k: usize| Command::Remove {
            components: (0..c).map(|i| format!("c{i}")).collect(),
            connections: (0..k).collect(),
        };
        assert_eq!(remove(1, 0).label(), "Delete component");
        assert_eq!(remove(0, 1).label(), "Delete connection");
        assert_eq!(remove(3, 0).label(), "Delete 3 components");
        assert_eq!(remove(0, 2).label(), "Delete 2 connections");
        assert_eq!(remove(1, 2).label(), "Delete 1 component and 2 connections");
        assert_eq!(remove(2, 1).label(), "Delete 2 components and 1 connection");
    }

    #[test]
    fn unique_ids_avoid_existing_ones() {
        let mut d = Document::default();
        assert_eq!(unique_id(&d, "orders queue"), "orders-queue");
        d.components.push(sink("q"));
        d.components.push(sink("q-2"));
        assert_eq!(unique_id(&d, "q"), "q-3");
    }
}
