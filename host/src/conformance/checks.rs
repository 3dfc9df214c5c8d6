//! The checks themselves, each adding lines to the [`Report`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use oaktree_simcloud::Fault;

use super::probe;
use super::reads::{Kind, problems};
use super::report::Report;
use super::target::{Bench, FAULT_REGION, MAIN_REGION};
use crate::plugin::CallError;
use crate::plugin::bindings::wit::{self, Capability};

/// The deadline of an ordinary check call.
pub const CALL_DEADLINE: Duration = Duration::from_secs(20);
/// The deadline of a call to the unreachable cloud, where every connection is refused.
pub const UNREACHABLE_DEADLINE: Duration = Duration::from_secs(5);
/// The short deadline of the deadline check, and how late its end may be.
pub const SHORT_DEADLINE: Duration = Duration::from_millis(500);
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);
/// The latency the deadline check gives the faulted region (well above the short deadline).
const SLOW_LATENCY_MS: u64 = 3_000;

/// A declared kind: list answers every seeded item once, records are well formed, `get` of a
/// listed id returns it, `get` of an unknown id is `not-found`.
pub async fn reads(report: &mut Report, bench: &Bench, kind: Kind, declared: &[Capability]) {
    let list = probe::name(kind.list_capability());
    let get = probe::name(kind.get_capability());
    let has_get = declared.contains(&kind.get_capability());
    if !declared.contains(&kind.list_capability()) {
        return;
    }
    let listed = match call(bench, &bench.main) {
        Ok(c) => kind.list(&c).await,
        Err(e) => return report.fail(list, format!("{e:#}")),
    };
    let items = match listed {
        Ok(items) => items,
        Err(error) => {
            report.fail(
                list,
                format!(
                    "answered {}: list must succeed against {}",
                    describe_error(&error),
                    bench.main
                ),
            );
            return;
        }
    };
    let faults: Vec<String> = items.iter().flat_map(|f| problems(kind, f)).collect();
    report.record(
        list,
        if faults.is_empty() {
            Ok(format!(
                "{} items, ids, statuses and placement well formed",
                items.len()
            ))
        } else {
            Err(first_few(&faults))
        },
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in &items {
        *counts.entry(item.id.as_str()).or_default() += 1;
    }
    let twice: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| format!("{id} ×{n}"))
        .collect();
    let seeded = match (&bench.sim, bench.main.region.as_str()) {
        (Some(sim), MAIN_REGION) => sim
            .inventory(super::target::SIM_CLOUD, MAIN_REGION)
            .ok()
            .and_then(|inv| kind.seeded(&inv)),
        _ => None,
    };
    let pagination = format!("{list}.pagination");
    match seeded {
        Some(seeded) => {
            let want: BTreeSet<&str> = seeded.iter().map(String::as_str).collect();
            let missing: Vec<&str> = want
                .iter()
                .filter(|id| !counts.contains_key(*id))
                .copied()
                .collect();
            let extra: Vec<&str> = counts
                .keys()
                .filter(|id| !want.contains(*id))
                .copied()
                .collect();
            report.record(
                pagination,
                if missing.is_empty() && extra.is_empty() && twice.is_empty() {
                    Ok(format!(
                        "all {} seeded items over several pages, each once",
                        want.len()
                    ))
                } else {
                    Err(format!(
                        "the list must follow every page to the end and return each item once: \
                         missing {missing:?}, unexpected {extra:?}, repeated {twice:?}"
                    ))
                },
            );
        }
        None if twice.is_empty() => report.pass(
            pagination,
            "no id listed twice (no simulator inventory to compare)",
        ),
        None => report.fail(
            pagination,
            format!("ids listed more than once: {}", twice.join(", ")),
        ),
    }
    if !has_get {
        return;
    }
    match items.first() {
        Some(first) => {
            let got = match call(bench, &bench.main) {
                Ok(c) => kind.get(&c, &first.id).await,
                Err(e) => return report.fail(get, format!("{e:#}")),
            };
            report.record(
                get,
                match got {
                    Ok(facts) if facts.id == first.id => {
                        Ok(format!("{} fetched by its id", first.id))
                    }
                    Ok(facts) => Err(format!("asked for {} and got {}", first.id, facts.id)),
                    Err(error) => Err(format!(
                        "{} was listed, but get answered {}",
                        first.id,
                        describe_error(&error)
                    )),
                },
            );
        }
        None => report.skip(
            get,
            format!("skipped: needs a listed item, and {list} listed none"),
        ),
    }
    let missing = kind.missing_id(items.first().map(|f| f.id.as_str()));
    let got = match call(bench, &bench.main) {
        Ok(c) => kind.get(&c, &missing).await,
        Err(e) => return report.fail(get, format!("{e:#}")),
    };
    report.record(
        format!("{get}.unknown-id"),
        match got {
            Err(CallError::Driver(wit::Error::NotFound(_))) => Ok("not-found".to_owned()),
            Ok(facts) => Err(format!(
                "{missing} does not exist, but get answered success with {}",
                facts.id
            )),
            Err(error) => Err(format!(
                "{missing} does not exist: answer the not-found variant, not {}",
                describe_error(&error)
            )),
        },
    );
}

