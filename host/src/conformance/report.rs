//! What the kit found: one line per check, a summary, and the same as JSON for machines.

use std::fmt::Write as _;

use serde::Serialize;

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
        }
    }
}

/// One check: its name (`list-servers.pagination`), how it ended, and why (for a failure,
/// what to fix).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub outcome: Outcome,
    pub detail: String,
}

/// Everything the kit checked for one driver file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The `.wasm` file checked.
    pub file: String,
    /// The driver's name and version from `describe()`, once it loaded.
    pub driver: Option<String>,
    pub version: Option<String>,
    /// The profile the checks ran for and the cloud they ran against.
    pub profile: Option<String>,
    pub cloud: Option<String>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn pass(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.push(name, Outcome::Pass, detail);
    }

    pub fn fail(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.push(name, Outcome::Fail, detail);
    }

    pub fn skip(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.push(name, Outcome::Skip, detail);
    }

    /// Records `Ok(detail)` as a pass and `Err(detail)` as a failure.
    pub fn record(&mut self, name: impl Into<String>, result: Result<String, String>) {
        match result {
            Ok(detail) => self.pass(name, detail),
            Err(detail) => self.fail(name, detail),
        }
    }

    fn push(&mut self, name: impl Into<String>, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check {
            name: name.into(),
            outcome,
            detail: detail.into(),
        });
    }

    /// How many checks ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.checks.iter().filter(|c| c.outcome == outcome).count()
    }

    /// True when no check failed (skips do not fail the kit).
    pub fn passed(&self) -> bool {
        self.count(Outcome::Fail) == 0
    }

    /// The failed checks, for assertions and summaries.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// One line per check, then a summary line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let driver = match (&self.driver, &self.version) {
            (Some(name), Some(version)) => format!("{name} {version}"),
            _ => "(not loaded)".to_owned(),
        };
        let _ = writeln!(out, "conformance of {} — driver {driver}", self.file);
        if let (Some(profile), Some(cloud)) = (&self.profile, &self.cloud) {
            let _ = writeln!(out, "profile {profile}, against {cloud}");
        }
        for check in &self.checks {
            let _ = writeln!(
                out,
                "{} {}: {}",
                check.outcome.label(),
                check.name,
                check.detail
            );
        }
        let _ = writeln!(
            out,
            "{}: {} passed, {} failed, {} skipped",
            if self.passed() {
                "CONFORMS"
            } else {
                "DOES NOT CONFORM"
            },
            self.count(Outcome::Pass),
            self.count(Outcome::Fail),
            self.count(Outcome::Skip)
        );
        out
    }

    /// The report as pretty JSON, with `passed` and the counts added.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "passed": self.passed(),
            "summary": {
                "pass": self.count(Outcome::Pass),
                "fail": self.count(Outcome::Fail),
                "skip": self.count(Outcome::Skip),
            },
            "report": self,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_single_failure_fails_the_report_and_skips_do_not() {
        let mut report = Report::default();
        report.pass("load", "ok");
        report.skip("writes", "skipped: needs a simulated cloud");
        assert!(report.passed());
        report.fail("get-server.unknown-id", "answered other");
        assert!(!report.passed());
        assert!(
            report
                .to_text()
                .contains("FAIL get-server.unknown-id: answered other")
        );
    }

    #[test]
    fn json_carries_the_verdict_and_every_check() {
        let mut report = Report::default();
        report.fail("load", "not a component");
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["passed"], false);
        assert_eq!(json["summary"]["fail"], 1);
        assert_eq!(json["report"]["checks"][0]["outcome"], "fail");
    }
}
