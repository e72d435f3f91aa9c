//! Mermaid flowchart (left to right), valid for Mermaid 10 and later: one node per
//! component with its group's shape and class, one link per connection with the link
//! kind's style (`-->` delivery, `-.->` dead-letter and on-failure, told apart by
//! `linkStyle` dashes and their labels), filters and rules as link labels.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::diagram::{self, Group, INK, OUTLINE, Shape};
use crate::model::text::is_unsafe_char;
use crate::model::{Document, LinkKind};

/// Words Mermaid's flowchart grammar reserves; a node id equal to one breaks the chart.
const RESERVED: [&str; 12] = [
    "end",
    "graph",
    "flowchart",
    "subgraph",
    "style",
    "class",
    "classdef",
    "click",
    "linkstyle",
    "default",
    "direction",
    "call",
];

/// Node ids: the component id with every character outside `[A-Za-z0-9_]` turned into
/// `_`, prefixed with `n_` when it would start with a digit or be a reserved word, and
/// suffixed with a counter when two ids collide.
#[must_use]
pub fn node_ids(doc: &Document) -> BTreeMap<String, String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for c in &doc.components {
        let mut id: String =
            c.id.chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '_' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
        if id.is_empty()
            || id.starts_with(|ch: char| ch.is_ascii_digit())
            || RESERVED.contains(&id.to_ascii_lowercase().as_str())
        {
            id = format!("n_{id}");
        }
        let base = id.clone();
        let mut k = 2;
        while used.contains(&id) {
            id = format!("{base}_{k}");
            k += 1;
        }
        used.insert(id.clone());
        out.insert(c.id.clone(), id);
    }
    out
}

/// Escape text for a quoted Mermaid label: quotes, `#`, `<`, `>` and `&` become entity
/// codes (`#quot;`, `#35;`, ...), line breaks become spaces, other control and
/// bidirectional characters visible escapes (`\u{1b}`).
#[must_use]
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '#' => s.push_str("#35;"),
            '"' => s.push_str("#quot;"),
            '<' => s.push_str("#lt;"),
            '>' => s.push_str("#gt;"),
            '&' => s.push_str("#amp;"),
            '\n' | '\r' => s.push(' '),
            c if is_unsafe_char(c) => s.extend(c.escape_default()),
            _ => s.push(ch),
        }
    }
    s
}

fn brackets(shape: Shape) -> (&'static str, &'static str) {
    match shape {
        Shape::Parallelogram => ("[/", "/]"),
        Shape::Hexagon => ("{{", "}}"),
        Shape::Pipe => ("([", "])"),
        Shape::RoundedBox => ("(", ")"),
        Shape::Cylinder => ("[(", ")]"),
        Shape::Octagon => (">", "]"),
    }
}

/// The flowchart as Mermaid source text.
#[must_use]
pub fn render(doc: &Document) -> String {
    let ids = node_ids(doc);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\ntitle: \"{}\"\n---",
        escape(&doc.name).replace('\\', "\\\\")
    );
    out.push_str("flowchart LR\n");
    let mut by_group: BTreeMap<Group, Vec<&str>> = BTreeMap::new();
    for (c, style) in doc.components.iter().zip(diagram::component_styles(doc)) {
        let Some(id) = ids.get(&c.id) else { continue };
        let (open, close) = brackets(style.shape);
        let _ = writeln!(
            out,
            "    {id}{open}\"{}<br/>{} {} · {}\"{close}",
            escape(c.display_name()),
            escape(style.glyph),
            escape(style.kind_rest()),
            escape(&diagram::summary(&c.kind)),
        );
        by_group.entry(style.group).or_default().push(id);
    }
    let mut link_styles = Vec::new();
    let mut n = 0usize;
    for c in &diagram::links(doc) {
        let (Some(a), Some(b)) = (ids.get(&c.from), ids.get(&c.to)) else {
            continue;
        };
        let mut label = c.label.clone();
        let arrow = match c.kind {
            LinkKind::Delivery => "-->",
            LinkKind::DeadLetter | LinkKind::OnFailure => "-.->",
        };
        if c.kind != LinkKind::Delivery {
            let what = diagram::link_style(c.kind).label;
            label = if label.is_empty() {
                what.to_owned()
            } else {
                format!("{what}: {label}")
            };
            let st = diagram::link_style(c.kind);
            let dash: Vec<String> = st
                .dash_px
                .iter()
                .map(|d| diagram::num(f64::from(*d)))
                .collect();
            link_styles.push(format!(
                "    linkStyle {n} stroke:{},stroke-width:{}px,stroke-dasharray:{}",
                st.colour.hex(),
                st.width_px,
                dash.join(" ")
            ));
        }
        if label.is_empty() {
            let _ = writeln!(out, "    {a} {arrow} {b}");
        } else {
            let _ = writeln!(out, "    {a} {arrow}|\"{}\"| {b}", escape(&label));
        }
        n += 1;
    }
    for l in link_styles {
        out.push_str(&l);
        out.push('\n');
    }
    for (g, members) in &by_group {
        let _ = writeln!(
            out,
            "    classDef {} fill:{},stroke:{},color:{}",
            g.key(),
            g.fill().hex(),
            OUTLINE.hex(),
            INK.hex()
        );
        let _ = writeln!(out, "    class {} {}", members.join(","), g.key());
    }
    super::scrubbed(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    #[test]
    fn ids_are_sanitised_and_unique() {
        let doc = from_ron_str(
            r#"(components: [
                (id: "a-b", kind: Producer()), (id: "a_b", kind: Sink()),
                (id: "end", kind: Sink()), (id: "9x", kind: Sink()),
            ])"#,
        )
        .unwrap();
        let ids = node_ids(&doc);
        assert_eq!(ids["a-b"], "a_b");
        assert_eq!(ids["a_b"], "a_b_2");
        assert_eq!(ids["end"], "n_end");
        assert_eq!(ids["9x"], "n_9x");
    }

    #[test]
    fn labels_escape_quotes_and_brackets() {
        assert_eq!(
            escape(r#"say "hi" <b> #1 & [x]"#),
            "say #quot;hi#quot; #lt;b#gt; #35;1 #amp; [x]"
        );
        let doc = from_ron_str(
            r#"(name: "Q \"1\"", components: [
                (id: "p", name: "web [shop] \"x\"", kind: Producer()),
                (id: "q", kind: SqsQueue()), (id: "d", kind: DeadLetterQueue()),
            ], connections: [
                (from: "p", to: "q", filter: (event_types: ["a\"b"])),
                (from: "q", to: "d", kind: DeadLetter),
            ])"#,
        )
        .unwrap();
        let text = render(&doc);
        assert!(
            text.contains("p[/\"web [shop] #quot;x#quot;<br/>"),
            "{text}"
        );
        assert!(text.contains("p -->|\"a#quot;b\"| q"), "{text}");
        assert!(text.contains("q -.->|\"dead-letter\"| d"), "{text}");
        assert!(text.contains("linkStyle 1 stroke:"), "{text}");
        assert!(text.starts_with("---\ntitle: \"Q #quot;1#quot;\"\n---\nflowchart LR\n"));
    }
}
