//! Wiring rules: which links may join two components, with the reason when one may not.
//!
//! One place for the rules, read by validation (which reports every rule a document's
//! connections break, see [`link_problems`]) and by whatever adds a link to a design:
//! the canvas refuses a wiring as the user draws it, and an importer or the CLI can ask
//! the same question ([`can_connect`]).

use super::{Component, ComponentKind, Document, LinkKind, printable};

/// The rules that a link of `kind` from a component of kind `from` to one of kind `to`
/// breaks, one message each, in a fixed order (empty: the kinds allow it). An unknown
/// end (`None`) breaks no rule here; the caller reports it.
#[must_use]
pub fn link_problems(
    from: Option<&ComponentKind>,
    to: Option<&ComponentKind>,
    kind: LinkKind,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = to
        && !t.accepts_input()
    {
        out.push(format!("{} accepts no input", t.kind().with_article()));
    }
    let Some(f) = from else {
        return out;
    };
    match kind {
        LinkKind::Delivery => {
            if !f.has_outputs() {
                out.push(format!(
                    "{} sends nothing on; it cannot have outgoing links",
                    f.kind().with_article()
                ));
            }
        }
        LinkKind::DeadLetter | LinkKind::OnFailure => {
            if !f.can_dead_letter() {
                out.push(format!(
                    "{} cannot dead-letter; only components with retries can",
                    f.kind().with_article()
                ));
            }
            if kind == LinkKind::DeadLetter
                && let Some(t) = to
                && !t.holds_dead_letters()
            {
                out.push(format!(
                    "a dead-letter link must end at a DeadLetterQueue or an SqsQueue, not {}",
                    t.kind().with_article()
                ));
            }
        }
    }
    out
}

/// Whether a person may add a link of `kind` from component `from` to component `to`
/// of `doc`: not to itself, not a second link of the same kind between the same pair,
/// both ends known, and no [`link_problems`].
///
/// # Errors
/// Why the link is refused, in a sentence naming both components (for a status line).
pub fn can_connect(doc: &Document, from: &str, to: &str, kind: LinkKind) -> Result<(), String> {
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
    let kind_of = |id: &str| doc.component(id).map(|c| &c.kind);
    let reason = if kind_of(from).is_none() {
        Some(format!("starts at unknown component `{}`", printable(from)))
    } else if kind_of(to).is_none() {
        Some(format!("ends at unknown component `{}`", printable(to)))
    } else {
        link_problems(kind_of(from), kind_of(to), kind)
            .into_iter()
            .next()
    };
    match reason {
        Some(r) => Err(format!("Cannot connect {a} to {b}: {r}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Connection, DeadLetterQueue, Producer, Sink, Station};

    fn comp(id: &str, kind: ComponentKind) -> Component {
        Component::new(id, kind)
    }

    fn doc() -> Document {
        Document {
            components: vec![
                comp("p", ComponentKind::Producer(Producer::default())),
                comp("a", ComponentKind::Station(Station::default())),
                comp("end", ComponentKind::Sink(Sink {})),
                comp("dlq", ComponentKind::DeadLetterQueue(DeadLetterQueue {})),
            ],
            connections: vec![Connection::new("a", "end")],
            ..Document::default()
        }
    }

    #[test]
    fn allowed_links_pass() {
        let d = doc();
        assert_eq!(can_connect(&d, "p", "a", LinkKind::Delivery), Ok(()));
        assert_eq!(can_connect(&d, "a", "dlq", LinkKind::DeadLetter), Ok(()));
        assert_eq!(can_connect(&d, "a", "end", LinkKind::OnFailure), Ok(()));
        // the same pair with another kind is a different link
        assert_eq!(can_connect(&d, "a", "end", LinkKind::OnFailure), Ok(()));
    }

    #[test]
    fn each_refusal_names_its_reason() {
        let d = doc();
        let refused = |from, to, kind| can_connect(&d, from, to, kind).unwrap_err();
        assert_eq!(
            refused("a", "a", LinkKind::Delivery),
            "Cannot connect a to itself"
        );
        assert_eq!(
            refused("a", "end", LinkKind::Delivery),
            "a is already connected to end"
        );
        assert_eq!(
            refused("end", "a", LinkKind::Delivery),
            "Cannot connect end to a: a Sink sends nothing on; it cannot have outgoing links"
        );
        assert_eq!(
            refused("a", "p", LinkKind::Delivery),
            "Cannot connect a to p: a Producer accepts no input"
        );
        assert_eq!(
            refused("p", "dlq", LinkKind::OnFailure),
            "Cannot connect p to dlq: a Producer cannot dead-letter; only components with retries can"
        );
        assert_eq!(
            refused("a", "end", LinkKind::DeadLetter),
            "Cannot connect a to end: a dead-letter link must end at a DeadLetterQueue or an SqsQueue, not a Sink"
        );
        assert!(refused("a", "nowhere", LinkKind::Delivery).contains("ends at unknown component"));
        assert!(
            refused("nowhere", "a", LinkKind::Delivery).contains("starts at unknown component")
        );
    }

    #[test]
    fn link_problems_lists_every_broken_rule() {
        let sink = ComponentKind::Sink(Sink {});
        let producer = ComponentKind::Producer(Producer::default());
        // into a producer and out of a sink, as a dead-letter link: three rules at once
        let all = link_problems(Some(&sink), Some(&producer), LinkKind::DeadLetter);
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all[0].contains("accepts no input"));
        assert!(all[1].contains("cannot dead-letter"));
        assert!(all[2].contains("must end at a DeadLetterQueue"));
        assert!(link_problems(None, None, LinkKind::Delivery).is_empty());
    }
}
