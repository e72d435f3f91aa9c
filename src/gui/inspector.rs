//! The inspector: the selected component's parameters, the selected connection's
//! fields, or (with nothing selected) the document's settings. Parameters are edited
//! as a serde tree with typed widgets ([`super::fields`]) and converted back with
//! serde. Edits in progress (a drag, a text field with focus) are kept as a draft and
//! become one command when they end, so one edit is one undo step.
//!
//! A frame costs the same whatever the size of the design: the design's settings are
//! copied and serialised without its components, connections and layout.

use std::collections::HashMap;

use egui::{Id, RichText, Ui};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::commands::{Command, Selection};
use super::fields::Fields;
use crate::model::{
    Account, Component, ComponentKind, Connection, CostSettings, Document, EventType, Scenario,
};
use crate::units::counted;

/// The part of a design the inspector shows when nothing is selected: everything but
/// the graph and its layout. Serialised, it has the keys of the design file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    name: String,
    description: String,
    scenario: Scenario,
    event_types: Vec<EventType>,
    account: Account,
    cost: CostSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::of(&Document::default())
    }
}

impl Settings {
    /// A copy of `doc`'s settings.
    fn of(doc: &Document) -> Self {
        Settings {
            name: doc.name.clone(),
            description: doc.description.clone(),
            scenario: doc.scenario.clone(),
            event_types: doc.event_types.clone(),
            account: doc.account.clone(),
            cost: doc.cost.clone(),
        }
    }

    /// Whether `doc` has these settings.
    fn same_as(&self, doc: &Document) -> bool {
        self.name == doc.name
            && self.description == doc.description
            && self.scenario == doc.scenario
            && self.event_types == doc.event_types
            && self.account == doc.account
            && self.cost == doc.cost
    }

    /// `doc` with these settings.
    fn applied_to(&self, doc: &Document) -> Document {
        let mut new = doc.clone();
        new.name.clone_from(&self.name);
        new.description.clone_from(&self.description);
        new.scenario = self.scenario.clone();
        new.event_types.clone_from(&self.event_types);
        new.account = self.account.clone();
        new.cost = self.cost.clone();
        new
    }
}

/// What is being edited.
#[derive(Clone, Debug, PartialEq)]
enum Draft {
    Component(Component),
    Connection(usize, Connection),
    Document(Box<Settings>),
}

impl Draft {
    fn same_target(&self, other: &Draft) -> bool {
        match (self, other) {
            (Draft::Component(a), Draft::Component(b)) => a.id == b.id,
            (Draft::Connection(i, _), Draft::Connection(j, _)) => i == j,
            (Draft::Document(_), Draft::Document(_)) => true,
            _ => false,
        }
    }

    /// The command applying this draft, if it differs from `doc`.
    fn command(&self, doc: &Document) -> Option<Command> {
        match self {
            Draft::Component(c) => {
                let now = doc.component(&c.id)?;
                (now != c).then(|| Command::SetComponent(c.id.clone(), c.clone()))
            }
            Draft::Connection(i, k) => {
                let now = doc.connections.get(*i)?;
                (now != k).then(|| Command::SetConnection(*i, k.clone()))
            }
            Draft::Document(d) => {
                // only the settings edited here; the graph stays as it is now
                (!d.same_as(doc)).then(|| {
                    Command::SetDocument(
                        Box::new(d.applied_to(doc)),
                        "Edit design settings".to_owned(),
                    )
                })
            }
        }
    }
}

/// The inspector panel.
#[derive(Default)]
pub struct Inspector {
    draft: Option<Draft>,
    texts: HashMap<Id, String>,
    /// Texts refused when their field was left, kept until fixed or Esc.
    held: HashMap<Id, String>,
    /// Why the last edit could not be applied.
    error: Option<String>,
    /// Why a text was refused when its field was left, for the status line (taken
    /// once).
    refused: Option<String>,
}

impl Inspector {
    /// An empty inspector.
    #[must_use]
    pub fn new() -> Self {
        Inspector::default()
    }

    /// Why a typed text was last refused ("visibility timeout not changed: ..."),
    /// once: the app shows it in the status line.
    pub fn take_refused(&mut self) -> Option<String> {
        self.refused.take()
    }

