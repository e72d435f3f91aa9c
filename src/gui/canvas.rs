//! The node-graph canvas: the document drawn with egui_graphs, and the gestures that
//! turn into [`Command`]s (move, wire, select, drop from the palette).
//!
//! The egui_graphs graph ([`ViewGraph`]) is a view rebuilt from the document when its
//! revision changes; it is never the source of truth. Positions come from
//! `doc.layout` exactly; components without a saved position are shown where
//! [`layout::placed`] puts them, and written to the document only with the next move.
//! egui_graphs is used for drawing (with our [`NodeShape`] and [`EdgeShape`]), hover
//! and the stored pan/zoom; its layout never moves a node ([`FixedLayout`]) and its own
//! dragging, selection and navigation are off: the canvas handles those itself, as a
//! fixed pipeline each frame:
//!
//! 1. sync the view with the document (only when the revision changed);
//! 2. read the input: zoom (Ctrl+wheel or pinch) and scroll (pan) move the view;
//! 3. gestures: a press starts one ([`Gesture`]), moves update it, the release ends
//!    it and may produce a command;
//! 4. egui_graphs draws the graph;
//! 5. palette drops, zoom to fit, and overlays (wiring preview, selection box, hints).
//!
//! Coordinate spaces: `pos_in_graph` (graph units, as saved in the layout), `local`
//! (relative to the canvas' top-left, where egui_graphs keeps its pan) and
//! `pos_in_screen`. `screen = graph * zoom + pan + rect.min`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use egui::text::{LayoutJob, TextWrapping};
use egui::{
    Align2, Color32, CursorIcon, FontId, Id, Key, Modifiers, Pos2, Rect, Shape, Stroke, StrokeKind,
    Ui, Vec2, pos2, vec2,
};
use egui_graphs::{
    DisplayEdge, DisplayNode, DrawContext, EdgeProps, Graph, GraphView, Layout, LayoutState,
    MetadataFrame, Node, NodeProps, SettingsInteraction, SettingsNavigation, SettingsStyle,
};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, EdgeIndex, NodeIndex};
use serde::{Deserialize, Serialize};

use super::commands::{Command, Selection, unique_id};
use super::layout;
use super::look::{self, Group, LinePattern, NODE_H, NODE_W};
use crate::diagram::{self, PathOp};
use crate::model::{self, Component, Connection, Document, LinkKind, Severity, Subject};

/// The egui_graphs graph type of the canvas: one alias, used only here.
pub type ViewGraph = Graph<NodeData, EdgeData, Directed, DefaultIx, NodeShape, EdgeShape>;

/// The egui_graphs view type: our fixed layout, never the random one.
type View = GraphView<FixedState, FixedLayout>;

/// Id under which egui_graphs keeps the canvas' pan and zoom.
const VIEW_ID: &str = "spillway-canvas";
/// Grid step for snapping, in graph units.
pub const GRID: f32 = 20.0;
/// Smallest and largest zoom factors.
const ZOOM_RANGE: (f32, f32) = (0.1, 3.0);
/// Pointer travel (screen points) that turns a press into a drag.
const DRAG_THRESHOLD: f32 = 3.0;
/// Radius of the wiring handle on a node's right edge, in screen points at zoom 1.
const HANDLE_R: f32 = 6.0;
/// Screen distance within which a press grabs the wiring handle.
const HANDLE_GRAB: f32 = 11.0;
/// Seconds a refusal stays on the canvas.
const FLASH_S: f64 = 6.0;
/// Zoom to fit keeps this much (points) free at the bottom for the hint line.
const FIT_HINT_ROOM: f32 = 24.0;
/// And this much more under the lowest nodes for the badges of a run (two lines of
/// text and a bar, which do not scale with the zoom).
const FIT_BADGE_ROOM: f32 = 40.0;
/// A badge is at most this many node widths wide (the examples' columns are 220 units
/// apart, nodes 186 wide), so neighbours' badges do not run into each other...
const BADGE_MAX_W: f32 = 1.12;
/// ... but at least this wide (points), to stay useful when zoomed far out.
const BADGE_MIN_W: f32 = 110.0;
/// A link's own label (filter, dead-letter) is drawn at this size times the zoom...
const EDGE_LABEL_SIZE: f32 = 11.0;
/// ... from this zoom on.
const EDGE_LABEL_MIN_ZOOM: f32 = 0.45;
/// Temporary memory: whether the live overlay draws the links' labels this frame.
const LIVE_LABELS_ID: &str = "spillway-canvas-live-labels";

/// What a node shows, computed once per rebuild.
#[derive(Debug)]
pub struct NodeLook {
    /// Component id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind in words.
    pub kind_label: &'static str,
    /// Badge glyph.
    pub glyph: &'static str,
    /// One-line summary of the parameters.
    pub summary: String,
    /// Colour family.
    pub group: Group,
    /// Outline (the diagram's, by group).
    pub shape: diagram::Shape,
}

/// Node payload of the [`ViewGraph`].
#[derive(Clone, Debug)]
pub struct NodeData(pub Arc<NodeLook>);

/// Edge payload of the [`ViewGraph`]: the connection it draws.
#[derive(Clone, Debug)]
pub struct EdgeData {
    /// Index in `Document::connections`.
    pub index: usize,
    /// Link kind (line style).
    pub kind: LinkKind,
    /// Small label (filter, rule), if any.
    pub label: Option<Arc<str>>,
}

/// Layout state of [`FixedLayout`] (nothing to remember).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FixedState;

impl LayoutState for FixedState {}

/// An egui_graphs layout that never moves a node: positions come from the document.
#[derive(Debug, Default)]
pub struct FixedLayout;

impl Layout<FixedState> for FixedLayout {
    fn from_state(_state: FixedState) -> impl Layout<FixedState> {
        FixedLayout
    }

    fn next<N, E, Ty, Ix, Dn, De>(&mut self, _g: &mut Graph<N, E, Ty, Ix, Dn, De>, _ui: &Ui)
    where
        N: Clone,
        E: Clone,
        Ty: petgraph::EdgeType,
        Ix: petgraph::graph::IndexType,
        Dn: DisplayNode<N, E, Ty, Ix>,
        De: DisplayEdge<N, E, Ty, Ix, Dn>,
    {
    }

    fn state(&self) -> FixedState {
        FixedState
    }
}

/// A gesture in progress on the canvas.
#[derive(Clone, Debug, Default)]
enum Gesture {
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
struct Input {
    pressed: bool,
    /// Where the button went down (with slow frames, the pointer may have moved on
    /// within the same frame).
    press_origin: Option<Pos2>,
    released: bool,
    down: bool,
    pos: Option<Pos2>,
    modifiers: Modifiers,
    scroll: Vec2,
    zoom: f32,
    escape: bool,
    time: f64,
}

/// The transform between graph and screen coordinates.
#[derive(Clone, Copy, Debug)]
struct Xform {
    origin: Pos2,
    pan: Vec2,
    zoom: f32,
}

impl Xform {
    fn pos_in_graph(self, pos_in_screen: Pos2) -> Pos2 {
        ((pos_in_screen - self.origin - self.pan) / self.zoom).to_pos2()
    }

