"""The jsoncloud driver in Python: WIT glue only.

componentize-py builds this module into a component of world `cloud-driver`
(package oaktree:cloud@0.2.0, ../../wit). The exported `driver` interface is the
`Driver` class below; each function parses the call's config, talks to the
vendor through the host's `http` import (never sockets) and normalises the
answer. Logic lives in `jsoncloud_driver` (plain Python, testable natively).
"""

from typing import List

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import http, log, types

from jsoncloud_driver import client, config, convert
from jsoncloud_driver.errors import DriverError

NAME = "jsoncloud-py"
VERSION = "0.1.0"

READS = [
    types.Capability.LIST_IMAGES,
    types.Capability.GET_IMAGE,
    types.Capability.LIST_FLAVORS,
    types.Capability.GET_FLAVOR,
    types.Capability.LIST_SERVERS,
    types.Capability.GET_SERVER,
    types.Capability.LIST_NETWORKS,
    types.Capability.GET_NETWORK,
]


def _send(method: str, url: str, headers: List[tuple], service: str) -> client.Reply:
    """One request through the host; transport failures become `client.TransportError`."""
    request = http.Request(
        method=http.Method[method.upper()],
        url=url,
        headers=headers,
        body=None,
        service=service,
    )
    try:
        response = http.send(request)
    except Err as e:
        kind = type(e.value).__name__.split("_")[-1].lower()
        raise client.TransportError(kind, e.value.value) from None
    return client.Reply(response.status, response.headers, response.body)


def _wit_error(error: DriverError) -> types.Error:
    cls = {
        "not-found": types.Error_NotFound,
        "unauthorized": types.Error_Unauthorized,
        "forbidden": types.Error_Forbidden,
        "conflict": types.Error_Conflict,
        "unavailable": types.Error_Unavailable,
        "timeout": types.Error_Timeout,
        "invalid": types.Error_Invalid,
        "unsupported": types.Error_Unsupported,
        "other": types.Error_Other,
    }
    if error.kind == "throttled":
        return types.Error_Throttled(types.Throttle(error.retry_after_ms, error.message))
    return cls[error.kind](error.message)


def _call(ctx: types.CallContext, work):
    """Runs `work(api)` for the call's cloud-region, translating failures to the WIT error."""
    try:
        settings = config.parse(ctx.config, ctx.region)
        return work(client.Client(settings, _send))
    except DriverError as e:
        if e.kind not in ("not-found",):
            log.emit(log.Level.DEBUG, f"{NAME}: {e.kind}: {e.message}")
        raise Err(_wit_error(e)) from None


def _unsupported(function: str):
    raise Err(types.Error_Unsupported(f"the {NAME} driver does not offer {function}"))


class Driver(exports.Driver):
    def describe(self) -> types.DriverInfo:
        return types.DriverInfo(
            name=NAME,
            version=VERSION,
            profiles=[NAME],
            capabilities=READS,
            image_disk_formats=[],
            floating_ips=types.FloatingIpModel.DIRECT,
            rate_limits=[],
        )

    # Reads.

    def list_images(self, ctx):
        return _call(ctx, lambda api: [convert.image(t) for t in api.list("templates")])

    def get_image(self, ctx, id):
        return _call(ctx, lambda api: convert.image(api.get("templates", id)))

    def list_flavors(self, ctx):
        return _call(ctx, lambda api: [convert.flavor(s) for s in api.list("sizes")])

    def get_flavor(self, ctx, id):
        return _call(ctx, lambda api: convert.flavor(api.get("sizes", id)))

    def list_servers(self, ctx):
        return _call(ctx, lambda api: [convert.server(m) for m in api.list("machines")])

    def get_server(self, ctx, id):
        return _call(ctx, lambda api: convert.server(api.get("machines", id)))

    def list_networks(self, ctx):
        return _call(ctx, lambda api: [convert.network(n) for n in api.list("networks")])

    def get_network(self, ctx, id):
        return _call(ctx, lambda api: convert.network(api.get("networks", id)))

    # Everything else: jsoncloud offers no writes, and the host does not call functions
    # missing from describe(); these answers are for a host that does anyway.

    def create_server(self, ctx, spec):
        _unsupported("create-server")

    def delete_server(self, ctx, id):
        _unsupported("delete-server")

    def list_floating_ips(self, ctx):
        _unsupported("list-floating-ips")

    def get_floating_ip(self, ctx, id):
        _unsupported("get-floating-ip")

    def create_floating_ip(self, ctx, spec):
        _unsupported("create-floating-ip")

    def attach_floating_ip(self, ctx, id, server_id):
        _unsupported("attach-floating-ip")

    def delete_floating_ip(self, ctx, id):
        _unsupported("delete-floating-ip")

    def list_keypairs(self, ctx):
        _unsupported("list-keypairs")

    def get_keypair(self, ctx, name):
        _unsupported("get-keypair")

    def create_keypair(self, ctx, spec):
        _unsupported("create-keypair")

    def delete_keypair(self, ctx, name):
        _unsupported("delete-keypair")

    def list_security_groups(self, ctx):
        _unsupported("list-security-groups")

    def get_security_group(self, ctx, id):
        _unsupported("get-security-group")

    def create_security_group(self, ctx, spec):
        _unsupported("create-security-group")

    def delete_security_group(self, ctx, id):
        _unsupported("delete-security-group")

    def create_security_group_rule(self, ctx, spec):
        _unsupported("create-security-group-rule")

    def delete_security_group_rule(self, ctx, id):
        _unsupported("delete-security-group-rule")

    def list_subnets(self, ctx):
        _unsupported("list-subnets")

    def get_subnet(self, ctx, id):
        _unsupported("get-subnet")

    def create_subnet(self, ctx, spec):
        _unsupported("create-subnet")

    def delete_subnet(self, ctx, id):
        _unsupported("delete-subnet")

    def list_volumes(self, ctx):
        _unsupported("list-volumes")

    def get_volume(self, ctx, id):
        _unsupported("get-volume")

    def create_volume(self, ctx, spec):
        _unsupported("create-volume")

    def delete_volume(self, ctx, id):
        _unsupported("delete-volume")

    def image_formats(self, ctx):
        _unsupported("image-formats")

    def create_image(self, ctx, spec, data):
        _unsupported("create-image")

    def delete_image(self, ctx, id):
        _unsupported("delete-image")

    def cleanup(self, ctx, kind, id):
        _unsupported("cleanup")