/// The first declared list function, for the checks that need one call that talks to the cloud.
pub fn first_list(declared: &[Capability]) -> Option<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| declared.contains(&k.list_capability()))
}

/// With the region faulted, the driver answers the matching variant.
pub async fn errors(report: &mut Report, bench: &Bench, kind: Kind) {
    let Some(sim) = &bench.sim else { return };
    let list = probe::name(kind.list_capability());
    for (fault, want) in [
        (Fault::Unauthorized, "unauthorized"),
        (Fault::Unavailable, "unavailable"),
    ] {
        let name = format!("errors.{want}");
        if let Err(e) = sim.set_fault(super::target::SIM_CLOUD, FAULT_REGION, fault, 0) {
            report.fail(name, format!("cannot fault the simulator: {e}"));
            continue;
        }
        let answer = match call(bench, &bench.fault_region()) {
            Ok(c) => kind.list(&c).await.map(|_| ()),
            Err(e) => return report.fail(name, format!("{e:#}")),
        };
        let got = probe::outcome(&answer);
        report.record(
            name,
            if got == want {
                Ok(format!("{list} answered {want} when the cloud said so"))
            } else {
                Err(format!(
                    "with the region's services answering {} ({want}), {list} must return the {want} variant, not {got}",
                    fault_status(fault)
                ))
            },
        );
    }
    let _ = sim.set_fault(super::target::SIM_CLOUD, FAULT_REGION, Fault::None, 0);
}

fn fault_status(fault: Fault) -> &'static str {
    match fault {
        Fault::Unauthorized => "401",
        Fault::Unavailable => "503",
        Fault::Timeout => "nothing",
        Fault::None => "normally",
    }
}

/// A slow region and a short deadline: the call ends as a deadline or timeout, on time.
pub async fn deadline(report: &mut Report, bench: &Bench, kind: Kind) {
    let Some(sim) = &bench.sim else { return };
    let list = probe::name(kind.list_capability());
    let cloud = super::target::SIM_CLOUD;
    if let Err(e) = sim.set_fault(cloud, FAULT_REGION, Fault::None, SLOW_LATENCY_MS) {
        return report.fail("deadline", format!("cannot slow the simulator: {e}"));
    }
    let started = tokio::time::Instant::now();
    let answer = match bench.call(&bench.fault_region(), SHORT_DEADLINE) {
        Ok(c) => kind.list(&c).await.map(|_| ()),
        Err(e) => return report.fail("deadline", format!("{e:#}")),
    };
    let took = started.elapsed();
    let _ = sim.set_fault(cloud, FAULT_REGION, Fault::None, 0);
    let on_time = took <= SHORT_DEADLINE + DEADLINE_MARGIN;
    let ended = matches!(
        answer,
        Err(CallError::Deadline) | Err(CallError::Driver(wit::Error::Timeout(_)))
    );
    report.record(
        "deadline",
        match (ended, on_time) {
            (true, true) => Ok(format!("{list} ended as a timeout after {took:?} (deadline {SHORT_DEADLINE:?})")),
            (true, false) => Err(format!("{list} ended {took:?} after a {SHORT_DEADLINE:?} deadline; stop when http.send reports timeout")),
            (false, _) => Err(format!(
                "the cloud answered slower than the {SHORT_DEADLINE:?} deadline, but {list} answered {} after {took:?}; \
                 map http-error.timeout to the timeout variant instead of swallowing it",
                probe::outcome(&answer)
            )),
        },
    );
}

