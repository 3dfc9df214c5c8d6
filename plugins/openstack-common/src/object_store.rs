//! Raw requests and swift (catalog type `object-store`) for image uploads.
//!
//! Uploads need what [`Session::send_json`] does not give: a body that is the host's blob,
//! headers of their own, and answers that are not JSON (swift answers `201 Created` with
//! text, a HEAD with headers only). [`Session::send_raw`] sends such a request with the
//! token and maps a non-2xx answer to the error its status means; the swift helpers below
//! stage an image's bytes in a container for glance's task import.

use crate::auth;
use crate::client;
use crate::driver::Session;
use crate::host::{Host, ImageData};
use crate::oaktree::cloud::http::{Method, Request, Response};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::Error;

/// The catalog type of swift.
pub(crate) const OBJECT_STORE: &str = "object-store";

/// Marks objects this driver staged, so a later delete removes only what it created (shade
/// marked them `x-object-meta-x-shade-autocreated`).
pub(crate) const AUTOCREATED: &str = "x-object-meta-x-oaktree-autocreated";

impl<H: Host> Session<'_, H> {
    /// Sends `method url` with the token and `headers`, the blob as body when `data` is given.
    /// A 2xx answer is returned as is; anything else is the error its status means. Like
    /// `send_json`, a 401 on a cached token re-authenticates and retries once, except for
    /// blob requests, which are never sent twice.
    pub(crate) fn send_raw(
        &mut self,
        method: Method,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
        data: Option<&ImageData<'_>>,
    ) -> Result<Response, Error> {
        let response = self.send_unchecked(method, service, url, headers, data)?;
        if response.status == 401 && self.cached && data.is_none() {
            self.host.log(
                Level::Info,
                "cached keystone token refused; re-authenticating",
            );
            self.host.state_delete(&self.key);
            self.token = auth::authenticate(self.host, &self.config, &self.key)?;
            self.cached = false;
            let retried = self.send_unchecked(method, service, url, headers, data)?;
            return checked(service, method, url, retried);
        }
        checked(service, method, url, response)
    }

    /// Sends `method url` with the token and returns whatever status came back; only a
    /// transport failure is an error.
    pub(crate) fn send_unchecked(
        &self,
        method: Method,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
        data: Option<&ImageData<'_>>,
    ) -> Result<Response, Error> {
        let mut all = client::base_headers();
        all.push(("x-auth-token".into(), self.token.token.clone()));
        all.extend(headers.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        let request = Request {
            method,
            url: url.into(),
            headers: all,
            body: None,
            service: service.into(),
        };
        let sent = match data {
            Some(data) => self.host.send_blob(request, data),
            None => self.host.send(request),
        };
        sent.map_err(|e| client::transport_error(service, url, e))
    }

    /// The URL of `<container>/<object>` in this region's swift.
    pub(crate) fn object_url(&self, container: &str, object: &str) -> Result<String, Error> {
        let base = self.endpoint(OBJECT_STORE)?;
        let object: Vec<String> = object.split('/').map(client::encode_segment).collect();
        Ok(format!(
            "{base}/{}/{}",
            client::encode_segment(container),
            object.join("/")
        ))
    }

    /// Creates `container` if it does not exist (swift's container PUT is idempotent).
    pub(crate) fn ensure_container(&mut self, container: &str) -> Result<(), Error> {
        let base = self.endpoint(OBJECT_STORE)?;
        let url = format!("{base}/{}", client::encode_segment(container));
        self.send_raw(Method::Put, OBJECT_STORE, &url, &[], None)
            .map(drop)
    }

    /// Uploads the blob as `<container>/<object>`, marked as created by this driver.
    pub(crate) fn put_object(
        &mut self,
        container: &str,
        object: &str,
        data: &ImageData<'_>,
    ) -> Result<(), Error> {
        let url = self.object_url(container, object)?;
        let mut headers = vec![
            ("content-type", "application/octet-stream"),
            (AUTOCREATED, "true"),
        ];
        // Swift checks the bytes against the ETag and refuses a mismatch.
        if !data.md5.is_empty() {
            headers.push(("etag", data.md5.as_str()));
        }
        self.send_raw(Method::Put, OBJECT_STORE, &url, &headers, Some(data))
            .map(drop)
    }

    /// Whether `<container>/<object>` exists and was staged by this driver.
    pub(crate) fn object_is_ours(&mut self, container: &str, object: &str) -> Result<bool, Error> {
        let url = self.object_url(container, object)?;
        match self.send_raw(Method::Head, OBJECT_STORE, &url, &[], None) {
            Ok(response) => Ok(client::header(&response.headers, AUTOCREATED)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))),
            Err(Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes `<container>/<object>`; one already gone is fine.
    pub(crate) fn delete_object(&mut self, container: &str, object: &str) -> Result<(), Error> {
        let url = self.object_url(container, object)?;
        match self.send_raw(Method::Delete, OBJECT_STORE, &url, &[], None) {
            Ok(_) | Err(Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `<container>/<object>` split at the first `/`; both parts must be non-empty.
pub(crate) fn split_object_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(container, object)| !container.is_empty() && !object.is_empty())
}

fn checked(
    service: &str,
    method: Method,
    url: &str,
    response: Response,
) -> Result<Response, Error> {
    if (200..300).contains(&response.status) {
        Ok(response)
    } else {
        Err(client::status_error(
            service,
            client::method_name(method),
            url,
            &response,
        ))
    }
}
