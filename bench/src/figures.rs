//! The figures of the runs: one run's, as the load generator measured them
//! and `--json` saves them; all runs', read back to look a figure up; and
//! how a figure is written in a table. [`crate::report`] and
//! [`crate::peers`] both build their tables on these.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use serde::{Deserialize, Serialize};

use crate::load::Outcome;

/// The figures of one run, as saved with `--json`.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Figures {
    /// The server measured (`--label`).
    pub label: String,
    /// The method called: unary, server-stream, client-stream or chat.
    pub call: String,
    /// Connections opened.
    pub connections: usize,
    /// Calls kept going on each connection.
    pub in_flight: usize,
    /// Seconds from the first call to the last answer.
    pub seconds: f64,
    /// Successful calls (round trips, for chat).
    pub calls: u64,
    /// Messages they carried.
    pub messages: u64,
    /// Calls per second.
    pub calls_per_s: f64,
    /// Messages per second.
    pub messages_per_s: f64,
    /// Latency percentiles and maximum, in microseconds.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// The slowest call.
    pub max_us: u64,
    /// Failed calls by status code.
    pub errors: BTreeMap<String, u64>,
}

impl Figures {
    /// The figures of `outcome`, one run of the load generator.
    pub(crate) fn of(outcome: &Outcome) -> Self {
        let seconds = outcome.elapsed.as_secs_f64().max(f64::EPSILON);
        let at = |q: f64| outcome.latency.value_at_quantile(q);
        Self {
            label: outcome.load.label.clone(),
            call: outcome.call.name().to_owned(),
            connections: outcome.load.connections,
            in_flight: outcome.load.in_flight,
            seconds,
            calls: outcome.ok,
            messages: outcome.messages,
            calls_per_s: outcome.ok as f64 / seconds,
            messages_per_s: outcome.messages as f64 / seconds,
            p50_us: at(0.50),
            p90_us: at(0.90),
            p99_us: at(0.99),
            max_us: outcome.latency.max(),
            errors: outcome
                .errors
                .iter()
                .map(|(code, n)| (code.to_string(), *n))
                .collect(),
        }
    }

    /// Calls (or chats) at once: connections times calls on each.
    fn concurrency(&self) -> usize {
        self.connections * self.in_flight
    }
}

/// The median of a run's figure over the repeated runs of one setting.
pub(crate) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// All runs, to look figures up by server, call and concurrency.
pub(crate) struct Results(Vec<Figures>);

impl Results {
    /// Reads every JSON file (one run's [`Figures`] each) in `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Self, String> {
        let mut all = Vec::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                all.push(
                    serde_json::from_str::<Figures>(&text)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                );
            }
        }
        Ok(Self(all))
    }

    /// The median of `figure` over the runs of `call` against `label` at
    /// `concurrency`, or `None` if there was none.
    pub(crate) fn median(
        &self,
        label: &str,
        call: &str,
        concurrency: usize,
        figure: impl Fn(&Figures) -> f64,
    ) -> Option<f64> {
        let values = self
            .0
            .iter()
            .filter(|f| f.label == label && f.call == call && f.concurrency() == concurrency)
            .map(figure)
            .collect::<Vec<_>>();
        median(values)
    }

    /// How many runs of `call` against `label` there are, all levels together.
    pub(crate) fn count(&self, label: &str, call: &str) -> usize {
        self.0
            .iter()
            .filter(|f| f.label == label && f.call == call)
            .count()
    }

    /// The levels of concurrency measured, from the lowest.
    pub(crate) fn levels(&self) -> Vec<usize> {
        let levels: BTreeSet<_> = self.0.iter().map(Figures::concurrency).collect();
        levels.into_iter().collect()
    }
}

/// `a / b` as a ratio, or a dash when either is missing.
pub(crate) fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_owned(),
    }
}

/// A figure as the tables show it: `12,345` from 100 up, `12.3` below,
/// a dash when it is missing.
pub(crate) fn number(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{:.0}", v)
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(String::from_utf8_lossy)
            .collect::<Vec<_>>()
            .join(","),
        Some(v) => format!("{v:.1}"),
        None => "–".to_owned(),
    }
}
