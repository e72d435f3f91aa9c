//! The cost model: what a run's traffic costs at AWS list prices.
//!
//! Components record billable usage while they run (`sim::Meter`: requests, GB-seconds,
//! shard-hours, ... with the share caused by retries); this module prices it with a
//! [`PriceBook`] (the built-in one is `assets/prices.ron`, every price with its unit and
//! source) and the design's [`CostSettings`] (free tier switch, price overrides).
//!
//! Pricing is monthly, as AWS bills: the usage of the measured window (after warm-up) is
//! projected to a 730-hour month at the same load, priced with the volume tiers and,
//! when switched on, the monthly free tier of each `service.meter` summed over all
//! components (the free tier and the tiers are per account), and the resulting
//! effective unit price is applied back to each component's usage in the window. So the
//! window cost, the monthly projection and the cost per million events all agree.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Cap, CostSettings, Kind};
use crate::sim::combine::numbers;
use crate::sim::{Count, Report, Tally};

mod result;

pub use result::{Priced, RunResult};

/// Hours in the billing month used for projections (AWS prices use 730).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The built-in price book's text.
pub const BUILTIN_PRICES: &str = include_str!("../../assets/prices.ron");

/// Prices by `service.meter`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBook {
    /// AWS Region the prices are for.
    pub region: String,
    /// Currency of every price.
    pub currency: String,
    /// When the prices were compiled.
    #[serde(default)]
    pub compiled: String,
    /// Prices keyed `service.meter`, e.g. `lambda.gb_seconds`.
    pub prices: BTreeMap<String, Price>,
}

/// The price of one meter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// USD per unit in the first volume tier.
    pub usd: f64,
    /// What one unit is.
    pub unit: String,
    /// Lower prices for the monthly volume above each threshold, in increasing order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// Units free each month when the free tier is included.
    #[serde(default)]
    pub free_per_month: f64,
    /// Where the price comes from.
    #[serde(default)]
    pub source: String,
    /// How sure we are (PL, OFF-CUR, SEC, UNCONFIRMED; see the reference).
    #[serde(default)]
    pub status: String,
}

/// A volume tier: units of the month above `above` cost `usd` each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Monthly volume where the tier starts.
    pub above: f64,
    /// USD per unit in the tier.
    pub usd: f64,
}

/// A price book that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PriceBookError {
    /// The file cannot be read.
    #[error("cannot read price book {path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// The text is not a price book.
    #[error("price book{}: {message} at line {line}, column {column}", path.as_ref().map(|p| format!(" {p}")).unwrap_or_default())]
    Parse {
        /// What is wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The file, if any.
        path: Option<String>,
    },
    /// Values that cannot be prices.
    #[error("price book{}: {}", path.as_ref().map(|p| format!(" {p}")).unwrap_or_default(), problems.join("; "))]
    Invalid {
        /// Each bad value, naming its key.
        problems: Vec<String>,
        /// The file, if any.
        path: Option<String>,
    },
}

impl PriceBook {
    /// The built-in price book (`assets/prices.ron`).
    ///
    /// # Errors
    /// Only if the built-in file is broken, which a test rules out.
    pub fn builtin() -> Result<Self, PriceBookError> {
        Self::from_ron_str(BUILTIN_PRICES, None)
    }

    /// Parse a price book; `path` names the file in errors.
    ///
    /// # Errors
    /// [`PriceBookError::Parse`] with line and column, or [`PriceBookError::Invalid`]
    /// listing every unusable price.
    pub fn from_ron_str(text: &str, path: Option<&str>) -> Result<Self, PriceBookError> {
        let book: PriceBook = ron::from_str(text).map_err(|e| PriceBookError::Parse {
            message: e.code.to_string(),
            line: e.span.start.line,
            column: e.span.start.col,
            path: path.map(str::to_owned),
        })?;
        let problems = book.problems();
        if problems.is_empty() {
            Ok(book)
        } else {
            Err(PriceBookError::Invalid {
                problems,
                path: path.map(str::to_owned),
            })
        }
    }

