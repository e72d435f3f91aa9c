//! Where components go when the document does not say: a layered, left-to-right
//! layout in flow order, the one layout of the canvas and the exported pictures.
//!
//! Deterministic: the same document always gives the same positions. Positions are box
//! centres in graph units, as saved in `Document::layout`. Near-linear in the size of
//! the design (the crossing count is an inversion count), so generated designs of a
//! million components lay out in seconds.
//!
//! 1. Edges: every connection, plus a dead-letter edge from a connection's source to the
//!    queue its `dead_letter` field names. Self-links are ignored.
//! 2. Cycles are broken by a depth-first search from the producers (then from the other
//!    components without inputs, then the rest, in document order): edges back to a
//!    component still on the search stack are left out of the layering.
//! 3. Longest-path layering: a component sits one layer right of its furthest
//!    predecessor, so producers are in layer 0 and a dead-letter queue lands in the
//!    layer after its source.
//! 4. Within layers, barycentre sweeps (down and up, several rounds) reorder components
//!    to reduce crossings; the ordering with the fewest crossings wins.
//! 5. Layer `l` is at `x = l * X_STEP`; a layer is centred vertically with `Y_STEP`
//!    between rows. The result is shifted so the smallest x and y are 0.

use std::collections::{BTreeMap, BTreeSet};

use super::geometry::Pos;
use crate::model::{Document, LinkKind};

/// Horizontal distance between layers, in graph units.
pub const X_STEP: f32 = 260.0;
/// Vertical distance between components of one layer, in graph units.
pub const Y_STEP: f32 = 120.0;

/// Rounds of barycentre sweeps.
const SWEEPS: usize = 8;

/// Positions (centres) for every component of `doc`, keyed by id, laid out left to
/// right in flow order. Ignores `doc.layout`.
#[must_use]
pub fn auto_layout(doc: &Document) -> BTreeMap<String, Pos> {
    // unique ids in document order
    let mut ids: Vec<&str> = Vec::new();
    let mut is_producer: Vec<bool> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &doc.components {
        if !index.contains_key(c.id.as_str()) {
            index.insert(c.id.as_str(), ids.len());
            ids.push(c.id.as_str());
            is_producer.push(c.kind.is_source());
        }
    }
    let n = ids.len();
    if n == 0 {
        return BTreeMap::new();
    }

    // edges (deduplicated, in connection order)
    let mut seen = BTreeSet::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut dead_letter_targets = BTreeSet::new();
    let mut push = |a: usize, b: usize, edges: &mut Vec<(usize, usize)>| {
        if a != b && seen.insert((a, b)) {
            edges.push((a, b));
        }
    };
    for conn in &doc.connections {
        let (Some(&a), Some(&b)) = (index.get(conn.from.as_str()), index.get(conn.to.as_str()))
        else {
            continue;
        };
        push(a, b, &mut edges);
        if conn.kind == LinkKind::DeadLetter {
            dead_letter_targets.insert(b);
        }
        if let Some(&d) = conn.dead_letter.as_deref().and_then(|d| index.get(d)) {
            push(a, d, &mut edges);
            dead_letter_targets.insert(d);
        }
    }
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_pred = vec![false; n];
    for &(a, b) in &edges {
        succ[a].push(b);
        has_pred[b] = true;
    }

    // roots: producers, then components without inputs (connected ones first), then
    // everything else, each in document order
    let mut roots: Vec<usize> = (0..n).filter(|&v| is_producer[v]).collect();
    roots.extend((0..n).filter(|&v| !is_producer[v] && !has_pred[v] && !succ[v].is_empty()));
    roots.extend((0..n).filter(|&v| !is_producer[v] && !has_pred[v] && succ[v].is_empty()));
    roots.extend(0..n);

    // depth-first search: discovery order, post-order, back edges
    let (discovery, post, back) = dfs(n, &succ, &roots);

    // longest-path layering over the acyclic edges, in topological order
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut succ_dag: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &edges {
        if !back.contains(&(a, b)) {
            preds[b].push(a);
            succ_dag[a].push(b);
        }
    }
    let mut layer = vec![0usize; n];
    for &v in post.iter().rev() {
        for &w in &succ_dag[v] {
            layer[w] = layer[w].max(layer[v] + 1);
        }
    }

    // initial order within layers: discovery order; dead-letter queues after the rest
    let layers_n = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layers_n];
    let mut by_discovery: Vec<usize> = (0..n).collect();
    by_discovery.sort_by_key(|&v| (dead_letter_targets.contains(&v), discovery[v]));
    for v in by_discovery {
        layers[layer[v]].push(v);
    }

    let mut y = vec![0.0f32; n];
    set_rows(&layers, &mut y);
    let mut best = layers.clone();
    let mut best_crossings = crossings(&succ_dag, &layer, &y);
    for _ in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        for layer in layers.iter_mut().skip(1) {
            reorder(layer, &preds, &y);
            set_row(layer, &mut y);
        }
        for l in (0..layers_n.saturating_sub(1)).rev() {
            reorder(&mut layers[l], &succ_dag, &y);
            set_row(&layers[l], &mut y);
        }
        let c = crossings(&succ_dag, &layer, &y);
        if c < best_crossings {
            best_crossings = c;
            best.clone_from(&layers);
        }
    }
    set_rows(&best, &mut y);

    let min_y = y.iter().copied().fold(f32::INFINITY, f32::min);
    (0..n)
        .map(|v| {
            (
                ids[v].to_owned(),
                [layer[v] as f32 * X_STEP, (y[v] - min_y) * Y_STEP],
            )
        })
        .collect()
}

