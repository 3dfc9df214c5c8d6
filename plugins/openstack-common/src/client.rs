//! HTTP helpers: request headers, error mapping and pagination.
//!
//! Every response goes through [`check`]: 2xx bodies are parsed as JSON, anything else becomes
//! the WIT `error` the status means, carrying the vendor's own message. Lists follow the
//! vendor's next links with [`collect_pages`] until there are none.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::oaktree::cloud::http::{HttpError, Response};
use crate::oaktree::cloud::types::{Error, Throttle};
use crate::value::unsigned;

/// Sent as `User-Agent` so operators can tell oaktree's calls apart.
pub const USER_AGENT: &str = concat!("oaktree-openstack/", env!("CARGO_PKG_VERSION"));

/// A runaway pagination guard: 10,000 pages is 10 million records at nova's default page size.
const MAX_PAGES: usize = 10_000;

/// Vendor messages are cut to this many characters (glance can answer with whole HTML pages).
const MAX_MESSAGE_CHARS: usize = 200;

/// Headers every request carries (the token is added by the caller).
pub fn base_headers() -> Vec<(String, String)> {
    vec![
        ("accept".into(), "application/json".into()),
        ("user-agent".into(), USER_AGENT.into()),
    ]
}

/// The first value of a (lower-case) header.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A 2xx response's JSON body (`null` when empty), or the error its status means.
/// The HTTP verb as text, for error messages.
pub fn method_name(method: crate::oaktree::cloud::http::Method) -> &'static str {
    use crate::oaktree::cloud::http::Method;
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}

pub fn check(service: &str, method: &str, url: &str, response: &Response) -> Result<Value, Error> {
    if !(200..300).contains(&response.status) {
        return Err(status_error(service, method, url, response));
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&response.body).map_err(|e| {
        Error::Other(format!(
            "{service}: {method} {url} answered with invalid JSON: {e}"
        ))
    })
}

/// The WIT error for a non-2xx response.
pub fn status_error(service: &str, method: &str, url: &str, response: &Response) -> Error {
    let status = response.status;
    let vendor = vendor_message(&response.body);
    let message = format!("{service}: {method} {url} answered {status}: {vendor}");
    match status {
        400 => Error::Invalid(message),
        401 => Error::Unauthorized(message),
        403 => Error::Forbidden(message),
        404 => Error::NotFound(message),
        409 => Error::Conflict(message),
        413 | 429 => Error::Throttled(Throttle {
            retry_after_ms: retry_after_ms(&response.headers, &response.body),
            message,
        }),
        // The service (or this deployment of it) does not offer that method on that URL
        // (405), or nova's "not implemented" for a feature its driver lacks (501): an answer
        // about the capability, not an outage to retry or to count against the region.
        405 | 501 => Error::Unsupported(message),
        500..=599 => Error::Unavailable(message),
        _ => Error::Other(message),
    }
}

/// A refusal for quota as `forbidden`, whatever status the service used: nova 403 "Quota
/// exceeded" (413 overLimit before v2.1), neutron 409 OverQuota, cinder 413 overLimit. The
/// project may not have more until something is freed: waiting (`throttled`) does not help,
/// and it is not the state of the addressed resource (`conflict`). The vendor's message,
/// which says which quota, is kept.
pub fn quota_as_forbidden(error: Error) -> Error {
    match error {
        Error::Throttled(Throttle { message, .. }) | Error::Conflict(message)
            if message.to_ascii_lowercase().contains("quota") =>
        {
            Error::Forbidden(message)
        }
        other => other,
    }
}

/// The WIT error for a transport failure.
pub fn transport_error(service: &str, url: &str, error: HttpError) -> Error {
    match error {
        HttpError::Timeout(m) => Error::Timeout(format!("{service}: {url} timed out: {m}")),
        HttpError::Connect(m) => {
            Error::Unavailable(format!("{service}: cannot connect to {url}: {m}"))
        }
        HttpError::Denied(m) => Error::Invalid(format!(
            "{service}: the host refused to send a request to {url} ({m}); check the endpoint \
             and the host's egress policy"
        )),
        HttpError::Other(m) => {
            Error::Unavailable(format!("{service}: request to {url} failed: {m}"))
        }
    }
}

