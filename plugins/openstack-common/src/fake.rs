//! A scripted [`Host`] for native tests: canned responses by method and URL, an in-memory
//! state store, and a record of every request and log line.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::host::{Host, ImageData};
use crate::oaktree::cloud::http::{HttpError, Method, Request, Response};
use crate::oaktree::cloud::log::Level;

/// A stored value and the ttl it was stored with.
pub type Stored = (Vec<u8>, Option<u64>);

#[derive(Default)]
pub struct FakeHost {
    /// `"GET <url>"` → responses in order; the last one repeats.
    routes: RefCell<HashMap<String, VecDeque<Response>>>,
    pub requests: RefCell<Vec<Request>>,
    pub state: RefCell<HashMap<String, Stored>>,
    pub logs: RefCell<Vec<String>>,
    /// Sizes of the blobs attached to `send_blob` requests, in order.
    pub blobs_sent: RefCell<Vec<u64>>,
    /// What the driver reported to the ledger and has not settled, as (kind, id).
    pub ledger: RefCell<Vec<(String, String)>>,
}

impl FakeHost {
    /// Answers `method url` with `status` and a JSON body (after earlier answers for it).
    pub fn on(&self, method: &str, url: &str, status: u16, headers: &[(&str, &str)], body: &Value) {
        let response = Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            body: body.to_string().into_bytes(),
        };
        self.routes
            .borrow_mut()
            .entry(format!("{method} {url}"))
            .or_default()
            .push_back(response);
    }

    /// The URLs requested with `method`, in order.
    pub fn urls(&self, method: Method) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .filter(|r| r.method == method)
            .map(|r| r.url.clone())
            .collect()
    }
}

impl Host for FakeHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        let method = crate::client::method_name(request.method);
        let key = format!("{method} {}", request.url);
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

    fn send_blob(&self, request: Request, data: &ImageData<'_>) -> Result<Response, HttpError> {
        self.blobs_sent.borrow_mut().push(data.size);
        self.send(request)
    }

    fn ledger_created(&self, kind: &str, id: &str) {
        self.ledger.borrow_mut().push((kind.into(), id.into()));
    }

    fn ledger_settled(&self, kind: &str, id: &str) {
        self.ledger
            .borrow_mut()
            .retain(|(k, i)| !(k == kind && i == id));
    }

    fn state_get(&self, key: &str) -> Option<Vec<u8>> {
        self.state.borrow().get(key).map(|(v, _)| v.clone())
    }

    fn state_set(&self, key: &str, value: &[u8], ttl_ms: Option<u64>) {
        self.state
            .borrow_mut()
            .insert(key.into(), (value.to_vec(), ttl_ms));
    }

    fn state_delete(&self, key: &str) {
        self.state.borrow_mut().remove(key);
    }

    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push(format!("{level:?}: {message}"));
    }
}