/// Where each component is shown: its saved position when it has one, otherwise its
/// [`auto_layout`] position (moved below the saved ones when some are saved, so they do
/// not overlap). The second value lists the ids placed automatically: the canvas shows
/// them there (and an export draws them there) but the document does not know these
/// positions until the user moves something or asks for an auto-layout.
#[must_use]
pub fn placed(doc: &Document) -> (BTreeMap<String, Pos>, BTreeSet<String>) {
    let mut out = BTreeMap::new();
    let mut missing = BTreeSet::new();
    for c in &doc.components {
        match doc.layout.get(&c.id) {
            Some(p) if p[0].is_finite() && p[1].is_finite() => {
                out.insert(c.id.clone(), *p);
            }
            _ => {
                missing.insert(c.id.clone());
            }
        }
    }
    if missing.is_empty() {
        return (out, missing);
    }
    let auto = auto_layout(doc);
    let mut shift = [0.0f32, 0.0f32];
    if !out.is_empty() {
        let saved_min_x = out.values().map(|p| p[0]).fold(f32::INFINITY, f32::min);
        let saved_max_y = out.values().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max);
        let new: Vec<[f32; 2]> = missing
            .iter()
            .filter_map(|id| auto.get(id))
            .copied()
            .collect();
        let new_min_x = new.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min);
        let new_min_y = new.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min);
        if new_min_x.is_finite() && new_min_y.is_finite() {
            shift = [saved_min_x - new_min_x, saved_max_y + Y_STEP - new_min_y];
        }
    }
    for id in &missing {
        let p = auto.get(id).copied().unwrap_or([0.0, 0.0]);
        out.insert(id.clone(), [p[0] + shift[0], p[1] + shift[1]]);
    }
    (out, missing)
}

