//! Gestures: a press starts one, pointer moves update it, the release ends it and
//! may produce a [`Command`] (select, move, wire, box select, drop from the palette).

use std::collections::BTreeMap;

use egui::{Modifiers, Pos2, Rect, Vec2};
use egui_graphs::MetadataFrame;

use super::view::Xform;
use super::{Canvas, node_rect, snap_pos, toggle, try_connect};
use crate::gui::commands::{Command, Selection, unique_id};
use crate::gui::look;
use crate::model::{self, Component, Document, LinkKind};

/// Pointer travel (screen points) that turns a press into a drag.
const DRAG_THRESHOLD: f32 = 3.0;

/// A gesture in progress on the canvas.
#[derive(Clone, Debug, Default)]
pub(super) enum Gesture {
    /// Nothing.
    #[default]
    Idle,
    /// Pressed on empty space (or an edge): a click selects, a drag pans.
    Pan {
        origin: Pos2,
        last: Pos2,
        moved: bool,
        edge: Option<usize>,
    },
    /// Pressed on a node: a click selects it, a drag moves it.
    Press { id: String, origin: Pos2 },
    /// Moving nodes: where each started (graph units).
    Move {
        origin: Pos2,
        start: Vec<(String, Pos2)>,
    },
    /// Dragging a wire out of a node.
    Wire { from: String },
    /// Drawing a selection box.
    Box { origin: Pos2 },
}

/// One frame's pointer and keyboard input.
#[derive(Clone, Copy, Debug)]
pub(super) struct Input {
    pub(super) pressed: bool,
    /// Where the button went down (with slow frames, the pointer may have moved on
    /// within the same frame).
    pub(super) press_origin: Option<Pos2>,
    pub(super) released: bool,
    pub(super) down: bool,
    pub(super) pos: Option<Pos2>,
    pub(super) modifiers: Modifiers,
    pub(super) scroll: Vec2,
    pub(super) zoom: f32,
    pub(super) escape: bool,
    /// Any input event this frame (pointer, keys, focus): hover may change.
    pub(super) any_event: bool,
    pub(super) time: f64,
}

impl Canvas {
    pub(super) fn begin(&mut self, p: Pos2, mods: Modifiers, x: Xform) {
        let g = x.pos_in_graph(p);
        let hit = self.node_at(g, 0.0);
        if let Some(from) = self
            .handle_at(p, x)
            .or(if mods.alt { hit.clone() } else { None })
        {
            self.status = None;
            self.gesture = Gesture::Wire { from };
        } else if let Some(id) = hit {
            self.gesture = Gesture::Press { id, origin: p };
        } else if mods.shift {
            self.gesture = Gesture::Box { origin: p };
        } else {
            self.gesture = Gesture::Pan {
                origin: p,
                last: p,
                moved: false,
                edge: self.edge_at(p, x),
            };
        }
    }

    pub(super) fn update(&mut self, p: Pos2, meta: &mut MetadataFrame, selection: &mut Selection) {
        match &mut self.gesture {
            Gesture::Pan {
                origin,
                last,
                moved,
                ..
            } => {
                if *moved || p.distance(*origin) > DRAG_THRESHOLD {
                    *moved = true;
                    meta.pan += p - *last;
                    *last = p;
                }
            }
            Gesture::Press { id, origin } => {
                if p.distance(*origin) > DRAG_THRESHOLD {
                    let (id, origin) = (id.clone(), *origin);
                    if !selection.components.contains(&id) {
                        selection.only_component(&id);
                    }
                    let start: Vec<(String, Pos2)> = selection
                        .components
                        .iter()
                        .filter_map(|s| Some((s.clone(), self.location(s)?)))
                        .collect();
                    self.gesture = Gesture::Move { origin, start };
                    self.update(p, meta, selection);
                }
            }
            Gesture::Move { origin, start } => {
                let delta = (p - *origin) / meta.zoom;
                let snap = self.snap;
                for (id, s) in start.iter() {
                    let mut to = *s + delta;
                    if snap {
                        to = snap_pos(to);
                    }
                    if let Some(n) = self.nodes.get(id).and_then(|&i| self.graph.node_mut(i)) {
                        n.set_location(to);
                    }
                    self.reroute = true;
                }
            }
            Gesture::Idle | Gesture::Wire { .. } | Gesture::Box { .. } => {}
        }
    }

