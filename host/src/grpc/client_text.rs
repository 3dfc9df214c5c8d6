//! Text a client sees, kept small: gRPC carries a status message and its details in HTTP/2
//! headers, and clients refuse headers over 16 KB (tonic: "h2 protocol error", grpcio:
//! RESOURCE_EXHAUSTED). So every client-facing message is cut to a bound, Wasm backtraces are
//! dropped from it, and lists (ambiguous candidates, failed locations) show at most
//! [`MAX_LISTED`] entries plus a count. The full text goes to the daemon's log.

use std::borrow::Cow;

/// The most entries a client-facing list shows; the rest are counted ("and 280 more").
pub const MAX_LISTED: usize = 20;
/// The longest status message, in bytes. Messages and details together stay well under
/// 16 KB: [`MAX_LISTED`] entries of at most [`MAX_ENTRY_BYTES`] each, plus this.
pub const MAX_MESSAGE_BYTES: usize = 2048;
/// The longest text of one listed entry or one detail value.
pub const MAX_ENTRY_BYTES: usize = 256;
/// The longest message of one location's status (in the response body, not headers).
pub const MAX_LOCATION_MESSAGE_BYTES: usize = 1024;

/// A Wasm trap's text without its backtrace: the frames (`    0: 0x1a2b - func`) and
/// wasmtime's notes are dropped; the reason stays.
pub fn without_backtrace(text: &str) -> Cow<'_, str> {
    if !text.contains("wasm backtrace:") {
        return Cow::Borrowed(text);
    }
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let is_frame = trimmed.split_once(':').is_some_and(|(index, _)| {
            !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
        });
        let is_note = trimmed.starts_with("note: ") || trimmed.starts_with("at ");
        if is_frame {
            // The last frame carries the chained cause after it: "1: 0x2 - g: wasm trap: ...".
            if let Some((_, cause)) = trimmed.split_once(": wasm trap: ") {
                kept.push(format!("wasm trap: {cause}"));
            }
            continue;
        }
        if is_note {
            continue;
        }
        kept.push(
            line.replace(
                "error while executing at wasm backtrace:",
                "error while executing",
            )
            .trim()
            .to_owned(),
        );
    }
    let joined: Vec<String> = kept.into_iter().filter(|l| !l.is_empty()).collect();
    Cow::Owned(format!(
        "{} (backtrace in the daemon's log)",
        joined.join(" ")
    ))
}

/// `text` cut to at most `max` bytes (at a character boundary), saying how much was cut.
pub fn truncated(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let note = format!(
        " … (cut from {} bytes; all in the daemon's log)",
        text.len()
    );
    let mut end = max.saturating_sub(note.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{note}", &text[..end]))
}

/// `text` fit for a client: no backtrace, at most `max` bytes. When anything was dropped, the
/// full text is logged.
pub fn client_text(text: &str, max: usize) -> String {
    let short = without_backtrace(text);
    let short = truncated(&short, max);
    if short.len() != text.len() {
        tracing::warn!(full = %text, "a message to a client was shortened; full text here");
    }
    short.into_owned()
}

/// The first [`MAX_LISTED`] of `entries`, each shortened, then "and K more" when there are more.
pub fn listed(entries: impl ExactSizeIterator<Item = String>) -> String {
    let total = entries.len();
    let mut shown: Vec<String> = entries
        .take(MAX_LISTED)
        .map(|e| truncated(&without_backtrace(&e), MAX_ENTRY_BYTES).into_owned())
        .collect();
    if total > MAX_LISTED {
        shown.push(format!("and {} more", total - MAX_LISTED));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAP: &str = "plugin openstack trapped: error while executing at wasm backtrace:\n    0: 0x1 - f\n    1: 0x2 - g: wasm trap: wasm `unreachable` instruction executed";

    #[test]
    fn a_trap_keeps_its_reason_and_loses_its_backtrace() {
        let short = without_backtrace(TRAP);
        assert_eq!(
            short,
            "plugin openstack trapped: error while executing wasm trap: wasm `unreachable` \
             instruction executed (backtrace in the daemon's log)"
        );
        assert_eq!(without_backtrace("plain: 1: 2"), "plain: 1: 2");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_says_so() {
        let text = "é".repeat(5000);
        let cut = truncated(&text, 1000);
        assert!(cut.len() <= 1000, "{}", cut.len());
        assert!(
            cut.ends_with("(cut from 10000 bytes; all in the daemon's log)"),
            "{cut}"
        );
        assert_eq!(truncated("short", 1000), "short");
    }

    #[test]
    fn a_long_list_shows_twenty_entries_and_counts_the_rest() {
        let entries: Vec<String> = (0..300).map(|i| format!("s{i}")).collect();
        let text = listed(entries.into_iter());
        assert!(text.starts_with("s0, s1, "), "{text}");
        assert!(text.ends_with("s19, and 280 more"), "{text}");
    }
}