    fn pos_in_screen(self, pos_in_graph: Pos2) -> Pos2 {
        self.origin + self.pan + pos_in_graph.to_vec2() * self.zoom
    }
}

/// Live figures of one component, drawn as a badge under its node during and after a
/// run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Badge {
    /// Completions per second in the last bucket.
    pub throughput: f64,
    /// Events waiting (last bucket's time average), for components with a buffer.
    pub depth: Option<f64>,
    /// Events in service (last bucket's time average).
    pub in_flight: f64,
    /// Servers, slots or concurrency (0: none).
    pub capacity: u64,
    /// `in_flight / capacity`, when there is a capacity.
    pub utilisation: Option<f64>,
    /// Age of the oldest message, s (queues).
    pub oldest_age_s: Option<f64>,
    /// Failed attempts, refusals, drops, expiries and losses so far.
    pub errors: u64,
    /// Events this component dead-lettered so far.
    pub dead_letters: u64,
    /// Events held, for dead-letter queues.
    pub dlq_held: Option<u64>,
}

/// What a run draws over the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveOverlay {
    /// Badges by component id.
    pub badges: BTreeMap<String, Badge>,
    /// Per document connection: (from id, to id, events per second).
    pub links: Vec<(String, String, f64)>,
    /// Animate dots along the links, denser for higher rates.
    pub dots: bool,
}

/// View state of the canvas (pan and zoom live in egui_graphs' metadata).
pub struct Canvas {
    /// Live figures of a run, drawn over the graph (none: the plain editor).
    pub live: Option<LiveOverlay>,
    /// A run is going or paused: the design is locked (moving is still allowed), and
    /// zoom to fit leaves room for the badges under the nodes.
    pub running: bool,
    /// A message for the status line (e.g. why a wiring was refused).
    pub status: Option<String>,
    /// Snap moved and dropped components to a 20-unit grid.
    pub snap: bool,
    fit_requested: bool,
    /// A component to bring into view on the next frame (one just added).
    reveal: Option<String>,
    graph: ViewGraph,
    /// (revision, components, connections) the view was built from.
    built: Option<(u64, usize, usize)>,
    nodes: BTreeMap<String, NodeIndex>,
    /// Draw order (later on top), for hit-testing from the top.
    order: Vec<String>,
    edges: BTreeMap<usize, EdgeIndex>,
    /// Components shown at an automatic position, not saved in the document yet.
    unsaved: BTreeSet<String>,
    gesture: Gesture,
    last_pointer: Option<Pos2>,
    flash: Option<(String, f64)>,
    /// The transform of the last frame drawn.
    drawn: Option<Xform>,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            live: None,
            running: false,
            status: None,
            snap: false,
            fit_requested: true,
            reveal: None,
            graph: ViewGraph::new(),
            built: None,
            nodes: BTreeMap::new(),
            order: Vec::new(),
            edges: BTreeMap::new(),
            unsaved: BTreeSet::new(),
            gesture: Gesture::Idle,
            last_pointer: None,
            flash: None,
            drawn: None,
        }
    }
}

impl Canvas {
    /// An empty canvas; it zooms to fit on its first frame.
    #[must_use]
    pub fn new() -> Self {
        Canvas::default()
    }

    /// Zoom to fit the whole design on the next frame.
    pub fn request_fit(&mut self) {
        self.fit_requested = true;
    }

    /// Pan (keeping the zoom) so that component `id` is in view on the next frame, if
    /// it is not already: a component added from the palette lands right of the design,
    /// which may be outside the view.
    pub fn request_reveal(&mut self, id: &str) {
        self.reveal = Some(id.to_owned());
    }

    /// The command that lays the whole design out again (left to right in flow order),
    /// for an "Auto-layout" menu entry; call [`Canvas::request_fit`] after applying it.
    #[must_use]
    pub fn auto_layout_command(doc: &Document) -> Command {
        Command::Move(layout::auto_layout(doc).into_iter().collect())
    }

    /// Where component `id` is shown now, in graph units (its saved position, an
    /// automatic one, or where it is being dragged). `None` before the first frame.
    #[must_use]
    pub fn position(&self, id: &str) -> Option<[f32; 2]> {
        let n = self.graph.node(*self.nodes.get(id)?)?;
        Some([n.location().x, n.location().y])
    }

    /// Where component `id` was drawn on the screen in the last frame (its centre), for
    /// tests and for placing popups next to it.
    #[must_use]
    pub fn screen_position(&self, id: &str) -> Option<Pos2> {
        Some(self.drawn?.pos_in_screen(self.location(id)?))
    }

