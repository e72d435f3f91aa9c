//! File > Export: one dialog for every format of [`crate::export`]. It makes exactly the
//! files `spillway export` makes ([`export::outputs`]), simulates on a worker thread when
//! the format shows results (the window stays live, with progress and Cancel), asks before
//! it replaces a file, and writes atomically ([`export::write_outputs`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use egui::{RichText, Ui};

use crate::cost::PriceBook;
use crate::export::{self, ExportError, Format, Output, png};
use crate::insight::run::Runnable;
use crate::model::Document;
use crate::sim::Progress;

/// What a simulation for an export returns: the result of the run.
type Simulated = Result<crate::cost::RunResult, ExportError>;

/// One line about each format, for the dialog.
#[must_use]
pub fn describe(format: Format) -> &'static str {
    match format {
        Format::Svg => "SVG diagram: the canvas as a vector picture, text as text",
        Format::Png => "PNG image: the SVG diagram rasterised",
        Format::Mermaid => "Mermaid flowchart, for Markdown in GitHub, GitLab and wikis",
        Format::Dot => "Graphviz DOT, with a cluster per group",
        Format::Markdown => "Markdown spec: parameters, event types, connections, diagram",
        Format::AsyncApi => "AsyncAPI 3.0.0: one document per application, into a folder",
        Format::Csv => "CSV time series: one row per component and time bucket",
        Format::Json => "JSON report (spillway.report/1) with its cost",
    }
}

/// A short title for menus.
#[must_use]
pub fn title(format: Format) -> &'static str {
    match format {
        Format::Svg => "SVG diagram",
        Format::Png => "PNG image",
        Format::Mermaid => "Mermaid flowchart",
        Format::Dot => "Graphviz DOT",
        Format::Markdown => "Markdown spec",
        Format::AsyncApi => "AsyncAPI 3.0",
        Format::Csv => "CSV time series",
        Format::Json => "JSON report",
    }
}

/// A simulation running for an export.
struct Job {
    /// The design as it was when Export was pressed (the export shows this one).
    doc: Document,
    target: PathBuf,
    progress: Arc<Progress>,
    total_ns: u64,
    handle: Option<JoinHandle<Simulated>>,
}

impl Drop for Job {
    fn drop(&mut self) {
        // a dialog closed mid-run: stop the worker at its next slice
        self.progress.cancel.store(true, Ordering::Relaxed);
    }
}

/// Where the dialog is.
enum Stage {
    /// Choosing the format, the options and the path.
    Choosing,
    /// Simulating for the results.
    Simulating(Box<Job>),
    /// Some files exist: replace them?
    Confirm {
        outputs: Vec<Output>,
        existing: Vec<PathBuf>,
        note: Option<String>,
    },
}

/// The export dialog (File > Export).
pub struct ExportDialog {
    /// Whether it is shown.
    pub open: bool,
    /// The chosen format.
    pub format: Format,
    /// Where to write (a folder for AsyncAPI), as typed or picked.
    pub path: String,
    /// Draw the legend (SVG, PNG, the Markdown spec's diagram).
    pub legend: bool,
    /// Transparent background (SVG, PNG).
    pub transparent: bool,
    /// PNG pixels per diagram unit.
    pub scale: f32,
    /// Simulate and include the results (Markdown, AsyncAPI).
    pub with_results: bool,
    /// The last problem, shown in red until the next attempt.
    pub error: Option<String>,
    /// Use native dialogs for Browse (off in tests).
    pub dialogs: bool,
    stage: Stage,
    /// The design (file, else name) the default path was made for.
    made_for: String,
    /// The diagram's size in units (for the PNG size hint), per document revision.
    diagram_size: Option<(u64, [f32; 2])>,
}

impl Default for ExportDialog {
    fn default() -> Self {
        let o = export::Options::default();
        ExportDialog {
            open: false,
            format: Format::Svg,
            path: String::new(),
            legend: o.legend,
            transparent: o.transparent,
            scale: o.scale,
            with_results: false,
            error: None,
            dialogs: false,
            stage: Stage::Choosing,
            made_for: String::new(),
            diagram_size: None,
        }
    }
}

