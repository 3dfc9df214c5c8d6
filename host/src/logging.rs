//! The log output of the daemon and the command line, on stderr: text or JSON lines.
//!
//! Text carries colour codes only when stderr is a terminal: a log redirected to a file or
//! a collector stays plain text (`log_format: text` in the daemon config).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{DefaultFields, Format};
use tracing_subscriber::fmt::{MakeWriter, SubscriberBuilder};

use crate::config::LogFormat;

/// Installs the process's log subscriber: `RUST_LOG` if set, else `default_level`. A second
/// call keeps the first subscriber.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = builder(filter, std::io::stderr, std::io::stderr().is_terminal());
    let installed = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Err(error) = installed {
        tracing::debug!(%error, "a log subscriber is already installed");
    }
}

/// The subscriber `init` installs, writing to `writer`, with colour codes only if `ansi`.
fn builder<W>(
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> SubscriberBuilder<DefaultFields, Format, EnvFilter, W>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log_line(ansi: bool) -> Vec<u8> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = builder(EnvFilter::new("info"), move || writer.clone(), ansi).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(cloud = "alpha", region = "one", "location failed");
        });
        captured.0.lock().unwrap().clone()
    }

    #[test]
    fn a_text_log_off_a_terminal_has_no_colour_codes() {
        let plain = log_line(false);
        assert!(
            String::from_utf8_lossy(&plain).contains("location failed"),
            "{}",
            String::from_utf8_lossy(&plain)
        );
        assert!(
            !plain.contains(&0x1b),
            "{}",
            String::from_utf8_lossy(&plain)
        );
        // The same line on a terminal is coloured: the check above can see colour codes.
        assert!(log_line(true).contains(&0x1b));
    }
}
