"""Create and delete resources through openstacksdk's cloud layer, as a user would.

Usage: openstacksdk_writes.py CLOUD:REGION
Reads clouds.yaml from OS_CLIENT_CONFIG_FILE. In the region: generate a keypair, create a
security group with a rule, boot a server with wait=True (auto_ip gives it a floating IP),
create a second floating IP, create a volume with wait=True, then delete everything (waiting
where openstacksdk can). Prints one JSON document on stdout describing what it saw; any
failure exits non-zero with the error on stderr.
"""

import json
import sys

try:
    import openstack
except ImportError as exc:  # the Rust test turns this into its setup hint
    sys.stderr.write(f"openstacksdk is not installed: {exc}\n")
    sys.exit(3)

TIMEOUT = 60


def exercise(cloud, region):
    conn = openstack.connect(cloud=cloud, region_name=region)
    try:
        keypair = conn.create_keypair("fidelity-key")
        group = conn.create_security_group("fidelity-sg", "ssh in")
        rule = conn.create_security_group_rule(
            group.id, port_range_min=22, port_range_max=22, protocol="tcp",
            remote_ip_prefix="0.0.0.0/0", direction="ingress")
        server = conn.create_server(
            "fidelity-vm", image="cirros-0.6.2", flavor="m1.tiny", network="private",
            key_name="fidelity-key", security_groups=["fidelity-sg"], wait=True,
            timeout=TIMEOUT)
        # The server create_server returns after attaching a floating IP is not expanded
        # (openstacksdk's own behaviour); read it again for private_v4/public_v4.
        server = conn.get_server(server.id)
        spare = conn.create_floating_ip(network="public", wait=True, timeout=TIMEOUT)
        volume = conn.create_volume(size=1, name="fidelity-vol", wait=True, timeout=TIMEOUT)
        seen = {
            "keypair_private_key": bool(keypair.private_key),
            "rule_port": rule.port_range_min,
            "server_status": server.status,
            "server_private_v4": server.private_v4,
            "server_public_v4": server.public_v4,
            "spare_fip_status": spare.status,
            "volume_status": volume.status,
            "volume_size": volume.size,
        }
        conn.delete_server(server.id, wait=True, timeout=TIMEOUT, delete_ips=True)
        conn.delete_floating_ip(spare.id)
        conn.delete_volume(volume.id, wait=True, timeout=TIMEOUT)
        conn.delete_security_group(group.id)
        conn.delete_keypair("fidelity-key")
        seen["servers_left"] = [s.name for s in conn.compute.servers() if s.name == "fidelity-vm"]
        seen["fips_left"] = len(list(conn.network.ips()))
        seen["volumes_left"] = len(list(conn.block_storage.volumes()))
        seen["keypairs_left"] = len(list(conn.compute.keypairs()))
        return seen
    finally:
        conn.close()


def main(argv):
    cloud, region = argv[0].split(":", 1)
    json.dump(exercise(cloud, region), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
