//! Writing results and choosing the exit status.
//!
//! Exit statuses (also in the commands' help):
//! - 0: the call succeeded and every location answered;
//! - 1: the call itself failed (the gRPC code, message and details go to stderr), or the
//!   daemon could not be reached;
//! - 2: bad command-line arguments (clap's convention);
//! - 3: the call succeeded but some locations failed; their lines in the status section
//!   (or `statuses` in JSON) say which and why.

use std::io::Write;
use std::process::ExitCode;

use serde_json::Value;
use tonic::Status;

use crate::proto::LocationStatus;

use super::render::{Call, is_failure};
use super::rpc::describe_error;

/// The exit statuses, as shown in `--help`.
pub const EXIT_CODES_HELP: &str = "Exit status: 0 when every location answered; 1 when the call \
failed or the daemon is unreachable (the gRPC code, message and details are printed to stderr); \
2 for bad arguments; 3 when the call succeeded but some locations failed (listed in the status \
section).";

const EXIT_CALL_FAILED: u8 = 1;
const EXIT_SOME_LOCATIONS_FAILED: u8 = 3;

/// Writes to stdout and flushes, so streamed rows appear as they arrive; a closed pipe
/// (`| head`) ends the command with an error instead of a panic.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Pretty-printed JSON followed by a newline.
pub fn emit_json(value: &Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)
}

/// Reports a failed call on stderr and returns exit status 1.
pub fn call_failed(status: &Status) -> ExitCode {
    eprint!("{}", describe_error(status));
    ExitCode::from(EXIT_CALL_FAILED)
}

/// 0 when no location failed, else 3.
pub fn exit_code(statuses: &[LocationStatus], call: Call) -> ExitCode {
    if statuses.iter().any(|s| is_failure(s, call)) {
        ExitCode::from(EXIT_SOME_LOCATIONS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
