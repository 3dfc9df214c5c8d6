//! Metric families (counters, gauges, histograms) keyed by label values, and their text
//! exposition (Prometheus format 0.0.4).
//!
//! A family's label names are fixed when it is built and its label values are a `[&str; N]`, so a
//! record with the wrong number of labels does not compile. Series live in a `BTreeMap` keyed by
//! label values, which is already the sorted order the exposition wants. Series are never removed:
//! their label values come from the configured clouds, regions and services and from small fixed
//! sets of outcomes, so the maps stay small.

use std::collections::BTreeMap;
use std::fmt::{Display, Write as _};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Locks a family's series. Nothing panics while holding the lock, and the numbers would stay
/// valid if something did, so poisoning is ignored rather than passed on to every recorder.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Owned label values, built before taking the lock so the lock covers only the update.
fn owned<const N: usize>(values: [&str; N]) -> [String; N] {
    values.map(str::to_owned)
}

/// A monotonic count per label set.
#[derive(Debug)]
pub struct Counter<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    series: Mutex<BTreeMap<[String; N], u64>>,
}

impl<const N: usize> Counter<N> {
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; N]) -> Self {
        let series = Mutex::new(BTreeMap::new());
        Counter {
            name,
            help,
            labels,
            series,
        }
    }

    pub fn inc(&self, values: [&str; N]) {
        let key = owned(values);
        *lock(&self.series).entry(key).or_default() += 1;
    }

    pub fn render(&self, out: &mut String) {
        let series = lock(&self.series).clone();
        if series.is_empty() {
            return;
        }
        header(out, self.name, self.help, "counter");
        for (values, count) in &series {
            sample(out, self.name, "", &self.labels, values, None, count);
        }
    }
}

/// A level per label set that goes up and down, held up by [`GaugeGuard`]s.
#[derive(Debug)]
pub struct Gauge<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    series: Mutex<BTreeMap<[String; N], Arc<AtomicI64>>>,
}

impl<const N: usize> Gauge<N> {
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; N]) -> Self {
        let series = Mutex::new(BTreeMap::new());
        Gauge {
            name,
            help,
            labels,
            series,
        }
    }

    /// Raises the gauge by one until the returned guard is dropped.
    pub fn track(&self, values: [&str; N]) -> GaugeGuard {
        let key = owned(values);
        let level = Arc::clone(lock(&self.series).entry(key).or_default());
        // Relaxed: the level is a number on its own; no other memory is published through it.
        level.fetch_add(1, Ordering::Relaxed);
        GaugeGuard { level }
    }

    pub fn render(&self, out: &mut String) {
        let series: Vec<([String; N], i64)> = lock(&self.series)
            .iter()
            .map(|(values, level)| (values.clone(), level.load(Ordering::Relaxed)))
            .collect();
        if series.is_empty() {
            return;
        }
        header(out, self.name, self.help, "gauge");
        for (values, level) in &series {
            sample(out, self.name, "", &self.labels, values, None, level);
        }
    }
}

/// One unit of a [`Gauge`]; lowers it again when dropped.
#[derive(Debug)]
pub struct GaugeGuard {
    level: Arc<AtomicI64>,
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.level.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Observations per label set, counted into fixed buckets.
#[derive(Debug)]
pub struct Histogram<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    /// Ascending upper bounds, inclusive; `+Inf` is implied and not listed.
    bounds: &'static [f64],
    series: Mutex<BTreeMap<[String; N], Buckets>>,
}

