//! Graphviz DOT, written by hand: `rankdir=LR`, one cluster per component group, a shape
//! per group, an edge style per link kind (solid, dashed, dotted), filters and rules as
//! edge labels. `dot -Tsvg` renders it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagram::{self, Group, INK, OUTLINE, Shape, Stroke};
use crate::model::Document;
use crate::model::text::is_unsafe_char;

/// Quote a string for DOT: backslashes and quotes escaped, line breaks as `\n`, other
/// control and bidirectional characters as visible escapes (`\u{1b}`).
#[must_use]
pub fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for ch in text.chars() {
        match ch {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\r' => {}
            // a visible escape, its backslash doubled so DOT shows it as written
            c if is_unsafe_char(c) => {
                for e in c.escape_default() {
                    if e == '\\' {
                        s.push('\\');
                    }
                    s.push(e);
                }
            }
            _ => s.push(ch),
        }
    }
    s.push('"');
    s
}

fn shape_attrs(shape: Shape) -> &'static str {
    match shape {
        Shape::Parallelogram => "shape=parallelogram, style=filled",
        Shape::Hexagon => "shape=hexagon, style=filled",
        Shape::Pipe => "shape=cds, style=filled",
        Shape::RoundedBox => "shape=box, style=\"filled,rounded\"",
        Shape::Cylinder => "shape=cylinder, style=filled",
        Shape::Octagon => "shape=octagon, style=filled",
    }
}

/// The design as a DOT digraph.
#[must_use]
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&doc.name));
    let _ = writeln!(
        out,
        "    graph [rankdir=LR, label={}, labelloc=t, fontname=\"Helvetica\", fontsize=16, nodesep=0.35, ranksep=0.8];",
        quote(&doc.name)
    );
    let _ = writeln!(
        out,
        "    node [fontname=\"Helvetica\", fontsize=10, color={}, fontcolor={}, margin=\"0.15,0.06\"];",
        quote(&OUTLINE.hex()),
        quote(&INK.hex())
    );
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=9];\n");
    let mut by_group: BTreeMap<Group, Vec<String>> = BTreeMap::new();
    for (c, style) in doc.components.iter().zip(diagram::component_styles(doc)) {
        let label = format!(
            "{}\n{} {}\n{}",
            c.display_name(),
            style.glyph,
            style.kind_rest(),
            diagram::summary(&c.kind)
        );
        by_group.entry(style.group).or_default().push(format!(
            "{} [label={}, {}, fillcolor={}];",
            quote(&c.id),
            quote(&label),
            shape_attrs(style.shape),
            quote(&style.fill.hex())
        ));
    }
    for (g, nodes) in &by_group {
        let _ = writeln!(out, "    subgraph cluster_{} {{", g.key());
        let _ = writeln!(
            out,
            "        label={}; style=\"rounded,dashed\"; color=\"#9aa0a6\"; fontname=\"Helvetica\"; fontsize=11;",
            quote(g.label())
        );
        for n in nodes {
            let _ = writeln!(out, "        {n}");
        }
        out.push_str("    }\n");
    }
    let ids: std::collections::BTreeSet<&str> =
        doc.components.iter().map(|c| c.id.as_str()).collect();
    for c in &diagram::links(doc) {
        if !ids.contains(c.from.as_str()) || !ids.contains(c.to.as_str()) {
            continue;
        }
        let st = diagram::link_style(c.kind);
        let style = match st.stroke {
            Stroke::Solid => "solid",
            Stroke::Dashed => "dashed",
            Stroke::Dotted => "dotted",
        };
        let mut attrs = format!(
            "style={style}, color={}, penwidth={}",
            quote(&st.colour.hex()),
            diagram::num(f64::from(st.width_px))
        );
        if !c.label.is_empty() {
            let _ = write!(attrs, ", label={}", quote(&c.label));
        }
        let _ = writeln!(out, "    {} -> {} [{attrs}];", quote(&c.from), quote(&c.to));
    }
    out.push_str("}\n");
    super::scrubbed(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        let doc = from_ron_str(
            r#"(name: "x\"y", components: [(id: "a", kind: Producer()), (id: "b", kind: SqsQueue()), (id: "d", kind: DeadLetterQueue())],
               connections: [(from: "a", to: "b"), (from: "b", to: "d", kind: DeadLetter)])"#,
        )
        .unwrap();
        let text = render(&doc);
        assert!(text.starts_with("digraph \"x\\\"y\" {"), "{text}");
        assert!(text.contains("subgraph cluster_producers {"), "{text}");
        assert!(text.contains("\"b\" -> \"d\" [style=dashed"), "{text}");
        assert!(text.contains("shape=cds"), "{text}");
    }
}
