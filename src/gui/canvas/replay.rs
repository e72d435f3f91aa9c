//! Drawing the graph only when its picture can have changed.
//!
//! egui_graphs' `GraphView::show` asks egui for another frame every time it is called,
//! so calling it on every frame keeps an idle editor redrawing forever (a core busy
//! under software rendering, a laptop's battery drained). The canvas calls it only on
//! frames where the picture may change, records the shapes it painted ([`Replay`]),
//! and on the other frames (a run's animation, typing in the inspector) paints the
//! recorded shapes again: the same picture, for the price of a copy.

use egui::epaint::ClippedShape;
use egui::{Context, LayerId, Rect, Vec2};

use crate::gui::commands::Selection;

/// Everything outside the egui_graphs graph that its picture depends on. The graph
/// itself changes only with a new document revision (a rebuild) or with input (hover,
/// gestures), which the canvas checks separately.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Key {
    /// (revision, components, connections) the graph was built from.
    pub(super) built: Option<(u64, usize, usize)>,
    /// Where the canvas is on the screen.
    pub(super) rect: Rect,
    /// Pan and zoom.
    pub(super) pan: Vec2,
    pub(super) zoom: f32,
    /// What is selected (drawn highlighted).
    pub(super) selection: Selection,
    /// Whether a run's overlay draws the links' labels instead of the links.
    pub(super) live_labels: bool,
    /// Theme and scale: colours and text sizes of every shape.
    pub(super) dark: bool,
    pub(super) pixels_per_point: f32,
}

/// The shapes egui_graphs painted on the last frame it was called, and what they
/// were painted for.
#[derive(Debug, Default)]
pub(super) struct Replay {
    key: Option<Key>,
    layer: Option<LayerId>,
    shapes: Vec<ClippedShape>,
    /// Frames drawn by egui_graphs, for tests and the benchmark.
    pub(super) shown: u64,
}

impl Replay {
    /// Whether the recorded picture was painted for `key` on `layer`.
    pub(super) fn is_fresh(&self, key: &Key, layer: LayerId) -> bool {
        self.layer == Some(layer) && self.key.as_ref() == Some(key)
    }

    /// The number of shapes on `layer` so far this frame: where a recording starts.
    pub(super) fn mark(ctx: &Context, layer: LayerId) -> usize {
        ctx.graphics(|g| g.get(layer).map_or(0, |l| l.next_idx().0))
    }

    /// Keep the shapes painted on `layer` since `start` as the picture for `key`.
    pub(super) fn record(&mut self, ctx: &Context, layer: LayerId, start: usize, key: Key) {
        self.shapes = ctx.graphics(|g| {
            g.get(layer)
                .map(|l| l.all_entries().skip(start).cloned().collect())
                .unwrap_or_default()
        });
        self.layer = Some(layer);
        self.key = Some(key);
        self.shown += 1;
    }

    /// Paint the recorded shapes again, where they were.
    pub(super) fn paint(&self, ctx: &Context) {
        let Some(layer) = self.layer else {
            return;
        };
        ctx.graphics_mut(|g| {
            let list = g.entry(layer);
            for s in &self.shapes {
                list.add(s.clip_rect, s.shape.clone());
            }
        });
    }
}
