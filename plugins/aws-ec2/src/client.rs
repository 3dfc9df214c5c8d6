//! EC2 Query API calls: form encoding, signing, error mapping and pagination.
//!
//! 1. [`Client::call`] POSTs `Action=…&Version=2016-11-15&…` form-encoded to the endpoint,
//!    signed with SigV4 for service `ec2` in the call's region.
//! 2. 2xx bodies are returned as text for the converters; anything else becomes the WIT `error`
//!    its AWS error code means ([`error_for`]), carrying AWS's own message.
//! 3. [`Client::paginate`] repeats a call with each `nextToken` until there is none.

use crate::config::Config;
use crate::host::Host;
use crate::oaktree::cloud::http::{HttpError, Method, Request, Response};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::{Error, Throttle};
use crate::sigv4::{Signer, Unsigned, amz_date_now, uri_encode};
use crate::xml;

/// The EC2 API version every request names (the current and only one AWS documents).
pub const API_VERSION: &str = "2016-11-15";

/// The vendor service, for the host's per-service limits and metrics and the SigV4 scope.
pub const SERVICE: &str = "ec2";

/// Sent as `User-Agent` so operators can tell oaktree's calls apart.
pub const USER_AGENT: &str = concat!("oaktree-aws-ec2/", env!("CARGO_PKG_VERSION"));

/// A runaway pagination guard: 10,000 pages of 1,000 instances is far beyond any account.
const MAX_PAGES: usize = 10_000;

/// AWS messages are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 300;

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Signed EC2 calls for one cloud-region.
pub struct Client<'h, H: Host> {
    host: &'h H,
    config: Config,
    /// `x-amz-date` source; tests pin it.
    clock: fn() -> String,
}

impl<'h, H: Host> Client<'h, H> {
    pub fn new(host: &'h H, config: Config) -> Self {
        Self {
            host,
            config,
            clock: amz_date_now,
        }
    }

    /// A client whose requests are dated by `clock` (tests).
    #[cfg(test)]
    pub fn with_clock(host: &'h H, config: Config, clock: fn() -> String) -> Self {
        Self {
            host,
            config,
            clock,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Emits a log line through the host.
    pub fn log(&self, level: Level, message: &str) {
        self.host.log(level, message);
    }

    /// Calls `action` with `params` and returns the 2xx body as text.
    pub fn call(&self, action: &str, params: &[(String, String)]) -> Result<String, Error> {
        let body = form(action, params);
        let amz_date = (self.clock)();
        let mut headers = vec![
            ("content-type".to_string(), FORM.to_string()),
            ("host".to_string(), self.config.host_header()),
            ("x-amz-date".to_string(), amz_date.clone()),
        ];
        if let Some(token) = &self.config.session_token {
            headers.push(("x-amz-security-token".into(), token.clone()));
        }
        let signer = Signer {
            access_key_id: &self.config.access_key_id,
            secret_access_key: &self.config.secret_access_key,
            region: &self.config.region,
            service: SERVICE,
        };
        let authorization = signer.authorization(
            &Unsigned {
                method: "POST",
                path: "/",
                query: "",
                headers: &headers,
                body: body.as_bytes(),
            },
            &amz_date,
        );
        // The host's HTTP client derives `Host` from the URL, exactly as signed above.
        headers.retain(|(k, _)| k != "host");
        headers.push(("authorization".into(), authorization));
        headers.push(("user-agent".into(), USER_AGENT.into()));
        headers.push(("accept".into(), "application/xml".into()));
        let url = self.config.url();
        let response = self
            .host
            .send(Request {
                method: Method::Post,
                url: url.clone(),
                headers,
                body: Some(body.into_bytes()),
                service: SERVICE.into(),
            })
            .map_err(|e| transport_error(action, &url, e))?;
        self.host.log(
            Level::Debug,
            &format!("ec2 {action} answered {}", response.status),
        );
        if (200..300).contains(&response.status) {
            return String::from_utf8(response.body)
                .map_err(|e| Error::Other(format!("ec2 {action}: the answer is not UTF-8: {e}")));
        }
        Err(status_error(action, &response))
    }

    /// Calls `action` page by page (`NextToken`), handing each page's body to `page`.
    pub fn paginate(
        &self,
        action: &str,
        params: &[(String, String)],
        mut page: impl FnMut(&roxmltree::Document<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut all = params.to_vec();
            if let Some(t) = &token {
                all.push(("NextToken".into(), t.clone()));
            }
            let body = self.call(action, &all)?;
            let doc = parse(action, &body)?;
            page(&doc)?;
            let next = xml::text(doc.root_element(), "nextToken");
            if next.is_none() || next == token {
                return Ok(());
            }
            token = next;
        }
        Err(Error::Other(format!(
            "ec2 {action}: more than {MAX_PAGES} pages; stopped following nextToken"
        )))
    }
}

/// Parses an answer's XML.
pub fn parse<'i>(action: &str, body: &'i str) -> Result<roxmltree::Document<'i>, Error> {
    roxmltree::Document::parse(body)
        .map_err(|e| Error::Other(format!("ec2 {action}: the answer is not valid XML: {e}")))
}

/// `Action=…&Version=…&<params>`, form-encoded.
pub fn form(action: &str, params: &[(String, String)]) -> String {
    let mut out = format!("Action={}&Version={API_VERSION}", uri_encode(action));
    for (k, v) in params {
        out.push('&');
        out.push_str(&uri_encode(k));
        out.push('=');
        out.push_str(&uri_encode(v));
    }
    out
}