/// The human message in an OpenStack error body, whatever its shape.
pub fn vendor_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Some(message) = serde_json::from_str::<Value>(&text)
        .ok()
        .as_ref()
        .and_then(json_message)
    {
        return shorten(&message);
    }
    let plain = if text.trim_start().starts_with('<') {
        strip_tags(&text)
    } else {
        text.into_owned()
    };
    let message = shorten(&plain);
    if message.is_empty() {
        "(no message)".into()
    } else {
        message
    }
}

/// `{"error": {"message"}}` (keystone), `{"NeutronError": {"message"}}`, nova's
/// `{"itemNotFound": {"message"}}` and any other single object with a `message`.
fn json_message(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    if let Some(message) = object.get("message").and_then(Value::as_str) {
        return Some(message.to_string());
    }
    for inner in object.values() {
        match inner {
            Value::Object(o) => {
                if let Some(message) = o.get("message").and_then(Value::as_str) {
                    return Some(message.to_string());
                }
            }
            Value::String(s) if object.len() == 1 => return Some(s.clone()),
            _ => {}
        }
    }
    None
}

/// `Retry-After` in seconds (or nova's `overLimit.retryAfter`), as milliseconds.
fn retry_after_ms(headers: &[(String, String)], body: &[u8]) -> Option<u64> {
    let seconds = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
    };
    if let Some(secs) = header(headers, "retry-after").and_then(seconds) {
        return Some((secs * 1000.0) as u64);
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let retry = value
        .as_object()?
        .values()
        .find_map(|v| v.get("retryAfter"))?;
    unsigned(retry).map(|s| s.saturating_mul(1000))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Collapses whitespace and cuts to [`MAX_MESSAGE_CHARS`].
fn shorten(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

/// How a vendor points at the next page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// nova and neutron: `<key>` is a list of links; the one with rel=next has an absolute href.
    Links(&'static str),
    /// glance: `next` is a path such as `/v2/images?marker=X`; its version segment is the
    /// versioned `base` (which may carry a project after the version), as openstacksdk reads it.
    Glance { base: String },
}

impl Next {
    /// The next page's URL from a page, if there is one.
    pub fn url(&self, page: &Value) -> Option<String> {
        match self {
            Next::Links(key) => page
                .get(*key)?
                .as_array()?
                .iter()
                .find(|l| l.get("rel").and_then(Value::as_str) == Some("next"))?
                .get("href")?
                .as_str()
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            Next::Glance { base } => page
                .get("next")?
                .as_str()
                .filter(|h| !h.is_empty())
                .map(|h| join_glance(base, h)),
        }
    }
}

/// Joins glance's `next` to the versioned image endpoint: an absolute URL is kept; a
/// leading version segment (`/v2/images?…`) is replaced by `base`.
pub fn join_glance(base: &str, next: &str) -> String {
    if next.starts_with("http://") || next.starts_with("https://") {
        return next.to_string();
    }
    let path = next.trim_start_matches('/');
    let path = match path.split_once('/') {
        Some((first, rest)) if crate::endpoint_version::segment_version(first).is_some() => rest,
        _ => path,
    };
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// Fetches `first` and every following page, returning the items under `items_key` in order.
/// A next link seen before, or more than [`MAX_PAGES`] pages, is an error rather than a hang.
pub fn collect_pages(
    first: &str,
    items_key: &str,
    next: &Next,
    mut get: impl FnMut(&str) -> Result<Value, Error>,
) -> Result<Vec<Value>, Error> {
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let mut url = first.to_string();
    for _ in 0..MAX_PAGES {
        seen.insert(url.clone());
        let mut page = get(&url)?;
        match page.get_mut(items_key).map(Value::take) {
            Some(Value::Array(page_items)) => items.extend(page_items),
            Some(Value::Null) | None => {}
            Some(_) => return Err(Error::Other(format!("{url}: `{items_key}` is not a list"))),
        }
        match next.url(&page) {
            None => return Ok(items),
            Some(following) if seen.contains(&following) => {
                return Err(Error::Other(format!(
                    "pagination loop: {url} points back to {following}, already fetched"
                )));
            }
            Some(following) => url = following,
        }
    }
    Err(Error::Other(format!(
        "pagination of {first} did not end after {MAX_PAGES} pages"
    )))
}

/// Percent-encodes an id for use as one path segment.
pub fn encode_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
