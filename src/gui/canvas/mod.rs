//! The node-graph canvas: the document drawn with egui_graphs, and the gestures that
//! turn into [`Command`]s (move, wire, select, drop from the palette).
//!
//! The egui_graphs graph ([`ViewGraph`]) is a view rebuilt from the document when its
//! revision changes; it is never the source of truth. Positions come from
//! `doc.layout` exactly; components without a saved position are shown where
//! [`diagram::placed`] puts them (as in an export), and written to the document only
//! with the next move. The links are the exported diagram's: [`diagram::route`] bends
//! them around the boxes and places their labels, from where the boxes are now.
//! egui_graphs is used for drawing (with our [`NodeShape`] and [`EdgeShape`]), hover
//! and the stored pan/zoom; its layout never moves a node ([`FixedLayout`]) and its own
//! dragging, selection and navigation are off: the canvas handles those itself, as a
//! fixed pipeline each frame:
//!
//! 1. sync the view with the document (only when the revision changed);
//! 2. read the input: zoom (Ctrl+wheel or pinch) and scroll (pan) move the view
//!    ([`view`]);
//! 3. gestures ([`gestures`]): a press starts one, moves update it, the release ends
//!    it and may produce a command;
//! 4. route the links if a node moved, and draw: egui_graphs draws the graph
//!    ([`paint`]) only when the picture may have changed, else the last picture is
//!    painted again ([`replay`]);
//! 5. palette drops, zoom to fit, a run's figures ([`live`]) and the editor's overlays
//!    ([`overlay`]: wiring preview, selection box, hints).
//!
//! Coordinate spaces: `pos_in_graph` (graph units, as saved in the layout), `local`
//! (relative to the canvas' top-left, where egui_graphs keeps its pan) and
//! `pos_in_screen`. `screen = graph * zoom + pan + rect.min`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use egui::{Id, Key, Pos2, Rect, Sense, Ui, Vec2, pos2, vec2};
use egui_graphs::{
    DisplayEdge, DisplayNode, Graph, GraphView, Layout, LayoutState, MetadataFrame,
    SettingsInteraction, SettingsNavigation, SettingsStyle,
};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, EdgeIndex, NodeIndex};
use serde::{Deserialize, Serialize};

use super::commands::{Command, Selection};
use super::look::{Group, NODE_H, NODE_W};
use crate::diagram;
use crate::model::{self, Component, Connection, Document, LinkKind, Severity, Subject};

mod gestures;
mod live;
pub mod lod;
mod overlay;
mod paint;
mod replay;
mod view;

use gestures::{Gesture, Input};
pub use live::{Badge, LiveOverlay, STALE_CAPTION, badge_words, headline};
pub use paint::{EdgeShape, NodeShape};
use replay::Replay;
use view::{Xform, ZOOM_RANGE, xform};

/// The egui_graphs graph type of the canvas: one alias, used only here.
pub type ViewGraph = Graph<NodeData, EdgeData, Directed, DefaultIx, NodeShape, EdgeShape>;

/// The egui_graphs view type: our fixed layout, never the random one.
type View = GraphView<FixedState, FixedLayout>;

/// Id under which egui_graphs keeps the canvas' pan and zoom.
const VIEW_ID: &str = "spillway-canvas";
/// Grid step for snapping, in graph units.
pub const GRID: f32 = 20.0;
/// Adding a part zooms out to keep the whole design in view down to this zoom; below
/// it, the view centres the new part instead (text would be too small to read).
const REVEAL_MIN_ZOOM: f32 = 0.55;
/// Radius of the wiring handle on a node's right edge, in screen points at zoom 1.
const HANDLE_R: f32 = 6.0;
/// Screen distance within which a press grabs the wiring handle.
const HANDLE_GRAB: f32 = 11.0;
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

/// A badge's level of detail, as drawn (see [`lod`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Two lines of figures and the utilisation bar.
    Full,
    /// The most important figure on one line, and the bar.
    Compact,
    /// The bar alone, or the figure in small type.
    Small,
}