/// Functions not declared answer `unsupported`, and do not trap.
pub async fn undeclared(report: &mut Report, bench: &Bench, declared: &[Capability]) {
    let mut wrong = Vec::new();
    let mut asked = 0;
    for capability in probe::ALL.into_iter().filter(|c| !declared.contains(c)) {
        let answer = match bench.call(&bench.unreachable(), UNREACHABLE_DEADLINE) {
            Ok(c) => probe::call(&c, capability).await,
            Err(e) => return report.fail("undeclared", format!("{e:#}")),
        };
        let Some(answer) = answer else { continue };
        asked += 1;
        if !matches!(answer, Err(CallError::Driver(wit::Error::Unsupported(_)))) {
            wrong.push(format!(
                "{} answered {}",
                probe::name(capability),
                probe::outcome(&answer)
            ));
        }
    }
    report.record(
        "undeclared",
        if wrong.is_empty() {
            Ok(format!(
                "{asked} undeclared functions answer unsupported (create-image not probed)"
            ))
        } else {
            Err(format!(
                "functions not in `capabilities` must return the unsupported variant: {}",
                first_few(&wrong)
            ))
        },
    );
}

/// Against a cloud whose endpoints refuse connections, every declared read answers an error
/// variant in time: no trap, no hang, no success made up of nothing.
pub async fn unreachable(report: &mut Report, bench: &Bench, declared: &[Capability]) {
    let mut wrong = Vec::new();
    let mut asked = 0;
    for capability in declared.iter().copied().filter(|c| probe::is_read(*c)) {
        let answer = match bench.call(&bench.unreachable(), UNREACHABLE_DEADLINE) {
            Ok(c) => probe::call(&c, capability).await,
            Err(e) => return report.fail("unreachable-cloud", format!("{e:#}")),
        };
        let Some(answer) = answer else { continue };
        asked += 1;
        let fine = matches!(
            &answer,
            Err(CallError::Driver(
                wit::Error::Unavailable(_)
                    | wit::Error::Timeout(_)
                    | wit::Error::Invalid(_)
                    | wit::Error::Other(_)
            ))
        );
        if !fine {
            wrong.push(format!(
                "{} answered {}",
                probe::name(capability),
                probe::outcome(&answer)
            ));
        }
    }
    report.record(
        "unreachable-cloud",
        if wrong.is_empty() {
            Ok(format!("{asked} declared reads answer an error variant when no connection can be made"))
        } else {
            Err(format!(
                "with every connection refused, a declared read must return unavailable (or timeout, \
                 invalid, other) — not trap, hang or succeed: {}",
                first_few(&wrong)
            ))
        },
    );
}

fn call(
    bench: &Bench,
    at: &crate::location::CloudRegion,
) -> anyhow::Result<crate::plugin::DriverCall> {
    bench.call(at, CALL_DEADLINE)
}

/// A call's failure in the WIT's words.
pub fn describe_error(error: &CallError) -> String {
    match error {
        CallError::Driver(e) => format!(
            "{} ({})",
            probe::variant(e),
            crate::plugin::call::describe_driver_error(e)
        ),
        CallError::Trap { message, .. } => format!("a trap ({})", probe::trap_reason(message)),
        other => other.to_string(),
    }
}

fn first_few(items: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > SHOWN {
        text.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    text
}
