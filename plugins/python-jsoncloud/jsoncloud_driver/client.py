"""Calls to the jsoncloud API: bearer auth, status → `DriverError`, pagination.

The transport is a `send(method, url, headers, service) -> Reply` function supplied by the
caller (the host's `http` import in the component, a fake in tests); it raises
`TransportError` when no answer arrived.
"""

import json
from dataclasses import dataclass
from typing import Callable, List, Tuple
from urllib.parse import quote

from .config import Settings
from .errors import DriverError

#: The vendor service name the host's limits and metrics see.
SERVICE = "compute"

#: A list that pages on past this many pages is a vendor bug, not a big region.
MAX_PAGES = 10_000


@dataclass
class Reply:
    status: int
    headers: List[Tuple[str, str]]
    body: bytes


class TransportError(Exception):
    """No answer: `kind` is the WIT `http-error` case (timeout, connect, denied, other)."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


Send = Callable[[str, str, List[Tuple[str, str]], str], Reply]


class Client:
    def __init__(self, settings: Settings, send: Send):
        self.settings = settings
        self._send = send

    def list(self, collection: str) -> List[dict]:
        """Every item of `collection`, following `next_page` to the end (at the vendor's
        default page size, so the simulator's small pages exercise this loop)."""
        items: List[dict] = []
        page = 1
        for _ in range(MAX_PAGES):
            body = self._get(f"{collection}?page={page}")
            chunk = body.get(collection) if isinstance(body, dict) else None
            if not isinstance(chunk, list):
                raise DriverError("other", f"jsoncloud answered {collection} without a list")
            items.extend(i for i in chunk if isinstance(i, dict))
            next_page = body.get("next_page")
            if next_page is None:
                return items
            if not isinstance(next_page, int) or next_page <= page:
                raise DriverError("other", f"jsoncloud answered next_page {next_page!r} after {page}")
            page = next_page
        raise DriverError("other", f"jsoncloud {collection} did not end within {MAX_PAGES} pages")

    def get(self, collection: str, id: str) -> dict:
        body = self._get(f"{collection}/{quote(id, safe='')}")
        if not isinstance(body, dict):
            raise DriverError("other", f"jsoncloud answered {collection}/{id} with {type(body).__name__}")
        return body

    def _get(self, path: str):
        url = f"{self.settings.base}/{path}"
        headers = [
            ("authorization", f"Bearer {self.settings.token}"),
            ("accept", "application/json"),
        ]
        try:
            reply = self._send("get", url, headers, SERVICE)
        except TransportError as e:
            raise transport_error(url, e) from None
        if 200 <= reply.status < 300:
            try:
                return json.loads(reply.body)
            except ValueError as e:
                raise DriverError("other", f"{url} answered invalid JSON: {e}") from None
        raise status_error(url, reply)


def transport_error(url: str, e: TransportError) -> DriverError:
    if e.kind == "timeout":
        return DriverError("timeout", f"{url} timed out: {e.message}")
    if e.kind == "connect":
        return DriverError("unavailable", f"cannot connect to {url}: {e.message}")
    if e.kind == "denied":
        return DriverError(
            "invalid",
            f"the host refused to send a request to {url} ({e.message}); "
            "check endpoint_url and the host's egress policy",
        )
    return DriverError("unavailable", f"request to {url} failed: {e.message}")


def status_error(url: str, reply: Reply) -> DriverError:
    message = f"{url}: HTTP {reply.status}: {vendor_message(reply.body)}"
    status = reply.status
    if status == 401:
        return DriverError("unauthorized", message)
    if status == 403:
        return DriverError("forbidden", message)
    if status == 404:
        return DriverError("not-found", message)
    if status == 409:
        return DriverError("conflict", message)
    if status == 429:
        return DriverError("throttled", message, retry_after_ms(reply.headers))
    if status >= 500:
        return DriverError("unavailable", message)
    if status == 400:
        return DriverError("invalid", message)
    return DriverError("other", message)


def vendor_message(body: bytes) -> str:
    """jsoncloud's `{"error": "..."}` message, else the start of the body."""
    try:
        value = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or "(empty body)"
    error = value.get("error") if isinstance(value, dict) else None
    if isinstance(error, str):
        return error
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return json.dumps(value)[:200]


def retry_after_ms(headers: List[Tuple[str, str]]):
    for name, value in headers:
        if name == "retry-after":
            try:
                return int(float(value) * 1000)
            except ValueError:
                return None
    return None
