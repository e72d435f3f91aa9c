//! Parameter help for the inspector, read from the README's parameter tables when first
//! asked for. The README is the one source: the tables a reader sees are the tooltips
//! and defaults the editor shows, so the two cannot drift apart.
//!
//! Which tables are read: the kinds table of "File format" (first column the kind),
//! the `scenario` table and the document table (kind `Document`), "Connections" (kind
//! `Connection`), and the table of every section whose heading names kinds in
//! backticks, such as "SQS queue (`SqsQueue`, standard or FIFO)". A row under an
//! "`autoscale` parameter" header row is prefixed `autoscale.`, a `scenario` row
//! `scenario.`.

use std::sync::LazyLock;

use crate::model::Kind;

/// The README, whose tables are read.
const README: &str = include_str!("../../README.md");

/// Help for one parameter: its kind (or `Document`, `Connection`), its name
/// (`autoscale.` / `scenario.` prefixed for nested tables), default and meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamHelp {
    /// Kind name as in [`Kind::name`], or `Document` / `Connection`.
    pub kind: &'static str,
    /// Field name.
    pub name: String,
    /// Default, as the README writes it.
    pub default: String,
    /// What it means.
    pub meaning: String,
}

/// Every documented parameter, in README order.
pub static PARAMS: LazyLock<Vec<ParamHelp>> = LazyLock::new(|| parse(README));

