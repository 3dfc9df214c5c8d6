"""jsoncloud JSON → WIT records.

jsoncloud's words: machines (servers) in states running/stopped/failed/provisioning,
templates (images) that are `ready`, sizes (flavors) with `memory_mb`, networks `up`/`down`.
Keys a record has no field for go to `properties` (nested values as JSON text); the
placement carries the zone and owning project, never the cloud or region.
"""

import json
from typing import List, Optional, Tuple

from wit_world.imports import types

#: jsoncloud machine state → the WIT server status.
SERVER_STATUS = {
    "running": "ACTIVE",
    "stopped": "SHUTOFF",
    "failed": "ERROR",
    "provisioning": "BUILD",
    "deleted": "DELETED",
}


class _Fields:
    """Reads keys of one vendor object, remembering which were used."""

    def __init__(self, item: dict):
        self.item = item
        self.used = set()

    def raw(self, key: str):
        self.used.add(key)
        return self.item.get(key)

    def text(self, key: str) -> str:
        value = self.raw(key)
        return value if isinstance(value, str) else ""

    def opt_text(self, key: str) -> Optional[str]:
        value = self.raw(key)
        return value if isinstance(value, str) and value else None

    def count(self, key: str) -> int:
        value = self.raw(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

    def opt_count(self, key: str) -> Optional[int]:
        value = self.raw(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    def flag(self, key: str) -> bool:
        return self.raw(key) is True

    def texts(self, key: str) -> List[str]:
        value = self.raw(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def pairs(self, key: str) -> List[Tuple[str, str]]:
        value = self.raw(key)
        if not isinstance(value, dict):
            return []
        return [(k, _as_text(v)) for k, v in sorted(value.items())]

    def properties(self) -> List[Tuple[str, str]]:
        return [
            (k, _as_text(v))
            for k, v in sorted(self.item.items())
            if k not in self.used and v is not None
        ]


def _as_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _placement(zone: Optional[str], owner) -> types.Placement:
    project = None
    if isinstance(owner, dict):
        pid, pname = owner.get("project_id"), owner.get("project_name")
        if isinstance(pid, str) or isinstance(pname, str):
            project = types.Project(
                id=pid if isinstance(pid, str) else None,
                name=pname if isinstance(pname, str) else None,
                domain_id=None,
                domain_name=None,
            )
    elif isinstance(owner, str) and owner:
        project = types.Project(id=owner, name=None, domain_id=None, domain_name=None)
    return types.Placement(zone=zone, project=project)


def server(item: dict) -> types.Server:
    f = _Fields(item)
    state = f.text("state")
    addresses = []
    for ip in f.raw("ips") or []:
        if not isinstance(ip, dict) or not isinstance(ip.get("address"), str):
            continue
        addresses.append(
            types.Address(
                network=ip.get("network") if isinstance(ip.get("network"), str) else "",
                address=ip["address"],
                ip_version=6 if ip.get("family") == "ipv6" else 4,
                kind=types.AddressKind.FLOATING if ip.get("public") is True else types.AddressKind.FIXED,
                mac=ip.get("mac") if isinstance(ip.get("mac"), str) else None,
            )
        )

    def first(version: int, public: bool) -> Optional[str]:
        kind = types.AddressKind.FLOATING if public else types.AddressKind.FIXED
        return next((a.address for a in addresses if a.ip_version == version and a.kind == kind), None)

    size = f.raw("size")
    size = size if isinstance(size, dict) else {}
    return types.Server(
        id=f.text("uuid"),
        name=f.text("label"),
        placement=_placement(f.opt_text("zone"), f.raw("owner")),
        status=SERVER_STATUS.get(state, state.upper()),
        image_id=f.opt_text("template"),
        flavor_id=size.get("uuid") if isinstance(size.get("uuid"), str) else None,
        flavor_name=size.get("slug") if isinstance(size.get("slug"), str) else None,
        addresses=addresses,
        public_v4=first(4, True),
        public_v6=first(6, True),
        private_v4=first(4, False),
        key_name=f.opt_text("ssh_key"),
        metadata=f.pairs("tags"),
        security_groups=f.texts("firewalls"),
        user_id=None,
        host_id=f.opt_text("host"),
        power_state=None,
        task_state=None,
        vm_state=state or None,
        progress=None,
        fault=f.opt_text("problem"),
        created_at=f.text("created"),
        updated_at=f.text("modified"),
        launched_at=f.opt_text("booted"),
        properties=f.properties(),
    )


def image(item: dict) -> types.Image:
    f = _Fields(item)
    state = f.text("state")
    return types.Image(
        id=f.text("uuid"),
        name=f.text("label"),
        placement=_placement(None, f.raw("owner_project")),
        status="active" if state == "ready" else state.lower(),
        visibility="public" if f.flag("public") else "private",
        is_protected=f.flag("locked"),
        disk_format=f.opt_text("format"),
        container_format=None,
        size_bytes=f.opt_count("bytes"),
        virtual_size_bytes=None,
        min_disk_gib=f.count("min_disk_gb"),
        min_ram_mib=f.count("min_memory_mb"),
        checksum=f.opt_text("md5"),
        owner=item.get("owner_project") if isinstance(item.get("owner_project"), str) else None,
        tags=f.texts("labels"),
        created_at=f.text("created"),
        updated_at=f.text("modified"),
        properties=f.properties(),
    )


def flavor(item: dict) -> types.Flavor:
    f = _Fields(item)
    public = f.raw("public")
    return types.Flavor(
        id=f.text("uuid"),
        name=f.text("slug"),
        placement=_placement(None, None),
        vcpus=f.count("cpus"),
        ram_mib=f.count("memory_mb"),
        disk_gib=f.count("disk_gb"),
        ephemeral_gib=0,
        swap_mib=f.count("swap_mb"),
        is_public=public is not False,
        is_disabled=False,
        extra_specs=f.pairs("specs"),
        properties=f.properties(),
    )


def network(item: dict) -> types.Network:
    f = _Fields(item)
    state = f.text("state")
    up = state == "up"
    return types.Network(
        id=f.text("uuid"),
        name=f.text("label"),
        placement=_placement(None, None),
        status="ACTIVE" if up else (state.upper() or "DOWN"),
        is_shared=f.flag("shared"),
        is_router_external=f.flag("external"),
        is_admin_state_up=up,
        mtu=f.opt_count("mtu"),
        subnet_ids=f.texts("subnets"),
        availability_zones=f.texts("zones"),
        created_at=f.text("created"),
        updated_at=f.text("modified"),
        properties=f.properties(),
    )
