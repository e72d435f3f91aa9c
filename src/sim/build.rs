//! Building a [`Simulation`] from a validated document.

use std::collections::BTreeMap;

use super::aws;
use super::basic::{DeadLetterB, ProducerB, SinkB};
use super::engine::{Behaviour, CompiledFilter, EventTypeRt, Link, Outputs, Simulation};
use super::ids::{CompId, LinkId};
use super::metrics::ComponentMetrics;
use super::sample::{ArrivalGen, Sampler};
use super::station::{StationB, TokenBucket};
use crate::model::{
    ComponentKind, Connection, Document, EventType, Filter, LinkKind, Problem, Routing, Severity,
    validate,
};

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
    /// Its delivery links, in document order.
    pub delivery: Vec<LinkInfo<'a>>,
    index: &'a BTreeMap<&'a str, CompId>,
    pools: &'a mut Vec<(String, u64)>,
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
    #[allow(clippy::too_many_lines)]
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
            let name = c.display_name();
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
                delivery: outputs[i].delivery.iter().map(info).collect(),
                index: &index,
                pools: &mut pools,
            };
            let built = match &c.kind {
                ComponentKind::ApiGateway(p) => Some(aws::api_gateway::build(p, &mut env)),
                ComponentKind::EventBus(p) => Some(aws::eventbridge::build(p, &mut env)),
                ComponentKind::SnsTopic(p) => Some(aws::sns::build(p, &mut env)),
                ComponentKind::SqsQueue(p) => Some(aws::sqs::build(p, &mut env)),
                ComponentKind::Lambda(p) => Some(aws::lambda::build(p, &mut env)),
                ComponentKind::KinesisStream(p) => Some(aws::stream::build(p, false, &mut env)),
                ComponentKind::KafkaTopic(p) => Some(aws::stream::build(p, true, &mut env)),
                ComponentKind::ContainerService(p) => Some(aws::container::build(p, &mut env)),
                ComponentKind::StepFunctions(p) => Some(aws::step_functions::build(p, &mut env)),
                ComponentKind::DynamoDbTable(p) => Some(aws::dynamodb::build(p, &mut env)),
                ComponentKind::Firehose(p) => Some(aws::firehose::build(p, &mut env)),
                ComponentKind::S3Bucket(p) => Some(aws::sinks::build(p, "S3Bucket", &mut env)),
                ComponentKind::Ses(p) => Some(aws::sinks::build(p, "Ses", &mut env)),
                ComponentKind::LogGroup(p) => Some(aws::sinks::build(p, "LogGroup", &mut env)),
                ComponentKind::Analytics(p) => Some(aws::sinks::build(p, "Analytics", &mut env)),
                _ => None,
            };
            if let Some(built) = built {
                let b = built.map_err(|e| cerr(name, e))?;
                outputs[i].routing = b.routing;
                behaviours.push(b.behaviour);
                metrics.push(b.metrics);
                continue;
            }
            match &c.kind {
                ComponentKind::Producer(p) => {
                    let arrivals =
                        ArrivalGen::new(&p.arrivals).map_err(|e| cerr(name, e.to_string()))?;
                    let mut acc = 0.0;
                    let mix = types
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| {
                            p.event_types.is_empty() || p.event_types.contains(&t.name)
                        })
                        .filter(|(_, t)| t.weight > 0.0)
                        .map(|(ti, t)| {
                            acc += t.weight;
                            (u16::try_from(ti).unwrap_or(0), acc)
                        })
                        .collect::<Vec<_>>();
                    if mix.is_empty() {
                        return Err(cerr(
                            name,
                            "emits no event type with a positive weight".to_owned(),
                        ));
                    }
                    outputs[i].routing = p.routing;
                    behaviours.push(Box::new(ProducerB {
                        arrivals,
                        mix,
                        remaining: p.max_events,
                        keys: p.keys.clone(),
                        resend: crate::sim::resend::SdkResender::new(p.retry.clone()),
                    }));
                    metrics.push(ComponentMetrics::new(0));
                }
                ComponentKind::Station(s) => {
                    let service = Sampler::new(&s.service_ms)
                        .map_err(|e| cerr(name, format!("service_ms: {e}")))?;
                    outputs[i].routing = s.routing;
                    behaviours.push(Box::new(StationB::new(
                        u64::from(s.servers),
                        service,
                        s.queue_capacity,
                        s.max_age.map(|d| d.ns),
                        s.throttle
                            .as_ref()
                            .map(|t| TokenBucket::new(t.rate_per_s, t.burst)),
                        s.fail_prob,
                        s.timeout.map(|d| d.ns),
                        s.retry.clone(),
                    )));
                    let mut m = ComponentMetrics::new(u64::from(s.servers));
                    m.sojourn_is_residence = s.retry.max_attempts <= 1;
                    metrics.push(m);
                }
                ComponentKind::Sink(_) => {
                    behaviours.push(Box::new(SinkB));
                    metrics.push(ComponentMetrics::new(0));
                }
                ComponentKind::DeadLetterQueue(_) => {
                    behaviours.push(Box::new(DeadLetterB::new(doc.components.len())));
                    let mut m = ComponentMetrics::new(0);
                    m.add_gauge("oldest_age_s");
                    metrics.push(m);
                }
                _ => unreachable!("cloud kinds are built above"),
            }
        }
        let pools = pools.into_iter().map(|(_, limit)| (limit, 0)).collect();
        let mut sim = Simulation::assemble(
            doc, seed, behaviours, metrics, outputs, links, event_rt, pools,
        );
        sim.set_link_connections(link_conn);
        Ok(sim)
    }
}
