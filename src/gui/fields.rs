//! Typed widgets over a serde (`serde_json::Value`) tree of parameters: the inspector
//! edits every kind's parameters this way and converts back with serde, so a new
//! parameter shows up without GUI code. Units, ranges and tooltips come from
//! [`super::param_help`] (the README's tables) and a few naming rules (`_ms` is
//! milliseconds, `_prob` is 0..=1, ...).

use std::collections::HashMap;

use egui::{Id, RichText, Ui};
use serde_json::{Map, Value, json};

use super::param_help::{PARAMS, ParamHelp};
use crate::model::Duration;

/// Width of the label column.
const LABEL_WIDTH: f32 = 150.0;

/// Editing state shared by the widgets of one frame.
pub struct Fields<'a> {
    /// Text being typed, by widget id (kept while the field has focus).
    pub texts: &'a mut HashMap<Id, String>,
    /// Texts refused when their field was left (Enter, Tab, a click elsewhere), by
    /// widget id, with the value the field had then: kept, red and with the reason,
    /// until fixed, or Esc, or the value changes some other way (undo).
    pub held: &'a mut HashMap<Id, String>,
    /// Why a text of the row being drawn does not parse: shown under the row.
    pub row_reason: Option<String>,
    /// Why the last text left in a field was refused ("visibility timeout not
    /// changed: ..."): for the status line.
    pub refused: Option<String>,
    /// A drag or a text edit is in progress: do not apply yet (one undo step per edit).
    pub busy: bool,
    /// Kind name used to look up help (`SqsQueue`, `Connection`, `Document`).
    pub kind: String,
    /// Ids of the document's components, for fields that name one.
    pub component_ids: Vec<String>,
    /// Salt making widget ids unique per edited thing.
    pub salt: String,
    /// The label of the value being drawn (its accessible name).
    pub label: Option<Id>,
}

/// Help for `name` (a dotted path such as `autoscale.metric`) of `kind`.
#[must_use]
pub fn help(kind: &str, name: &str) -> Option<&'static ParamHelp> {
    PARAMS.iter().find(|p| p.kind == kind && p.name == name)
}

/// Meaning of parameters nested in shared structures (retry, throttle, keys, ...).
fn nested_meaning(name: &str) -> Option<&'static str> {
    Some(match name {
        "max_attempts" => "attempts in all, including the first (1 = no retries)",
        "backoff_ms" => "delay before the first retry, ms",
        "multiplier" => "each retry waits this many times longer (at least 1)",
        "max_backoff_ms" => "longest delay between attempts, ms",
        "jitter" => "None: exact delay; Full: uniform 0..delay; Equal: half + uniform half",
        "rate_per_s" => "sustained admissions per second (token refill rate)",
        "burst" => "bucket size: most admitted at once (at least 1)",
        "cardinality" => "number of distinct keys",
        "hot_share" => "share of events with the one hot key, 0..1",
        "wcu" => "write capacity units per second",
        "rcu" => "read capacity units per second (billed only)",
        "p50" => "median",
        "p99" => "99th percentile (at least the median)",
        "mean" => "mean",
        "std_dev" => "standard deviation",
        "shape" => "shape (> 0)",
        "scale" => "scale (> 0)",
        "min" | "max" => "bound",
        "k" => "number of phases (>= 1)",
        "queue" => "id of the component whose depth + in-flight is measured",
        "target" => "wanted utilisation, 0..1",
        _ => return None,
    })
}

/// Unit shown after a number, from the field's name.
fn unit(name: &str) -> &'static str {
    if name.ends_with("_ms") || matches!(name, "backoff_ms" | "max_backoff_ms") {
        " ms"
    } else if name.ends_with("_per_s") {
        " /s"
    } else if name.ends_with("_mb") {
        " MB"
    } else if name.ends_with("_gb") {
        " GB"
    } else if name.ends_with("_bytes") {
        " bytes"
    } else if name == "vcpu" {
        " vCPU"
    } else {
        ""
    }
}

