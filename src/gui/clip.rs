//! Groups of components moved as text: copy (the selection and the connections among
//! them as a small RON design), paste, duplicate and templates all insert a group into
//! the document with fresh unique ids as one [`Command::Add`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::commands::{Command, Selection, unique_id};
use crate::model::{self, Component, Document};

/// The selected components, the connections among them and their positions, as RON
/// text (a valid design file, so it can be pasted into another design or window).
/// `None` when nothing is selected.
#[must_use]
pub fn copy_text(doc: &Document, sel: &Selection) -> Option<String> {
    let group = selected_group(doc, sel)?;
    model::to_ron_string(&group).ok()
}

/// The selected components as a small document.
#[must_use]
pub fn selected_group(doc: &Document, sel: &Selection) -> Option<Document> {
    if sel.components.is_empty() {
        return None;
    }
    let components: Vec<Component> = doc
        .components
        .iter()
        .filter(|c| sel.components.contains(&c.id))
        .cloned()
        .collect();
    let connections = doc
        .connections
        .iter()
        .filter(|k| sel.components.contains(&k.from) && sel.components.contains(&k.to))
        .cloned()
        .collect();
    let layout = doc
        .layout
        .iter()
        .filter(|(id, _)| sel.components.contains(*id))
        .map(|(id, p)| (id.clone(), *p))
        .collect();
    Some(Document {
        name: "clipboard".to_owned(),
        event_types: doc.event_types.clone(),
        components,
        connections,
        layout,
        ..Document::default()
    })
}

/// Parse pasted text as a group; `None` if it is not a Spillway design with components.
#[must_use]
pub fn parse_group(text: &str) -> Option<Document> {
    let d = model::from_ron_str(text).ok()?;
    (!d.components.is_empty()).then_some(d)
}

/// Bounding box of the document's positions: (min, max), `None` when empty.
#[must_use]
pub fn bounds(doc: &Document) -> Option<([f32; 2], [f32; 2])> {
    let mut it = doc
        .components
        .iter()
        .filter_map(|c| doc.layout.get(&c.id).copied());
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), p| {
        (
            [lo[0].min(p[0]), lo[1].min(p[1])],
            [hi[0].max(p[0]), hi[1].max(p[1])],
        )
    }))
}

/// Where a new group goes: below the existing design, left-aligned with it.
#[must_use]
pub fn below(doc: &Document) -> [f32; 2] {
    bounds(doc).map_or([0.0, 0.0], |(lo, hi)| [lo[0], hi[1] + 160.0])
}

/// Where a single new component goes when the view centre is unknown: right of the
/// rightmost component.
#[must_use]
pub fn right_of(doc: &Document) -> [f32; 2] {
    bounds(doc).map_or([0.0, 0.0], |(lo, hi)| [hi[0] + 220.0, lo[1]])
}

/// A command inserting `group` into `doc`: every component gets a fresh id (and a
/// fresh display name if its name is taken), references among them (connections,
/// Firehose transforms, autoscaling queues, dead-letter targets) follow, and positions
/// are moved so the group's top-left corner lands at `at` (`None`: offset by `offset`
/// from where they were).
#[must_use]
pub fn insert_group(
    doc: &Document,
    group: &Document,
    at: Option<[f32; 2]>,
    offset: [f32; 2],
    label: &str,
) -> Command {
    let mut scratch = doc.clone();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut names: BTreeSet<String> = doc
        .components
        .iter()
        .map(|c| c.display_name().to_owned())
        .collect();
    for c in &group.components {
        let id = unique_id(&scratch, &c.id);
        // reserve the id for the next ones
        scratch.components.push(Component {
            id: id.clone(),
            ..c.clone()
        });
        ids.insert(c.id.clone(), id);
    }
    let origin = bounds(group).map_or([0.0, 0.0], |(lo, _)| lo);
    let mut components = Vec::new();
    for (n, c) in group.components.iter().enumerate() {
        let mut c = c.clone();
        c.id = ids.get(&c.id).cloned().unwrap_or(c.id);
        if !c.name.is_empty() {
            let base = c.name.clone();
            let mut k = 2;
            while names.contains(&c.name) {
                c.name = format!("{base} {k}");
                k += 1;
            }
        }
        names.insert(c.display_name().to_owned());
        c.kind = remap_references(&c.kind, &ids);
        let old = group.components[n].id.as_str();
        let pos = group
            .layout
            .get(old)
            .copied()
            .unwrap_or([n as f32 * 200.0, 0.0]);
        let pos = match at {
            Some(a) => [a[0] + pos[0] - origin[0], a[1] + pos[1] - origin[1]],
            None => [pos[0] + offset[0], pos[1] + offset[1]],
        };
        components.push((c, pos));
    }
    let connections = group
        .connections
        .iter()
        .filter_map(|k| {
            let mut k = k.clone();
            k.from = ids.get(&k.from)?.clone();
            k.to = ids.get(&k.to)?.clone();
            if let Some(d) = &k.dead_letter {
                k.dead_letter = Some(ids.get(d).cloned().unwrap_or_else(|| d.clone()));
            }
            Some(k)
        })
        .collect();
    Command::Add {
        components,
        connections,
        label: label.to_owned(),
    }
}

/// The kind with ids inside its parameters (`transform`, `queue`) renamed per `ids`.
fn remap_references(
    kind: &model::ComponentKind,
    ids: &BTreeMap<String, String>,
) -> model::ComponentKind {
    let Ok(mut v) = serde_json::to_value(kind) else {
        return kind.clone();
    };
    remap_value(&mut v, ids);
    serde_json::from_value(v).unwrap_or_else(|_| kind.clone())
}

fn remap_value(v: &mut Value, ids: &BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if matches!(k.as_str(), "transform" | "queue")
                    && let Some(new) = x.as_str().and_then(|s| ids.get(s))
                {
                    *x = Value::String(new.clone());
                    continue;
                }
                remap_value(x, ids);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| remap_value(x, ids)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::commands::Editor;
    use crate::gui::files;

    #[test]
    fn copy_and_paste_keep_internal_connections_with_fresh_ids() {
        let doc = files::example("order-fanout.ron").unwrap();
        let mut sel = Selection::default();
        for c in doc.components.iter().take(3) {
            sel.components.insert(c.id.clone());
        }
        let text = copy_text(&doc, &sel).unwrap();
        let group = parse_group(&text).unwrap();
        assert_eq!(group.components.len(), 3);
        let mut e = Editor::new(doc.clone(), None);
        let cmd = insert_group(e.doc(), &group, None, [40.0, 40.0], "Paste");
        e.apply(&cmd);
        assert_eq!(e.doc().components.len(), doc.components.len() + 3);
        let ids: BTreeSet<_> = e.doc().components.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids.len(), e.doc().components.len(), "ids stay unique");
        let names: BTreeSet<_> = e
            .doc()
            .components
            .iter()
            .map(|c| c.display_name().to_owned())
            .collect();
        assert_eq!(names.len(), e.doc().components.len(), "names stay unique");
        assert!(e.doc().connections.len() >= doc.connections.len());
        assert!(crate::model::validate(e.doc()).len() >= crate::model::validate(&doc).len());
    }

    #[test]
    fn nothing_selected_copies_nothing() {
        assert!(copy_text(&Document::default(), &Selection::default()).is_none());
        assert!(parse_group("not ron at all").is_none());
    }
}