#[derive(Debug, Clone)]
struct Buckets {
    /// Observations per bound that are above the previous bound (not cumulative: recording
    /// touches one slot, and rendering sums).
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl<const N: usize> Histogram<N> {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: [&'static str; N],
        bounds: &'static [f64],
    ) -> Self {
        let series = Mutex::new(BTreeMap::new());
        Histogram {
            name,
            help,
            labels,
            bounds,
            series,
        }
    }

    pub fn observe(&self, values: [&str; N], value: f64) {
        let key = owned(values);
        // The first bound at or above the value (`le` is inclusive); past the end means only +Inf.
        let slot = self.bounds.partition_point(|bound| *bound < value);
        let mut series = lock(&self.series);
        let buckets = series.entry(key).or_insert_with(|| Buckets {
            counts: vec![0; self.bounds.len()],
            sum: 0.0,
            count: 0,
        });
        if let Some(count) = buckets.counts.get_mut(slot) {
            *count += 1;
        }
        buckets.sum += value;
        buckets.count += 1;
    }

    pub fn render(&self, out: &mut String) {
        let series = lock(&self.series).clone();
        if series.is_empty() {
            return;
        }
        header(out, self.name, self.help, "histogram");
        for (values, buckets) in &series {
            let mut cumulative = 0;
            for (bound, count) in self.bounds.iter().zip(&buckets.counts) {
                cumulative += count;
                let le = bound.to_string();
                sample(
                    out,
                    self.name,
                    "_bucket",
                    &self.labels,
                    values,
                    Some(&le),
                    cumulative,
                );
            }
            let (sum, count) = (buckets.sum, buckets.count);
            sample(
                out,
                self.name,
                "_bucket",
                &self.labels,
                values,
                Some("+Inf"),
                count,
            );
            sample(out, self.name, "_sum", &self.labels, values, None, sum);
            sample(out, self.name, "_count", &self.labels, values, None, count);
        }
    }
}

// Writing to a `String` cannot fail, so the `fmt::Result`s below are ignored.

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One line: `name_suffix{label="value",...,le="bound"} value`.
fn sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[&str],
    values: &[String],
    le: Option<&str>,
    value: impl Display,
) {
    out.push_str(name);
    out.push_str(suffix);
    let pairs = labels
        .iter()
        .copied()
        .zip(values.iter().map(String::as_str));
    let mut pairs = pairs.chain(le.map(|le| ("le", le))).peekable();
    if pairs.peek().is_some() {
        out.push('{');
        for (i, (label, value)) in pairs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            escape(out, value);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Escapes a label value as the format requires: backslash, double quote and newline.
fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn rendered(render: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        render(&mut out);
        out
    }

    #[test]
    fn counter_renders_help_type_and_series_sorted_by_labels() {
        let counter = Counter::new("jobs_total", "Jobs done.", ["queue", "outcome"]);
        counter.inc(["b", "ok"]);
        counter.inc(["a", "ok"]);
        counter.inc(["b", "ok"]);
        counter.inc(["a", "failed"]);
        let expected = "\
# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{queue=\"a\",outcome=\"failed\"} 1
jobs_total{queue=\"a\",outcome=\"ok\"} 1
jobs_total{queue=\"b\",outcome=\"ok\"} 2
";
        assert_eq!(rendered(|out| counter.render(out)), expected);
    }

    #[test]
    fn histogram_renders_cumulative_buckets_sum_and_count() {
        let histogram = Histogram::new("wait_seconds", "Waits.", ["pool"], &[0.1, 1.0]);
        histogram.observe(["p"], 0.0625);
        histogram.observe(["p"], 0.5);
        histogram.observe(["p"], 0.75);
        histogram.observe(["p"], 3.0);
        let expected = "\
# HELP wait_seconds Waits.
# TYPE wait_seconds histogram
wait_seconds_bucket{pool=\"p\",le=\"0.1\"} 1
wait_seconds_bucket{pool=\"p\",le=\"1\"} 3
wait_seconds_bucket{pool=\"p\",le=\"+Inf\"} 4
wait_seconds_sum{pool=\"p\"} 4.3125
wait_seconds_count{pool=\"p\"} 4
";
        assert_eq!(rendered(|out| histogram.render(out)), expected);
    }

    #[test]
    fn an_observation_equal_to_a_bound_counts_in_that_bucket() {
        let histogram = Histogram::new("h", "H.", ["l"], &[0.5, 1.0]);
        histogram.observe(["x"], 0.5);
        let out = rendered(|out| histogram.render(out));
        assert!(out.contains("h_bucket{l=\"x\",le=\"0.5\"} 1\n"), "{out}");
        assert!(out.contains("h_bucket{l=\"x\",le=\"1\"} 1\n"), "{out}");
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let counter = Counter::new("c_total", "C.", ["v"]);
        counter.inc(["a\\b\"c\nd"]);
        let out = rendered(|out| counter.render(out));
        assert!(out.ends_with("c_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"), "{out}");
    }

    #[test]
    fn a_family_without_labels_renders_bare_samples() {
        let counter = Counter::new("up_total", "Up.", []);
        counter.inc([]);
        assert!(rendered(|out| counter.render(out)).ends_with("\nup_total 1\n"));
    }

    #[test]
    fn a_family_with_no_series_renders_nothing() {
        let gauge = Gauge::new("g", "G.", ["l"]);
        assert_eq!(rendered(|out| gauge.render(out)), "");
    }

    #[test]
    fn a_gauge_guard_lowers_the_gauge_when_dropped() {
        let gauge = Gauge::new("g", "G.", ["l"]);
        let first = gauge.track(["x"]);
        let second = gauge.track(["x"]);
        assert!(rendered(|out| gauge.render(out)).ends_with("g{l=\"x\"} 2\n"));
        drop(first);
        assert!(rendered(|out| gauge.render(out)).ends_with("g{l=\"x\"} 1\n"));
        drop(second);
        assert!(rendered(|out| gauge.render(out)).ends_with("g{l=\"x\"} 0\n"));
    }
}