    /// Draw what `selection` points at; returns the edits that are complete.
    pub fn ui(&mut self, ui: &mut Ui, doc: &Document, selection: &Selection) -> Vec<Command> {
        let mut out = Vec::new();
        let target = if let Some(id) = selection.components.iter().next() {
            doc.component(id).cloned().map(Draft::Component)
        } else if let Some(i) = selection.connections.iter().next() {
            doc.connections
                .get(*i)
                .cloned()
                .map(|k| Draft::Connection(*i, k))
        } else {
            Some(Draft::Document(Box::new(Settings::of(doc))))
        };
        // a draft for something else (the selection changed mid-edit) is applied first
        if let (Some(d), Some(t)) = (&self.draft, &target)
            && !d.same_target(t)
        {
            out.extend(d.command(doc));
            self.draft = None;
        }
        let Some(target) = target else {
            ui.label("Nothing to inspect.");
            return out;
        };
        let mut current = match self.draft.take() {
            Some(d) => d,
            None => target,
        };
        let many = selection.components.len() + selection.connections.len();
        let mut fields = Fields {
            texts: &mut self.texts,
            held: &mut self.held,
            row_reason: None,
            refused: None,
            busy: false,
            kind: String::new(),
            component_ids: doc.components.iter().map(|c| c.id.clone()).collect(),
            salt: String::new(),
            label: None,
        };
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if many > 1 {
                    ui.label(RichText::new(format!("{many} selected; showing the first")).weak());
                }
                let err = match &mut current {
                    Draft::Component(c) => component_ui(ui, &mut fields, c),
                    Draft::Connection(_, k) => connection_ui(ui, &mut fields, doc, k),
                    Draft::Document(d) => document_ui(ui, &mut fields, doc, d),
                };
                if let Some(e) = err {
                    self.error = Some(e);
                }
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            });
        let busy = fields.busy;
        if let Some(r) = fields.refused {
            self.refused = Some(r);
        }
        match current.command(doc) {
            Some(cmd) if !busy => {
                self.error = None;
                out.push(cmd);
            }
            Some(_) => self.draft = Some(current),
            None => {}
        }
        out
    }
}

/// The variant's inner object of an externally tagged enum value.
fn inner_object(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.as_object_mut()?.values_mut().next()?.as_object_mut()
}

fn component_ui(ui: &mut Ui, f: &mut Fields<'_>, c: &mut Component) -> Option<String> {
    let kind = c.kind.kind_name();
    ui.heading(c.display_name().to_owned());
    // the long name for people, the file's kind name for those who edit RON
    ui.label(RichText::new(super::look::kind_label(&c.kind)).weak())
        .on_hover_text(format!("{kind} in the design file"));
    ui.add_space(4.0);
    f.salt = format!("component/{}", c.id);
    f.kind = kind.to_owned();
    ui.horizontal(|ui| {
        let l = ui
            .add_sized([60.0, 18.0], egui::Label::new("name"))
            .on_hover_text("Display name, unique in the design; reports use it. Empty: the id");
        f.label = Some(l.id);
        let mut v = Value::String(c.name.clone());
        if f.value_ui(ui, "#name", "name", &mut v) {
            c.name = v.as_str().unwrap_or_default().to_owned();
        }
    });
    f.reason_ui(ui);
    ui.horizontal(|ui| {
        ui.add_sized([60.0, 18.0], egui::Label::new("id"))
            .on_hover_text(
                "Stable identifier used by connections and the layout; fixed once created",
            );
        ui.monospace(&c.id);
    });
    ui.separator();
    let Ok(mut json) = serde_json::to_value(&c.kind) else {
        return Some("cannot show these parameters".to_owned());
    };
    if let ComponentKind::Producer(p) = &c.kind
        && p.event_types.is_empty()
        && let Some(m) = inner_object(&mut json)
    {
        m.insert("event_types".to_owned(), Value::Array(Vec::new()));
    }
    let changed = match inner_object(&mut json) {
        Some(m) if m.is_empty() && f.kind != "Producer" => {
            ui.label(RichText::new("No parameters.").weak());
            false
        }
        Some(m) => f.object_ui(ui, "", m),
        None => false,
    };
    if changed {
        match serde_json::from_value::<ComponentKind>(json) {
            Ok(k) => c.kind = k,
            Err(e) => return Some(format!("not applied: {e}")),
        }
    }
    None
}