/// Iterative depth-first search from `roots` in order; returns the discovery index of
/// each vertex, the post-order, and the back edges (to a vertex on the stack).
fn dfs(
    n: usize,
    succ: &[Vec<usize>],
    roots: &[usize],
) -> (Vec<usize>, Vec<usize>, BTreeSet<(usize, usize)>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut discovery = vec![0usize; n];
    let mut next = 0;
    let mut post = Vec::with_capacity(n);
    let mut back = BTreeSet::new();
    for &r in roots {
        if mark[r] != Mark::New {
            continue;
        }
        mark[r] = Mark::OnStack;
        discovery[r] = next;
        next += 1;
        let mut stack: Vec<(usize, usize)> = vec![(r, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&w) = succ[v].get(i) {
                top.1 += 1;
                match mark[w] {
                    Mark::New => {
                        mark[w] = Mark::OnStack;
                        discovery[w] = next;
                        next += 1;
                        stack.push((w, 0));
                    }
                    Mark::OnStack => {
                        back.insert((v, w));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[v] = Mark::Done;
                post.push(v);
                stack.pop();
            }
        }
    }
    (discovery, post, back)
}

/// Row of every vertex: its index in its layer, centred on 0.
fn set_rows(layers: &[Vec<usize>], y: &mut [f32]) {
    for l in layers {
        set_row(l, y);
    }
}

/// Row of every vertex of one layer.
fn set_row(layer: &[usize], y: &mut [f32]) {
    let mid = (layer.len() as f32 - 1.0) / 2.0;
    for (i, &v) in layer.iter().enumerate() {
        y[v] = i as f32 - mid;
    }
}

/// Sort a layer by the mean row of each vertex's neighbours (stable; vertices without
/// neighbours keep their own row as key).
fn reorder(layer: &mut [usize], neighbours: &[Vec<usize>], y: &[f32]) {
    let key = |v: usize| -> f32 {
        let ns = &neighbours[v];
        if ns.is_empty() {
            y[v]
        } else {
            ns.iter().map(|&w| y[w]).sum::<f32>() / ns.len() as f32
        }
    };
    let mut keyed: Vec<(f32, usize)> = layer.iter().map(|&v| (key(v), v)).collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (slot, (_, v)) in layer.iter_mut().zip(keyed) {
        *slot = v;
    }
}

/// Crossings between edges that span the same pair of layers: two edges cross when
/// their ends are in opposite orders in the two layers. Counted per pair of layers as
/// the inversions of the target rows, sorted by source row (a merge sort), so a fan-out
/// of a million edges costs n log n rather than n².
fn crossings(succ: &[Vec<usize>], layer: &[usize], y: &[f32]) -> usize {
    let mut groups: BTreeMap<(usize, usize), Vec<(f32, f32)>> = BTreeMap::new();
    for (a, ws) in succ.iter().enumerate() {
        for &b in ws {
            groups
                .entry((layer[a], layer[b]))
                .or_default()
                .push((y[a], y[b]));
        }
    }
    let mut count = 0;
    for mut es in groups.into_values() {
        // ties in the source row never cross: sorted by target row within them, they
        // count no inversion
        es.sort_by(|e, f| e.0.total_cmp(&f.0).then(e.1.total_cmp(&f.1)));
        let mut targets: Vec<f32> = es.into_iter().map(|e| e.1).collect();
        count += inversions(&mut targets);
    }
    count
}

/// The pairs `i < j` with `v[i] > v[j]`, counted while merge-sorting `v`.
fn inversions(v: &mut [f32]) -> usize {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let (left, right) = v.split_at_mut(n / 2);
    let mut count = inversions(left) + inversions(right);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            // every element left of the cut from i on is greater
            count += left.len() - i;
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    v.copy_from_slice(&merged);
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Component, ComponentKind, Connection, Producer, Sink, Station};

    fn comp(id: &str, kind: ComponentKind) -> Component {
        Component::new(id, kind)
    }

    fn station(id: &str) -> Component {
        comp(id, ComponentKind::Station(Station::default()))
    }

    fn doc(components: Vec<Component>, links: &[(&str, &str)]) -> Document {
        Document {
            components,
            connections: links.iter().map(|(a, b)| Connection::new(a, b)).collect(),
            ..Document::default()
        }
    }

    #[test]
    fn sources_are_left_of_their_targets_in_every_example() {
        for entry in std::fs::read_dir("examples").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ron") {
                continue;
            }
            let d = crate::model::load(&path).unwrap();
            let pos = auto_layout(&d);
            assert_eq!(pos.len(), d.components.len(), "{}", path.display());
            for c in &d.connections {
                assert!(
                    pos[&c.from][0] < pos[&c.to][0],
                    "{}: {} -> {}",
                    path.display(),
                    c.from,
                    c.to
                );
            }
            // no two components on the same spot
            let spots: BTreeSet<(i64, i64)> =
                pos.values().map(|p| (p[0] as i64, p[1] as i64)).collect();
            assert_eq!(spots.len(), pos.len(), "{}", path.display());
        }
    }

    #[test]
    fn layout_is_deterministic_and_places_everything() {
        let mut comps = vec![comp("src", ComponentKind::Producer(Producer::default()))];
        let mut links = Vec::new();
        for i in 0..30 {
            comps.push(station(&format!("s{i}")));
        }
        comps.push(comp("lonely", ComponentKind::Sink(Sink {})));
        let names: Vec<String> = (0..30).map(|i| format!("s{i}")).collect();
        for i in 0..30 {
            let from = if i < 5 { "src" } else { &names[(i * 7) % i] };
            links.push((from.to_owned(), names[i].clone()));
        }
        let refs: Vec<(&str, &str)> = links
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let d = doc(comps, &refs);
        let a = auto_layout(&d);
        let b = auto_layout(&d.clone());
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(a["src"][0], 0.0);
        assert!(a.values().all(|p| p[0] >= 0.0 && p[1] >= 0.0));
    }

    #[test]
    fn cycles_and_dead_letters_are_handled() {
        let mut d = doc(
            vec![
                comp("p", ComponentKind::Producer(Producer::default())),
                station("a"),
                station("b"),
                comp(
                    "dlq",
                    ComponentKind::DeadLetterQueue(crate::model::DeadLetterQueue {}),
                ),
            ],
            &[("p", "a"), ("a", "b"), ("b", "a")],
        );
        d.connections.push(Connection {
            kind: LinkKind::DeadLetter,
            ..Connection::new("a", "dlq")
        });
        let pos = auto_layout(&d);
        assert!(pos["p"][0] < pos["a"][0] && pos["a"][0] < pos["b"][0]);
        // the dead-letter queue is in the layer right after its source
        assert!((pos["dlq"][0] - (pos["a"][0] + X_STEP)).abs() < 1e-3);
        assert_ne!(pos["dlq"], pos["b"]);
    }

    #[test]
    fn a_fan_out_is_centred_and_uncrossed() {
        let d = doc(
            vec![
                comp("p", ComponentKind::Producer(Producer::default())),
                station("a"),
                station("b"),
                station("a2"),
                station("b2"),
            ],
            &[("p", "a"), ("p", "b"), ("a", "a2"), ("b", "b2")],
        );
        let pos = auto_layout(&d);
        assert!((pos["p"][1] - (pos["a"][1] + pos["b"][1]) / 2.0).abs() < 1e-3);
        assert_eq!(pos["a"][1], pos["a2"][1]);
        assert_eq!(pos["b"][1], pos["b2"][1]);
    }

    #[test]
    fn saved_positions_win_and_new_ones_go_below() {
        let mut d = doc(
            vec![station("a"), station("b"), station("c")],
            &[("a", "b"), ("b", "c")],
        );
        d.layout.insert("a".into(), [500.0, 40.0]);
        d.layout.insert("b".into(), [720.0, 40.0]);
        let (pos, auto) = placed(&d);
        assert_eq!(pos["a"], [500.0, 40.0]);
        assert_eq!(pos["b"], [720.0, 40.0]);
        assert_eq!(auto.into_iter().collect::<Vec<_>>(), vec!["c".to_owned()]);
        assert!(pos["c"][1] >= 40.0 + Y_STEP);
        d.layout.insert("c".into(), [1.0, 2.0]);
        let (pos, auto) = placed(&d);
        assert!(auto.is_empty());
        assert_eq!(pos["c"], [1.0, 2.0]);
    }

    #[test]
    fn crossings_match_a_count_of_every_pair() {
        let mut seed = 5u64;
        let mut next = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        for n in 2..40 {
            let layer: Vec<usize> = (0..n).map(|_| next(3)).collect();
            let y: Vec<f32> = (0..n).map(|_| next(5) as f32).collect();
            let mut succ = vec![Vec::new(); n];
            for _ in 0..n * 2 {
                let (a, b) = (next(n), next(n));
                if layer[a] < layer[b] {
                    succ[a].push(b);
                }
            }
            let edges: Vec<(usize, usize)> = succ
                .iter()
                .enumerate()
                .flat_map(|(a, ws)| ws.iter().map(move |&b| (a, b)))
                .collect();
            let mut want = 0;
            for (i, e) in edges.iter().enumerate() {
                for f in &edges[i + 1..] {
                    let same = (layer[e.0], layer[e.1]) == (layer[f.0], layer[f.1]);
                    if same && (y[e.0] - y[f.0]) * (y[e.1] - y[f.1]) < 0.0 {
                        want += 1;
                    }
                }
            }
            assert_eq!(crossings(&succ, &layer, &y), want, "n = {n}");
        }
    }
}