/// What the canvas drew in its last frame, in screen points: for tests and tools that
/// check that nothing covers anything else.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnBoxes {
    /// The canvas.
    pub canvas: Rect,
    /// Every node (id, rectangle), in or out of view.
    pub nodes: Vec<(String, Rect)>,
    /// The run's badges drawn (component id, level, rectangle).
    pub badges: Vec<(String, Level, Rect)>,
    /// Link labels drawn (text on one line, rectangle): a run's labels with their
    /// rates, or the editor's labels.
    pub labels: Vec<(String, Rect)>,
    /// The hint line at the bottom (text, rectangle), if drawn.
    pub hint: Option<(String, Rect)>,
    /// The caption over stale results, if drawn.
    pub caption: Option<Rect>,
    /// A refused wiring's reason, if shown.
    pub flash: Option<Rect>,
    /// Moving dots drawn along the links.
    pub dots: usize,
}

impl Default for DrawnBoxes {
    fn default() -> Self {
        DrawnBoxes {
            canvas: Rect::NOTHING,
            nodes: Vec::new(),
            badges: Vec::new(),
            labels: Vec::new(),
            hint: None,
            caption: None,
            flash: None,
            dots: 0,
        }
    }
}

/// Node payload of the [`ViewGraph`].
#[derive(Clone, Debug)]
pub struct NodeData(pub Arc<NodeLook>);

/// Edge payload of the [`ViewGraph`]: the connection it draws.
#[derive(Clone, Debug)]
pub struct EdgeData {
    /// Index in `Document::connections`; `None` for a link the diagram implies (an
    /// EventBridge target's dead-letter queue, a Firehose transform), which is drawn
    /// but cannot be selected.
    pub connection: Option<usize>,
    /// Link kind (line style).
    pub kind: LinkKind,
    /// The diagram's label (filter, rule) on one line, if any, for the live overlay.
    pub label: Option<Arc<str>>,
    /// Where the link goes: the diagram's route between the boxes where they are now.
    pub route: Option<Arc<diagram::Edge>>,
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
    /// The view's edge of each document connection.
    edges: BTreeMap<usize, EdgeIndex>,
    /// Every link drawn (connections and implied links), its ends as indices into
    /// `order`, with its edge in the view: what [`diagram::route`] routes.
    wires: Vec<(diagram::Wire, EdgeIndex)>,
    /// Node positions changed since the links were last routed.
    reroute: bool,
    /// Components shown at an automatic position, not saved in the document yet.
    unsaved: BTreeSet<String>,
    gesture: Gesture,
    last_pointer: Option<Pos2>,
    flash: Option<(String, f64)>,
    /// The transform of the last frame drawn.
    drawn: Option<Xform>,
    /// The boxes of the last frame drawn.
    last_drawn: DrawnBoxes,
    /// The view the last zoom to fit gave (canvas size, pan, zoom, room for badges):
    /// while the user has not moved the view since, a change of the canvas' size or of
    /// the badges' room fits again.
    fitted: Option<(Vec2, Vec2, f32, bool)>,
    /// The graph's picture, painted again on frames where it cannot have changed.
    replay: Replay,
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
            wires: Vec::new(),
            reroute: true,
            unsaved: BTreeSet::new(),
            gesture: Gesture::Idle,
            last_pointer: None,
            flash: None,
            drawn: None,
            last_drawn: DrawnBoxes::default(),
            fitted: None,
            replay: Replay::default(),
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
        Command::Move(diagram::auto_layout(doc).into_iter().collect())
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

    /// The route of document connection `i` as the canvas draws it now: the exported
    /// diagram's route between the boxes where they are shown (for tests and tools).
    #[must_use]
    pub fn link_route(&self, i: usize) -> Option<diagram::Edge> {
        self.route_of(i).cloned()
    }

    /// What the last frame drew: nodes, badges, labels, the hint line (for tests).
    #[must_use]
    pub fn drawn_boxes(&self) -> &DrawnBoxes {
        &self.last_drawn
    }

    /// The links the canvas draws (connections and the links the model implies, such
    /// as an EventBridge target's dead-letter queue): (from id, to id, kind, the
    /// document connection or `None` for an implied link), each with a route.
    #[must_use]
    pub fn drawn_links(&self) -> Vec<(String, String, LinkKind, Option<usize>)> {
        self.wires
            .iter()
            .filter_map(|(w, e)| {
                let data = self.graph.edge(*e)?.payload();
                data.route.as_ref()?;
                Some((
                    self.order.get(w.from)?.clone(),
                    self.order.get(w.to)?.clone(),
                    w.kind,
                    data.connection,
                ))
            })
            .collect()
    }

