//! Running a design: validate it once, build, run the scenario's replications in
//! parallel, combine them as they finish and price them, giving one
//! [`RunResult`]. The command line, the exports and the editor's worker all run designs
//! through here, so they agree on every number.

use crate::cost::{PriceBook, RunResult, priced};
use crate::model::{Document, Problem, Severity, printable};
use crate::sim::{BuildError, Combiner, Progress, Report, run_combined};

/// Why a design could not be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The design has errors (the first one, and how many more).
    #[error("the design has errors: {0}")]
    Invalid(String),
    /// The simulation could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The run was cancelled before it finished.
    #[error("the simulation was cancelled")]
    Cancelled,
}

/// A design that passed validation, ready to run.
#[derive(Clone, Copy, Debug)]
pub struct Runnable<'a> {
    doc: &'a Document,
}

impl<'a> Runnable<'a> {
    /// Validate `doc`.
    ///
    /// # Errors
    /// [`RunError::Invalid`] naming its first error (made printable) and how many more.
    pub fn check(doc: &'a Document) -> Result<Self, RunError> {
        Self::with_problems(doc, &crate::model::validate(doc))
    }

    /// `doc` with the problems its validation found (for callers that show them).
    ///
    /// # Errors
    /// As [`Runnable::check`].
    pub fn with_problems(doc: &'a Document, problems: &[Problem]) -> Result<Self, RunError> {
        let mut errors = problems.iter().filter(|p| p.severity == Severity::Error);
        if let Some(first) = errors.next() {
            let more = match errors.count() {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            return Err(RunError::Invalid(format!(
                "{}{more}",
                printable(&first.to_string())
            )));
        }
        Ok(Runnable { doc })
    }

    /// A design its caller has checked with [`Runnable::check`] already (the editor
    /// checks when a run starts and runs the replications later on its worker thread).
    #[must_use]
    pub fn checked_by_caller(doc: &'a Document) -> Self {
        Runnable { doc }
    }

    /// The design.
    #[must_use]
    pub fn doc(&self) -> &'a Document {
        self.doc
    }

    /// Run every replication of the scenario and price it. `progress` receives the
    /// simulated time done and can cancel the run.
    ///
    /// # Errors
    /// [`RunError::Build`], or [`RunError::Cancelled`] when `progress` was cancelled.
    pub fn run(
        &self,
        book: &PriceBook,
        progress: Option<&Progress>,
    ) -> Result<RunResult, RunError> {
        self.combine(book, Combiner::default(), None, 0, progress)
    }

    /// Run the replications after the first, which the caller ran itself (the editor
    /// runs it live), and combine them with it.
    ///
    /// # Errors
    /// As [`Runnable::run`].
    pub fn finish(
        &self,
        book: &PriceBook,
        first: &Report,
        progress: Option<&Progress>,
    ) -> Result<RunResult, RunError> {
        let mut combiner = Combiner::default();
        combiner.add(priced(first, &self.doc.cost, book));
        self.combine(book, combiner, first.halted.clone(), 1, progress)
    }

    fn combine(
        self,
        book: &PriceBook,
        mut combiner: Combiner<crate::cost::Priced<crate::sim::Count>>,
        halted: Option<String>,
        from: u32,
        progress: Option<&Progress>,
    ) -> Result<RunResult, RunError> {
        let doc = self.doc;
        let reps = doc.scenario.replications.max(1);
        let later = run_combined(doc, from..reps, &mut combiner, progress, |r| {
            Ok::<_, RunError>(priced(r, &doc.cost, book))
        })?;
        if progress.is_some_and(|p| p.cancel.load(std::sync::atomic::Ordering::Relaxed)) {
            return Err(RunError::Cancelled);
        }
        let combined = combiner.finish().ok_or(RunError::Cancelled)?;
        Ok(RunResult::new(combined, halted.or(later)))
    }
}