    /// Read a price book file.
    ///
    /// # Errors
    /// As [`PriceBook::from_ron_str`], or when the file cannot be read.
    pub fn load(path: &Path) -> Result<Self, PriceBookError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|cause| PriceBookError::Io {
            path: name.clone(),
            cause,
        })?;
        Self::from_ron_str(&text, Some(&name))
    }

    /// Every unusable value, naming its key.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, p) in &self.prices {
            if key.split('.').count() != 2 {
                out.push(format!("key `{key}` must look like `service.meter`"));
            }
            let ok = |x: f64| x.is_finite() && x >= 0.0;
            if !ok(p.usd) {
                out.push(format!(
                    "`{key}`: usd must be finite and >= 0, got {}",
                    p.usd
                ));
            }
            if !ok(p.free_per_month) {
                out.push(format!(
                    "`{key}`: free_per_month must be finite and >= 0, got {}",
                    p.free_per_month
                ));
            }
            let mut last = 0.0;
            for t in &p.tiers {
                if !ok(t.usd) || !ok(t.above) || t.above < last {
                    out.push(format!(
                        "`{key}`: tiers must have finite prices and increasing thresholds (tier above {})",
                        t.above
                    ));
                }
                last = t.above;
            }
        }
        out
    }

    /// The book with a design's overrides applied: an overridden price is flat (its
    /// tiers are dropped); unknown keys are added.
    #[must_use]
    pub fn with_overrides(&self, overrides: &BTreeMap<String, f64>) -> PriceBook {
        let mut book = self.clone();
        for (key, usd) in overrides {
            let p = book.prices.entry(key.clone()).or_insert_with(|| Price {
                usd: 0.0,
                unit: "unit".to_owned(),
                tiers: Vec::new(),
                free_per_month: 0.0,
                source: String::new(),
                status: String::new(),
            });
            p.usd = *usd;
            p.tiers.clear();
            p.source = "design override".to_owned();
            p.status = "OVERRIDE".to_owned();
        }
        book
    }
}

impl Price {
    /// Cost of `q` units in one month, with the volume tiers.
    #[must_use]
    pub fn tiered_usd(&self, q: f64) -> f64 {
        let mut cost = 0.0;
        let mut from = 0.0;
        let mut rate = self.usd;
        for t in &self.tiers {
            if q <= t.above {
                break;
            }
            cost += (t.above - from) * rate;
            from = t.above;
            rate = t.usd;
        }
        cost + (q - from).max(0.0) * rate
    }

    /// Cost of `q` units in one month, less the free tier when `free_tier` is on.
    #[must_use]
    pub fn monthly_usd(&self, q: f64, free_tier: bool) -> f64 {
        let q = q.max(0.0);
        let full = self.tiered_usd(q);
        if free_tier {
            (full - self.tiered_usd(q.min(self.free_per_month))).max(0.0)
        } else {
            full
        }
    }
}

/// One priced meter of one component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostLine {
    /// Price-book key, `service.meter`.
    pub key: String,
    /// What a unit is.
    pub unit: String,
    /// Units used in the measured window.
    pub amount: f64,
    /// Of which caused by retries and redeliveries.
    pub from_retries: f64,
    /// Effective USD per unit (tiers and free tier at the projected monthly volume).
    pub usd_per_unit: f64,
    /// Cost in the measured window.
    pub usd: f64,
    /// Of which caused by retries and redeliveries.
    pub retry_usd: f64,
    /// Projected cost of a month at the same load.
    pub per_month_usd: f64,
    /// Status tag of the price (PL, SEC, UNCONFIRMED, OVERRIDE...).
    pub status: String,
}

/// The cost of one component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentCost {
    /// Its kind (written as the kind's name).
    pub kind: Kind,
    /// Cost in the measured window.
    pub usd: f64,
    /// Projected per month.
    pub per_month_usd: f64,
    /// Part of `usd` caused by retries and redeliveries.
    pub retry_usd: f64,
    /// Priced meters.
    pub lines: Vec<CostLine>,
}

