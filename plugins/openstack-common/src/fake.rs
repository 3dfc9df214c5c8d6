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
    /// What the driver settled, as (kind, id), in order.
    pub settled: RefCell<Vec<(String, String)>>,
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

/// Endpoints of the cloud [`FakeHost::cloud`] scripts, as the driver uses them.
pub const COMPUTE: &str = "http://n/compute/v2.1";
pub const NETWORK: &str = "http://q:9696/v2.0";
pub const VOLUME: &str = "http://c/volume/v3/p1";

/// A password cloud in region r1, for [`FakeHost::cloud`].
pub fn context() -> crate::oaktree::cloud::types::CallContext {
    let config = serde_json::json!({
        "auth_type": "password",
        "auth": {"auth_url": "http://k/identity", "username": "demo", "password": "secret",
                 "project_name": "demo", "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": "r1", "interface": "public", "profile": "openstack"
    });
    crate::oaktree::cloud::types::CallContext {
        cloud: "alpha".into(),
        region: "r1".into(),
        config: config.to_string(),
    }
}

/// A version document listing `(id, status, self href)` entries.
pub fn versions(entries: &[(&str, &str, &str)]) -> Value {
    let versions: Vec<Value> = entries
        .iter()
        .map(|(id, status, href)| {
            serde_json::json!({"id": id, "status": status,
                               "links": [{"rel": "self", "href": href}]})
        })
        .collect();
    serde_json::json!({ "versions": versions })
}

impl FakeHost {
    /// A host whose keystone issues `tok-1` for project p1 with compute, network (unversioned
    /// in the catalog, with neutron's version document at its root) and block storage
    /// (catalogued as `volumev3`) in r1.
    pub fn cloud() -> Self {
        let host = Self::default();
        let endpoint =
            |url: &str| serde_json::json!([{"interface": "public", "region": "r1", "url": url}]);
        let body = serde_json::json!({"token": {
        "expires_at": "2999-01-01T00:00:00.000000Z",
        "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "catalog": [
            {"type": "compute", "endpoints": endpoint(COMPUTE)},
            {"type": "network", "endpoints": endpoint("http://q:9696")},
            {"type": "volumev3", "endpoints": endpoint(VOLUME)}
        ]}});
        host.on(
            "POST",
            "http://k/identity/v3/auth/tokens",
            201,
            &[("x-subject-token", "tok-1")],
            &body,
        );
        host.on(
            "GET",
            "http://q:9696/",
            200,
            &[],
            &versions(&[("v2.0", "CURRENT", NETWORK)]),
        );
        host
    }

    /// The JSON body of the last `method` request to `url`, if it had one.
    pub fn sent(&self, method: Method, url: &str) -> Option<Value> {
        self.requests
            .borrow()
            .iter()
            .rev()
            .find(|r| r.method == method && r.url == url)
            .and_then(|r| r.body.as_deref())
            .and_then(|b| serde_json::from_slice(b).ok())
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
        self.settled.borrow_mut().push((kind.into(), id.into()));
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
