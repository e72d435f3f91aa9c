//! Building a [`Simulation`] from a validated document: the links, the event types, and
//! each component through the [`Build`] implementation of its kind's parameters.

use std::collections::BTreeMap;

use super::build_env::{Build, BuildEnv, LinkInfo};
use super::engine::{Behaviour, CompiledFilter, EventTypeRt, Link, Outputs, Simulation};
use super::ids::{CompId, LinkId};
use super::sample::Sampler;
use crate::model::{
    ComponentKind, Document, EventType, Filter, LinkKind, Problem, Severity, validate,
};

/// Why a document could not be turned into a simulation.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Validation found errors; all of them are listed.
    #[error("the design has {} error{}:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// A component's parameters could not be compiled.
    #[error("component `{name}`: {message}")]
    Component {
        /// Display name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// The parameters of a component, as the builder of its kind.
fn params(kind: &ComponentKind) -> &dyn Build {
    match kind {
        ComponentKind::Producer(p) => p,
        ComponentKind::Station(p) => p,
        ComponentKind::Sink(p) => p,
        ComponentKind::DeadLetterQueue(p) => p,
        ComponentKind::ApiGateway(p) => p,
        ComponentKind::EventBus(p) => p,
        ComponentKind::SnsTopic(p) => p,
        ComponentKind::SqsQueue(p) => p,
        ComponentKind::Lambda(p) => p,
        ComponentKind::KinesisStream(p) => p,
        ComponentKind::KafkaTopic(p) => p,
        ComponentKind::ContainerService(p) => p,
        ComponentKind::StepFunctions(p) => p,
        ComponentKind::DynamoDbTable(p) => p,
        ComponentKind::Firehose(p) => p,
        ComponentKind::S3Bucket(p) => p,
        ComponentKind::Ses(p) => p,
        ComponentKind::LogGroup(p) => p,
        ComponentKind::Analytics(p) => p,
    }
}

fn event_types(doc: &Document) -> Vec<EventType> {
    if doc.event_types.is_empty() {
        vec![EventType::default()]
    } else {
        doc.event_types.clone()
    }
}

fn compile_filter(f: &Filter, types: &[EventType]) -> CompiledFilter {
    types
        .iter()
        .map(|et| {
            if !f.event_types.is_empty() && !f.event_types.contains(&et.name) {
                return None;
            }
            Some(
                f.attributes
                    .iter()
                    .map(
                        |(attr, cond)| match et.attributes.keys().position(|k| k == attr) {
                            Some(slot) => {
                                let values = &et.attributes[attr];
                                let mask = values
                                    .iter()
                                    .enumerate()
                                    .filter(|(_, (v, _))| cond.matches_value(v))
                                    .fold(0u64, |m, (i, _)| m | (1u64 << i));
                                (u8::try_from(slot).ok(), mask, cond.matches_absent())
                            }
                            None => (None, 0, cond.matches_absent()),
                        },
                    )
                    .collect(),
            )
        })
        .collect()
}

impl Simulation {
    /// Build a run of `doc` with the seed from its scenario.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] listing every validation error, or
    /// [`BuildError::Component`] naming a component whose parameters cannot be used.
    pub fn new(doc: &Document) -> Result<Self, BuildError> {
        Self::with_seed(doc, doc.scenario.seed)
    }

    /// Build a run of `doc` with another seed.
    ///
    /// # Errors
    /// As [`Simulation::new`].
    pub fn with_seed(doc: &Document, seed: u64) -> Result<Self, BuildError> {
        let errors: Vec<Problem> = validate(doc)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            return Err(BuildError::Invalid(errors));
        }
        let types = event_types(doc);
        let index: BTreeMap<&str, CompId> = doc
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), CompId::at(i)))
            .collect();
        let cerr = |name: &str, message: String| BuildError::Component {
            name: name.to_owned(),
            message,
        };

        let mut event_rt = Vec::with_capacity(types.len());
        for et in &types {
            let size =
                Sampler::new(&et.payload_bytes).map_err(|e| cerr(&et.name, e.to_string()))?;
            let attrs = et
                .attributes
                .iter()
                .map(|(name, values)| {
                    let mut acc = 0.0;
                    let cum = values
                        .iter()
                        .map(|(_, w)| {
                            acc += w;
                            acc
                        })
                        .collect();
                    (
                        name.clone(),
                        values.iter().map(|(v, _)| v.clone()).collect(),
                        cum,
                    )
                })
                .collect();
            event_rt.push(EventTypeRt { size, attrs });
        }

        let mut links = Vec::with_capacity(doc.connections.len());
        let mut link_conn: Vec<usize> = Vec::with_capacity(doc.connections.len());
        let mut outputs: Vec<Outputs> = doc.components.iter().map(|_| Outputs::default()).collect();
        for (ci, conn) in doc.connections.iter().enumerate() {
            let (Some(&from), Some(&to)) =
                (index.get(conn.from.as_str()), index.get(conn.to.as_str()))
            else {
                continue; // validation reports dangling links
            };
            let latency = conn
                .latency_ms
                .as_ref()
                .map(Sampler::new)
                .transpose()
                .map_err(|e| cerr(&conn.label(), e.to_string()))?;
            let li = LinkId::at(links.len());
            let filter = match conn.kind {
                LinkKind::Delivery => conn.filter.as_ref().map(|f| compile_filter(f, &types)),
                _ => None,
            };
            link_conn.push(ci);
            links.push(Link {
                target: to,
                weight: conn.weight,
                latency,
                filter,
            });
            match conn.kind {
                LinkKind::Delivery => outputs[from].delivery.push(li),
                LinkKind::DeadLetter | LinkKind::OnFailure => outputs[from].failure.push(li),
            }
        }

        let mut behaviours: Vec<Box<dyn Behaviour>> = Vec::with_capacity(doc.components.len());
        let mut metrics = Vec::with_capacity(doc.components.len());
        let mut pools: Vec<(String, u64)> = Vec::new();
        for (i, c) in doc.components.iter().enumerate() {
            let info = |&l: &LinkId| {
                let link = &links[l];
                LinkInfo {
                    link: l,
                    target: link.target,
                    target_kind: &doc.components[link.target].kind,
                    conn: &doc.connections[link_conn[l]],
                }
            };
            let mut env = BuildEnv {
                doc,
                me: CompId::at(i),
                kind: c.kind.kind(),
                types: &types,
                delivery: outputs[i].delivery.iter().map(info).collect(),
                index: &index,
                pools: &mut pools,
            };
            let built = params(&c.kind)
                .build(&mut env)
                .map_err(|e| cerr(c.display_name(), e))?;
            outputs[i].routing = built.routing;
            behaviours.push(built.behaviour);
            metrics.push(built.metrics);
        }
        let pools = pools.into_iter().map(|(_, limit)| (limit, 0)).collect();
        let mut sim = Simulation::assemble(
            doc, seed, behaviours, metrics, outputs, links, event_rt, pools,
        );
        sim.set_link_connections(link_conn);
        Ok(sim)
    }
}
