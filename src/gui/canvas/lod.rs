//! Where a run's badges and link labels go, and at which level of detail: a pure
//! function of rectangles (screen points), so it can be checked without drawing.
//!
//! Every badge hangs under its node. It is given at the fullest level that fits there
//! (its asks list the sizes, fullest first: two lines, one line, a bar): clear of every
//! node, of the places the canvas keeps free (the hint line, the caption) and of the
//! other badges. Where two badges would touch, the one that is larger at the moment
//! (the later one on a tie) steps down a level, until none touch; a badge with no level
//! left is not drawn. Then each link label takes the first of its spots (along its link,
//! the middle first) and sizes (with the link's own label, then the rate alone) that is
//! clear of the nodes, the badges, the kept places and the labels placed before it;
//! a label with no clear place is not drawn (the hover tooltip and the inspector still
//! give it). So nothing the overlay draws covers a node, a badge or another label.

use egui::{Pos2, Rect, Vec2, pos2};

/// Space kept between a badge or label and what it must not touch, points.
pub const MARGIN: f32 = 2.0;

/// A badge to place under `node`: its sizes, from the fullest level to the smallest.
#[derive(Clone, Debug, PartialEq)]
pub struct BadgeAsk {
    /// The node's rectangle on the screen.
    pub node: Rect,
    /// Gap between the node's bottom and the badge's top.
    pub gap: f32,
    /// Sizes of the levels of detail, fullest first.
    pub sizes: Vec<Vec2>,
}

impl BadgeAsk {
    /// Where the badge of level `level` goes: centred under the node.
    #[must_use]
    pub fn rect(&self, level: usize) -> Rect {
        let s = self.sizes[level];
        Rect::from_min_size(
            pos2(
                self.node.center().x - s.x / 2.0,
                self.node.bottom() + self.gap,
            ),
            s,
        )
    }
}

/// A link label to place: centres along the link (preferred first), and its sizes
/// (fullest first).
#[derive(Clone, Debug, PartialEq)]
pub struct LabelAsk {
    /// Candidate centres.
    pub spots: Vec<Pos2>,
    /// Candidate sizes, fullest first.
    pub sizes: Vec<Vec2>,
}

/// What was placed: per badge and per label, the level (index into its sizes) and the
/// rectangle; `None` when it is not drawn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placed {
    /// Per badge ask.
    pub badges: Vec<Option<(usize, Rect)>>,
    /// Per label ask.
    pub labels: Vec<Option<(usize, Rect)>>,
}

/// Whether `a` comes nearer than [`MARGIN`] to `b` (rectangles that only meet at the
/// margin's distance do not touch).
fn touches(a: Rect, b: Rect) -> bool {
    a.min.x - MARGIN < b.max.x
        && b.min.x < a.max.x + MARGIN
        && a.min.y - MARGIN < b.max.y
        && b.min.y < a.max.y + MARGIN
}

/// Place the badges and labels (see the module's notes). `nodes` are every node's
/// rectangle, `keep` the places nothing may cover.
#[must_use]
pub fn place(nodes: &[Rect], keep: &[Rect], badges: &[BadgeAsk], labels: &[LabelAsk]) -> Placed {
    let blocked = |r: Rect| nodes.iter().chain(keep).any(|o| touches(r, *o));
    // each badge at the fullest level that clears the nodes and kept places
    let mut level: Vec<Option<usize>> = badges
        .iter()
        .map(|b| (0..b.sizes.len()).find(|&l| !blocked(b.rect(l))))
        .collect();
    // then step down where badges touch each other, the larger first
    loop {
        let mut worst: Option<(usize, f32)> = None;
        for i in 0..badges.len() {
            let Some(li) = level[i] else { continue };
            let ri = badges[i].rect(li);
            for j in (i + 1)..badges.len() {
                let Some(lj) = level[j] else { continue };
                let rj = badges[j].rect(lj);
                if !touches(ri, rj) {
                    continue;
                }
                // the larger of the two steps down (the later one on a tie)
                let (k, area) = if ri.area() > rj.area() {
                    (i, ri.area())
                } else {
                    (j, rj.area())
                };
                if worst.is_none_or(|(_, a)| area > a) {
                    worst = Some((k, area));
                }
            }
        }
        let Some((k, _)) = worst else { break };
        let b = &badges[k];
        let from = level[k].map_or(b.sizes.len(), |l| l + 1);
        level[k] = (from..b.sizes.len()).find(|&l| !blocked(b.rect(l)));
    }
    let placed_badges: Vec<Option<(usize, Rect)>> = level
        .iter()
        .zip(badges)
        .map(|(l, b)| l.map(|l| (l, b.rect(l))))
        .collect();
    let mut taken: Vec<Rect> = placed_badges.iter().flatten().map(|(_, r)| *r).collect();
    let mut out_labels = Vec::with_capacity(labels.len());
    for ask in labels {
        let found = ask.sizes.iter().enumerate().find_map(|(l, &size)| {
            ask.spots.iter().find_map(|&c| {
                let r = Rect::from_center_size(c, size);
                (!blocked(r) && !taken.iter().any(|t| touches(r, *t))).then_some((l, r))
            })
        });
        if let Some((_, r)) = found {
            taken.push(r);
        }
        out_labels.push(found);
    }
    Placed {
        badges: placed_badges,
        labels: out_labels,
    }
}