/// A README cell as plain text: links become their text, backticks go.
fn clean(cell: &str) -> String {
    let mut out = String::new();
    let mut rest = cell.trim();
    // `[text](url)`, with no `]` in the text and no `)` in the url -> `text`
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let link = after.find(']').and_then(|close| {
            let url = after[close + 1..].strip_prefix('(')?;
            let end = url.find(')')?;
            (close > 0 && end > 0).then_some((close, close + 2 + end))
        });
        match link {
            Some((close, end)) => {
                out.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// The subjects whose parameters a heading's table lists, if any.
fn heading_subjects(line: &str) -> Option<Vec<&'static str>> {
    if line.contains("Document structure") {
        return Some(vec!["Document"]);
    }
    if line.contains("Connections") {
        return Some(vec!["Connection"]);
    }
    let kinds: Vec<&'static str> = line
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(Kind::from_name)
        .map(Kind::name)
        .collect();
    (!kinds.is_empty()).then_some(kinds)
}

/// Where a table row goes.
enum Section {
    /// Not a parameter table.
    None,
    /// The kinds table: the first column names the kind (empty: the row above's).
    Kinds(&'static str),
    /// A table of these subjects' parameters, each name prefixed (`autoscale.`).
    Params(Vec<&'static str>, &'static str),
}

/// Every parameter row of the README's tables.
fn parse(readme: &str) -> Vec<ParamHelp> {
    let mut rows = Vec::new();
    let mut section = Section::None;
    for line in readme.lines() {
        if line.starts_with('#') {
            section = heading_subjects(line).map_or(Section::None, |s| Section::Params(s, ""));
            continue;
        }
        if line.starts_with("`scenario`:") {
            section = Section::Params(vec!["Document"], "scenario.");
            continue;
        }
        if line.starts_with("The kinds and their parameters") {
            section = Section::Kinds("");
            continue;
        }
        if !line.starts_with('|') || matches!(section, Section::None) {
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) {
            continue; // the line under the header
        }
        let header = cells[0].to_lowercase();
        if matches!(header.as_str(), "parameter" | "field" | "kind") {
            continue;
        }
        let row = |kind: &'static str, name: String, default: &str, meaning: &str| ParamHelp {
            kind,
            name,
            default: clean(default),
            meaning: clean(meaning),
        };
        match &mut section {
            Section::None => {}
            Section::Kinds(kind) => {
                if cells.len() < 4 {
                    continue;
                }
                if let Some(k) = Kind::from_name(&clean(cells[0])) {
                    *kind = k.name();
                }
                let name = clean(cells[1]);
                if name != "none" && !kind.is_empty() {
                    rows.push(row(kind, name, cells[2], cells[3]));
                }
            }
            Section::Params(subjects, prefix) => {
                if header.starts_with("`autoscale` parameter") {
                    *prefix = "autoscale.";
                    continue;
                }
                // the document table is field | type | default | meaning
                let (name, default, meaning) = match cells.len() {
                    4 => (cells[0], cells[2], cells[3]),
                    3 => (cells[0], cells[1], cells[2]),
                    _ => continue,
                };
                for &s in subjects.iter() {
                    rows.push(row(s, format!("{prefix}{}", clean(name)), default, meaning));
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ComponentKind;

    #[test]
    fn cells_lose_links_and_backticks() {
        assert_eq!(
            clean(" `retry` as [AWS says](https://x.y/z) (see [below](#b)) "),
            "retry as AWS says (see below)"
        );
        assert_eq!(clean("[not a link"), "[not a link");
        assert_eq!(clean("[a] then [b](u)"), "[a] then b");
    }

    #[test]
    fn tables_are_read_by_section() {
        let readme = "\
## Things
| parameter | default | meaning |
|---|---|---|
| `ignored` | 1 | not a parameter table |
### SQS queue (`SqsQueue`, standard or FIFO)
| parameter | default | meaning |
| --- | --- | --- |
| `fifo` | false | a [FIFO](http://x) queue |
### Container service (`ContainerService`: ECS)
| `replicas` | 1 | tasks |
| `autoscale` parameter | default | meaning |
| `max` | 10 | most tasks |
The kinds and their parameters, with defaults:
| kind | parameter | default | meaning |
| `Producer` | `routing` | `FanOut` | how |
| | `source` | `Client` | what |
| `Sink` | none | | terminal |
";
        let got: Vec<(&str, String, String)> = parse(readme)
            .into_iter()
            .map(|p| (p.kind, p.name, p.meaning))
            .collect();
        let want = [
            ("SqsQueue", "fifo", "a FIFO queue"),
            ("ContainerService", "replicas", "tasks"),
            ("ContainerService", "autoscale.max", "most tasks"),
            ("Producer", "routing", "how"),
            ("Producer", "source", "what"),
        ];
        assert_eq!(
            got,
            want.map(|(k, n, m)| (k, n.to_owned(), m.to_owned()))
                .to_vec()
        );
    }

    /// The names a kind's parameters have in a file: its default's fields (the
    /// optional ones are absent, so only documented fields that are present count).
    fn field_names(kind: Kind) -> Vec<String> {
        let c: ComponentKind = crate::model::ron_options()
            .from_str(&format!("{}()", kind.name()))
            .unwrap();
        let v = serde_json::to_value(&c).unwrap();
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(|inner| inner.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_parameter_of_every_kind_is_documented() {
        for k in Kind::ALL {
            for field in field_names(k) {
                assert!(
                    PARAMS.iter().any(|p| p.kind == k.name() && p.name == field),
                    "{k}.{field} has no row in the README's tables"
                );
            }
        }
    }

    #[test]
    fn every_documented_parameter_exists() {
        for k in Kind::ALL {
            let fields = field_names(k);
            let rows: Vec<&ParamHelp> = PARAMS.iter().filter(|p| p.kind == k.name()).collect();
            // optional fields are left out of the default; their rows say "none" (or
            // "all" for a list), and nested rows count under their parent's
            let optional = |name: &str| {
                rows.iter().any(|p| {
                    p.name == name && (p.default.starts_with("none") || p.default == "all")
                })
            };
            for p in &rows {
                let top = p.name.split('.').next().unwrap_or_default();
                let known = fields.iter().any(|f| f == top) || optional(top);
                assert!(known, "README documents {k}.{} which is no field", p.name);
            }
        }
    }
}
