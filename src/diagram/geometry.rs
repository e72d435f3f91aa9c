//! Where things go: box positions, outlines and edge paths in graph space (the space of
//! the document's `layout`, y pointing down, one unit a pixel at zoom 1).
//!
//! A component's `layout` position is the centre of its box. Components without one are
//! placed by [`place`](super::place)'s layered layout. [`route`] bends the links around
//! the boxes and places their labels, wherever the boxes are: the export calls it
//! through [`layout`], the canvas as the user moves boxes.

use std::collections::BTreeMap;

use super::style::{KindStyle, Shape, component_styles, links, summary};
use crate::model::{Document, LinkKind};

/// A point in graph space.
pub type Pos = [f32; 2];

/// Size of a component's box in graph space.
pub const NODE_SIZE: [f32; 2] = [180.0, 70.0];
/// Font size of edge labels, in px.
pub const LABEL_FONT_PX: f32 = 10.0;
/// Longest line of an edge label, in characters, before it wraps.
pub const LABEL_WRAP_CHARS: usize = 30;

/// One component's box.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Component id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Look of the box.
    pub style: KindStyle,
    /// One-line parameter summary.
    pub summary: String,
    /// Centre of the box.
    pub center: Pos,
    /// Width and height.
    pub size: [f32; 2],
}

impl Node {
    /// Top-left corner.
    #[must_use]
    pub fn min(&self) -> Pos {
        [
            self.center[0] - self.size[0] / 2.0,
            self.center[1] - self.size[1] / 2.0,
        ]
    }

    /// Bottom-right corner.
    #[must_use]
    pub fn max(&self) -> Pos {
        [
            self.center[0] + self.size[0] / 2.0,
            self.center[1] + self.size[1] / 2.0,
        ]
    }
}

/// One connection's path: a cubic Bézier from the source's border to the target's.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// Index of the source node.
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// Link kind (picks the line style).
    pub kind: LinkKind,
    /// Start, two control points, end (the arrow tip).
    pub path: [Pos; 4],
    /// Label lines (rule, filter, weight), already wrapped; empty when none.
    pub label: Vec<String>,
    /// Centre of the label.
    pub label_center: Pos,
}

impl Edge {
    /// The arrowhead triangle at the end of the path: tip, then the two back corners.
    #[must_use]
    pub fn arrow_head(&self, length: f32, half_width: f32) -> [Pos; 3] {
        let tip = self.path[3];
        let mut back = self.path[2];
        if dist(tip, back) < 1e-3 {
            back = self.path[0];
        }
        let (dx, dy) = unit(sub(tip, back));
        let base = [tip[0] - dx * length, tip[1] - dy * length];
        [
            tip,
            [base[0] - dy * half_width, base[1] + dx * half_width],
            [base[0] + dy * half_width, base[1] - dx * half_width],
        ]
    }

    /// Estimated size of the label box in px (width, height).
    #[must_use]
    pub fn label_size(&self) -> [f32; 2] {
        label_size(&self.label)
    }
}

/// The whole picture: boxes, edges and the bounding box of both.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    /// Title (the document's name).
    pub title: String,
    /// Boxes, in document order.
    pub nodes: Vec<Node>,
    /// Edges: the connections in document order, then the implied links (see
    /// [`links`](super::style::links)); links with an unknown end are left out.
    pub edges: Vec<Edge>,
    /// Top-left of everything drawn.
    pub min: Pos,
    /// Bottom-right of everything drawn.
    pub max: Pos,
}

/// Estimated width of a text in px: a fixed share of the font size per character, good
/// enough for the sans-serif fonts renderers pick.
#[must_use]
pub fn text_width(text: &str, font_px: f32) -> f32 {
    text.chars().count() as f32 * font_px * 0.6
}

/// Cut `text` to fit `max_px` at `font_px`, ending it with `…` when cut.
#[must_use]
pub fn fit_text(text: &str, max_px: f32, font_px: f32) -> String {
    if text_width(text, font_px) <= max_px {
        return text.to_owned();
    }
    let keep = ((max_px / (font_px * 0.6)).floor() as usize).saturating_sub(1);
    let mut s: String = text.chars().take(keep).collect();
    s.push('…');
    s
}

