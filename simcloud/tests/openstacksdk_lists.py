"""List servers, images, flavors and networks of cloud-regions through openstacksdk.

Usage: openstacksdk_lists.py CLOUD:REGION [CLOUD:REGION ...]
Reads clouds.yaml from OS_CLIENT_CONFIG_FILE. Prints one JSON document on stdout:
{"results": [{"cloud", "region", "servers": [ids], "images": [...], "flavors": [...],
"networks": [...]}]}. Any failure exits non-zero with the error on stderr.
"""

import json
import sys

try:
    import openstack
except ImportError as exc:  # the Rust test turns this into its setup hint
    sys.stderr.write(f"openstacksdk is not installed: {exc}\n")
    sys.exit(3)


def list_region(cloud, region):
    conn = openstack.connect(cloud=cloud, region_name=region)
    try:
        return {
            "cloud": cloud,
            "region": region,
            "servers": [s.id for s in conn.compute.servers(details=True)],
            "server_names": [s.name for s in conn.compute.servers(details=True)],
            "images": [i.id for i in conn.image.images()],
            "flavors": [f.id for f in conn.compute.flavors()],
            "networks": [n.id for n in conn.network.networks()],
        }
    finally:
        conn.close()


def main(argv):
    results = []
    for target in argv:
        cloud, region = target.split(":", 1)
        results.append(list_region(cloud, region))
    json.dump({"results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