/// Whether two rectangles overlap by more than a hair (for checks of what was drawn).
#[must_use]
pub fn overlap(a: Rect, b: Rect) -> bool {
    let i = a.intersect(b);
    i.width() > 0.5 && i.height() > 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::vec2;

    fn node(x: f32, y: f32) -> Rect {
        Rect::from_min_size(pos2(x, y), vec2(90.0, 35.0))
    }

    fn ask(n: Rect) -> BadgeAsk {
        BadgeAsk {
            node: n,
            gap: 2.0,
            sizes: vec![vec2(110.0, 34.0), vec2(60.0, 18.0), vec2(54.0, 5.0)],
        }
    }

    fn all_clear(nodes: &[Rect], p: &Placed) {
        let drawn: Vec<Rect> = p
            .badges
            .iter()
            .chain(&p.labels)
            .flatten()
            .map(|(_, r)| *r)
            .collect();
        for (i, a) in drawn.iter().enumerate() {
            for n in nodes {
                assert!(!overlap(*a, *n), "{a:?} covers node {n:?}");
            }
            for b in &drawn[i + 1..] {
                assert!(!overlap(*a, *b), "{a:?} covers {b:?}");
            }
        }
    }

    #[test]
    fn with_room_every_badge_is_full() {
        let nodes = [node(0.0, 0.0), node(200.0, 0.0), node(0.0, 120.0)];
        let asks: Vec<BadgeAsk> = nodes.iter().map(|n| ask(*n)).collect();
        let p = place(&nodes, &[], &asks, &[]);
        assert!(p.badges.iter().all(|b| b.is_some_and(|(l, _)| l == 0)));
        all_clear(&nodes, &p);
    }

    #[test]
    fn a_badge_with_little_room_under_its_node_steps_down() {
        // 22 points between the rows: the two-line badge (34) does not fit, one line does
        let nodes = [node(0.0, 0.0), node(0.0, 57.0)];
        let p = place(&nodes, &[], &[ask(nodes[0]), ask(nodes[1])], &[]);
        assert_eq!(p.badges[0].map(|b| b.0), Some(1));
        assert_eq!(p.badges[1].map(|b| b.0), Some(0), "the lower one has room");
        // 9 points: only the bar
        let nodes = [node(0.0, 0.0), node(0.0, 44.0)];
        let p = place(&nodes, &[], &[ask(nodes[0])], &[]);
        assert_eq!(p.badges[0].map(|b| b.0), Some(2));
        // 4 points: nothing
        let nodes = [node(0.0, 0.0), node(0.0, 39.0)];
        let p = place(&nodes, &[], &[ask(nodes[0])], &[]);
        assert_eq!(p.badges[0], None);
        all_clear(&nodes, &p);
    }

    #[test]
    fn neighbouring_badges_that_would_touch_step_down_until_clear() {
        // columns 100 apart: two full badges (110 wide) would overlap
        let nodes = [node(0.0, 0.0), node(100.0, 0.0), node(200.0, 0.0)];
        let asks: Vec<BadgeAsk> = nodes.iter().map(|n| ask(*n)).collect();
        let p = place(&nodes, &[], &asks, &[]);
        assert!(p.badges.iter().all(Option::is_some), "{p:?}");
        assert!(p.badges.iter().any(|b| b.is_some_and(|(l, _)| l > 0)));
        all_clear(&nodes, &p);
    }

    #[test]
    fn kept_places_are_not_covered() {
        let nodes = [node(0.0, 0.0)];
        let hint = Rect::from_min_size(pos2(-50.0, 50.0), vec2(300.0, 20.0));
        let p = place(&nodes, &[hint], &[ask(nodes[0])], &[]);
        // only the bar fits between the node (bottom 35) and the hint (top 50)
        assert_eq!(p.badges[0].map(|b| b.0), Some(2));
    }

    #[test]
    fn labels_take_the_first_clear_spot_or_are_dropped() {
        let nodes = [node(0.0, 0.0), node(200.0, 0.0)];
        let asks: Vec<BadgeAsk> = nodes.iter().map(|n| ask(*n)).collect();
        // the middle of the link is clear for the short label only; the long one does not
        // fit between the nodes and has no other spot
        let mid = pos2(145.0, 17.0);
        let labels = [
            LabelAsk {
                spots: vec![mid],
                sizes: vec![vec2(150.0, 14.0), vec2(40.0, 14.0)],
            },
            LabelAsk {
                spots: vec![mid, pos2(145.0, -40.0)],
                sizes: vec![vec2(40.0, 14.0)],
            },
            LabelAsk {
                spots: vec![mid],
                sizes: vec![vec2(150.0, 14.0)],
            },
        ];
        let p = place(&nodes, &[], &asks, &labels);
        assert_eq!(p.labels[0].map(|l| l.0), Some(1), "the shorter size");
        assert_eq!(
            p.labels[1].map(|l| l.1.center()),
            Some(pos2(145.0, -40.0)),
            "the middle is taken: the next spot"
        );
        assert_eq!(p.labels[2], None);
        all_clear(&nodes, &p);
    }
}