/// Wrap a label at word boundaries (spaces, after commas), at most four lines.
#[must_use]
pub fn wrap_label(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines = wrap_words(text, max_chars);
    if lines.len() > 4 {
        lines.truncate(4);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
        .into_iter()
        .map(|l| {
            fit_text(
                &l,
                max_chars as f32 * LABEL_FONT_PX * 0.6 + 1.0,
                LABEL_FONT_PX,
            )
        })
        .collect()
}

fn label_size(lines: &[String]) -> [f32; 2] {
    let w = lines
        .iter()
        .map(|l| text_width(l, LABEL_FONT_PX))
        .fold(0.0, f32::max);
    if lines.is_empty() {
        [0.0, 0.0]
    } else {
        [w + 8.0, lines.len() as f32 * (LABEL_FONT_PX + 2.0) + 4.0]
    }
}

fn sub(a: Pos, b: Pos) -> Pos {
    [a[0] - b[0], a[1] - b[1]]
}

fn dist(a: Pos, b: Pos) -> f32 {
    let d = sub(a, b);
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

fn unit(v: Pos) -> (f32, f32) {
    let l = (v[0] * v[0] + v[1] * v[1]).sqrt();
    if l < 1e-6 {
        (1.0, 0.0)
    } else {
        (v[0] / l, v[1] / l)
    }
}

/// Where the ray from a box's centre towards `toward` leaves the box (plus `gap`).
fn border_point(center: Pos, size: [f32; 2], toward: Pos, gap: f32) -> Pos {
    let (dx, dy) = unit(sub(toward, center));
    let hx = size[0] / 2.0 + gap;
    let hy = size[1] / 2.0 + gap;
    let tx = if dx.abs() < 1e-6 {
        f32::INFINITY
    } else {
        hx / dx.abs()
    };
    let ty = if dy.abs() < 1e-6 {
        f32::INFINITY
    } else {
        hy / dy.abs()
    };
    let t = tx.min(ty);
    [center[0] + dx * t, center[1] + dy * t]
}

/// Centres of every component: the document's `layout` where it has one; the others
/// where [`placed`](super::place::placed) puts them (below the positioned ones when there
/// are any).
#[must_use]
pub fn positions(doc: &Document) -> BTreeMap<String, Pos> {
    super::place::placed(doc).0
}

/// How much to stretch the x axis so that the label of every edge fits between its two
/// boxes, beside them or (for boxes in different rows) between the rows (1 to 2).
fn x_stretch(doc: &Document, pos: &BTreeMap<String, Pos>) -> f32 {
    let mut k = 1.0f32;
    for l in links(doc) {
        let (Some(a), Some(b)) = (pos.get(&l.from), pos.get(&l.to)) else {
            continue;
        };
        let (dx, dy) = ((b[0] - a[0]).abs(), (b[1] - a[1]).abs());
        if l.label.is_empty() || dx < 1.0 {
            continue;
        }
        let [w, h] = label_size(&wrap_label(&l.label, LABEL_WRAP_CHARS));
        let fits_between_rows = dy - NODE_SIZE[1] >= h + 8.0;
        if !fits_between_rows {
            k = k.max((NODE_SIZE[0] + w + 24.0) / dx);
        }
    }
    k.min(2.0)
}

/// Side of a [`Grid`] cell in graph space: about a box with its margins, so a box or a
/// label is filed in a handful of cells.
const GRID_CELL: f32 = 256.0;
/// A rectangle spanning more cells than this is kept aside and checked on every query.
const GRID_MAX_CELLS: i64 = 1024;

/// Rectangles filed by the grid cells they overlap, so that "which rectangles can touch
/// this area" looks at a few cells instead of every rectangle: what keeps edge routing
/// and label placement near-linear in the number of boxes. Only a filter: callers test
/// the exact condition on what it returns, so results are those of testing every one.
struct Grid {
    cells: std::collections::HashMap<(i64, i64), Vec<usize>>,
    /// Rectangles too large to file (checked on every query).
    wide: Vec<usize>,
    rects: Vec<(Pos, Pos)>,
}

impl Grid {
    fn new() -> Self {
        Grid {
            cells: std::collections::HashMap::new(),
            wide: Vec::new(),
            rects: Vec::new(),
        }
    }

    /// The cells `lo..hi` overlaps, or `None` when there are too many. Huge or
    /// infinite coordinates saturate (NaN gives 0): such rectangles share a cell, which
    /// stays correct.
    fn range(lo: Pos, hi: Pos) -> Option<[i64; 4]> {
        let c = |x: f32| (x / GRID_CELL).floor() as i64;
        let r = [c(lo[0]), c(lo[1]), c(hi[0]), c(hi[1])];
        let span = (r[2].saturating_sub(r[0]).saturating_add(1))
            .saturating_mul(r[3].saturating_sub(r[1]).saturating_add(1));
        (r[2] >= r[0] && r[3] >= r[1] && span <= GRID_MAX_CELLS).then_some(r)
    }

    /// File the rectangle `lo..hi` (grown by `margin` for the filing only) and return
    /// its index.
    fn insert(&mut self, lo: Pos, hi: Pos, margin: f32) -> usize {
        let i = self.rects.len();
        self.rects.push((lo, hi));
        let grown = (
            [lo[0] - margin, lo[1] - margin],
            [hi[0] + margin, hi[1] + margin],
        );
        match Self::range(grown.0, grown.1) {
            Some([x0, y0, x1, y1]) => {
                for x in x0..=x1 {
                    for y in y0..=y1 {
                        self.cells.entry((x, y)).or_default().push(i);
                    }
                }
            }
            None => self.wide.push(i),
        }
        i
    }

    /// Whether `hit` holds for a filed rectangle that may overlap the area `lo..hi`
    /// (index, its rectangle as filed, without the margin).
    fn any(&self, lo: Pos, hi: Pos, mut hit: impl FnMut(usize, &(Pos, Pos)) -> bool) -> bool {
        if self.wide.iter().any(|&i| hit(i, &self.rects[i])) {
            return true;
        }
        let Some([x0, y0, x1, y1]) = Self::range(lo, hi) else {
            return self.rects.iter().enumerate().any(|(i, r)| hit(i, r));
        };
        (x0..=x1).any(|x| {
            (y0..=y1).any(|y| {
                self.cells
                    .get(&(x, y))
                    .is_some_and(|v| v.iter().any(|&i| hit(i, &self.rects[i])))
            })
        })
    }
}

/// Whether the path passes through a box other than those of `skip` (boxes filed in
/// `boxes` by node index, with a margin of at least 4).
fn hits_box(path: &[Pos; 4], boxes: &Grid, skip: [usize; 2]) -> bool {
    (1..20).any(|i| {
        let p = bezier(path, i as f32 / 20.0);
        boxes.any(p, p, |k, (lo, hi)| {
            !skip.contains(&k)
                && p[0] > lo[0] - 4.0
                && p[0] < hi[0] + 4.0
                && p[1] > lo[1] - 4.0
                && p[1] < hi[1] + 4.0
        })
    })
}

/// The path from box `na` to box `nb` bent sideways by `bend` px at its middle.
fn bent_path(na: (Pos, [f32; 2]), nb: (Pos, [f32; 2]), bend: f32) -> [Pos; 4] {
    let (dx, dy) = unit(sub(nb.0, na.0));
    let (px, py) = (-dy, dx);
    let mid = [
        (na.0[0] + nb.0[0]) / 2.0 + px * bend,
        (na.0[1] + nb.0[1]) / 2.0 + py * bend,
    ];
    let start = border_point(na.0, na.1, mid, 2.0);
    let end = border_point(nb.0, nb.1, mid, 3.0);
    let c1 = [
        start[0] + (end[0] - start[0]) / 3.0 + px * bend * 1.2,
        start[1] + (end[1] - start[1]) / 3.0 + py * bend * 1.2,
    ];
    let c2 = [
        start[0] + (end[0] - start[0]) * 2.0 / 3.0 + px * bend * 1.2,
        start[1] + (end[1] - start[1]) * 2.0 / 3.0 + py * bend * 1.2,
    ];
    [start, c1, c2, end]
}

/// A link to route: from box `from` to box `to` (indices into the boxes), its kind and
/// its label (unwrapped; empty when none).
#[derive(Clone, Debug, PartialEq)]
pub struct Wire {
    /// Index of the source box.
    pub from: usize,
    /// Index of the target box.
    pub to: usize,
    /// Link kind.
    pub kind: LinkKind,
    /// Label text, wrapped by [`route`].
    pub label: String,
}

/// The links of `doc` to draw (see [`links`](super::style::links)) between its
/// components, given as indices into `doc.components`, with the connection each draws
/// (`None` for an implied link). Links with an unknown end are left out; with a
/// repeated id, the last component of that id is the end.
#[must_use]
pub fn wires(doc: &Document) -> Vec<(Wire, Option<usize>)> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in doc.components.iter().enumerate() {
        index.insert(c.id.as_str(), i);
    }
    links(doc)
        .into_iter()
        .filter_map(|l| {
            let wire = Wire {
                from: *index.get(l.from.as_str())?,
                to: *index.get(l.to.as_str())?,
                kind: l.kind,
                label: l.label,
            };
            Some((wire, l.connection))
        })
        .collect()
}

/// Route `wires` between boxes (centre and size each): one [`Edge`] per wire, in order.
///
/// Edges are straight unless they join the same pair as another edge (then they bend
/// apart) or would cross a third box (then they bend around it); a link from a box to
/// itself loops over its top. Labels are wrapped and slid along their edge, or off it,
/// until they cover no box, arrowhead or earlier label. Near-linear in the number of
/// boxes and wires (a grid index finds what is near), so the canvas can call it on
/// every frame of a drag.
#[must_use]
pub fn route(boxes: &[(Pos, [f32; 2])], wires: &[Wire]) -> Vec<Edge> {
    let nodes: Vec<(Pos, [f32; 2])> = boxes.to_vec();
    // how many edges join each unordered pair, to bend parallel ones apart
    let mut pair_count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for w in wires {
        *pair_count
            .entry((w.from.min(w.to), w.from.max(w.to)))
            .or_insert(0) += 1;
    }
    let mut grid = Grid::new();
    for &(c, size) in &nodes {
        let (lo, hi) = corners(c, size);
        grid.insert(lo, hi, 8.0);
    }
    let mut pair_seen: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut edges = Vec::with_capacity(wires.len());
    for w in wires {
        let (a, b) = (w.from, w.to);
        let key = (a.min(b), a.max(b));
        let total = pair_count.get(&key).copied().unwrap_or(1);
        let seen = pair_seen.entry(key).or_insert(0);
        let nth = *seen;
        *seen += 1;
        let (na, nb) = (nodes[a], nodes[b]);
        let path = if a == b {
            // a loop over the top of the box
            let top = na.0[1] - na.1[1] / 2.0;
            let cx = na.0[0];
            [
                [cx - 20.0, top],
                [cx - 40.0, top - 50.0],
                [cx + 40.0, top - 50.0],
                [cx + 20.0, top - 2.0],
            ]
        } else if total > 1 {
            // parallel edges: alternating sides; the sign follows the pair's canonical
            // direction so A->B and B->A separate
            let step = (nth / 2 + 1) as f32 * 24.0;
            let side = if nth.is_multiple_of(2) { 1.0 } else { -1.0 };
            let dir = if a < b { 1.0 } else { -1.0 };
            bent_path(na, nb, step * side * dir)
        } else {
            [0.0f32, 40.0, -40.0, 80.0, -80.0, 130.0, -130.0]
                .iter()
                .map(|bend| bent_path(na, nb, *bend))
                .find(|p| !hits_box(p, &grid, [a, b]))
                .unwrap_or_else(|| bent_path(na, nb, 0.0))
        };
        let label = if w.label.is_empty() {
            Vec::new()
        } else {
            wrap_label(&w.label, LABEL_WRAP_CHARS)
        };
        let label_center = bezier(&path, 0.5);
        edges.push(Edge {
            from: a,
            to: b,
            kind: w.kind,
            path,
            label,
            label_center,
        });
    }
    place_labels(&nodes, &mut edges);
    edges
}

/// Top-left and bottom-right of a box of `size` centred at `c`.
fn corners(c: Pos, size: [f32; 2]) -> (Pos, Pos) {
    (
        [c[0] - size[0] / 2.0, c[1] - size[1] / 2.0],
        [c[0] + size[0] / 2.0, c[1] + size[1] / 2.0],
    )
}

/// Lay out a document: boxes, edge paths and labels, and the bounds of the picture.
///
/// Boxes sit at [`positions`], with the x axis stretched (at most twice) where an edge
/// label would not fit between two boxes in a row; the edges are [`route`]d.
#[must_use]
pub fn layout(doc: &Document) -> Diagram {
    let mut pos = positions(doc);
    let k = x_stretch(doc, &pos);
    if k > 1.0 {
        let x0 = pos.values().map(|p| p[0]).fold(f32::INFINITY, f32::min);
        for p in pos.values_mut() {
            p[0] = x0 + (p[0] - x0) * k;
        }
    }
    let styles = component_styles(doc);
    let nodes: Vec<Node> = doc
        .components
        .iter()
        .zip(styles)
        .map(|(c, style)| Node {
            id: c.id.clone(),
            name: c.display_name().to_owned(),
            style,
            summary: summary(&c.kind),
            center: pos.get(&c.id).copied().unwrap_or([0.0, 0.0]),
            size: NODE_SIZE,
        })
        .collect();
    let boxes: Vec<(Pos, [f32; 2])> = nodes.iter().map(|n| (n.center, n.size)).collect();
    let wires: Vec<Wire> = wires(doc).into_iter().map(|(w, _)| w).collect();
    let edges = route(&boxes, &wires);
    let mut min = [f32::INFINITY, f32::INFINITY];
    let mut max = [f32::NEG_INFINITY, f32::NEG_INFINITY];
    let mut grow = |lo: Pos, hi: Pos| {
        min = [min[0].min(lo[0]), min[1].min(lo[1])];
        max = [max[0].max(hi[0]), max[1].max(hi[1])];
    };
    for n in &nodes {
        grow(n.min(), n.max());
    }
    for e in &edges {
        for p in &e.path {
            grow(*p, *p);
        }
        let [w, h] = e.label_size();
        if w > 0.0 {
            let c = e.label_center;
            grow(
                [c[0] - w / 2.0, c[1] - h / 2.0],
                [c[0] + w / 2.0, c[1] + h / 2.0],
            );
        }
    }
    if nodes.is_empty() {
        min = [0.0, 0.0];
        max = [0.0, 0.0];
    }
    Diagram {
        title: doc.name.clone(),
        nodes,
        edges,
        min,
        max,
    }
}

/// A point on a cubic Bézier.
#[must_use]
pub fn bezier(p: &[Pos; 4], t: f32) -> Pos {
    let u = 1.0 - t;
    let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    [
        w[0] * p[0][0] + w[1] * p[1][0] + w[2] * p[2][0] + w[3] * p[3][0],
        w[0] * p[0][1] + w[1] * p[1][1] + w[2] * p[2][1] + w[3] * p[3][1],
    ]
}

fn overlaps(c: Pos, size: [f32; 2], lo: Pos, hi: Pos) -> bool {
    c[0] + size[0] / 2.0 > lo[0]
        && c[0] - size[0] / 2.0 < hi[0]
        && c[1] + size[1] / 2.0 > lo[1]
        && c[1] - size[1] / 2.0 < hi[1]
}

/// Move each label along its edge (and, failing that, off it) until it covers no box,
/// no arrowhead or edge start and no label placed before it.
fn place_labels(nodes: &[(Pos, [f32; 2])], edges: &mut [Edge]) {
    if edges.iter().all(|e| e.label.is_empty()) {
        return;
    }
    // what a label may not cover, filed with a margin of 4 (the test below adds 2)
    let mut taken = Grid::new();
    for &(c, size) in nodes {
        let (lo, hi) = corners(c, size);
        taken.insert(lo, hi, 4.0);
    }
    // keep every arrowhead and every edge's start in sight
    for e in edges.iter() {
        let (start, end) = (e.path[0], e.path[3]);
        taken.insert(
            [end[0] - 6.0, end[1] - 6.0],
            [end[0] + 6.0, end[1] + 6.0],
            4.0,
        );
        taken.insert(
            [start[0] - 2.0, start[1] - 2.0],
            [start[0] + 2.0, start[1] + 2.0],
            4.0,
        );
    }
    for e in edges.iter_mut() {
        if e.label.is_empty() {
            continue;
        }
        // the label as wrapped, then narrower (more lines, words never cut) where the
        // wide one finds no free place, as between two neighbouring columns
        let text = e.label.join(" ");
        let mut variants = vec![e.label.clone()];
        for chars in [18, 12] {
            let narrow = wrap_words(&text, chars);
            if narrow.len() <= 5 && !variants.contains(&narrow) {
                variants.push(narrow);
            }
        }
        let mid = bezier(&e.path, 0.5);
        let mut chosen = None;
        for lines in variants {
            let size = label_size(&lines);
            if let Some(c) = label_spots(&e.path, size)
                .into_iter()
                .find(|c| is_free(&taken, *c, size))
            {
                chosen = Some((lines, c, size));
                break;
            }
        }
        // no free place: the middle of the edge (the canvas leaves such a label out)
        let (lines, c, size) = chosen.unwrap_or_else(|| {
            let size = label_size(&e.label);
            (e.label.clone(), mid, size)
        });
        e.label = lines;
        e.label_center = c;
        taken.insert(
            [c[0] - size[0] / 2.0, c[1] - size[1] / 2.0],
            [c[0] + size[0] / 2.0, c[1] + size[1] / 2.0],
            4.0,
        );
    }
}

/// Where a label of `size` may go on an edge `path`, best first: along the edge from
/// its middle out, then rings of positions around the middle, nearest first.
fn label_spots(path: &[Pos; 4], size: [f32; 2]) -> Vec<Pos> {
    let mut candidates: Vec<Pos> = [0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8]
        .iter()
        .map(|t| bezier(path, *t))
        .collect();
    let mid = bezier(path, 0.5);
    let (hx, hy) = (size[0] / 2.0 + 4.0, size[1] / 2.0 + 4.0);
    for ring in 1..=4 {
        let r = ring as f32;
        for (dx, dy) in [
            (0.0, 1.0),
            (0.0, -1.0),
            (-1.0, 0.0),
            (1.0, 0.0),
            (-1.0, 1.0),
            (1.0, -1.0),
            (-1.0, -1.0),
            (1.0, 1.0),
        ] {
            candidates.push([mid[0] + dx * hx * r, mid[1] + dy * hy * r]);
        }
    }
    candidates
}

/// Whether a label of `size` centred at `c` keeps clear of everything in `taken`.
fn is_free(taken: &Grid, c: Pos, size: [f32; 2]) -> bool {
    let area = (
        [c[0] - size[0] / 2.0, c[1] - size[1] / 2.0],
        [c[0] + size[0] / 2.0, c[1] + size[1] / 2.0],
    );
    !taken.any(area.0, area.1, |_, (lo, hi)| {
        overlaps(
            c,
            size,
            [lo[0] - 2.0, lo[1] - 2.0],
            [hi[0] + 2.0, hi[1] + 2.0],
        )
    })
}

/// Wrap `text` at spaces into lines of at most `max_chars` characters where the words
/// allow (a longer word is a line of its own, never cut).
fn wrap_words(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One step of an outline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PathOp {
    /// Start a sub-path here.
    MoveTo(Pos),
    /// Straight line to here.
    LineTo(Pos),
    /// Cubic Bézier through two control points to the last point.
    CubicTo(Pos, Pos, Pos),
    /// Back to the sub-path's start.
    Close,
}

/// Quarter-ellipse arcs as Béziers use this share of the radius for the handles.
const KAPPA: f32 = 0.552_284_8;

/// The outline of a shape in the box `min..max`: the filled body first, then any
/// decoration lines (a cylinder's rim).
#[must_use]
pub fn outline(shape: Shape, min: Pos, max: Pos) -> Vec<Vec<PathOp>> {
    use PathOp::{Close, CubicTo, LineTo, MoveTo};
    let [x0, y0] = min;
    let [x1, y1] = max;
    let (w, h) = (x1 - x0, y1 - y0);
    let cy = (y0 + y1) / 2.0;
    let cx = (x0 + x1) / 2.0;
    match shape {
        Shape::Parallelogram => {
            let s = h * 0.3;
            vec![vec![
                MoveTo([x0 + s, y0]),
                LineTo([x1, y0]),
                LineTo([x1 - s, y1]),
                LineTo([x0, y1]),
                Close,
            ]]
        }
        Shape::Hexagon => {
            let s = h * 0.35;
            vec![vec![
                MoveTo([x0 + s, y0]),
                LineTo([x1 - s, y0]),
                LineTo([x1, cy]),
                LineTo([x1 - s, y1]),
                LineTo([x0 + s, y1]),
                LineTo([x0, cy]),
                Close,
            ]]
        }
        Shape::Octagon => {
            let s = h * 0.28;
            vec![vec![
                MoveTo([x0 + s, y0]),
                LineTo([x1 - s, y0]),
                LineTo([x1, y0 + s]),
                LineTo([x1, y1 - s]),
                LineTo([x1 - s, y1]),
                LineTo([x0 + s, y1]),
                LineTo([x0, y1 - s]),
                LineTo([x0, y0 + s]),
                Close,
            ]]
        }
        Shape::RoundedBox => {
            let r = 10.0f32.min(w / 2.0).min(h / 2.0);
            let k = r * (1.0 - KAPPA);
            vec![vec![
                MoveTo([x0 + r, y0]),
                LineTo([x1 - r, y0]),
                CubicTo([x1 - k, y0], [x1, y0 + k], [x1, y0 + r]),
                LineTo([x1, y1 - r]),
                CubicTo([x1, y1 - k], [x1 - k, y1], [x1 - r, y1]),
                LineTo([x0 + r, y1]),
                CubicTo([x0 + k, y1], [x0, y1 - k], [x0, y1 - r]),
                LineTo([x0, y0 + r]),
                CubicTo([x0, y0 + k], [x0 + k, y0], [x0 + r, y0]),
                Close,
            ]]
        }
        Shape::Cylinder => {
            // upright: elliptic top and bottom of half-height ry
            let rx = w / 2.0;
            let ry = (h * 0.12).min(10.0);
            let (t, b) = (y0 + ry, y1 - ry);
            let (kx, ky) = (rx * KAPPA, ry * KAPPA);
            vec![
                vec![
                    MoveTo([x0, t]),
                    CubicTo([x0, t - ky], [cx - kx, y0], [cx, y0]),
                    CubicTo([cx + kx, y0], [x1, t - ky], [x1, t]),
                    LineTo([x1, b]),
                    CubicTo([x1, b + ky], [cx + kx, y1], [cx, y1]),
                    CubicTo([cx - kx, y1], [x0, b + ky], [x0, b]),
                    Close,
                ],
                vec![
                    MoveTo([x0, t]),
                    CubicTo([x0, t + ky], [cx - kx, t + ry], [cx, t + ry]),
                    CubicTo([cx + kx, t + ry], [x1, t + ky], [x1, t]),
                ],
            ]
        }
        Shape::Pipe => {
            // lying down: elliptic left and right ends of half-width rx
            let ry = h / 2.0;
            let rx = (w * 0.07).min(12.0);
            let (l, r) = (x0 + rx, x1 - rx);
            let (kx, ky) = (rx * KAPPA, ry * KAPPA);
            vec![
                vec![
                    MoveTo([l, y0]),
                    LineTo([r, y0]),
                    CubicTo([r + kx, y0], [x1, cy - ky], [x1, cy]),
                    CubicTo([x1, cy + ky], [r + kx, y1], [r, y1]),
                    LineTo([l, y1]),
                    CubicTo([l - kx, y1], [x0, cy + ky], [x0, cy]),
                    CubicTo([x0, cy - ky], [l - kx, y0], [l, y0]),
                    Close,
                ],
                vec![
                    MoveTo([r, y0]),
                    CubicTo([r - kx, y0], [r - rx, cy - ky], [r - rx, cy]),
                    CubicTo([r - rx, cy + ky], [r - kx, y1], [r, y1]),
                ],
            ]
        }
    }
}

/// Horizontal room for text inside a shape of width `w` and height `h` (its widest
/// rectangle, less padding).
#[must_use]
pub fn text_room(shape: Shape, w: f32, h: f32) -> f32 {
    let inset = match shape {
        Shape::Parallelogram => h * 0.3,
        Shape::Hexagon => h * 0.35 * 0.9,
        Shape::Octagon => h * 0.1,
        Shape::RoundedBox | Shape::Cylinder => 0.0,
        // centred left of the right end's rim (see [`text_dx`])
        Shape::Pipe => (w * 0.07).min(12.0),
    };
    (w - 2.0 * inset - 12.0).max(10.0)
}

/// Where the text of a shape of width `w` is centred, relative to the box's centre: a
/// pipe's right end takes room inside the box, so its text sits a little to the left.
#[must_use]
pub fn text_dx(shape: Shape, w: f32) -> f32 {
    match shape {
        Shape::Pipe => -(w * 0.07).min(12.0),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    #[test]
    fn unplaced_components_get_layers() {
        let doc = from_ron_str(
            r#"(components: [
                (id: "p", kind: Producer()),
                (id: "a", kind: Station()),
                (id: "b", kind: Station()),
                (id: "s", kind: Sink()),
            ], connections: [
                (from: "p", to: "a"), (from: "a", to: "b"), (from: "b", to: "s"), (from: "p", to: "s"),
                (from: "b", to: "a"),
            ])"#,
        )
        .unwrap();
        let pos = positions(&doc);
        assert_eq!(pos["p"][0], 0.0);
        assert!(pos["a"][0] < pos["b"][0]);
        assert!(pos["b"][0] < pos["s"][0], "longest path puts s after b");
        let d = layout(&doc);
        assert_eq!(d.edges.len(), 5);
        // a->b and b->a bend apart
        let ab = &d.edges[1];
        let ba = &d.edges[4];
        assert!(dist(bezier(&ab.path, 0.5), bezier(&ba.path, 0.5)) > 20.0);
        assert!(d.min[0] < d.max[0]);
    }

    #[test]
    fn edges_start_and_end_on_box_borders() {
        let doc = from_ron_str(
            r#"(components: [(id: "a", kind: Producer()), (id: "b", kind: Sink())],
                connections: [(from: "a", to: "b")],
                layout: {"a": (0.0, 0.0), "b": (300.0, 0.0)})"#,
        )
        .unwrap();
        let d = layout(&doc);
        let e = &d.edges[0];
        assert!((e.path[0][0] - (NODE_SIZE[0] / 2.0 + 2.0)).abs() < 0.01);
        assert!((e.path[3][0] - (300.0 - NODE_SIZE[0] / 2.0 - 3.0)).abs() < 0.01);
        let head = e.arrow_head(10.0, 4.0);
        assert!(head[1][0] < head[0][0]);
    }

    /// A small deterministic generator (xorshift), so the tests need no crate.
    fn rng(seed: &mut u64) -> f32 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed % 10_000) as f32 / 10_000.0
    }

    #[test]
    fn the_grid_finds_what_a_full_scan_finds() {
        let mut seed = 11u64;
        let mut grid = Grid::new();
        let mut rects = Vec::new();
        for i in 0..400 {
            let lo = [
                rng(&mut seed) * 6000.0 - 3000.0,
                rng(&mut seed) * 6000.0 - 3000.0,
            ];
            let size = if i % 50 == 0 {
                // a few wider than the cell limit
                [rng(&mut seed) * 20_000.0, rng(&mut seed) * 20_000.0]
            } else {
                [rng(&mut seed) * 300.0, rng(&mut seed) * 100.0]
            };
            let hi = [lo[0] + size[0], lo[1] + size[1]];
            grid.insert(lo, hi, 4.0);
            rects.push((lo, hi));
        }
        grid.insert([f32::INFINITY, 0.0], [f32::INFINITY, 1.0], 4.0);
        rects.push(([f32::INFINITY, 0.0], [f32::INFINITY, 1.0]));
        for _ in 0..2000 {
            let c = [
                rng(&mut seed) * 7000.0 - 3500.0,
                rng(&mut seed) * 7000.0 - 3500.0,
            ];
            let size = [rng(&mut seed) * 200.0, rng(&mut seed) * 60.0];
            let test = |(lo, hi): &(Pos, Pos)| {
                overlaps(
                    c,
                    size,
                    [lo[0] - 2.0, lo[1] - 2.0],
                    [hi[0] + 2.0, hi[1] + 2.0],
                )
            };
            let area = (
                [c[0] - size[0] / 2.0, c[1] - size[1] / 2.0],
                [c[0] + size[0] / 2.0, c[1] + size[1] / 2.0],
            );
            let mut hits: Vec<usize> = Vec::new();
            let _ = grid.any(area.0, area.1, |i, r| {
                if test(r) {
                    hits.push(i);
                }
                false
            });
            let mut want: Vec<usize> = (0..rects.len()).filter(|i| test(&rects[*i])).collect();
            hits.sort_unstable();
            hits.dedup();
            want.sort_unstable();
            assert_eq!(hits, want, "at {c:?} size {size:?}");
        }
    }

    #[test]
    fn component_styles_match_component_style() {
        for name in [
            "order-fanout",
            "poison-messages",
            "insurance-quotes",
            "inventory",
        ] {
            let path = format!("{}/examples/{name}.ron", env!("CARGO_MANIFEST_DIR"));
            let doc = crate::model::load(std::path::Path::new(&path)).unwrap();
            let all = component_styles(&doc);
            for (c, s) in doc.components.iter().zip(&all) {
                assert_eq!(
                    *s,
                    super::super::style::component_style(&doc, c),
                    "{}",
                    c.id
                );
            }
        }
    }

    /// Every example, as exported and as the canvas routes it at its saved positions:
    /// no label covers a box (one that cannot be placed is left out by the canvas).
    #[test]
    fn labels_of_the_examples_cover_no_box() {
        let dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ron") {
                continue;
            }
            let doc = crate::model::load(&path).unwrap();
            let exported = layout(&doc);
            let boxes: Vec<(Pos, [f32; 2])> =
                exported.nodes.iter().map(|n| (n.center, n.size)).collect();
            let pos = positions(&doc);
            let saved: Vec<(Pos, [f32; 2])> = doc
                .components
                .iter()
                .map(|c| (pos[&c.id], NODE_SIZE))
                .collect();
            let wires: Vec<Wire> = wires(&doc).into_iter().map(|(w, _)| w).collect();
            for (what, boxes, edges) in [
                ("export", &boxes, exported.edges.clone()),
                ("canvas", &saved, route(&saved, &wires)),
            ] {
                for e in &edges {
                    let size = e.label_size();
                    if size[0] == 0.0 {
                        continue;
                    }
                    for (c, s) in boxes.iter() {
                        let (lo, hi) = corners(*c, *s);
                        assert!(
                            !overlaps(e.label_center, size, lo, hi),
                            "{}: {what}: label {:?} covers a box",
                            path.display(),
                            e.label
                        );
                    }
                    assert!(e.label.iter().all(|l| !l.contains('…')), "{:?}", e.label);
                }
            }
        }
    }

    #[test]
    fn narrow_wraps_never_cut_a_word() {
        assert_eq!(
            wrap_words("dead-letter  on failure", 8),
            ["dead-letter", "on", "failure"]
        );
    }

    #[test]
    fn labels_wrap_and_fit() {
        let lines = wrap_label(
            "OrderPlaced, OrderCancelled, OrderUpdated; fulfilment=physical",
            24,
        );
        assert!(lines.len() >= 2 && lines.len() <= 4, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 25), "{lines:?}");
        assert_eq!(fit_text("abcdefghij", 30.0, 10.0), "abcd…");
        assert_eq!(fit_text("abc", 30.0, 10.0), "abc");
    }
}
