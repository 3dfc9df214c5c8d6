//! A scripted [`Host`] for native tests: canned XML answers by EC2 action, and a record of every request and log line.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use crate::host::Host;
use crate::oaktree::cloud::http::{HttpError, Request, Response};
use crate::oaktree::cloud::log::Level;

#[derive(Default)]
pub struct FakeHost {
    /// Action → answers in order; the last one repeats.
    routes: RefCell<HashMap<String, VecDeque<Response>>>,
    pub requests: RefCell<Vec<Request>>,
    pub logs: RefCell<Vec<String>>,
}

impl FakeHost {
    /// Answers `action` with `status`, `headers` and `body` (after earlier answers for it).
    pub fn on(&self, action: &str, status: u16, headers: &[(&str, &str)], body: &str) {
        let response = Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        self.routes
            .borrow_mut()
            .entry(action.into())
            .or_default()
            .push_back(response);
    }

    /// The form bodies sent, in order.
    pub fn bodies(&self) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .map(|r| String::from_utf8_lossy(r.body.as_deref().unwrap_or_default()).into_owned())
            .collect()
    }
}

/// The `Action` of a form body.
fn action(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|p| p.strip_prefix("Action="))
        .unwrap_or_default()
        .to_string()
}

impl Host for FakeHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        let key = action(request.body.as_deref().unwrap_or_default());
        self.requests.borrow_mut().push(request);
        let mut routes = self.routes.borrow_mut();
        let queue = routes
            .get_mut(&key)
            .ok_or_else(|| HttpError::Connect(format!("no route for {key}")))?;
        let response = if queue.len() > 1 {
            queue.pop_front()
        } else {
            queue.front().cloned()
        };
        response.ok_or_else(|| HttpError::Other(format!("no response left for {key}")))
    }

    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push(format!("{level:?}: {message}"));
    }
}

/// A session over `host` for us-east-1 with a pinned clock.
pub fn session(host: &FakeHost) -> crate::driver::Session<'_, FakeHost> {
    session_with(
        host,
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK"}"#,
    )
}

/// A session over `host` with the cloud configuration `json`, for us-east-1.
pub fn session_with<'h>(host: &'h FakeHost, json: &str) -> crate::driver::Session<'h, FakeHost> {
    let config = crate::config::Config::parse(json, "us-east-1").unwrap();
    crate::driver::Session::with_client(crate::client::Client::with_clock(host, config, || {
        "20260101T000000Z".into()
    }))
}

/// EC2's error body for `code`.
pub fn error_body(code: &str, message: &str) -> String {
    format!(
        "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>\
         </Errors><RequestID>r</RequestID></Response>"
    )
}

/// The form body of request `n` without the `Action=…&Version=…&` prefix common to all.
pub fn sent(host: &FakeHost, n: usize) -> String {
    let body = host.bodies().get(n).cloned().unwrap_or_default();
    body.split_once("&Version=2016-11-15")
        .map(|(action, rest)| format!("{action}{rest}"))
        .unwrap_or(body)
}