    /// Draw `doc` (at `revision`), update `selection`, and return the commands the
    /// user's gestures produced this frame.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        revision: u64,
        selection: &mut Selection,
    ) -> Vec<Command> {
        let mut out = Vec::new();
        self.sync(doc, revision);
        let rect = ui.available_rect_before_wrap();
        if rect.width() < 1.0 || rect.height() < 1.0 {
            return out;
        }
        let id = Some(VIEW_ID.to_owned());
        let mut meta = MetadataFrame::new(id.clone()).load(ui);
        if !(meta.zoom.is_finite()
            && meta.zoom > 0.0
            && meta.pan.x.is_finite()
            && meta.pan.y.is_finite())
        {
            meta.zoom = 1.0;
            meta.pan = Vec2::ZERO;
        }
        let input = ui.input(|i| Input {
            pressed: i.pointer.primary_pressed(),
            press_origin: i.pointer.press_origin(),
            released: i.pointer.primary_released(),
            down: i.pointer.primary_down(),
            pos: i.pointer.interact_pos().or(i.pointer.latest_pos()),
            modifiers: i.modifiers,
            scroll: i.smooth_scroll_delta,
            zoom: i.zoom_delta(),
            escape: i.key_pressed(Key::Escape),
            time: i.time,
        });
        if let Some(p) = input.pos {
            self.last_pointer = Some(p);
        }
        let pointer = input.pos.or(self.last_pointer);
        let inside = ui.rect_contains_pointer(rect);
        let dnd = egui::DragAndDrop::has_any_payload(ui.ctx());

        // 2. navigation
        if inside && let Some(p) = pointer {
            if (input.zoom - 1.0).abs() > 1e-4 {
                let x = Xform {
                    origin: rect.min,
                    pan: meta.pan,
                    zoom: meta.zoom,
                };
                let g = x.pos_in_graph(p);
                let z = (meta.zoom * input.zoom).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
                meta.zoom = z;
                meta.pan = (p - rect.min) - g.to_vec2() * z;
            }
            if input.scroll != Vec2::ZERO {
                meta.pan += input.scroll;
            }
        }

        // 3. gestures
        if input.pressed
            && !dnd
            && let Some(p) = input.press_origin.or(pointer)
            && rect.contains(p)
            && ui.ctx().layer_id_at(p) == Some(ui.layer_id())
        {
            self.begin(p, input.modifiers, xform(rect, &meta));
        }
        if input.down
            && let Some(p) = pointer
        {
            self.update(p, &mut meta, selection);
        }
        if input.escape && !matches!(self.gesture, Gesture::Idle) {
            self.cancel();
        }
        if input.released
            && let Some(p) = pointer
        {
            let x = xform(rect, &meta);
            if let Some(cmd) = self.end(p, input.modifiers, x, doc, selection, input.time) {
                out.push(cmd);
            }
        }
        meta.clone().save(ui);

        // 4. draw
        self.paint_grid(ui, rect, xform(rect, &meta));
        self.reflect_selection(selection);
        // during a run the overlay draws the links' labels, beside their rates
        let live = self.live.is_some();
        ui.ctx()
            .data_mut(|d| d.insert_temp(Id::new(LIVE_LABELS_ID), live));
        let response = View::new()
            .with_id(id.clone())
            .with_interactions(
                &SettingsInteraction::new()
                    .with_dragging_enabled(false)
                    .with_hover_enabled(true)
                    .with_node_clicking_enabled(false)
                    .with_node_selection_enabled(false)
                    .with_edge_clicking_enabled(false)
                    .with_edge_selection_enabled(false),
            )
            .with_navigations(
                &SettingsNavigation::new()
                    .with_fit_to_screen_enabled(false)
                    .with_zoom_and_pan_enabled(false),
            )
            .with_styles(&SettingsStyle::new().with_labels_always(true))
            .show(ui, &mut self.graph)
            .response;

        // 5. drops, fit, overlays
        let x = xform(rect, &meta);
        self.drawn = Some(x);
        if self.live.is_some() {
            self.live_ui(ui, rect, x, input.time);
        }
        if let Some(payload) = response.dnd_release_payload::<Component>()
            && let Some(p) = pointer
        {
            out.push(self.drop_component(doc, &payload, x.pos_in_graph(p), selection));
        }
        if self.fit_requested {
            self.fit_requested = false;
            self.reveal = None;
            let mut m = MetadataFrame::new(id).load(ui);
            let (pan, zoom) = self.fit(rect.size());
            m.pan = pan;
            m.zoom = zoom;
            m.save(ui);
        } else if let Some(show) = self.reveal.take()
            && let Some(c) = self.location(&show)
        {
            let node = Rect::from_center_size(x.pos_in_screen(c), vec2(NODE_W, NODE_H) * x.zoom);
            if !rect.shrink(8.0).contains_rect(node) {
                let mut m = MetadataFrame::new(id).load(ui);
                // centre it: screen = graph * zoom + pan + rect.min
                m.pan = rect.size() / 2.0 - c.to_vec2() * m.zoom;
                m.save(ui);
            }
        }
        if matches!(self.gesture, Gesture::Idle)
            && inside
            && let Some(p) = pointer
            && let Some(hit) = self.node_at(x.pos_in_graph(p), 0.0)
            && let Some(n) = self.nodes.get(&hit).and_then(|&i| self.graph.node(i))
        {
            let look = n.payload().0.clone();
            let _ = response.clone().on_hover_ui_at_pointer(|ui| {
                ui.strong(&look.name);
                ui.label(format!("{} · {}", look.kind_label, look.summary));
                if look.name != look.id {
                    ui.weak(format!("id: {}", look.id));
                }
            });
        }
        let hovering_payload = response.dnd_hover_payload::<Component>().is_some();
        self.overlays(
            ui,
            rect,
            x,
            pointer,
            input,
            hovering_payload,
            doc.components.is_empty(),
        );
        out
    }

    /// Rebuild the view when the document changed.
    fn sync(&mut self, doc: &Document, revision: u64) {
        let key = (revision, doc.components.len(), doc.connections.len());
        if self.built == Some(key) {
            return;
        }
        self.built = Some(key);
        let (positions, unsaved) = layout::placed(doc);
        let mut g = ViewGraph::new();
        self.nodes.clear();
        self.order.clear();
        self.edges.clear();
        for c in &doc.components {
            if self.nodes.contains_key(&c.id) {
                continue; // duplicate id: validation reports it
            }
            let p = positions.get(&c.id).copied().unwrap_or([0.0, 0.0]);
            // the exported diagram's style: an SQS queue used only as a DLQ looks like one
            let style = diagram::component_style(doc, c);
            let data = NodeData(Arc::new(NodeLook {
                id: c.id.clone(),
                // shown escaped: a hostile name draws as text, not as boxes or codes
                name: crate::model::printable(c.display_name()).into_owned(),
                kind_label: style.kind_label,
                glyph: style.glyph,
                summary: diagram::summary(&c.kind),
                group: style.group,
                shape: style.shape,
            }));
            let idx = g.add_node_with_location(data, pos2(p[0], p[1]));
            self.nodes.insert(c.id.clone(), idx);
            self.order.push(c.id.clone());
        }
        for (i, conn) in doc.connections.iter().enumerate() {
            let (Some(&a), Some(&b)) = (self.nodes.get(&conn.from), self.nodes.get(&conn.to))
            else {
                continue;
            };
            let mut label = look::connection_label(conn);
            let kind_word = match conn.kind {
                LinkKind::Delivery => None,
                LinkKind::DeadLetter => Some("dead-letter"),
                LinkKind::OnFailure => Some("on failure"),
            };
            if let Some(w) = kind_word {
                label = Some(match label {
                    Some(l) => format!("{w} · {l}"),
                    None => w.to_owned(),
                });
            }
            let data = EdgeData {
                index: i,
                kind: conn.kind,
                label: label.map(Arc::from),
            };
            let e = g.add_edge(a, b, data);
            self.edges.insert(i, e);
        }
        self.graph = g;
        self.unsaved = unsaved;
        // a gesture on components that are gone ends here
        let stale = match &self.gesture {
            Gesture::Press { id, .. } => !self.nodes.contains_key(id),
            Gesture::Wire { from } => !self.nodes.contains_key(from),
            Gesture::Move { start, .. } => start.iter().any(|(id, _)| !self.nodes.contains_key(id)),
            _ => false,
        };
        if stale {
            self.gesture = Gesture::Idle;
        }
    }

    fn reflect_selection(&mut self, selection: &Selection) {
        for (id, &idx) in &self.nodes {
            if let Some(n) = self.graph.node_mut(idx) {
                n.set_selected(selection.components.contains(id));
            }
        }
        for (i, &e) in &self.edges {
            if let Some(edge) = self.graph.edge_mut(e) {
                edge.set_selected(selection.connections.contains(i));
            }
        }
    }

    fn location(&self, id: &str) -> Option<Pos2> {
        Some(self.graph.node(*self.nodes.get(id)?)?.location())
    }

    /// The topmost node under a graph position.
    fn node_at(&self, pos_in_graph: Pos2, margin: f32) -> Option<String> {
        self.order
            .iter()
            .rev()
            .find(|id| {
                self.location(id)
                    .is_some_and(|c| node_rect(c).expand(margin).contains(pos_in_graph))
            })
            .cloned()
    }

    /// The node whose wiring handle is under a screen position.
    fn handle_at(&self, pos_in_screen: Pos2, x: Xform) -> Option<String> {
        self.order
            .iter()
            .rev()
            .find(|id| {
                self.location(id).is_some_and(|c| {
                    x.pos_in_screen(handle_point(c)).distance(pos_in_screen) <= HANDLE_GRAB
                })
            })
            .cloned()
    }

    /// The connection under a screen position.
    fn edge_at(&self, pos_in_screen: Pos2, x: Xform) -> Option<usize> {
        let meta_local = {
            let mut m = MetadataFrame::new(None);
            m.zoom = x.zoom;
            m.pan = x.pan;
            m
        };
        let e = self
            .graph
            .edge_by_screen_pos(&meta_local, (pos_in_screen - x.origin).to_pos2())?;
        Some(self.graph.edge(e)?.payload().index)
    }

    fn begin(&mut self, p: Pos2, mods: Modifiers, x: Xform) {
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

    fn update(&mut self, p: Pos2, meta: &mut MetadataFrame, selection: &mut Selection) {
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
                }
            }
            Gesture::Idle | Gesture::Wire { .. } | Gesture::Box { .. } => {}
        }
    }

    fn cancel(&mut self) {
        if let Gesture::Move { start, .. } = std::mem::take(&mut self.gesture) {
            for (id, s) in start {
                if let Some(n) = self.nodes.get(&id).and_then(|&i| self.graph.node_mut(i)) {
                    n.set_location(s);
                }
            }
        }
    }

    fn end(
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

    fn drop_component(
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

    /// Pan and zoom that show every node in a canvas of `size`, clear of the hint line
    /// at the bottom and, during or after a run, with room for the badges under the
    /// lowest nodes (their text does not scale with the zoom).
    fn fit(&self, size: Vec2) -> (Vec2, f32) {
        let mut b = Rect::NOTHING;
        for &idx in self.nodes.values() {
            if let Some(n) = self.graph.node(idx) {
                b = b.union(node_rect(n.location()));
            }
        }
        if !b.is_positive() {
            return (size / 2.0, 1.0);
        }
        let b = b.expand(24.0);
        // screen margins, points: sides, top, bottom (hint line, badges)
        let badges = if self.live.is_some() || self.running {
            FIT_BADGE_ROOM
        } else {
            0.0
        };
        let (side, top, bottom) = (12.0, 8.0, FIT_HINT_ROOM + badges);
        let room = vec2(size.x - 2.0 * side, size.y - top - bottom).max(size * 0.5);
        let zoom = (room.x / b.width())
            .min(room.y / b.height())
            .clamp(ZOOM_RANGE.0, 1.25);
        let middle = vec2(size.x / 2.0, top + room.y / 2.0);
        (middle - b.center().to_vec2() * zoom, zoom)
    }

    fn paint_grid(&self, ui: &Ui, rect: Rect, x: Xform) {
        let painter = ui.painter_at(rect);
        let dark = ui.visuals().dark_mode;
        let (minor, major) = if dark {
            (Color32::from_white_alpha(6), Color32::from_white_alpha(12))
        } else {
            (Color32::from_black_alpha(8), Color32::from_black_alpha(16))
        };
        let lines = |step: f32, color: Color32| {
            let s = step * x.zoom;
            if s < 8.0 {
                return;
            }
            let g0 = x.pos_in_graph(rect.min);
            let mut gx = (g0.x / step).floor() * step;
            while x.pos_in_screen(pos2(gx, 0.0)).x <= rect.max.x {
                let sx = x.pos_in_screen(pos2(gx, 0.0)).x;
                painter.line_segment([pos2(sx, rect.min.y), pos2(sx, rect.max.y)], (1.0, color));
                gx += step;
            }
            let mut gy = (g0.y / step).floor() * step;
            while x.pos_in_screen(pos2(0.0, gy)).y <= rect.max.y {
                let sy = x.pos_in_screen(pos2(0.0, gy)).y;
                painter.line_segment([pos2(rect.min.x, sy), pos2(rect.max.x, sy)], (1.0, color));
                gy += step;
            }
        };
        if self.snap {
            lines(GRID, minor);
        }
        lines(GRID * 5.0, major);
    }

    /// Rates along the links (with moving dots) and a badge under every node. The
    /// badges are laid out first, so that each link's label (its own, such as a filter
    /// or "dead-letter", with the rate beside it) can slide along the link to a place
    /// clear of the badges and nodes; the badges are drawn last.
    #[allow(clippy::too_many_lines)]
    fn live_ui(&self, ui: &Ui, rect: Rect, x: Xform, time: f64) {
        let Some(live) = &self.live else {
            return;
        };
        let painter = ui.painter_at(rect);
        let vis = ui.visuals();
        let z = x.zoom;
        let font = FontId::proportional((11.5 * z).clamp(9.5, 13.0));
        let text_col = vis.strong_text_color();
        let bg = vis.extreme_bg_color.gamma_multiply(0.92);
        let warn = Color32::from_rgb(235, 80, 70);

        // badges under the nodes: laid out now, drawn at the end
        let mut badges = Vec::new();
        for (id, b) in &live.badges {
            let Some(c) = self.location(id) else {
                continue;
            };
            let nr = screen_rect(x, c);
            if !rect.intersects(nr.expand(40.0)) {
                continue;
            }
            // most important first; what does not fit beside the neighbours is left out
            // (the inspector has every figure)
            let mut parts1 = vec![format!("{}/s", super::run::si(b.throughput))];
            if b.capacity > 0 {
                parts1.push(format!("{:.0}/{} busy", b.in_flight, b.capacity));
            } else if b.oldest_age_s.is_some() && b.in_flight >= 0.5 {
                // a queue: messages received by consumers and not yet deleted
                parts1.push(format!("{} in flight", super::run::si(b.in_flight)));
            }
            if let Some(d) = b.depth.filter(|d| *d >= 0.05) {
                parts1.push(format!("{} waiting", super::run::si(d)));
            }
            if let Some(a) = b.oldest_age_s.filter(|a| *a >= 0.05) {
                parts1.push(format!("oldest {}", age(a)));
            }
            let mut parts2 = Vec::new();
            if b.errors > 0 {
                parts2.push(format!("{} errors", super::run::si(b.errors as f64)));
            }
            if b.dead_letters > 0 {
                parts2.push(format!("{} to DLQ", super::run::si(b.dead_letters as f64)));
            }
            if let Some(h) = b.dlq_held.filter(|h| *h > 0) {
                parts2.push(format!("{} dead letters", super::run::si(h as f64)));
            }
            let max_w = (nr.width() * BADGE_MAX_W).max(BADGE_MIN_W);
            let g1 = painter.layout_no_wrap(
                fitted(&painter, &parts1, &font, text_col, max_w),
                font.clone(),
                text_col,
            );
            let g2 = (!parts2.is_empty()).then(|| {
                let text = fitted(&painter, &parts2, &font, warn, max_w);
                painter.layout_no_wrap(text, font.clone(), warn)
            });
            let w = g1.size().x.max(g2.as_ref().map_or(0.0, |g| g.size().x));
            let h = g1.size().y + g2.as_ref().map_or(0.0, |g| g.size().y);
            let bar_h = if b.utilisation.is_some() { 4.0 } else { 0.0 };
            let top = nr.center_bottom() + vec2(0.0, 3.0 * z.max(0.5));
            let br = Rect::from_min_size(
                pos2(top.x - w / 2.0 - 4.0, top.y),
                vec2(w + 8.0, h + bar_h + 4.0),
            );
            badges.push((br, bar_h, b.utilisation, g1, g2));
        }

        // links: dots flowing at a fixed speed, spaced by rate, and the label
        let obstacles: Vec<Rect> = badges
            .iter()
            .map(|b| b.0)
            .chain(
                self.nodes
                    .keys()
                    .filter_map(|id| Some(screen_rect(x, self.location(id)?))),
            )
            .filter(|r| rect.intersects(*r))
            .collect();
        for (i, (from, to, rate)) in live.links.iter().enumerate() {
            let (Some(a), Some(b)) = (self.location(from), self.location(to)) else {
                continue;
            };
            let p0 = x.pos_in_screen(rect_boundary(a, b - a));
            let p1 = x.pos_in_screen(rect_boundary(b, a - b));
            let d = p1 - p0;
            let len = d.length();
            if len < 1.0 {
                continue;
            }
            let dir = d / len;
            if live.dots && *rate > 0.0 {
                let spacing = (220.0 / rate.sqrt() as f32).clamp(9.0, 160.0) * z.max(0.4);
                let speed = 70.0 * z.max(0.4);
                let phase = (time as f32 * speed) % spacing;
                let mut t = phase;
                let dot = Color32::from_rgb(255, 196, 0);
                while t < len {
                    painter.circle_filled(p0 + dir * t, (2.6 * z).clamp(1.5, 3.5), dot);
                    t += spacing;
                }
            }
            let rate_text = format!("{}/s", super::run::si(*rate));
            // the link's own label (drawn here, not by the link, during a run)
            let own = self
                .edges
                .get(&i)
                .and_then(|&e| self.graph.edge(e))
                .and_then(|e| e.payload().label.clone())
                .filter(|_| z >= EDGE_LABEL_MIN_ZOOM);
            let g = match own {
                Some(own) => {
                    let f = FontId::proportional(font.size.max(EDGE_LABEL_SIZE * z));
                    let mut job = LayoutJob::default();
                    job.append(
                        &format!("{own}  "),
                        0.0,
                        egui::TextFormat::simple(f.clone(), vis.text_color()),
                    );
                    job.append(&rate_text, 0.0, egui::TextFormat::simple(f, text_col));
                    painter.layout_job(job)
                }
                None => painter.layout_no_wrap(rate_text, font.clone(), text_col),
            };
            // the middle of the link, else the nearest place along it that is clear
            let size = g.size() + vec2(4.0, 4.0);
            let at = |t: f32| Rect::from_center_size(p0 + d * t, size);
            let span = Rect::from_two_pos(p0, p1).expand2(size / 2.0);
            let near: Vec<Rect> = obstacles
                .iter()
                .copied()
                .filter(|o| o.intersects(span))
                .collect();
            // the area of the label covered by badges and nodes; the first candidate
            // (nearest the middle) with the least wins
            let covered = |r: Rect| -> f32 {
                near.iter()
                    .map(|o| o.intersect(r))
                    .filter(|c| c.is_positive())
                    .map(|c| c.area())
                    .sum()
            };
            let mut r = at(0.5);
            let mut least = covered(r);
            for t in [0.4, 0.6, 0.3, 0.7, 0.2, 0.8] {
                if least <= 0.0 {
                    break;
                }
                let c = at(t);
                let a = covered(c);
                if a < least {
                    (r, least) = (c, a);
                }
            }
            painter.rect_filled(r, 3.0, bg);
            painter.galley(r.min + vec2(2.0, 2.0), g, text_col);
        }

        for (br, bar_h, utilisation, g1, g2) in badges {
            let border = utilisation.map_or(
                vis.widgets.noninteractive.bg_stroke.color,
                super::run::utilisation_color,
            );
            painter.rect_filled(br, 4.0, bg);
            painter.rect_stroke(br, 4.0, Stroke::new(1.2, border), StrokeKind::Inside);
            if let Some(u) = utilisation {
                // a bar along the top, filled to the utilisation, in its colour
                let full = Rect::from_min_size(
                    br.min + vec2(3.0, 2.0),
                    vec2(br.width() - 6.0, bar_h - 1.0),
                );
                painter.rect_filled(full, 1.0, vis.faint_bg_color);
                let filled = Rect::from_min_size(
                    full.min,
                    vec2(full.width() * u.clamp(0.0, 1.0) as f32, full.height()),
                );
                painter.rect_filled(filled, 1.0, super::run::utilisation_color(u));
            }
            let y = br.min.y + 2.0 + bar_h;
            let g1h = g1.size().y;
            painter.galley(pos2(br.center().x - g1.size().x / 2.0, y), g1, text_col);
            if let Some(g2) = g2 {
                painter.galley(pos2(br.center().x - g2.size().x / 2.0, y + g1h), g2, warn);
            }
        }
        if live.dots {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(33));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn overlays(
        &mut self,
        ui: &Ui,
        rect: Rect,
        x: Xform,
        pointer: Option<Pos2>,
        input: Input,
        hovering_payload: bool,
        empty: bool,
    ) {
        let painter = ui.painter_at(rect);
        let vis = ui.visuals().clone();
        let small = FontId::proportional(12.0);
        if empty {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "Drag components here from the palette",
                FontId::proportional(16.0),
                vis.weak_text_color(),
            );
        }
        if hovering_payload {
            painter.rect_stroke(
                rect.shrink(2.0),
                6.0,
                Stroke::new(2.0, vis.selection.bg_fill),
                StrokeKind::Inside,
            );
        }
        let mut hint = if self.running {
            "Running: the design is locked · drag: move · drag empty space or scroll: pan · \
             Ctrl+scroll: zoom · F: fit"
        } else {
            "Drag: move · drag from a node's right-edge dot or Alt+drag: connect · Shift+drag: box select · \
             drag empty space or scroll: pan · Ctrl+scroll: zoom"
        }
        .to_owned();
        match &self.gesture {
            Gesture::Wire { from } => {
                hint = "Release over a component to connect · hold Shift for a dead-letter \
                        link, Ctrl for on-failure · Esc cancels"
                    .to_owned();
                if let (Some(p), Some(c)) = (pointer, self.location(from)) {
                    let start = x.pos_in_screen(handle_point(c));
                    let target = self.node_at(x.pos_in_graph(p), 4.0 / x.zoom);
                    let end = match target.as_deref().and_then(|t| self.location(t)) {
                        Some(tc) if target.as_deref() != Some(from.as_str()) => {
                            let r = screen_rect(x, tc);
                            painter.rect_stroke(
                                r.expand(3.0),
                                6.0,
                                Stroke::new(2.0, vis.selection.bg_fill),
                                StrokeKind::Outside,
                            );
                            x.pos_in_screen(rect_boundary(tc, c - tc))
                        }
                        _ => p,
                    };
                    let kind = if input.modifiers.shift {
                        LinkKind::DeadLetter
                    } else if input.modifiers.command {
                        LinkKind::OnFailure
                    } else {
                        LinkKind::Delivery
                    };
                    let (color, pattern) = look::link_style(kind, vis.dark_mode);
                    let mut shapes = Vec::new();
                    line_shapes(&mut shapes, start, end, color, 2.0, pattern, 1.0);
                    for s in shapes {
                        painter.add(s);
                    }
                    painter.circle_filled(start, HANDLE_R, color);
                }
            }
            Gesture::Box { origin } => {
                if let Some(p) = pointer {
                    let r = Rect::from_two_pos(*origin, p);
                    painter.rect_filled(r, 0.0, vis.selection.bg_fill.gamma_multiply(0.15));
                    painter.rect_stroke(
                        r,
                        0.0,
                        Stroke::new(1.0, vis.selection.bg_fill),
                        StrokeKind::Inside,
                    );
                }
            }
            Gesture::Move { .. } | Gesture::Pan { moved: true, .. } => {
                ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
            }
            _ => {
                if let Some(p) = pointer
                    && rect.contains(p)
                    && self.handle_at(p, x).is_some()
                {
                    ui.ctx().set_cursor_icon(CursorIcon::Crosshair);
                }
            }
        }
        // the hint line, and a refusal in red above it for a few seconds
        let hint_pos = pos2(rect.min.x + 8.0, rect.max.y - 6.0);
        let galley = painter.layout_no_wrap(hint, small.clone(), vis.weak_text_color());
        let bg = galley
            .rect
            .translate(hint_pos.to_vec2() - vec2(0.0, galley.size().y));
        painter.rect_filled(bg.expand(3.0), 3.0, vis.panel_fill.gamma_multiply(0.85));
        painter.galley(bg.min, galley, vis.weak_text_color());
        if let Some((msg, t)) = &self.flash {
            if input.time - t < FLASH_S {
                let g = painter.layout_no_wrap(
                    msg.clone(),
                    FontId::proportional(14.0),
                    vis.error_fg_color,
                );
                let at = pos2(rect.min.x + 8.0, bg.min.y - 8.0 - g.size().y);
                painter.rect_filled(
                    Rect::from_min_size(at, g.size()).expand(4.0),
                    4.0,
                    vis.panel_fill,
                );
                painter.galley(at, g, vis.error_fg_color);
            } else {
                self.flash = None;
            }
        }
    }
}

/// `parts` joined by " · ", as many as fit in `max_w` points with the badge's padding
/// (the first always, and none after the first that does not fit, so the most
/// important figures are the ones shown).
fn fitted(
    painter: &egui::Painter,
    parts: &[String],
    font: &FontId,
    color: Color32,
    max_w: f32,
) -> String {
    let mut out = String::new();
    for p in parts {
        if out.is_empty() {
            out.clone_from(p);
            continue;
        }
        let candidate = format!("{out} · {p}");
        let w = painter
            .layout_no_wrap(candidate.clone(), font.clone(), color)
            .size()
            .x;
        if w + 8.0 > max_w {
            break;
        }
        out = candidate;
    }
    out
}

/// The age of a message for a badge: seconds, then minutes, then hours.
fn age(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

fn xform(rect: Rect, meta: &MetadataFrame) -> Xform {
    Xform {
        origin: rect.min,
        pan: meta.pan,
        zoom: meta.zoom,
    }
}

fn toggle<T: Ord>(set: &mut BTreeSet<T>, item: T) {
    if !set.remove(&item) {
        set.insert(item);
    }
}

fn snap_pos(p: Pos2) -> Pos2 {
    pos2((p.x / GRID).round() * GRID, (p.y / GRID).round() * GRID)
}

/// A node's rectangle in graph units, from its centre.
fn node_rect(center: Pos2) -> Rect {
    Rect::from_center_size(center, vec2(NODE_W, NODE_H))
}

fn screen_rect(x: Xform, center: Pos2) -> Rect {
    Rect::from_center_size(x.pos_in_screen(center), vec2(NODE_W, NODE_H) * x.zoom)
}

/// The wiring handle of a node: the middle of its right edge, in graph units.
fn handle_point(center: Pos2) -> Pos2 {
    center + vec2(NODE_W / 2.0, 0.0)
}

/// Check a wiring `from -> to` of `kind` against the document: refused (with the reason,
/// for the status line) when it links a component to itself, duplicates a connection,
/// or when validation finds an error in it.
///
/// # Errors
/// The reason the link is refused.
pub fn try_connect(
    doc: &Document,
    from: &str,
    to: &str,
    kind: LinkKind,
) -> Result<Connection, String> {
    let name = |id: &str| {
        doc.component(id)
            .map_or(id, Component::display_name)
            .to_owned()
    };
    let (a, b) = (name(from), name(to));
    if from == to {
        return Err(format!("Cannot connect {a} to itself"));
    }
    if doc
        .connections
        .iter()
        .any(|c| c.from == from && c.to == to && c.kind == kind)
    {
        return Err(format!("{a} is already connected to {b}"));
    }
    let conn = Connection {
        kind,
        ..Connection::new(from, to)
    };
    let mut copy = doc.clone();
    copy.connections.push(conn.clone());
    let i = copy.connections.len() - 1;
    let error = model::validate(&copy).into_iter().find(|p| {
        p.severity == Severity::Error && matches!(&p.subject, Subject::Connection(j, _) if *j == i)
    });
    match error {
        Some(p) => Err(format!("Cannot connect {a} to {b}: {}", p.message)),
        None => Ok(conn),
    }
}

// ---------------------------------------------------------------- node drawing

/// How a node is drawn (egui_graphs display state).
#[derive(Clone, Debug)]
pub struct NodeShape {
    look: Arc<NodeLook>,
    loc: Pos2,
    selected: bool,
    hovered: bool,
}

impl From<NodeProps<NodeData>> for NodeShape {
    fn from(p: NodeProps<NodeData>) -> Self {
        NodeShape {
            look: p.payload.0.clone(),
            loc: p.location(),
            selected: p.selected,
            hovered: p.hovered,
        }
    }
}

impl DisplayNode<NodeData, EdgeData, Directed, DefaultIx> for NodeShape {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        rect_boundary(self.loc, dir)
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        node_shapes(&self.look, self.loc, self.selected, self.hovered, ctx)
    }

    fn update(&mut self, p: &NodeProps<NodeData>) {
        self.loc = p.location();
        self.selected = p.selected;
        self.hovered = p.hovered;
    }

    fn is_inside(&self, pos: Pos2) -> bool {
        node_rect(self.loc).contains(pos)
    }
}

/// The diagram's outline of `shape` around `center` (graph units) with `size`, mapped to
/// the screen by `to_screen`: the filled body first, then decoration lines (a rim).
fn outline_shapes(
    shape: diagram::Shape,
    center: Pos2,
    size: Vec2,
    to_screen: impl Fn(Pos2) -> Pos2,
    fill: Color32,
    stroke: Stroke,
) -> Vec<Shape> {
    let (min, max) = (center - size / 2.0, center + size / 2.0);
    diagram::outline(shape, [min.x, min.y], [max.x, max.y])
        .iter()
        .enumerate()
        .map(|(i, ops)| {
            let (pts, closed) = flatten(ops);
            let pts: Vec<Pos2> = pts.into_iter().map(&to_screen).collect();
            if i == 0 && closed {
                // every body outline of the diagram is convex
                Shape::convex_polygon(pts, fill, stroke)
            } else {
                Shape::line(pts, stroke)
            }
        })
        .collect()
}

/// The points of an outline, its curves cut into short lines; and whether it is closed.
fn flatten(ops: &[PathOp]) -> (Vec<Pos2>, bool) {
    const STEPS: u16 = 8;
    let mut pts: Vec<Pos2> = Vec::with_capacity(ops.len() * 4);
    let mut closed = false;
    let mut last = [0.0, 0.0];
    for op in ops {
        match *op {
            PathOp::MoveTo(p) | PathOp::LineTo(p) => {
                pts.push(pos2(p[0], p[1]));
                last = p;
            }
            PathOp::CubicTo(a, b, c) => {
                for k in 1..=STEPS {
                    let q = diagram::bezier(&[last, a, b, c], f32::from(k) / f32::from(STEPS));
                    pts.push(pos2(q[0], q[1]));
                }
                last = c;
            }
            PathOp::Close => closed = true,
        }
    }
    if closed && pts.len() > 2 && pts.first() == pts.last() {
        pts.pop();
    }
    (pts, closed)
}

/// The point where a ray from the node's centre in direction `dir` leaves its rectangle.
fn rect_boundary(center: Pos2, dir: Vec2) -> Pos2 {
    let (hw, hh) = (NODE_W / 2.0, NODE_H / 2.0);
    let tx = if dir.x.abs() > f32::EPSILON {
        hw / dir.x.abs()
    } else {
        f32::INFINITY
    };
    let ty = if dir.y.abs() > f32::EPSILON {
        hh / dir.y.abs()
    } else {
        f32::INFINITY
    };
    let t = tx.min(ty);
    if t.is_finite() {
        center + dir * t
    } else {
        center
    }
}

fn text(
    ctx: &DrawContext,
    s: &str,
    size: f32,
    color: Color32,
    max_width: f32,
) -> Arc<egui::Galley> {
    let mut job = LayoutJob::simple_singleline(s.to_owned(), FontId::proportional(size), color);
    job.wrap = TextWrapping::truncate_at_width(max_width.max(1.0));
    ctx.painter.layout_job(job)
}

fn node_shapes(
    look: &NodeLook,
    loc: Pos2,
    selected: bool,
    hovered: bool,
    ctx: &DrawContext,
) -> Vec<Shape> {
    let z = ctx.meta.zoom;
    let c = ctx.meta.canvas_to_screen_pos(loc);
    let r = Rect::from_center_size(c, vec2(NODE_W, NODE_H) * z);
    let style = ctx.ctx.global_style();
    let vis = &style.visuals;
    let dark = vis.dark_mode;
    let accent = look::accent(look.group);
    let fill = look::body_fill(look.group, dark);
    let stroke_w = if look.group == Group::DeadLetter {
        2.4
    } else {
        1.4
    };
    let stroke = Stroke::new(if hovered { stroke_w + 1.0 } else { stroke_w } * z, accent);
    let size = vec2(NODE_W, NODE_H);
    let to_screen = |p: Pos2| ctx.meta.canvas_to_screen_pos(p);
    let body = |grow: f32, shift: Vec2, fill: Color32, stroke: Stroke| {
        outline_shapes(
            look.shape,
            loc + shift,
            size + Vec2::splat(2.0 * grow),
            to_screen,
            fill,
            stroke,
        )
        .into_iter()
        .take(1)
    };
    let mut out = Vec::with_capacity(20);

    // selection glow and drop shadow, in the node's own outline
    if selected {
        out.extend(body(
            5.0,
            Vec2::ZERO,
            vis.selection.bg_fill.gamma_multiply(0.45),
            Stroke::NONE,
        ));
    }
    out.extend(body(
        0.0,
        vec2(2.0, 3.0),
        Color32::from_black_alpha(if dark { 70 } else { 28 }),
        Stroke::NONE,
    ));
    out.extend(outline_shapes(
        look.shape, loc, size, to_screen, fill, stroke,
    ));
    if selected {
        out.extend(body(
            3.0,
            Vec2::ZERO,
            Color32::TRANSPARENT,
            Stroke::new(2.0 * z, vis.selection.stroke.color),
        ));
    }
    // room left and right of the text, and a shift down under a cylinder's rim
    let (inset_l, inset_r, dy) = match look.shape {
        diagram::Shape::Parallelogram => (14.0, 18.0, 0.0),
        diagram::Shape::Hexagon => (17.0, 20.0, 0.0),
        diagram::Shape::Pipe => (12.0, 20.0, 0.0),
        diagram::Shape::RoundedBox => (10.0, 12.0, 0.0),
        diagram::Shape::Cylinder => (10.0, 12.0, 6.0),
        diagram::Shape::Octagon => (12.0, 14.0, 0.0),
    };

    // badge with the glyph
    let b = 34.0 * z;
    let bc = pos2(r.left() + (inset_l + 17.0) * z, c.y + dy * z);
    let badge = Rect::from_center_size(bc, vec2(b, b));
    out.push(Shape::rect_filled(badge, 7.0 * z, accent));
    if z >= 0.3 {
        let glyph_px = match look.glyph.chars().count() {
            1 => 19.0,
            2 | 3 => 12.5,
            _ => 10.0,
        };
        let g = text(ctx, look.glyph, glyph_px * z, Color32::WHITE, b);
        let at = bc - g.size() / 2.0;
        out.push(Shape::galley(at, g, Color32::WHITE));
    }

    // name, kind, summary
    if z >= 0.35 {
        let left = badge.right() + 7.0 * z;
        let width = r.right() - inset_r * z - left;
        let name = text(ctx, &look.name, 14.0 * z, vis.strong_text_color(), width);
        let kind = text(ctx, look.kind_label, 10.5 * z, vis.weak_text_color(), width);
        let summary = text(ctx, &look.summary, 11.5 * z, vis.text_color(), width);
        let gap = 1.5 * z;
        let total = name.size().y + kind.size().y + summary.size().y + 2.0 * gap;
        let mut y = c.y + dy * z - total / 2.0;
        for g in [name, kind, summary] {
            let h = g.size().y;
            out.push(Shape::galley(pos2(left, y), g, vis.text_color()));
            y += h + gap;
        }
    }

    // the wiring handle
    if hovered || selected {
        let hp = pos2(r.right(), c.y);
        out.push(Shape::circle_filled(hp, HANDLE_R * z.max(0.6), accent));
        out.push(Shape::circle_stroke(
            hp,
            HANDLE_R * z.max(0.6),
            Stroke::new(1.5 * z.max(0.6), Color32::WHITE),
        ));
    }
    out
}

// ---------------------------------------------------------------- edge drawing

/// How a connection is drawn (egui_graphs display state).
#[derive(Clone, Debug)]
pub struct EdgeShape {
    data: EdgeData,
    order: usize,
    selected: bool,
    /// Zoom of the last frame drawn, for hit-testing in graph units.
    zoom: f32,
}

impl From<EdgeProps<EdgeData>> for EdgeShape {
    fn from(p: EdgeProps<EdgeData>) -> Self {
        EdgeShape {
            data: p.payload,
            order: p.order,
            selected: p.selected,
            zoom: 1.0,
        }
    }
}

type ViewNode = Node<NodeData, EdgeData, Directed, DefaultIx, NodeShape>;

impl EdgeShape {
    /// End points in graph units (offset sideways for parallel links).
    fn ends(&self, start: &ViewNode, end: &ViewNode) -> Option<(Pos2, Pos2)> {
        let (a, b) = (start.location(), end.location());
        let d = b - a;
        if d.length() < 1.0 {
            return None;
        }
        let dir = d.normalized();
        let off = vec2(-dir.y, dir.x) * (self.order as f32 * 12.0);
        let p0 = rect_boundary(a, dir) + off;
        let p1 = rect_boundary(b, -dir) + off;
        Some((p0, p1))
    }
}

impl DisplayEdge<NodeData, EdgeData, Directed, DefaultIx, NodeShape> for EdgeShape {
    fn shapes(&mut self, start: &ViewNode, end: &ViewNode, ctx: &DrawContext) -> Vec<Shape> {
        let z = ctx.meta.zoom;
        self.zoom = z;
        let style = ctx.ctx.global_style();
        let vis = &style.visuals;
        let (color, pattern) = look::link_style(self.data.kind, vis.dark_mode);
        let mut out = Vec::new();
        let Some((p0, p1)) = self.ends(start, end) else {
            // a link to itself: a loop above the node
            let c = ctx.meta.canvas_to_screen_pos(start.location());
            let top = c.y - NODE_H / 2.0 * z;
            let w = NODE_W / 4.0 * z;
            let pts = vec![
                pos2(c.x + w, top),
                pos2(c.x + w, top - 22.0 * z),
                pos2(c.x - w, top - 22.0 * z),
                pos2(c.x - w, top),
            ];
            out.push(Shape::line(pts, Stroke::new(1.6 * z, color)));
            return out;
        };
        let (s0, s1) = (
            ctx.meta.canvas_to_screen_pos(p0),
            ctx.meta.canvas_to_screen_pos(p1),
        );
        if self.selected {
            out.push(Shape::line_segment(
                [s0, s1],
                Stroke::new(7.0 * z, vis.selection.bg_fill.gamma_multiply(0.5)),
            ));
        }
        let width = if self.selected { 2.4 } else { 1.6 } * z;
        line_shapes(&mut out, s0, s1, color, width, pattern, z);
        let overlay_draws_label = ctx
            .ctx
            .data(|d| d.get_temp::<bool>(Id::new(LIVE_LABELS_ID)))
            .unwrap_or(false);
        if let Some(label) = &self.data.label
            && z >= EDGE_LABEL_MIN_ZOOM
            && !overlay_draws_label
        {
            let g = ctx.painter.layout_no_wrap(
                label.to_string(),
                FontId::proportional(EDGE_LABEL_SIZE * z),
                vis.text_color(),
            );
            let mid = s0 + (s1 - s0) * 0.5;
            let r = Rect::from_center_size(mid, g.size());
            out.push(Shape::rect_filled(
                r.expand(2.5 * z),
                3.0 * z,
                vis.panel_fill.gamma_multiply(0.92),
            ));
            out.push(Shape::rect_stroke(
                r.expand(2.5 * z),
                3.0 * z,
                Stroke::new(1.0, color.gamma_multiply(0.6)),
                StrokeKind::Outside,
            ));
            out.push(Shape::galley(r.min, g, vis.text_color()));
        }
        out
    }

    fn update(&mut self, p: &EdgeProps<EdgeData>) {
        self.order = p.order;
        self.selected = p.selected;
    }

    fn is_inside(&self, start: &ViewNode, end: &ViewNode, pos: Pos2) -> bool {
        let Some((a, b)) = self.ends(start, end) else {
            return false;
        };
        let tolerance = 6.0 / self.zoom.max(0.05);
        distance_to_segment(pos, a, b) <= tolerance
    }
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len2 = ab.length_sq();
    if len2 <= f32::EPSILON {
        return p.distance(a);
    }
    let t = ((p - a).dot(ab) / len2).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// A line from `s0` to `s1` (screen) in a pattern, with an arrow head at `s1`.
fn line_shapes(
    out: &mut Vec<Shape>,
    s0: Pos2,
    s1: Pos2,
    color: Color32,
    width: f32,
    pattern: LinePattern,
    z: f32,
) {
    let d = s1 - s0;
    if d.length() < 1.0 {
        return;
    }
    let dir = d.normalized();
    let head = 11.0 * z.max(0.5);
    let base = s1 - dir * head;
    let stroke = Stroke::new(width, color);
    match pattern {
        LinePattern::Solid => out.push(Shape::line_segment([s0, base], stroke)),
        LinePattern::Dashed => {
            out.extend(Shape::dashed_line(&[s0, base], stroke, 8.0 * z, 5.0 * z));
        }
        LinePattern::Dotted => {
            out.extend(Shape::dotted_line(&[s0, base], color, 6.0 * z, width * 0.9));
        }
    }
    let n = vec2(-dir.y, dir.x) * head * 0.45;
    out.push(Shape::convex_polygon(
        vec![s1, base + n, base - n],
        color,
        Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, Sink, Station};

    fn comp(id: &str, kind: ComponentKind) -> Component {
        Component {
            id: id.to_owned(),
            name: String::new(),
            kind,
        }
    }

    #[test]
    fn wiring_is_checked_against_validation() {
        let doc = Document {
            components: vec![
                comp("a", ComponentKind::Station(Station::default())),
                comp("end", ComponentKind::Sink(Sink {})),
            ],
            connections: vec![Connection::new("a", "end")],
            ..Document::default()
        };
        let e = try_connect(&doc, "end", "a", LinkKind::Delivery).unwrap_err();
        assert!(e.contains("sends nothing on"), "{e}");
        let e = try_connect(&doc, "a", "end", LinkKind::Delivery).unwrap_err();
        assert!(e.contains("already connected"), "{e}");
        let e = try_connect(&doc, "a", "a", LinkKind::Delivery).unwrap_err();
        assert!(e.contains("itself"), "{e}");
        let e = try_connect(&doc, "a", "end", LinkKind::DeadLetter).unwrap_err();
        assert!(e.contains("must end at a DeadLetterQueue"), "{e}");
        assert!(try_connect(&doc, "a", "end", LinkKind::OnFailure).is_ok());
    }

    #[test]
    fn badge_ages_read_as_seconds_minutes_or_hours() {
        assert_eq!(age(3.24), "3.2 s");
        assert_eq!(age(57.2), "57 s");
        assert_eq!(age(1571.9), "26 min");
        assert_eq!(age(5400.0), "1.5 h");
    }

    #[test]
    fn boundary_points_are_on_the_rectangle() {
        let c = pos2(100.0, 50.0);
        assert_eq!(
            rect_boundary(c, vec2(1.0, 0.0)),
            pos2(100.0 + NODE_W / 2.0, 50.0)
        );
        assert_eq!(
            rect_boundary(c, vec2(0.0, -3.0)),
            pos2(100.0, 50.0 - NODE_H / 2.0)
        );
        assert_eq!(rect_boundary(c, Vec2::ZERO), c);
        assert_eq!(snap_pos(pos2(29.0, -11.0)), pos2(20.0, -20.0));
    }
}