fn connection_ui(
    ui: &mut Ui,
    f: &mut Fields<'_>,
    doc: &Document,
    k: &mut Connection,
) -> Option<String> {
    let name = |id: &str| {
        doc.component(id)
            .map_or_else(|| id.to_owned(), |c| c.display_name().to_owned())
    };
    ui.heading("Connection");
    ui.label(format!("{} → {}", name(&k.from), name(&k.to)));
    ui.separator();
    f.salt = format!("connection/{}/{}", k.from, k.to);
    f.kind = "Connection".to_owned();
    let Ok(mut json) = serde_json::to_value(&*k) else {
        return Some("cannot show this connection".to_owned());
    };
    let m = json.as_object_mut()?;
    let from = m.remove("from");
    let to = m.remove("to");
    if let Some(Value::Object(filter)) = m.get_mut("filter") {
        filter
            .entry("event_types")
            .or_insert_with(|| Value::Array(Vec::new()));
        // shown even when empty, so a filter can gain attribute conditions
        filter
            .entry("attributes")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    let changed = f.object_ui(ui, "", m);
    if changed {
        if let (Some(a), Some(b)) = (from, to) {
            m.insert("from".to_owned(), a);
            m.insert("to".to_owned(), b);
        }
        match serde_json::from_value::<Connection>(json) {
            Ok(new) => *k = new,
            Err(e) => return Some(format!("not applied: {e}")),
        }
    }
    None
}

fn document_ui(
    ui: &mut Ui,
    f: &mut Fields<'_>,
    doc: &Document,
    d: &mut Settings,
) -> Option<String> {
    ui.heading("Design");
    ui.label(
        RichText::new(format!(
            "{}, {}. Select a component or a connection to edit it.",
            counted(doc.components.len() as u64, "component", "components"),
            counted(doc.connections.len() as u64, "connection", "connections")
        ))
        .weak(),
    );
    ui.separator();
    f.salt = "document".to_owned();
    f.kind = "Document".to_owned();
    let Ok(Value::Object(mut m)) = serde_json::to_value(&*d) else {
        return Some("cannot show the design settings".to_owned());
    };
    if let Some(Value::Object(cost)) = m.get_mut("cost") {
        cost.entry("prices")
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let changed = f.object_ui(ui, "", &mut m);
    if changed {
        match serde_json::from_value::<Settings>(Value::Object(m)) {
            Ok(new) => *d = new,
            Err(e) => return Some(format!("not applied: {e}")),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::files::{EXAMPLES, example};

    /// The settings serialise as the design file's keys, with the values the design
    /// has (an empty description and no event types included), and apply back.
    #[test]
    fn settings_are_the_designs_keys_and_apply_back() {
        for (name, _) in EXAMPLES {
            let doc = example(name).unwrap();
            let s = Settings::of(&doc);
            assert!(s.same_as(&doc));
            let Value::Object(m) = serde_json::to_value(&s).unwrap() else {
                panic!("not an object")
            };
            let full = serde_json::to_value(&doc).unwrap();
            for (k, v) in &m {
                match full.get(k) {
                    Some(w) => assert_eq!(v, w, "{name}: {k}"),
                    None => assert!(
                        *v == Value::String(String::new()) || *v == Value::Array(vec![]),
                        "{name}: {k}"
                    ),
                }
            }
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            for k in [
                "name",
                "description",
                "scenario",
                "event_types",
                "account",
                "cost",
            ] {
                assert!(keys.contains(&k), "{name}: {k}");
            }
            assert_eq!(m.len(), 6);
            let mut other = s.clone();
            other.name = "renamed".to_owned();
            assert!(!other.same_as(&doc));
            let new = other.applied_to(&doc);
            assert_eq!(new.name, "renamed");
            assert_eq!(new.components, doc.components);
            assert_eq!(new.layout, doc.layout);
        }
    }
}
