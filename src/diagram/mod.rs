//! The picture of a design, shared by the canvas and the SVG/PNG exporters: how each
//! component kind and link kind looks ([`style`]) and where boxes, edges and labels go
//! ([`geometry`]). Pure functions of the [`Document`](crate::model::Document); no I/O,
//! no GUI types.
//!
//! Lifecycle: [`place`] puts the components the document has no position for;
//! [`layout`] turns a document into a [`Diagram`] (nodes with their [`KindStyle`], edges
//! as Bézier paths with wrapped labels, bounds); a renderer walks it and draws each
//! node's [`outline`] and each edge's path and [`Edge::arrow_head`]. The canvas places
//! with the same [`placed`] and draws the same [`route`]s from where its boxes are now.

pub mod geometry;
pub mod place;
pub mod style;

pub use geometry::{
    Diagram, Edge, NODE_SIZE, Node, PathOp, Pos, Wire, bezier, fit_text, layout, outline,
    positions, route, text_dx, text_room, text_width, wires,
};
pub use place::{auto_layout, placed};
pub use style::{
    Group, INK, KindStyle, Link, LinkStyle, OUTLINE, Rgb, Shape, Stroke, component_style,
    component_styles, connection_label, dist_text, human_duration, is_dead_letter_role, kind_style,
    link_style, links, num, summary,
};