/// What a run cost (`C`: the type of a count, as in [`Report`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostReport<C = u64> {
    /// Currency of every figure.
    pub currency: String,
    /// Region of the prices.
    pub region: String,
    /// Whether the monthly free tier was subtracted.
    pub free_tier: bool,
    /// Length of the measured window (after warm-up), seconds.
    pub window_s: f64,
    /// Cost of the measured window.
    pub total_usd: f64,
    /// Projected cost of a 730-hour month at the same load.
    pub per_month_usd: f64,
    /// Part of the window's cost caused by retries and redeliveries.
    pub retry_usd: f64,
    /// `retry_usd / total_usd` (0 when nothing cost anything).
    pub retry_share: f64,
    /// Events produced in the window.
    pub events: C,
    /// Window cost per million events produced.
    pub per_million_events_usd: f64,
    /// Cost by component name (components that cost nothing are left out).
    pub components: BTreeMap<String, ComponentCost>,
    /// Cost rate in each time-series bucket, USD per hour (the whole run, warm-up
    /// included, at the effective unit prices).
    pub series_usd_per_hour: Vec<f64>,
    /// Meters the price book has no price for (`component: service.meter`); priced 0.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unpriced: Vec<String>,
}

numbers!(CostLine {
    key,
    unit,
    amount,
    from_retries,
    usd_per_unit,
    usd,
    retry_usd,
    per_month_usd,
    status
});
numbers!(ComponentCost {
    kind,
    usd,
    per_month_usd,
    retry_usd,
    lines
});
numbers!(CostReport<Count> {
    currency, region, free_tier, window_s, total_usd, per_month_usd, retry_usd, retry_share,
    events, per_million_events_usd, components, series_usd_per_hour, unpriced,
});

/// The `spillway.report/1` JSON of one or more replications, each with its [`estimate`]
/// under `cost`, combined as `spillway run --json` prints it (mean and 95% half-width
/// per number when there are several).
///
/// # Errors
/// Only if a report cannot be turned into JSON (a bug).
pub fn report_json(
    reports: &[Report],
    settings: &CostSettings,
    book: &PriceBook,
) -> serde_json::Result<serde_json::Value> {
    let mut c = crate::sim::Combiner::default();
    for r in reports {
        c.add(priced(r, settings, book));
    }
    let halted = reports.iter().find_map(|r| r.halted.clone());
    match c.finish() {
        Some(c) => RunResult::new(c, halted).to_json(),
        None => Ok(serde_json::Value::Null),
    }
}

/// A report with its [`estimate`], counts as [`crate::sim::Count`]: what replications
/// combine.
#[must_use]
pub fn priced(report: &Report, settings: &CostSettings, book: &PriceBook) -> Priced<Count> {
    Priced {
        report: report.real(),
        cost: estimate(report, settings, book).real(),
    }
}