    /// How many frames egui_graphs drew the graph; on the other frames the canvas
    /// painted the last picture again because nothing it shows had changed (for tests
    /// and the benchmark).
    #[must_use]
    pub fn graph_draws(&self) -> u64 {
        self.replay.shown
    }

    /// Draw `doc` (at `revision`), update `selection`, and return the commands the
    /// user's gestures produced this frame.
    #[expect(
        clippy::too_many_lines,
        reason = "the canvas pipeline of one frame: hover, drag, navigation, click, draw"
    )]
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
            any_event: !i.events.is_empty(),
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
        // fit again when the canvas changed size (window, panels) or a run's badges came
        // or went, unless the user moved the view since the last fit
        if let Some((size, pan, zoom, badges)) = self.fitted {
            if meta.pan != pan || meta.zoom != zoom {
                self.fitted = None;
            } else if size != rect.size() || badges != self.badge_room() {
                self.fit_requested = true;
            }
        }

        // 4. draw
        self.paint_grid(ui, rect, xform(rect, &meta));
        self.reflect_selection(selection);
        self.route();
        // during a run the overlay draws the links' labels, beside their rates
        let live = self.live.is_some();
        ui.ctx()
            .data_mut(|d| d.insert_temp(Id::new(LIVE_LABELS_ID), live));
        // egui_graphs draws only when the picture may have changed (see [`replay`])
        let key = replay::Key {
            built: self.built,
            rect,
            pan: meta.pan,
            zoom: meta.zoom,
            selection: selection.clone(),
            live_labels: live,
            dark: ui.visuals().dark_mode,
            pixels_per_point: ui.ctx().pixels_per_point(),
        };
        let layer = ui.layer_id();
        let still =
            !input.any_event && input.scroll == Vec2::ZERO && (input.zoom - 1.0).abs() <= 1e-4;
        let response = if still && self.replay.is_fresh(&key, layer) {
            let (response, _) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
            self.replay.paint(ui.ctx());
            response
        } else {
            let start = Replay::mark(ui.ctx(), layer);
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
            self.replay.record(ui.ctx(), layer, start, key);
            response
        };

        // 5. drops, fit, overlays
        let x = xform(rect, &meta);
        self.drawn = Some(x);
        let bottom = self.bottom_line(ui, rect);
        let keep: Vec<Rect> = [Some(bottom.hint.1), bottom.caption.as_ref().map(|c| c.1)]
            .into_iter()
            .flatten()
            .collect();
        if self.live.is_some() {
            self.live_ui(ui, rect, x, input.time, &keep);
        } else {
            self.record_static(rect, x);
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
            self.fitted = Some((rect.size(), pan, zoom, self.badge_room()));
            ui.ctx().request_repaint();
        } else if let Some(show) = self.reveal.take()
            && let Some(c) = self.location(&show)
        {
            let node = Rect::from_center_size(x.pos_in_screen(c), vec2(NODE_W, NODE_H) * x.zoom);
            if !rect.shrink(8.0).contains_rect(node) {
                let mut m = MetadataFrame::new(id).load(ui);
                // centre the whole design if it fits at this zoom (so adding a part
                // never pushes the others out of view), else the new part:
                // screen = graph * zoom + pan + rect.min
                let all = self
                    .nodes
                    .values()
                    .filter_map(|&i| self.graph.node(i))
                    .fold(Rect::NOTHING, |b, n| b.union(node_rect(n.location())));
                let room = rect.shrink(16.0).size();
                let (fit_pan, fit_zoom) = self.fit(rect.size());
                if all.width() * m.zoom <= room.x && all.height() * m.zoom <= room.y {
                    m.pan = rect.size() / 2.0 - all.center().to_vec2() * m.zoom;
                } else if fit_zoom >= REVEAL_MIN_ZOOM.min(m.zoom) {
                    // zoom out just enough to keep everything readable in view
                    (m.pan, m.zoom) = (fit_pan, fit_zoom);
                } else {
                    m.pan = rect.size() / 2.0 - c.to_vec2() * m.zoom;
                }
                m.save(ui);
                ui.ctx().request_repaint();
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
            bottom,
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
        let (positions, unsaved) = diagram::placed(doc);
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
        // the links the exported diagram draws, between the boxes the view shows
        let slot: BTreeMap<&str, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(k, id)| (id.as_str(), k))
            .collect();
        self.wires.clear();
        for (w, connection) in diagram::wires(doc) {
            let (from, to) = (&doc.components[w.from].id, &doc.components[w.to].id);
            let (Some(&a), Some(&b), Some(&ka), Some(&kb)) = (
                self.nodes.get(from),
                self.nodes.get(to),
                slot.get(from.as_str()),
                slot.get(to.as_str()),
            ) else {
                continue;
            };
            let data = EdgeData {
                connection,
                kind: w.kind,
                label: (!w.label.is_empty()).then(|| Arc::from(w.label.as_str())),
                route: None,
            };
            let e = g.add_edge(a, b, data);
            if let Some(i) = connection {
                self.edges.insert(i, e);
            }
            let wire = diagram::Wire {
                from: ka,
                to: kb,
                ..w
            };
            self.wires.push((wire, e));
        }
        self.reroute = true;
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

    /// Route the links between the nodes where they are now, as the exported diagram
    /// does, when a node moved or the view was rebuilt.
    fn route(&mut self) {
        if !std::mem::take(&mut self.reroute) {
            return;
        }
        let boxes: Vec<(diagram::Pos, [f32; 2])> = self
            .order
            .iter()
            .map(|id| {
                let c = self.location(id).unwrap_or(Pos2::ZERO);
                ([c.x, c.y], [NODE_W, NODE_H])
            })
            .collect();
        let wires: Vec<diagram::Wire> = self.wires.iter().map(|(w, _)| w.clone()).collect();
        let mut routes = diagram::route(&boxes, &wires);
        // a label the diagram could only put over a box would be cut by the box drawn
        // over it: the canvas leaves it out (the tooltip and inspector still give it)
        for edge in &mut routes {
            let [w, h] = edge.label_size();
            let label = Rect::from_center_size(
                pos2(edge.label_center[0], edge.label_center[1]),
                vec2(w, h),
            );
            if w > 0.0
                && boxes
                    .iter()
                    .any(|(c, _)| lod::overlap(label, node_rect(pos2(c[0], c[1]))))
            {
                edge.label.clear();
            }
        }
        for (edge, (_, e)) in routes.into_iter().zip(&self.wires) {
            if let Some(view) = self.graph.edge_mut(*e) {
                view.payload_mut().route = Some(Arc::new(edge));
            }
        }
    }

    /// The route of document connection `i`, as drawn in the last frame.
    fn route_of(&self, i: usize) -> Option<&diagram::Edge> {
        let e = self.graph.edge(*self.edges.get(&i)?)?;
        e.payload().route.as_deref()
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
        self.graph.edge(e)?.payload().connection
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
/// for the status line) when the wiring rules refuse it ([`model::can_connect`]), or
/// when validating the design with the link added finds an error in the link (such as
/// a rule with more targets than EventBridge allows).
///
/// # Errors
/// The reason the link is refused.
pub fn try_connect(
    doc: &Document,
    from: &str,
    to: &str,
    kind: LinkKind,
) -> Result<Connection, String> {
    model::can_connect(doc, from, to, kind)?;
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
        Some(p) => {
            let name = |id: &str| {
                doc.component(id)
                    .map_or(id, Component::display_name)
                    .to_owned()
            };
            Err(format!(
                "Cannot connect {} to {}: {}",
                name(from),
                name(to),
                p.message
            ))
        }
        None => Ok(conn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, Sink, Station};

    fn comp(id: &str, kind: ComponentKind) -> Component {
        Component::new(id, kind)
    }

    #[test]
    fn positions_snap_to_the_grid() {
        assert_eq!(snap_pos(pos2(29.0, -11.0)), pos2(20.0, -20.0));
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
}
