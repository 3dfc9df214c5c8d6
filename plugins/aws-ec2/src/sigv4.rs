//! AWS Signature Version 4, for the Query API requests the driver sends.
//!
//! 1. Canonical request: method, path, sorted query, the signed headers (lower-case names,
//!    trimmed values, sorted), their names, and the hex SHA-256 of the body.
//! 2. String to sign: `AWS4-HMAC-SHA256`, the timestamp, the scope
//!    (`<day>/<region>/<service>/aws4_request`) and the hex SHA-256 of the canonical request.
//! 3. Signing key: HMAC chain over the day, region, service and `aws4_request`, seeded with
//!    `AWS4<secret>`; the signature is the hex HMAC of the string to sign.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What one signature needs besides the request.
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// A request to sign: `headers` must include `host` and `x-amz-date` (any case).
pub struct Unsigned<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Already URI-encoded `name=value` pairs joined by `&`, or empty.
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Signer<'_> {
    /// The `Authorization` header value for `request` at `amz_date` (`YYYYMMDDTHHMMSSZ`).
    pub fn authorization(&self, request: &Unsigned<'_>, amz_date: &str) -> String {
        let (signed_headers, signature) = self.signature(request, amz_date);
        let day = amz_date.get(..8).unwrap_or(amz_date);
        format!(
            "{ALGORITHM} Credential={}/{day}/{}/{}/aws4_request, SignedHeaders={signed_headers}, \
             Signature={signature}",
            self.access_key_id, self.region, self.service
        )
    }

    /// The signed header names and the hex signature.
    pub fn signature(&self, request: &Unsigned<'_>, amz_date: &str) -> (String, String) {
        let (canonical, signed_headers) = canonical_request(request);
        let day = amz_date.get(..8).unwrap_or(amz_date);
        let scope = format!("{day}/{}/{}/aws4_request", self.region, self.service);
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(
            format!("AWS4{}", self.secret_access_key).as_bytes(),
            day.as_bytes(),
        );
        for part in [self.region, self.service, "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        (signed_headers, hex(&hmac(&key, string_to_sign.as_bytes())))
    }
}

/// The canonical request and its signed header list.
pub fn canonical_request(request: &Unsigned<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| {
            let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (k.to_ascii_lowercase(), value)
        })
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut query: Vec<&str> = request.query.split('&').filter(|p| !p.is_empty()).collect();
    query.sort_unstable();
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        if request.path.is_empty() {
            "/"
        } else {
            request.path
        },
        query.join("&"),
        hex(&Sha256::digest(request.body))
    );
    (canonical, signed_headers)
}

/// Percent-encodes as SigV4 wants: everything but `A-Z a-z 0-9 - _ . ~`.
pub fn uri_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// `YYYYMMDDTHHMMSSZ` for unix seconds (UTC), as `x-amz-date` wants.
pub fn amz_date(unix_seconds: u64) -> String {
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(0);
    let rem = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Now as `x-amz-date` (the WASI wall clock under the component).
pub fn amz_date_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    amz_date(secs)
}

/// Howard Hinnant's days → civil date (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;
