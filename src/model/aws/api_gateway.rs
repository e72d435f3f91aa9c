//! Amazon API Gateway (REST or HTTP API).
//!
//! Figures from `shared/reference/aws-services.md`, section 1.

use serde::{Deserialize, Serialize};

use crate::model::{Dist, Duration, NS_PER_MS, Severity, Throttle};

use super::eventbridge::{dist_problems, throttle_problems};

/// Which flavour of API: they differ in price, metering and integration timeout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiType {
    /// REST API: billed per request; integration timeout 50 ms to 29 s by default.
    #[default]
    Rest,
    /// HTTP API: billed per request in 512 KB slices; integration timeout up to 30 s.
    Http,
}

/// Amazon API Gateway (REST or HTTP API): a token bucket in front of a synchronous
/// integration. Requests over the bucket get 429; admitted ones invoke the integration
/// target (the first matching delivery link) and wait for its answer, never retrying;
/// an answer later than `integration_timeout` becomes 504.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiGateway {
    /// REST or HTTP API.
    pub api: ApiType,
    /// Token bucket shared by all routes: the account-level throttle is 10,000 requests/s
    /// steady with a burst (bucket) of 5,000, per Region and shared by every API in the
    /// account; stage, method and usage-plan limits can be lower
    /// (<https://github.com/awsdocs/amazon-api-gateway-developer-guide/blob/6060e21e4214857f6f416c50ee2d019bc3db2206/doc_source/limits.md>,
    /// <https://github.com/awsdocs/amazon-api-gateway-developer-guide/blob/6060e21e4214857f6f416c50ee2d019bc3db2206/doc_source/api-gateway-request-throttling.md>).
    pub throttle: Throttle,
    /// How long the gateway waits for the integration before answering 504: REST
    /// 50 ms to 29 s (default 29 s; more only for Regional/private REST APIs after a
    /// quota increase, <https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/>),
    /// HTTP up to 30 s
    /// (<https://github.com/awsdocs/amazon-api-gateway-developer-guide/blob/6060e21e4214857f6f416c50ee2d019bc3db2206/doc_source/limits.md>).
    pub integration_timeout: Duration,
    /// The gateway's own latency per request, in ms, added before the integration is
    /// called. AWS publishes no figure; the default (log-normal, median 5 ms, p99 20 ms)
    /// is ours.
    pub overhead_ms: Dist,
}

impl Default for ApiGateway {
    fn default() -> Self {
        ApiGateway {
            api: ApiType::Rest,
            throttle: Throttle {
                rate_per_s: 10_000.0,
                burst: 5_000.0,
            },
            integration_timeout: Duration::from_secs(29),
            overhead_ms: Dist::LogNormal {
                p50: 5.0,
                p99: 20.0,
            },
        }
    }
}

/// Shortest integration timeout API Gateway accepts.
const MIN_TIMEOUT_NS: u64 = 50 * NS_PER_MS;

impl ApiGateway {
    /// What is wrong with these parameters.
    #[must_use]
    pub fn problems(&self) -> Vec<(Severity, String)> {
        let mut out: Vec<(Severity, String)> = throttle_problems("throttle", &self.throttle)
            .into_iter()
            .map(|e| (Severity::Error, e))
            .collect();
        out.extend(
            dist_problems("overhead_ms", &self.overhead_ms)
                .into_iter()
                .map(|e| (Severity::Error, e)),
        );
        let t = self.integration_timeout;
        if t.ns < MIN_TIMEOUT_NS {
            out.push((
                Severity::Error,
                format!("integration_timeout must be at least 50ms, got {t}"),
            ));
        }
        match self.api {
            ApiType::Rest if t > Duration::from_secs(29) => out.push((
                Severity::Warning,
                format!(
                    "integration_timeout {t} is above the REST default maximum of 29s: AWS allows it only for Regional and private REST APIs after a quota increase, which may lower the account throttle"
                ),
            )),
            ApiType::Http if t > Duration::from_secs(30) => out.push((
                Severity::Error,
                format!("integration_timeout of an HTTP API can be at most 30s, got {t}"),
            )),
            _ => {}
        }
        out
    }
}
