//! Unit tests of [`super`]: progress rendering of operation events.

use super::*;

#[test]
fn a_progress_bar_fills_with_the_bytes_done() {
    assert_eq!(bar(0, 100), "[....................]   0%");
    assert_eq!(bar(50, 100), "[##########..........]  50%");
    assert_eq!(bar(300, 100), "[####################] 100%");
    assert_eq!(bar(5, 0), "");
}

fn progress(phase: &str, message: &str) -> OperationEvent {
    OperationEvent {
        event: Some(operation_event::Event::Progress(proto::LocationProgress {
            location: Some(CloudRegion {
                cloud: "alpha".into(),
                region: "one".into(),
            }),
            phase: phase.into(),
            message: message.into(),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn server(status: &str, progress: u32) -> OperationEvent {
    OperationEvent {
        event: Some(operation_event::Event::Server(proto::Server {
            location: Some(proto::Location {
                cloud: "alpha".into(),
                region: "one".into(),
                ..Default::default()
            }),
            id: "s-1".into(),
            status: status.into(),
            progress,
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[test]
fn a_boot_with_auto_ip_prints_the_active_line_once() {
    // The events of a boot with auto IP, as the daemon sends them.
    let events = [
        progress("resolving", "image, flavor and networks"),
        progress("booting", ""),
        server("BUILD", 0),
        progress("BUILD", ""),
        server("BUILD", 40),
        progress("BUILD", "40%"),
        server("ACTIVE", 0),
        progress("ACTIVE", ""),
        progress("auto-ip", "attaching 203.0.113.9"),
        server("ACTIVE", 0),
        progress("ACTIVE", "public address 203.0.113.9"),
        server("ACTIVE", 0),
    ];
    let mut board = Board::new(false);
    let out: String = events.iter().filter_map(|e| board.render(e)).collect();
    let lines: Vec<&str> = out.lines().collect();
    let active = lines
        .iter()
        .filter(|l| l.contains("server s-1 ACTIVE"))
        .count();
    assert_eq!(active, 1, "{out}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("BUILD")).count(),
        2,
        "BUILD and BUILD 40%, each once: {out}"
    );
    assert!(out.contains("public address 203.0.113.9"), "{out}");
    assert_eq!(lines.len(), 7, "{out}");
}

#[test]
fn a_finished_operation_that_failed_exits_with_three() {
    let op = Operation {
        state: OperationState::Failed as i32,
        ..Default::default()
    };
    assert_eq!(exit_for(&op), ExitCode::from(3));
    let ok = Operation {
        state: OperationState::Succeeded as i32,
        ..Default::default()
    };
    assert_eq!(exit_for(&ok), ExitCode::SUCCESS);
}