/// Price a run's usage.
#[must_use]
pub fn estimate(report: &Report, settings: &CostSettings, book: &PriceBook) -> CostReport {
    let book = book.with_overrides(&settings.prices);
    let window_s = (report.simulated_s - report.warmup_s).max(0.0);
    let month_factor = if window_s > 0.0 {
        HOURS_PER_MONTH * 3600.0 / window_s
    } else {
        0.0
    };

    // usage per key over all components: the tiers and the free tier are per account
    let mut per_key: BTreeMap<String, f64> = BTreeMap::new();
    for c in report.components.values() {
        let Some(service) = c.kind.service() else {
            continue;
        };
        for (meter, u) in &c.usage {
            *per_key.entry(format!("{service}.{meter}")).or_default() += u.amount;
        }
    }
    let effective: BTreeMap<&str, f64> = per_key
        .iter()
        .filter_map(|(key, amount)| {
            let p = book.prices.get(key)?;
            let q_month = amount * month_factor;
            let rate = if q_month > 0.0 {
                p.monthly_usd(q_month, settings.free_tier) / q_month
            } else {
                p.usd
            };
            Some((key.as_str(), rate))
        })
        .collect();

    let buckets = report
        .components
        .values()
        .flat_map(|c| c.usage.values().map(|u| u.per_bucket.len()))
        .max()
        .unwrap_or(0);
    let mut series = vec![0.0; buckets];
    let mut components = BTreeMap::new();
    let mut unpriced = Vec::new();
    for (name, c) in &report.components {
        let Some(service) = c.kind.service() else {
            continue;
        };
        let mut cc = ComponentCost {
            kind: c.kind,
            usd: 0.0,
            per_month_usd: 0.0,
            retry_usd: 0.0,
            lines: Vec::new(),
        };
        for (meter, u) in &c.usage {
            let key = format!("{service}.{meter}");
            let Some(&rate) = effective.get(key.as_str()) else {
                unpriced.push(format!("{name}: {key}"));
                continue;
            };
            let price = &book.prices[&key];
            for (i, a) in u.per_bucket.iter().enumerate() {
                series[i] += a * rate;
            }
            let usd = u.amount * rate;
            let line = CostLine {
                key,
                unit: price.unit.clone(),
                amount: u.amount,
                from_retries: u.from_retries,
                usd_per_unit: rate,
                usd,
                retry_usd: u.from_retries * rate,
                per_month_usd: usd * month_factor,
                status: price.status.clone(),
            };
            cc.usd += line.usd;
            cc.retry_usd += line.retry_usd;
            cc.per_month_usd += line.per_month_usd;
            cc.lines.push(line);
        }
        if !cc.lines.is_empty() {
            components.insert(name.clone(), cc);
        }
    }
    let bucket_h = report.bucket_s / 3600.0;
    if bucket_h > 0.0 {
        for s in &mut series {
            *s /= bucket_h;
        }
    }
    let total_usd: f64 = components.values().map(|c| c.usd).sum();
    let retry_usd: f64 = components.values().map(|c| c.retry_usd).sum();
    let events: u64 = report
        .components
        .values()
        .filter(|c| c.kind.can(Cap::Source))
        .map(|c| c.counters.arrivals)
        .sum();
    CostReport {
        currency: book.currency.clone(),
        region: book.region.clone(),
        free_tier: settings.free_tier,
        window_s,
        total_usd,
        per_month_usd: total_usd * month_factor,
        retry_usd,
        retry_share: if total_usd > 0.0 {
            retry_usd / total_usd
        } else {
            0.0
        },
        events,
        per_million_events_usd: if events > 0 {
            total_usd / events as f64 * 1e6
        } else {
            0.0
        },
        components,
        series_usd_per_hour: series,
        unpriced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(usd: f64, tiers: &[(f64, f64)], free: f64) -> Price {
        Price {
            usd,
            unit: "unit".into(),
            tiers: tiers
                .iter()
                .map(|&(above, usd)| Tier { above, usd })
                .collect(),
            free_per_month: free,
            source: String::new(),
            status: String::new(),
        }
    }

    #[test]
    fn builtin_book_loads_and_names_every_service() {
        let book = PriceBook::builtin().unwrap();
        assert_eq!(book.region, "us-east-1");
        for kind in Kind::ALL {
            let Some(s) = kind.service() else {
                continue; // the generic kinds are free
            };
            assert!(
                book.prices.keys().any(|k| k.starts_with(&format!("{s}."))),
                "no price for {kind}"
            );
        }
        for (k, p) in &book.prices {
            assert!(!p.source.is_empty(), "{k} has no source");
            assert!(!p.status.is_empty(), "{k} has no status");
        }
    }

    #[test]
    fn tiers_apply_to_the_volume_above_each_threshold() {
        // Lambda x86: 6 B GB-s at 0.0000166667, next 9 B at 0.000015, rest 0.0000133334
        let p = price(
            0.000_016_666_7,
            &[(6e9, 0.000_015), (15e9, 0.000_013_333_4)],
            400_000.0,
        );
        let q = 20e9;
        let want = 6e9 * 0.000_016_666_7 + 9e9 * 0.000_015 + 5e9 * 0.000_013_333_4;
        assert!((p.tiered_usd(q) - want).abs() < 1e-6);
        assert!((p.tiered_usd(1e6) - 16.6667).abs() < 1e-9);
        // free tier: the first 400,000 GB-s cost nothing
        assert!((p.monthly_usd(1e6, true) - 600_000.0 * 0.000_016_666_7).abs() < 1e-9);
        assert_eq!(p.monthly_usd(300_000.0, true), 0.0);
    }

    #[test]
    fn bad_books_name_the_key_and_the_place() {
        let e = PriceBook::from_ron_str(
            r#"(region: "x", currency: "USD", prices: {"lambda.requests": (usd: -1.0, unit: "r")})"#,
            Some("p.ron"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("lambda.requests") && e.contains("p.ron"), "{e}");
        let e = PriceBook::from_ron_str("(region: \"x\",\n  currency: 5)", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