/// The file stem for a design: its file's stem, else a slug of its name.
fn stem(doc: &Document, design: Option<&Path>) -> String {
    if let Some(s) = design.and_then(Path::file_stem) {
        return s.to_string_lossy().into_owned();
    }
    super::files::file_stem(&doc.name)
}

/// The file (folder for AsyncAPI) name of `stem` exported as `format`.
fn file_name(stem: &str, format: Format) -> String {
    match format {
        Format::AsyncApi => format!("{stem}-asyncapi"),
        f => format!("{stem}.{}", f.extension()),
    }
}

/// `path` with its file name made for `format` (the stem kept).
#[must_use]
pub fn retarget(path: &str, from: Format, to: Format) -> String {
    let p = Path::new(path.trim());
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let old = file_name("", from);
    let stem = name.strip_suffix(&old).unwrap_or_else(|| {
        // a name the user typed: keep everything before its extension
        p.file_stem().and_then(|s| s.to_str()).unwrap_or(&name)
    });
    let stem = if stem.is_empty() { "design" } else { stem };
    p.with_file_name(file_name(stem, to)).display().to_string()
}

impl ExportDialog {
    /// Show the dialog for `format` (None: the last one), with a default path beside the
    /// design file (or in the working folder) unless one was chosen for this design.
    pub fn show(&mut self, format: Option<Format>, doc: &Document, design: Option<&Path>) {
        let key = design.map_or_else(|| format!("name:{}", doc.name), |p| p.display().to_string());
        if self.path.trim().is_empty() || self.made_for != key {
            let dir = design
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_default();
            let f = format.unwrap_or(self.format);
            self.path = dir
                .join(file_name(&stem(doc, design), f))
                .display()
                .to_string();
            self.format = f;
            self.made_for = key;
        }
        if let Some(f) = format {
            self.set_format(f);
        }
        self.error = None;
        self.stage = Stage::Choosing;
        self.open = true;
    }

    /// Choose a format; the path's name follows it.
    pub fn set_format(&mut self, f: Format) {
        if f != self.format {
            self.path = retarget(&self.path, self.format, f);
            self.format = f;
        }
    }

    /// Whether a simulation for the export is running.
    #[must_use]
    pub fn simulating(&self) -> bool {
        matches!(self.stage, Stage::Simulating(_))
    }

    /// Whether it waits for "replace the existing files?".
    #[must_use]
    pub fn confirming(&self) -> bool {
        matches!(self.stage, Stage::Confirm { .. })
    }

    fn options(&self) -> export::Options {
        export::Options {
            legend: self.legend,
            transparent: self.transparent,
            scale: self.scale,
        }
    }

    fn simulates(&self) -> bool {
        self.format.needs_results() || (self.with_results && self.format.shows_results())
    }