/// The label of a field: its name in words, without the unit that the value shows
/// after it (`rate_per_s` is "rate", shown as "rate  10 /s").
fn label_text(name: &str) -> String {
    let bare = if unit(name).is_empty() {
        name
    } else {
        ["_per_s", "_ms", "_mb", "_gb", "_bytes"]
            .iter()
            .find_map(|u| name.strip_suffix(u))
            .filter(|b| !b.is_empty())
            .unwrap_or(name)
    };
    bare.replace('_', " ")
}

/// Allowed range of a number, from the field's name.
fn range(name: &str) -> (f64, f64) {
    match name {
        "fail_prob" | "poison_prob" | "hot_share" | "amplitude" | "tolerance" | "target" => {
            (0.0, 1.0)
        }
        "max_attempts"
        | "servers"
        | "batch_size"
        | "shards"
        | "cardinality"
        | "k"
        | "parallelization_factor"
        | "replications"
        | "stream_shards"
        | "brokers" => (1.0, f64::INFINITY),
        "multiplier" => (1.0, f64::INFINITY),
        _ => (0.0, f64::INFINITY),
    }
}

/// Fields that name another component by id.
fn is_reference(name: &str) -> bool {
    matches!(name, "transform" | "queue" | "dead_letter")
}

/// The variants a value may switch between, with a template of each: (name, value).
fn variant_set(field: &str, current: &str) -> Option<Vec<(&'static str, Value)>> {
    let sets: Vec<Vec<(&'static str, Value)>> = vec![
        vec![("FanOut", json!("FanOut")), ("Split", json!("Split"))],
        vec![
            ("Client", json!("Client")),
            ("IotFleet", json!("IotFleet")),
            ("Schedule", json!("Schedule")),
            ("S3Notification", json!("S3Notification")),
            ("DynamoDbStream", json!("DynamoDbStream")),
        ],
        vec![
            ("None", json!("None")),
            ("Full", json!("Full")),
            ("Equal", json!("Equal")),
        ],
        vec![("Rest", json!("Rest")), ("Http", json!("Http"))],
        vec![("X86", json!("X86")), ("Arm", json!("Arm"))],
        vec![
            ("Standard", json!("Standard")),
            ("Express", json!("Express")),
        ],
        vec![
            ("Delivery", json!("Delivery")),
            ("DeadLetter", json!("DeadLetter")),
            ("OnFailure", json!("OnFailure")),
        ],
        vec![
            ("OnDemand", json!("OnDemand")),
            (
                "Provisioned",
                json!({"Provisioned": {"wcu": 100, "rcu": 100}}),
            ),
        ],
        vec![
            ("Utilisation", json!({"Utilisation": {"target": 0.7}})),
            ("QueueDepth", json!({"QueueDepth": {"queue": ""}})),
        ],
    ];
    let arrivals = vec![
        ("Poisson", json!({"Poisson": {"rate_per_s": 10.0}})),
        ("Constant", json!({"Constant": {"rate_per_s": 10.0}})),
        (
            "OnOff",
            json!({"OnOff": {"on_rate_per_s": 20.0, "on": "1m", "off": "1m"}}),
        ),
        (
            "Profile",
            json!({"Profile": {"points": [{"at": "0s", "rate_per_s": 10.0, "ramp": false}, {"at": "5m", "rate_per_s": 50.0, "ramp": true}]}}),
        ),
        (
            "Sinusoid",
            json!({"Sinusoid": {"mean_rate_per_s": 10.0, "amplitude": 0.5, "period": "10m"}}),
        ),
        (
            "Renewal",
            json!({"Renewal": {"interarrival_ms": {"Exponential": {"mean": 100.0}}}}),
        ),
    ];
    let dists = vec![
        ("Constant", json!({"Constant": 10.0})),
        ("Uniform", json!({"Uniform": {"min": 5.0, "max": 15.0}})),
        ("Exponential", json!({"Exponential": {"mean": 10.0}})),
        ("Normal", json!({"Normal": {"mean": 10.0, "std_dev": 2.0}})),
        (
            "LogNormal",
            json!({"LogNormal": {"p50": 10.0, "p99": 40.0}}),
        ),
        ("Gamma", json!({"Gamma": {"shape": 2.0, "mean": 10.0}})),
        ("Erlang", json!({"Erlang": {"k": 2, "mean": 10.0}})),
        ("Weibull", json!({"Weibull": {"shape": 1.5, "scale": 10.0}})),
        ("Pareto", json!({"Pareto": {"shape": 2.5, "scale": 5.0}})),
        (
            "Empirical",
            json!({"Empirical": {"points": [[0.0, 5.0], [50.0, 10.0], [100.0, 40.0]]}}),
        ),
    ];
    if field == "arrivals" {
        return Some(arrivals);
    }
    if dists.iter().any(|(n, _)| *n == current) {
        return Some(dists);
    }
    sets.into_iter()
        .find(|s| s.iter().any(|(n, _)| *n == current))
}

