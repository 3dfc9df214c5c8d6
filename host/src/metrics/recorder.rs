//! [`Metrics`]: the daemon's metric families, with one method per event worth counting.

use std::time::Duration;

use super::registry::{Counter, Gauge, GaugeGuard, Histogram};

/// Bucket bounds (seconds) for HTTP and plugin call durations: from a 5 ms answer of a nearby
/// endpoint to 10 s, past which calls are mostly running into their deadline. `+Inf` is implied.
const CALL_SECONDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Bucket bounds (seconds) for limiter waits: finer at the bottom, where a token interval of a
/// busy region lies; waits of seconds mean a region is throttled hard. `+Inf` is implied.
const WAIT_SECONDS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// Everything the daemon measures. One per daemon, shared behind an `Arc`; every method takes
/// `&self` and holds a family's lock only for its own update (see the module docs).
#[derive(Debug)]
pub struct Metrics {
    http_requests: Counter<4>,
    http_duration: Histogram<3>,
    limiter_wait: Histogram<3>,
    in_flight: Gauge<2>,
    cache_lookups: Counter<2>,
    plugin_calls: Histogram<3>,
    location_answers: Counter<4>,
}

/// Counts one call as in flight to its cloud-region for as long as it lives.
#[derive(Debug)]
#[must_use = "the call counts as in flight only while the guard is held"]
pub struct InFlightGuard {
    _held: GaugeGuard,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            http_requests: Counter::new(
                "oaktree_http_requests_total",
                "HTTP attempts drivers made through the host, by status code or error class.",
                ["cloud", "region", "service", "outcome"],
            ),
            http_duration: Histogram::new(
                "oaktree_http_request_duration_seconds",
                "Duration of HTTP attempts drivers made through the host.",
                ["cloud", "region", "service"],
                CALL_SECONDS,
            ),
            limiter_wait: Histogram::new(
                "oaktree_limiter_wait_seconds",
                "Time HTTP attempts waited for their cloud-region's rate limit budget.",
                ["cloud", "region", "service"],
                WAIT_SECONDS,
            ),
            in_flight: Gauge::new(
                "oaktree_http_in_flight",
                "HTTP calls in flight to a cloud-region.",
                ["cloud", "region"],
            ),
            cache_lookups: Counter::new(
                "oaktree_cache_lookups_total",
                "Cache lookups, by kind of resource and where the answer came from.",
                ["kind", "source"],
            ),
            plugin_calls: Histogram::new(
                "oaktree_plugin_call_duration_seconds",
                "Duration of driver plugin calls, by function and outcome.",
                ["plugin", "function", "outcome"],
                CALL_SECONDS,
            ),
            location_answers: Counter::new(
                "oaktree_location_answers_total",
                "Answers of one location within an RPC, by resource and status.",
                ["cloud", "region", "resource", "status"],
            ),
        }
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// One HTTP attempt a driver made through the host. `outcome` is the HTTP status code as text
    /// ("200", "503") or an error class ("timeout", "connect", "denied", "other").
    pub fn http_request(
        &self,
        cloud: &str,
        region: &str,
        service: &str,
        outcome: &str,
        duration: Duration,
    ) {
        self.http_requests.inc([cloud, region, service, outcome]);
        self.http_duration
            .observe([cloud, region, service], duration.as_secs_f64());
    }

    /// Time an HTTP attempt waited for the cloud-region's budget.
    pub fn limiter_wait(&self, cloud: &str, region: &str, service: &str, waited: Duration) {
        self.limiter_wait
            .observe([cloud, region, service], waited.as_secs_f64());
    }

    /// Counts a call as in flight to a cloud-region until the returned guard is dropped.
    pub fn in_flight(&self, cloud: &str, region: &str) -> InFlightGuard {
        InFlightGuard {
            _held: self.in_flight.track([cloud, region]),
        }
    }

    /// A cache lookup: `kind` of resource ("server", ...) and `source` of the answer ("hit",
    /// "miss", "stale", "shared", "bypass").
    pub fn cache_lookup(&self, kind: &str, source: &str) {
        self.cache_lookups.inc([kind, source]);
    }

    /// One driver (plugin) call: plugin name, function ("list_servers"), outcome ("ok" or a status
    /// kind name such as "timeout", "internal"), and how long it took.
    pub fn plugin_call(&self, plugin: &str, function: &str, outcome: &str, duration: Duration) {
        self.plugin_calls
            .observe([plugin, function, outcome], duration.as_secs_f64());
    }

    /// One location's answer within an RPC: the kind of resource and the status kind name.
    pub fn location_answer(&self, cloud: &str, region: &str, resource: &str, status: &str) {
        self.location_answers.inc([cloud, region, resource, status]);
    }

    /// Everything recorded, in the text exposition format 0.0.4: families in a fixed order (the
    /// order of the fields), series sorted by label values, families without series left out.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.http_requests.render(&mut out);
        self.http_duration.render(&mut out);
        self.limiter_wait.render(&mut out);
        self.in_flight.render(&mut out);
        self.cache_lookups.render(&mut out);
        self.plugin_calls.render(&mut out);
        self.location_answers.render(&mut out);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn line_value(out: &str, prefix: &str) -> String {
        let line = out.lines().find(|line| line.starts_with(prefix));
        let line = line.unwrap_or_else(|| panic!("no line starting {prefix} in:\n{out}"));
        line.rsplit(' ').next().unwrap().to_owned()
    }

    #[test]
    fn families_render_in_a_fixed_order_whatever_the_order_of_recording() {
        let metrics = Metrics::new();
        metrics.location_answer("c", "r", "server", "ok");
        metrics.plugin_call("p", "list_servers", "ok", Duration::from_millis(3));
        metrics.cache_lookup("server", "hit");
        let _guard = metrics.in_flight("c", "r");
        metrics.limiter_wait("c", "r", "compute", Duration::ZERO);
        metrics.http_request("c", "r", "compute", "200", Duration::from_millis(20));
        let out = metrics.render();
        let types: Vec<&str> = out.lines().filter(|l| l.starts_with("# TYPE")).collect();
        assert_eq!(
            types,
            [
                "# TYPE oaktree_http_requests_total counter",
                "# TYPE oaktree_http_request_duration_seconds histogram",
                "# TYPE oaktree_limiter_wait_seconds histogram",
                "# TYPE oaktree_http_in_flight gauge",
                "# TYPE oaktree_cache_lookups_total counter",
                "# TYPE oaktree_plugin_call_duration_seconds histogram",
                "# TYPE oaktree_location_answers_total counter",
            ]
        );
        assert_eq!(out, metrics.render(), "rendering twice gives the same text");
    }

    #[test]
    fn an_http_request_renders_exactly_as_a_counter_and_a_histogram() {
        let metrics = Metrics::new();
        metrics.http_request("acme", "eu-1", "compute", "503", Duration::from_millis(250));
        let labels = "cloud=\"acme\",region=\"eu-1\",service=\"compute\"";
        let mut expected = String::from(
            "# HELP oaktree_http_requests_total HTTP attempts drivers made through the host, \
             by status code or error class.\n\
             # TYPE oaktree_http_requests_total counter\n",
        );
        expected += &format!("oaktree_http_requests_total{{{labels},outcome=\"503\"}} 1\n");
        expected += "# HELP oaktree_http_request_duration_seconds Duration of HTTP attempts \
                     drivers made through the host.\n\
                     # TYPE oaktree_http_request_duration_seconds histogram\n";
        let les = [
            "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
        ];
        for le in les {
            let count = u8::from(!matches!(le, "0.005" | "0.01" | "0.025" | "0.05" | "0.1"));
            expected += &format!(
                "oaktree_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {count}\n"
            );
        }
        expected += &format!(
            "oaktree_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 1\n\
             oaktree_http_request_duration_seconds_sum{{{labels}}} 0.25\n\
             oaktree_http_request_duration_seconds_count{{{labels}}} 1\n"
        );
        assert_eq!(metrics.render(), expected);
    }

    #[test]
    fn the_in_flight_guard_decrements_on_drop() {
        let metrics = Metrics::new();
        let prefix = "oaktree_http_in_flight{cloud=\"c\",region=\"r\"}";
        let first = metrics.in_flight("c", "r");
        let second = metrics.in_flight("c", "r");
        assert_eq!(line_value(&metrics.render(), prefix), "2");
        drop(first);
        assert_eq!(line_value(&metrics.render(), prefix), "1");
        drop(second);
        assert_eq!(line_value(&metrics.render(), prefix), "0");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_recording_from_eight_tasks_sums_correctly() {
        const TASKS: usize = 8;
        const EACH: usize = 1_000;
        let metrics = Arc::new(Metrics::new());
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let metrics = Arc::clone(&metrics);
                tokio::spawn(async move {
                    for i in 0..EACH {
                        let _guard = metrics.in_flight("c", "r");
                        let outcome = if i % 2 == 0 { "200" } else { "timeout" };
                        metrics.http_request("c", "r", "s", outcome, Duration::from_millis(1));
                        metrics.cache_lookup("server", if task % 2 == 0 { "hit" } else { "miss" });
                        if i % 100 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let out = metrics.render();
        let half = (TASKS * EACH / 2).to_string();
        let all = (TASKS * EACH).to_string();
        let requests = "oaktree_http_requests_total{cloud=\"c\",region=\"r\",service=\"s\",";
        assert_eq!(
            line_value(&out, &format!("{requests}outcome=\"200\"}}")),
            half
        );
        assert_eq!(
            line_value(&out, &format!("{requests}outcome=\"timeout\"}}")),
            half
        );
        let count = "oaktree_http_request_duration_seconds_count{";
        assert_eq!(line_value(&out, count), all);
        let le_5ms = "oaktree_http_request_duration_seconds_bucket{cloud=\"c\",region=\"r\",\
                      service=\"s\",le=\"0.005\"}";
        assert_eq!(line_value(&out, le_5ms), all);
        let hits = "oaktree_cache_lookups_total{kind=\"server\",source=\"hit\"}";
        assert_eq!(line_value(&out, hits), half);
        assert_eq!(line_value(&out, "oaktree_http_in_flight{"), "0");
    }
}