    pub(super) fn cancel(&mut self) {
        if let Gesture::Move { start, .. } = std::mem::take(&mut self.gesture) {
            for (id, s) in start {
                if let Some(n) = self.nodes.get(&id).and_then(|&i| self.graph.node_mut(i)) {
                    n.set_location(s);
                }
                self.reroute = true;
            }
        }
    }

    pub(super) fn end(
        &mut self,
        p: Pos2,
        mods: Modifiers,
        x: Xform,
        doc: &Document,
        selection: &mut Selection,
        time: f64,
    ) -> Option<Command> {
        let additive = mods.shift || mods.command;
        match std::mem::take(&mut self.gesture) {
            Gesture::Idle => None,
            Gesture::Pan { moved, edge, .. } => {
                if !moved {
                    match edge {
                        Some(i) if additive => toggle(&mut selection.connections, i),
                        Some(i) => selection.only_connection(i),
                        None if additive => {}
                        None => *selection = Selection::default(),
                    }
                }
                None
            }
            Gesture::Press { id, .. } => {
                if additive {
                    toggle(&mut selection.components, id);
                } else {
                    selection.only_component(&id);
                }
                None
            }
            Gesture::Move { start, .. } => {
                let mut moves: BTreeMap<String, [f32; 2]> = BTreeMap::new();
                for id in &self.unsaved {
                    if let Some(l) = self.location(id) {
                        moves.insert(id.clone(), [l.x, l.y]);
                    }
                }
                let mut changed = false;
                for (id, s) in &start {
                    if let Some(l) = self.location(id) {
                        changed |= l != *s;
                        moves.insert(id.clone(), [l.x, l.y]);
                    }
                }
                (changed && !moves.is_empty()).then(|| Command::Move(moves.into_iter().collect()))
            }
            Gesture::Wire { from } => {
                let target = self.node_at(x.pos_in_graph(p), 4.0 / x.zoom)?;
                let kind = self.wire_kind(doc, &from, &target, mods);
                let result = try_connect(doc, &from, &target, kind);
                match result {
                    Ok(conn) => {
                        self.status = Some(format!("Connected: {}", conn.label()));
                        self.flash = None;
                        Some(Command::Connect(conn))
                    }
                    Err(reason) => {
                        self.status = Some(reason.clone());
                        self.flash = Some((reason, time));
                        None
                    }
                }
            }
            Gesture::Box { origin } => {
                let r = Rect::from_two_pos(x.pos_in_graph(origin), x.pos_in_graph(p));
                if !mods.command {
                    *selection = Selection::default();
                }
                for id in &self.order {
                    if self
                        .location(id)
                        .is_some_and(|c| node_rect(c).intersects(r))
                    {
                        selection.components.insert(id.clone());
                    }
                }
                None
            }
        }
    }

    /// The link kind a wiring makes: Shift = dead-letter, Ctrl = on-failure; otherwise
    /// dead-letter into a dead-letter queue from a component that can dead-letter, else
    /// delivery.
    fn wire_kind(&self, doc: &Document, from: &str, to: &str, mods: Modifiers) -> LinkKind {
        if mods.shift {
            return LinkKind::DeadLetter;
        }
        if mods.command {
            return LinkKind::OnFailure;
        }
        let from_k = doc.component(from).map(|c| &c.kind);
        let to_k = doc.component(to).map(|c| &c.kind);
        match (from_k, to_k) {
            (Some(f), Some(model::ComponentKind::DeadLetterQueue(_))) if f.can_dead_letter() => {
                LinkKind::DeadLetter
            }
            _ => LinkKind::Delivery,
        }
    }

    pub(super) fn drop_component(
        &mut self,
        doc: &Document,
        payload: &Component,
        pos_in_graph: Pos2,
        selection: &mut Selection,
    ) -> Command {
        let mut c = payload.clone();
        c.id = unique_id(doc, &payload.id);
        let p = if self.snap {
            snap_pos(pos_in_graph)
        } else {
            pos_in_graph
        };
        selection.only_component(&c.id);
        let label = format!("Add {}", look::kind_label(&c.kind));
        Command::Add {
            components: vec![(c, [p.x.round(), p.y.round()])],
            connections: Vec::new(),
            label,
        }
    }
}
