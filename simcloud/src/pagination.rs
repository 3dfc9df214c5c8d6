//! Marker/limit pagination shared by the list handlers, plus query-string helpers.
//!
//! All three services page the same way: skip past the item whose id is `marker`, keep the
//! items the filters accept, stop at `limit`. A full page means "there may be more": nova,
//! glance and neutron all print a next link then, even if the next page turns out empty.

use serde_json::Value;

use crate::seed::str_field;

/// The parsed query string, in order.
pub type QueryPairs = Vec<(String, String)>;

/// The first value of `key` in the query.
pub fn param<'q>(query: &'q QueryPairs, key: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Why a page request is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("limit must be a non-negative integer, got {0:?}")]
    BadLimit(String),
    #[error("marker [{0}] not found")]
    MarkerNotFound(String),
}

/// The `limit` parameter, if present and valid.
pub fn parse_limit(query: &QueryPairs) -> Result<Option<usize>, PageError> {
    match param(query, "limit") {
        None => Ok(None),
        Some(raw) => raw
            .parse::<usize>()
            .map(Some)
            .map_err(|_| PageError::BadLimit(raw.to_string())),
    }
}

/// The items after `marker` that `keep` accepts, at most `limit` of them.
pub fn page<'a>(
    items: &'a [Value],
    marker: Option<&str>,
    limit: usize,
    keep: impl Fn(&Value) -> bool,
) -> Result<Vec<&'a Value>, PageError> {
    let start = match marker {
        None => 0,
        Some(marker) => {
            items
                .iter()
                .position(|item| str_field(item, "id") == marker)
                .ok_or_else(|| PageError::MarkerNotFound(marker.to_string()))?
                + 1
        }
    };
    Ok(items[start..]
        .iter()
        .filter(|item| keep(item))
        .take(limit)
        .collect())
}

/// The id of the last item when the page is full (so a next link is due).
pub fn next_marker<'a>(page: &[&'a Value], limit: usize) -> Option<&'a str> {
    if limit > 0 && page.len() == limit {
        page.last().map(|item| str_field(item, "id"))
    } else {
        None
    }
}

/// `query` with `limit` and `marker` replaced, URL-encoded (`k=v&…`), as the services
/// rebuild their next links from the request's own parameters.
pub fn next_query(query: &QueryPairs, limit: usize, marker: &str) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("limit", limit.to_string())];
    pairs.extend(
        query
            .iter()
            .filter(|(k, _)| k != "limit" && k != "marker")
            .map(|(k, v)| (k.as_str(), v.clone())),
    );
    pairs.push(("marker", marker.to_string()));
    encode(&pairs)
}

/// `k=v&k=v` with RFC 3986 unreserved characters kept and everything else percent-encoded.
pub fn encode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!({"id": format!("id{i}")})).collect()
    }

    #[test]
    fn pages_cover_every_item_exactly_once() {
        let all = items(7);
        let mut seen = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..10 {
            let got = page(&all, marker.as_deref(), 3, |_| true).unwrap();
            seen.extend(got.iter().map(|v| str_field(v, "id").to_string()));
            match next_marker(&got, 3) {
                Some(m) => marker = Some(m.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).map(|i| format!("id{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn unknown_marker_is_an_error() {
        let all = items(2);
        assert_eq!(
            page(&all, Some("nope"), 3, |_| true),
            Err(PageError::MarkerNotFound("nope".into()))
        );
    }

    #[test]
    fn next_query_keeps_filters_and_escapes() {
        let q = vec![("name".to_string(), "a b".to_string())];
        assert_eq!(next_query(&q, 5, "m"), "limit=5&name=a%20b&marker=m");
    }
}