    /// The target as an absolute path, checked before any work is done.
    fn target(&self) -> Result<PathBuf, String> {
        let text = self.path.trim();
        if text.is_empty() {
            return Err("Choose where to write the export.".to_owned());
        }
        let p = PathBuf::from(text);
        let p = std::path::absolute(&p).unwrap_or(p);
        if self.format == Format::AsyncApi {
            if p.is_file() {
                return Err(ExportError::NotADirectory(p).to_string());
            }
            return Ok(p);
        }
        if p.is_dir() {
            return Err(format!(
                "{} is a folder; add a file name such as {}",
                p.display(),
                file_name("design", self.format)
            ));
        }
        match p.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                Err(format!("the folder {} does not exist", dir.display()))
            }
            _ => Ok(p),
        }
    }

    /// Start the export: at once, or on a worker thread when it simulates.
    fn start(&mut self, doc: &Document) -> Option<String> {
        self.error = None;
        let target = match self.target() {
            Ok(t) => t,
            Err(e) => {
                self.error = Some(e);
                return None;
            }
        };
        // every export validates first, once
        let design = match export::check_valid(doc) {
            Ok(design) => design,
            Err(e) => {
                self.error = Some(e.to_string());
                return None;
            }
        };
        if !self.simulates() {
            return match export::outputs(design, self.format, Some(&target), None, &self.options())
            {
                Ok(outputs) => self.check_and_write(outputs, None),
                Err(e) => {
                    self.error = Some(e.to_string());
                    None
                }
            };
        }
        let book = match PriceBook::builtin() {
            Ok(b) => b,
            Err(e) => {
                self.error = Some(e.to_string());
                return None;
            }
        };
        let progress = Arc::new(Progress::default());
        let doc = doc.clone();
        let total_ns = doc
            .scenario
            .duration
            .ns
            .saturating_mul(u64::from(doc.scenario.replications.max(1)));
        let (worker_doc, worker_progress) = (doc.clone(), Arc::clone(&progress));
        let spawned = std::thread::Builder::new()
            .name("spillway-export".to_owned())
            .spawn(move || {
                // a copy of the design checked above
                Ok(Runnable::checked_by_caller(&worker_doc).run(&book, Some(&worker_progress))?)
            });
        match spawned {
            Ok(handle) => {
                self.stage = Stage::Simulating(Box::new(Job {
                    doc,
                    target,
                    progress,
                    total_ns,
                    handle: Some(handle),
                }));
            }
            Err(e) => self.error = Some(format!("cannot start the simulation: {e}")),
        }
        None
    }

    /// Ask before replacing files; otherwise write.
    fn check_and_write(&mut self, outputs: Vec<Output>, note: Option<String>) -> Option<String> {
        let existing: Vec<PathBuf> = export::existing(&outputs)
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        if existing.is_empty() {
            self.write(&outputs, note.as_deref())
        } else {
            self.stage = Stage::Confirm {
                outputs,
                existing,
                note,
            };
            None
        }
    }

    /// Write the files; on success close and return the status line.
    fn write(&mut self, outputs: &[Output], note: Option<&str>) -> Option<String> {
        self.stage = Stage::Choosing;
        match export::write_outputs(self.format, outputs, true) {
            Ok(written) => {
                self.open = false;
                let main = written
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let more = match written.len() {
                    0 | 1 => String::new(),
                    n => format!(" and {} more files", n - 1),
                };
                let main = if self.format == Format::AsyncApi {
                    written
                        .first()
                        .and_then(|p| p.parent())
                        .map(|d| format!("{} ({} files)", d.display(), written.len()))
                        .unwrap_or(main)
                } else {
                    format!("{main}{more}")
                };
                let note = note.map(|n| format!("; {n}")).unwrap_or_default();
                Some(format!("Exported {} to {main}{note}", title(self.format)))
            }
            Err(e) => {
                self.error = Some(e.to_string());
                None
            }
        }
    }

    /// A finished simulation (the dialog is back to choosing): make the outputs from its
    /// results.
    fn finished(&mut self, job: &mut Job) -> Option<String> {
        let cancelled = job.progress.cancel.load(Ordering::Relaxed);
        let result = match job.handle.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) | None => {
                self.error = Some("the simulation stopped unexpectedly".to_owned());
                return None;
            }
        };
        if cancelled {
            return Some("Export cancelled".to_owned());
        }
        match result {
            Ok(report) => {
                let note = report
                    .halted
                    .clone()
                    .map(|why| format!("the run was {why}"));
                // job.doc is the design checked when the export started
                match export::outputs(
                    Runnable::checked_by_caller(&job.doc),
                    self.format,
                    Some(&job.target),
                    Some(&report),
                    &self.options(),
                ) {
                    Ok(outputs) => self.check_and_write(outputs, note),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        None
                    }
                }
            }
            Err(e) => {
                self.error = Some(e.to_string());
                None
            }
        }
    }

    /// Draw the dialog when open; returns a status line when something happened.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        doc: &Document,
        revision: u64,
        design: Option<&Path>,
    ) -> Option<String> {
        if !self.open {
            return None;
        }
        // a simulation that finished since the last frame
        let done = matches!(&self.stage, Stage::Simulating(job)
            if job.handle.as_ref().is_some_and(JoinHandle::is_finished));
        if done
            && let Stage::Simulating(mut job) = std::mem::replace(&mut self.stage, Stage::Choosing)
        {
            let status = self.finished(&mut job);
            if status.is_some() {
                return status;
            }
        }
        let mut status = None;
        let mut close = false;
        egui::Modal::new(egui::Id::new("export")).show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading("Export");
            match (self.simulating(), self.confirming()) {
                (false, false) => {
                    self.choosing_ui(ui, doc, revision, design);
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        let label = if self.simulates() {
                            "Simulate and export"
                        } else {
                            "Export"
                        };
                        if ui.button(label).clicked() {
                            status = self.start(doc);
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
                (true, _) => {
                    let Stage::Simulating(job) = &self.stage else {
                        return;
                    };
                    let done = job.progress.done_ns.load(Ordering::Relaxed);
                    let frac = (done as f64 / job.total_ns.max(1) as f64).clamp(0.0, 1.0);
                    ui.label(format!(
                        "Simulating \"{}\" for its results ({} replication{} of {})...",
                        job.doc.name,
                        job.doc.scenario.replications.max(1),
                        if job.doc.scenario.replications > 1 {
                            "s"
                        } else {
                            ""
                        },
                        job.doc.scenario.duration
                    ));
                    ui.add(egui::ProgressBar::new(frac as f32).show_percentage());
                    if ui.button("Cancel").clicked() {
                        job.progress.cancel.store(true, Ordering::Relaxed);
                    }
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(50));
                }
                (false, true) => {
                    let existing = match &self.stage {
                        Stage::Confirm { existing, .. } => existing.clone(),
                        _ => Vec::new(),
                    };
                    let n = existing.len();
                    ui.label(if n == 1 {
                        "This file exists already:".to_owned()
                    } else {
                        format!("These {n} files exist already:")
                    });
                    for p in existing.iter().take(8) {
                        ui.monospace(p.display().to_string());
                    }
                    if n > 8 {
                        ui.label(format!("and {} more", n - 8));
                    }
                    ui.add_space(8.0);
                    let mut choice = None;
                    ui.horizontal(|ui| {
                        if ui
                            .button(if n == 1 { "Replace" } else { "Replace all" })
                            .clicked()
                        {
                            choice = Some(true);
                        }
                        if ui.button("Back").clicked() {
                            choice = Some(false);
                        }
                    });
                    match choice {
                        Some(true) => {
                            if let Stage::Confirm { outputs, note, .. } =
                                std::mem::replace(&mut self.stage, Stage::Choosing)
                            {
                                status = self.write(&outputs, note.as_deref());
                            }
                        }
                        Some(false) => self.stage = Stage::Choosing,
                        None => {}
                    }
                }
            }
            if let Some(e) = &self.error {
                ui.add_space(6.0);
                ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
            }
        });
        if close || (ctx.input(|i| i.key_pressed(egui::Key::Escape)) && !self.simulating()) {
            self.open = false;
            self.stage = Stage::Choosing;
        }
        status
    }

    fn choosing_ui(&mut self, ui: &mut Ui, doc: &Document, revision: u64, design: Option<&Path>) {
        let mut format = self.format;
        egui::Grid::new("export-grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                ui.label("format");
                egui::ComboBox::from_id_salt("export-format")
                    .selected_text(title(format))
                    .width(220.0)
                    .show_ui(ui, |ui| {
                        for f in Format::ALL {
                            ui.selectable_value(&mut format, f, title(f));
                        }
                    });
                ui.end_row();
                ui.label("");
                ui.label(RichText::new(describe(format)).weak());
                ui.end_row();

                ui.label(if format == Format::AsyncApi {
                    "folder"
                } else {
                    "file"
                });
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.path).desired_width(if self.dialogs {
                            340.0
                        } else {
                            410.0
                        }),
                    );
                    if self.dialogs && ui.button("Browse...").clicked() {
                        self.browse(doc, design);
                    }
                });
                ui.end_row();

                if matches!(format, Format::Svg | Format::Png | Format::Markdown) {
                    ui.label("diagram");
                    ui.horizontal(|ui| {
                        ui.checkbox(&mut self.legend, "legend");
                        if format != Format::Markdown {
                            ui.checkbox(&mut self.transparent, "transparent background");
                        }
                    });
                    ui.end_row();
                }
                if format == Format::Png {
                    ui.label("scale");
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::DragValue::new(&mut self.scale)
                                .range(png::SCALE_RANGE)
                                .speed(0.05)
                                .fixed_decimals(2)
                                .suffix(" px per unit"),
                        );
                        let size = self.diagram_size(doc, revision);
                        let (w, h) = (
                            (size[0] * self.scale).ceil() as u32,
                            (size[1] * self.scale).ceil() as u32,
                        );
                        ui.label(RichText::new(format!("{w} x {h} pixels")).weak());
                    });
                    ui.end_row();
                }
                if matches!(format, Format::Markdown | Format::AsyncApi) {
                    ui.label("results");
                    ui.checkbox(
                        &mut self.with_results,
                        "simulate the scenario and include the KPIs and cost",
                    );
                    ui.end_row();
                }
                if format.needs_results() {
                    ui.label("results");
                    ui.label(
                        RichText::new(format!(
                            "made by simulating the scenario ({} x {})",
                            doc.scenario.replications.max(1),
                            doc.scenario.duration
                        ))
                        .weak(),
                    );
                    ui.end_row();
                }
            });
        self.set_format(format);
    }

    /// The diagram's size in units, cached per revision.
    fn diagram_size(&mut self, doc: &Document, revision: u64) -> [f32; 2] {
        if let Some((r, s)) = self.diagram_size
            && r == revision
        {
            return s;
        }
        let svg = export::svg::render(doc, &export::svg::SvgOptions::default());
        let s = png::size(&svg, 1.0).map_or([0.0, 0.0], |(w, h)| [w as f32, h as f32]);
        self.diagram_size = Some((revision, s));
        s
    }

    /// The native save dialog (a folder picker for AsyncAPI).
    fn browse(&mut self, doc: &Document, design: Option<&Path>) {
        let current = PathBuf::from(self.path.trim());
        let dir = current
            .parent()
            .filter(|d| d.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| design.and_then(Path::parent).map(Path::to_path_buf));
        let started = std::time::Instant::now();
        let mut dialog = rfd::FileDialog::new();
        if let Some(d) = dir {
            dialog = dialog.set_directory(d);
        }
        let picked = if self.format == Format::AsyncApi {
            dialog.pick_folder()
        } else {
            let name = current
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file_name(&stem(doc, design), self.format));
            dialog
                .add_filter(title(self.format), &[self.format.extension()])
                .set_file_name(name)
                .save_file()
        };
        match picked {
            Some(p) => self.path = p.display().to_string(),
            // a dialog that could not be shown returns at once; a cancelled one later
            None if started.elapsed().as_millis() < 300 => {
                self.error = Some("No file dialog is available here: type the path.".to_owned());
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_follows_the_format() {
        assert_eq!(
            retarget("/d/shop.svg", Format::Svg, Format::Markdown),
            "/d/shop.md"
        );
        assert_eq!(
            retarget("/d/shop.md", Format::Markdown, Format::AsyncApi),
            "/d/shop-asyncapi"
        );
        assert_eq!(
            retarget("/d/shop-asyncapi", Format::AsyncApi, Format::Png),
            "/d/shop.png"
        );
        // a name typed by the user keeps its stem
        assert_eq!(
            retarget("/d/diagram-v2.txt", Format::Dot, Format::Mermaid),
            "/d/diagram-v2.mmd"
        );
    }

    #[test]
    fn the_default_name_comes_from_the_file_or_the_design_name() {
        let doc = Document {
            name: "Order fan-out (v2)".to_owned(),
            ..Document::default()
        };
        assert_eq!(stem(&doc, None), "order-fan-out--v2");
        assert_eq!(stem(&doc, Some(Path::new("/x/shop.ron"))), "shop");
        let mut d = ExportDialog::default();
        d.show(Some(Format::Png), &doc, Some(Path::new("/x/shop.ron")));
        assert_eq!(d.path, "/x/shop.png");
        assert_eq!(d.format, Format::Png);
    }
}
