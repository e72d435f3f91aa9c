//! What a kind's builder works with: the [`Build`] trait every kind's parameters
//! implement, the [`BuildEnv`] it may look at while it compiles one component, and the
//! [`Built`] component it returns. The dispatcher over the kinds (`build.rs`) and the
//! behaviours both depend on this module, not on each other.

use std::collections::BTreeMap;

use super::engine::Behaviour;
use super::ids::{CompId, LinkId};
use super::metrics::ComponentMetrics;
use crate::model::{ComponentKind, Connection, Document, EventType, Kind, Routing};

/// Turning a kind's parameters into a running component.
pub(crate) trait Build {
    /// Compile the component `env.me` with these parameters; `Err` says what cannot be
    /// used (the caller names the component).
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String>;
}

/// One outgoing link of the component being built.
pub(crate) struct LinkInfo<'a> {
    /// Link index, for `Ctx::send_on` / `Ctx::invoke`.
    pub link: LinkId,
    /// Index of the component it leads to.
    pub target: CompId,
    /// That component's kind.
    pub target_kind: &'a ComponentKind,
    /// The connection as drawn.
    pub conn: &'a Connection,
}

/// What a kind's builder may look at and register while it compiles one component.
pub(crate) struct BuildEnv<'a> {
    /// The whole document.
    pub doc: &'a Document,
    /// Index of the component being built.
    pub me: CompId,
    /// Its kind (one parameter struct may serve several kinds).
    pub kind: Kind,
    /// The document's event types (one anonymous type when it declares none).
    pub types: &'a [EventType],
    /// Its delivery links, in document order.
    pub delivery: Vec<LinkInfo<'a>>,
    /// Component index by id.
    pub(super) index: &'a BTreeMap<&'a str, CompId>,
    /// Shared concurrency pools so far: name and slots.
    pub(super) pools: &'a mut Vec<(String, u64)>,
}

impl BuildEnv<'_> {
    /// Index of the component with this id.
    pub fn component_index(&self, id: &str) -> Option<CompId> {
        self.index.get(id).copied()
    }

    /// A shared concurrency pool by name, created with `limit` slots by the first
    /// component that asks for it (e.g. `lambda-unreserved`).
    pub fn pool(&mut self, name: &str, limit: u64) -> u32 {
        let i = self
            .pools
            .iter()
            .position(|(n, _)| n == name)
            .unwrap_or_else(|| {
                self.pools.push((name.to_owned(), limit));
                self.pools.len() - 1
            });
        u32::try_from(i).unwrap_or(u32::MAX)
    }
}

/// A compiled component: behaviour, metrics (with its meters and gauges) and routing.
pub(crate) struct Built {
    /// What it does.
    pub behaviour: Box<dyn Behaviour>,
    /// What is recorded about it.
    pub metrics: ComponentMetrics,
    /// Fan-out or split over its delivery links.
    pub routing: Routing,
}