/// The WIT error for a non-2xx answer: by AWS error code when the body has one, else by status.
pub fn status_error(action: &str, response: &Response) -> Error {
    let status = response.status;
    let text = String::from_utf8_lossy(&response.body);
    let (code, vendor) = aws_error(&text).unwrap_or_else(|| (String::new(), plain(&text)));
    let message = if code.is_empty() {
        format!("ec2 {action} answered {status}: {vendor}")
    } else {
        format!("ec2 {action} answered {status} {code}: {vendor}")
    };
    let retry_after_ms = retry_after_ms(&response.headers);
    error_for(&code, status, message, retry_after_ms)
}

/// Maps an AWS error code (or, without one, the HTTP status) to the WIT error.
pub fn error_for(code: &str, status: u16, message: String, retry_after_ms: Option<u64>) -> Error {
    match code {
        "AuthFailure"
        | "SignatureDoesNotMatch"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "ExpiredToken"
        | "RequestExpired" => return Error::Unauthorized(message),
        "UnauthorizedOperation"
        | "AccessDenied"
        | "AccessDeniedException"
        | "OptInRequired"
        | "Blocked" => return Error::Forbidden(message),
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException" => {
            return Error::Throttled(Throttle {
                retry_after_ms,
                message,
            });
        }
        "InternalError" | "InternalFailure" | "ServiceUnavailable" | "Unavailable" => {
            return Error::Unavailable(message);
        }
        "UnsupportedOperation" | "Unsupported" | "InvalidAction" => {
            return Error::Unsupported(message);
        }
        "IncorrectState" | "IncorrectInstanceState" | "DependencyViolation" => {
            return Error::Conflict(message);
        }
        _ => {}
    }
    // Already exists (`InvalidKeyPair.Duplicate`, `InvalidGroup.Duplicate`,
    // `InvalidPermission.Duplicate`), overlaps (`InvalidSubnet.Conflict`) or is still used
    // (`VolumeInUse`, `InvalidGroup.InUse`, `InvalidIPAddress.InUse`): the resource's state
    // refuses the request.
    if code.ends_with(".Duplicate")
        || code.ends_with(".Conflict")
        || code.ends_with("InUse")
        || code == "Resource.AlreadyAssociated"
        || code == "InsufficientFreeAddressesInSubnet"
    {
        return Error::Conflict(message);
    }
    // `InsufficientInstanceCapacity` and kin: AWS has no room for the request in that zone right
    // now; it is the vendor's shortage, worth retrying later or elsewhere.
    if code.starts_with("Insufficient") && code.ends_with("Capacity") {
        return Error::Unavailable(message);
    }
    // `InstanceLimitExceeded`, `VcpuLimitExceeded`, `AddressLimitExceeded`, ...: an account
    // quota. Valid credentials refused, as nova's quota errors are (403), so `forbidden`.
    // (`RequestLimitExceeded`, the throttle, is matched above.)
    if code.ends_with("LimitExceeded") {
        return Error::Forbidden(message);
    }
    if code.ends_with(".NotFound") || code.ends_with("NotFound") {
        return Error::NotFound(message);
    }
    if code.ends_with(".Malformed")
        || code.starts_with("Invalid")
        || code.starts_with("Missing")
        || code == "ValidationError"
    {
        return Error::Invalid(message);
    }
    match status {
        401 => Error::Unauthorized(message),
        403 => Error::Forbidden(message),
        404 => Error::NotFound(message),
        409 => Error::Conflict(message),
        429 => Error::Throttled(Throttle {
            retry_after_ms,
            message,
        }),
        // A method or feature this endpoint does not implement: retrying cannot help.
        405 | 501 => Error::Unsupported(message),
        500..=599 => Error::Unavailable(message),
        400 => Error::Invalid(message),
        _ => Error::Other(message),
    }
}

/// The WIT error for a transport failure.
pub fn transport_error(action: &str, url: &str, error: HttpError) -> Error {
    match error {
        HttpError::Timeout(m) => Error::Timeout(format!("ec2 {action}: {url} timed out: {m}")),
        HttpError::Connect(m) => {
            Error::Unavailable(format!("ec2 {action}: cannot connect to {url}: {m}"))
        }
        HttpError::Denied(m) => Error::Invalid(format!(
            "ec2 {action}: the host refused to send a request to {url} ({m}); check endpoint_url \
             and the host's egress policy"
        )),
        HttpError::Other(m) => {
            Error::Unavailable(format!("ec2 {action}: request to {url} failed: {m}"))
        }
    }
}

/// `(Code, Message)` of an AWS error body: `<Response><Errors><Error>` (EC2) or
/// `<ErrorResponse><Error>` (IAM/STS style).
pub fn aws_error(body: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(body).ok()?;
    let error = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Error")?;
    let code = xml::text(error, "Code")?;
    let message = xml::text(error, "Message").unwrap_or_else(|| "(no message)".into());
    Some((code, shorten(&message)))
}

/// A non-XML body (moto answers HTML on its own failures) as one short line.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let message = shorten(&out);
    if message.is_empty() {
        "(no message)".into()
    } else {
        message
    }
}

fn shorten(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_MESSAGE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_MESSAGE_CHARS).collect();
    cut.push('…');
    cut
}

/// `Retry-After` in seconds (AWS sends it rarely; the host also honours it).
fn retry_after_ms(headers: &[(String, String)]) -> Option<u64> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .map(|s| s.saturating_mul(1_000))
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