/// The variant name of an enum value (`"FanOut"` or `{"LogNormal": {..}}`).
fn variant_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) if m.len() == 1 => m.keys().next().cloned(),
        _ => None,
    }
}

/// A value to start an unset optional field with.
#[must_use]
pub fn template_for(name: &str, component_ids: &[String]) -> Value {
    match name {
        "max_receive_count" => json!(5),
        "max_concurrency" | "reserved_concurrency" => json!(10),
        "queue_capacity" => json!(1000),
        "max_events" => json!(10000),
        "max_retry_attempts" => json!(2),
        "shard_records_per_s" => json!(1000.0),
        "shard_bytes_per_s" => json!(1_048_576.0),
        "transform" | "dead_letter" => json!(component_ids.first().cloned().unwrap_or_default()),
        "bucket" => json!("5s"),
        "max_age" | "timeout" | "max_record_age" | "max_event_age" => json!("1m"),
        n if n.ends_with("_ms") => json!({"Constant": 10.0}),
        // structures whose fields all have defaults: throttle, rate_limit, keys,
        // autoscale, retry, filter
        _ => json!({}),
    }
}

impl Fields<'_> {
    fn id(&self, path: &str) -> Id {
        Id::new(("inspector", self.salt.as_str(), path))
    }

    /// Give a value widget the accessible name of its label.
    fn labelled(&self, r: egui::Response) -> egui::Response {
        match self.label {
            Some(id) => r.labelled_by(id),
            None => r,
        }
    }

    fn label_ui(&mut self, ui: &mut Ui, path: &str, name: &str) {
        let help = help(&self.kind, path);
        let mut tip = String::new();
        if let Some(h) = help {
            tip = format!("{}\n\nDefault: {}", h.meaning, h.default);
        } else if let Some(m) = nested_meaning(name) {
            tip = m.to_owned();
        }
        let r = ui
            .allocate_ui_with_layout(
                egui::vec2(LABEL_WIDTH, 18.0),
                egui::Layout::left_to_right(egui::Align::Center),
                |ui| {
                    ui.set_min_width(LABEL_WIDTH);
                    ui.add(egui::Label::new(label_text(name)).truncate())
                },
            )
            .inner;
        self.label = Some(r.id);
        if !tip.is_empty() {
            r.on_hover_text(tip);
        }
    }

    /// Whether `path` is an optional field (documented default "none").
    fn optional(&self, path: &str) -> bool {
        help(&self.kind, path).is_some_and(|h| h.default.starts_with("none"))
    }

    /// Edit the fields of an object: documented fields first (in the README's order,
    /// unset optional ones offered with "set"), then any others. Returns whether
    /// something changed.
    pub fn object_ui(&mut self, ui: &mut Ui, prefix: &str, obj: &mut Map<String, Value>) -> bool {
        let mut names: Vec<String> = PARAMS
            .iter()
            .filter(|p| p.kind == self.kind)
            .filter_map(|p| {
                let rest = if prefix.is_empty() {
                    Some(p.name.as_str())
                } else {
                    p.name.strip_prefix(prefix)?.strip_prefix('.')
                };
                rest.filter(|r| !r.contains('.')).map(str::to_owned)
            })
            .filter(|n| obj.contains_key(n) || self.optional(&join(prefix, n)))
            .collect();
        for k in obj.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        let mut changed = false;
        for name in names {
            let path = join(prefix, &name);
            let optional = self.optional(&path);
            match obj.get_mut(&name) {
                Some(v)
                    if v.is_object()
                        && variant_name(v).is_none_or(|n| !n.starts_with(char::is_uppercase)) =>
                {
                    // a nested structure (retry, throttle, keys, autoscale, consumer)
                    ui.horizontal(|ui| {
                        egui::CollapsingHeader::new(name.replace('_', " "))
                            .id_salt(self.id(&path))
                            .show(ui, |ui| {
                                if let Some(m) = v.as_object_mut() {
                                    changed |= self.object_ui(ui, &path, m);
                                }
                            })
                            .header_response
                            .on_hover_text(
                                help(&self.kind, &path)
                                    .map(|h| h.meaning.as_str())
                                    .or_else(|| nested_meaning(&name))
                                    .unwrap_or(""),
                            );
                    });
                    if optional
                        && ui
                            .small_button("unset")
                            .on_hover_text("back to none")
                            .clicked()
                    {
                        obj.remove(&name);
                        changed = true;
                    }
                }
                Some(v) => {
                    let mut unset = false;
                    ui.horizontal(|ui| {
                        self.label_ui(ui, &path, &name);
                        changed |= self.value_ui(ui, &path, &name, v);
                        if optional && ui.small_button("×").on_hover_text("unset (none)").clicked()
                        {
                            unset = true;
                        }
                    });
                    self.reason_ui(ui);
                    if unset {
                        obj.remove(&name);
                        changed = true;
                    }
                }
                None => {
                    ui.horizontal(|ui| {
                        self.label_ui(ui, &path, &name);
                        ui.weak("none");
                        if ui.small_button("set").clicked() {
                            obj.insert(name.clone(), template_for(&name, &self.component_ids));
                            changed = true;
                        }
                    });
                }
            }
        }
        changed
    }

    /// Under a row: why its text does not parse, if it does not.
    pub fn reason_ui(&mut self, ui: &mut Ui) {
        if let Some(why) = self.row_reason.take() {
            let color = ui.visuals().error_fg_color;
            ui.add(egui::Label::new(RichText::new(why).color(color)).wrap());
        }
    }

    /// Edit one value with a widget fitting its type. Returns whether it changed.
    pub fn value_ui(&mut self, ui: &mut Ui, path: &str, name: &str, v: &mut Value) -> bool {
        match v {
            Value::Bool(b) => {
                let r = ui.checkbox(b, "");
                self.labelled(r).changed()
            }
            Value::Number(_) => self.number_ui(ui, name, v),
            Value::String(s) if is_reference(name) => self.reference_ui(ui, path, s),
            Value::String(s) => {
                if let Some(set) = variant_set(name, s) {
                    return self.variant_ui(ui, path, name, v, &set);
                }
                if s.parse::<Duration>().is_ok() {
                    return self.duration_ui(ui, path, v);
                }
                self.text_ui(ui, path, v)
            }
            Value::Object(_) => {
                let Some(var) = variant_name(v) else {
                    return self.json_ui(ui, path, v);
                };
                let Some(set) = variant_set(name, &var) else {
                    return self.json_ui(ui, path, v);
                };
                let mut changed = false;
                ui.vertical(|ui| {
                    changed |= self.variant_ui(ui, path, name, v, &set);
                    let Some(inner) = v.as_object_mut().and_then(|m| m.values_mut().next()) else {
                        return;
                    };
                    if let Value::Object(fields) = inner {
                        for (k, x) in fields.iter_mut() {
                            let sub = format!("{path}.{k}");
                            ui.horizontal(|ui| {
                                ui.add_space(12.0);
                                let l = ui
                                    .label(label_text(k))
                                    .on_hover_text(nested_meaning(k).unwrap_or(""));
                                self.label = Some(l.id);
                                // the value-like fields of a distribution carry the unit
                                // of the field holding it (service_ms: ms)
                                let value_like = matches!(
                                    k.as_str(),
                                    "mean" | "p50" | "p99" | "min" | "max" | "scale"
                                );
                                changed |= if x.is_number() && value_like {
                                    self.number_ui(ui, name, x)
                                } else {
                                    self.value_ui(ui, &sub, k, x)
                                };
                            });
                            self.reason_ui(ui);
                        }
                    } else if inner.is_number() {
                        ui.horizontal(|ui| {
                            ui.add_space(12.0);
                            ui.label("value");
                            changed |= self.number_ui(ui, name, inner);
                        });
                    } else {
                        changed |= self.json_ui(ui, &format!("{path}.value"), inner);
                    }
                });
                changed
            }
            Value::Array(a) if name == "event_types" && self.kind != "Document" => {
                let _ = a;
                self.names_ui(ui, path, v)
            }
            Value::Array(a)
                if name == "event_types" || (!a.is_empty() && a.iter().all(Value::is_object)) =>
            {
                self.list_ui(ui, path, name, v)
            }
            Value::Array(_) | Value::Null => self.json_ui(ui, path, v),
        }
    }

    /// A list of names as comma-separated text (a producer's or filter's event types).
    fn names_ui(&mut self, ui: &mut Ui, path: &str, v: &mut Value) -> bool {
        let canonical = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        self.checked_text_ui(
            ui,
            path,
            canonical,
            "all (comma-separated names)",
            |t| {
                Ok(Value::Array(
                    t.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                ))
            },
            v,
        )
    }

    /// A list of structures (event types): each editable, removable; "add" appends.
    fn list_ui(&mut self, ui: &mut Ui, path: &str, name: &str, v: &mut Value) -> bool {
        let Some(items) = v.as_array_mut() else {
            return false;
        };
        let mut changed = false;
        let mut remove = None;
        ui.vertical(|ui| {
            for (i, item) in items.iter_mut().enumerate() {
                let title = item
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("#{}", i + 1), str::to_owned);
                let sub = format!("{path}[{i}]");
                egui::CollapsingHeader::new(title)
                    .id_salt(self.id(&sub))
                    .show(ui, |ui| {
                        if let Some(m) = item.as_object_mut() {
                            changed |= self.object_ui(ui, &sub, m);
                        }
                        if ui.small_button("remove").clicked() {
                            remove = Some(i);
                        }
                    });
            }
            if ui
                .small_button(format!(
                    "add {}",
                    name.replace('_', " ").trim_end_matches('s')
                ))
                .clicked()
            {
                let template = items.last().cloned().or_else(|| {
                    (name == "event_types")
                        .then(|| serde_json::to_value(crate::model::EventType::default()).ok())
                        .flatten()
                });
                if let Some(mut t) = template {
                    if let Some(Value::String(n)) = t.get_mut("name") {
                        n.push_str("-2");
                    }
                    items.push(t);
                    changed = true;
                }
            }
        });
        if let Some(i) = remove {
            items.remove(i);
            changed = true;
        }
        changed
    }

    fn number_ui(&mut self, ui: &mut Ui, name: &str, v: &mut Value) -> bool {
        let (lo, hi) = range(name);
        let integer = v.is_u64() || v.is_i64();
        let mut x = v.as_f64().unwrap_or(0.0);
        let speed = (x.abs() * 0.01).max(if integer { 0.1 } else { 0.001 });
        let mut dv = egui::DragValue::new(&mut x)
            .range(lo..=hi)
            .speed(speed)
            .suffix(unit(name))
            .update_while_editing(false);
        if integer {
            dv = dv.fixed_decimals(0);
        } else {
            dv = dv.max_decimals(6);
        }
        let r = ui.add(dv);
        let r = self.labelled(r);
        self.busy |= r.dragged() || r.has_focus();
        if r.changed() && x.is_finite() {
            let new = if integer {
                Value::from(x.round().max(0.0) as u64)
            } else {
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            };
            if !new.is_null() && new != *v {
                *v = new;
                return true;
            }
        }
        false
    }

    fn variant_ui(
        &mut self,
        ui: &mut Ui,
        path: &str,
        _name: &str,
        v: &mut Value,
        set: &[(&'static str, Value)],
    ) -> bool {
        let current = variant_name(v).unwrap_or_default();
        let mut chosen = None;
        egui::ComboBox::from_id_salt(self.id(path))
            .selected_text(&current)
            .show_ui(ui, |ui| {
                for (n, t) in set {
                    if ui.selectable_label(*n == current, *n).clicked() && *n != current {
                        chosen = Some(t.clone());
                    }
                }
            });
        if let Some(t) = chosen {
            *v = t;
            return true;
        }
        false
    }

    fn reference_ui(&mut self, ui: &mut Ui, path: &str, s: &mut String) -> bool {
        let mut changed = false;
        egui::ComboBox::from_id_salt(self.id(path))
            .selected_text(if s.is_empty() { "(choose)" } else { s.as_str() })
            .show_ui(ui, |ui| {
                for id in &self.component_ids {
                    if ui.selectable_label(id == s, id).clicked() && id != s {
                        s.clone_from(id);
                        changed = true;
                    }
                }
            });
        changed
    }

    /// A text field with a parse check: shown red, with the reason under the row, and
    /// not applied while invalid. Left with an invalid text (Enter, Tab, a click
    /// elsewhere), the text is kept and the reason goes to the status line; Enter keeps
    /// the keyboard in the field; Esc puts the value back.
    fn checked_text_ui(
        &mut self,
        ui: &mut Ui,
        path: &str,
        canonical: String,
        hint: &str,
        check: impl Fn(&str) -> Result<Value, String>,
        v: &mut Value,
    ) -> bool {
        let parse = |t: &str| check(t).ok();
        // durations are short; names, lists and JSON get the rest of the row
        let width = if hint.starts_with("e.g.") {
            120.0
        } else {
            (ui.available_width() - 28.0).max(120.0)
        };
        let id = self.id(path);
        let focused = ui.memory(|m| m.has_focus(id));
        // a refused text belongs to the value it was refused for
        if self.held.get(&id).is_some_and(|was| *was != canonical) {
            self.held.remove(&id);
        }
        let held = self.held.contains_key(&id);
        let buf = self.texts.entry(id).or_insert_with(|| canonical.clone());
        if !focused && !held {
            buf.clone_from(&canonical);
        }
        // colour from the text as it was (the widget borrows it), value from the text
        // as it is now
        let valid_before = parse(buf).is_some();
        let mut te = egui::TextEdit::singleline(buf)
            .id(id)
            .hint_text(hint)
            .desired_width(width);
        if !valid_before {
            te = te.text_color(ui.visuals().error_fg_color);
        }
        let r = ui.add(te);
        let r = self.labelled(r);
        self.busy |= r.has_focus();
        let left = r.lost_focus();
        if left && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.held.remove(&id);
            self.texts.insert(id, canonical);
            return false;
        }
        let parsed = self.texts.get(&id).and_then(|t| parse(t));
        if parsed.is_none() {
            ui.label(RichText::new("invalid").color(ui.visuals().error_fg_color));
        }
        if let Some(Err(why)) = self.texts.get(&id).map(|t| check(t)) {
            if left {
                self.held.insert(id, canonical);
                let field = path.rsplit(['.', '#']).next().unwrap_or(path);
                self.refused = Some(format!(
                    "{} not changed: {why} (Esc puts the value back)",
                    field.replace('_', " ")
                ));
                if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    r.request_focus();
                }
            }
            self.row_reason = Some(why);
        }
        // applied when the field is left (Enter, Tab, a click elsewhere): one edit, one
        // undo step, and never a half-typed value
        match parsed {
            Some(new) if left => {
                self.held.remove(&id);
                if new == *v {
                    return false;
                }
                *v = new;
                true
            }
            _ => false,
        }
    }

    fn duration_ui(&mut self, ui: &mut Ui, path: &str, v: &mut Value) -> bool {
        let canonical = v.as_str().unwrap_or_default().to_owned();
        self.checked_text_ui(
            ui,
            path,
            canonical,
            "e.g. 30s, 5m, 1h30m",
            |t| {
                t.trim()
                    .parse::<Duration>()
                    .map(|d| Value::String(d.to_string()))
                    .map_err(|e| e.to_string())
            },
            v,
        )
    }

    fn text_ui(&mut self, ui: &mut Ui, path: &str, v: &mut Value) -> bool {
        let canonical = v.as_str().unwrap_or_default().to_owned();
        self.checked_text_ui(
            ui,
            path,
            canonical,
            "",
            |t| Ok(Value::String(t.to_owned())),
            v,
        )
    }

    /// Fallback for lists and anything else: the value as JSON text, checked as typed.
    fn json_ui(&mut self, ui: &mut Ui, path: &str, v: &mut Value) -> bool {
        let canonical = serde_json::to_string(v).unwrap_or_default();
        self.checked_text_ui(
            ui,
            path,
            canonical,
            "JSON",
            |t| serde_json::from_str::<Value>(t).map_err(|e| format!("not JSON: {e}")),
            v,
        )
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_do_not_repeat_the_unit_the_value_shows() {
        assert_eq!(label_text("rate_per_s"), "rate");
        assert_eq!(label_text("max_backoff_ms"), "max backoff");
        assert_eq!(label_text("memory_mb"), "memory");
        assert_eq!(label_text("visibility_timeout"), "visibility timeout");
        for name in ["rate_per_s", "service_ms", "memory_gb", "payload_bytes"] {
            let u = unit(name).trim();
            assert!(!u.is_empty(), "{name}");
            assert!(
                !label_text(name).contains(u),
                "{name}: {}",
                label_text(name)
            );
            assert!(!label_text(name).ends_with(" s"), "{name}");
        }
    }

    #[test]
    fn variant_sets_are_found_by_current_value() {
        assert!(variant_set("routing", "FanOut").is_some());
        assert_eq!(
            variant_set("arrivals", "Constant").map(|s| s.len()),
            Some(6)
        );
        assert_eq!(
            variant_set("service_ms", "Constant").map(|s| s.len()),
            Some(10)
        );
        assert!(variant_set("name", "orders").is_none());
    }

    #[test]
    fn every_optional_parameter_can_be_set_from_its_template() {
        for e in crate::gui::palette::ENTRIES {
            let kind = (e.make)();
            let name = kind.kind_name();
            for p in PARAMS
                .iter()
                .filter(|p| p.kind == name && p.default.starts_with("none"))
            {
                let mut v = serde_json::to_value(&kind).unwrap();
                let inner = v.as_object_mut().unwrap().values_mut().next().unwrap();
                let obj = inner.as_object_mut().unwrap();
                if p.name.contains('.') {
                    continue;
                }
                obj.insert(p.name.clone(), template_for(&p.name, &["x".to_owned()]));
                let back: Result<crate::model::ComponentKind, _> = serde_json::from_value(v);
                assert!(back.is_ok(), "{name}.{}: {back:?}", p.name);
            }
        }
        for name in [
            "filter",
            "latency_ms",
            "retry",
            "max_event_age",
            "dead_letter",
        ] {
            let mut v = serde_json::to_value(crate::model::Connection::new("a", "b")).unwrap();
            v.as_object_mut()
                .unwrap()
                .insert(name.to_owned(), template_for(name, &["x".to_owned()]));
            let back: Result<crate::model::Connection, _> = serde_json::from_value(v);
            assert!(back.is_ok(), "connection {name}: {back:?}");
        }
    }

    #[test]
    fn help_is_found_by_kind_and_path() {
        // (that every kind's parameters are documented is checked in `param_help`)
        let h = help("SqsQueue", "visibility_timeout").unwrap();
        assert_eq!(h.default, "\"30s\"");
        assert!(help("ContainerService", "autoscale.metric").is_some());
        assert!(help("Document", "scenario.duration").is_some());
        assert!(help("Connection", "weight").is_some());
        assert!(help("SqsQueue", "shards").is_none());
    }
}
