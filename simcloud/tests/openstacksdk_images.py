"""Upload a disk image through openstacksdk's cloud layer and report what glance shows.

Usage: openstacksdk_images.py CLOUD:REGION FILE
Reads clouds.yaml from OS_CLIENT_CONFIG_FILE. `create_image` picks the upload path from the
cloud's config (glance PUT, or a swift-staged import task where `image_api_use_tasks` is set)
and the disk format from `image_format`. Prints one JSON document on stdout:
{"status", "disk_format", "checksum", "size", "listed", "deleted"}. Any failure exits non-zero.
"""

import json
import sys

try:
    import openstack
except ImportError as exc:  # the Rust test turns this into its setup hint
    sys.stderr.write(f"openstacksdk is not installed: {exc}\n")
    sys.exit(3)


def main(target, filename):
    cloud, region = target.split(":", 1)
    conn = openstack.connect(cloud=cloud, region_name=region)
    try:
        image = conn.create_image(
            "sdk-upload", filename=filename, wait=True, timeout=60
        )
        shown = conn.image.get_image(image.id)
        listed = [i.id for i in conn.image.images()]
        conn.delete_image(image.id, wait=True, timeout=60)
        left = [i.id for i in conn.image.images()]
        json.dump(
            {
                "status": shown.status,
                "disk_format": shown.disk_format,
                "checksum": shown.checksum,
                "size": shown.size,
                "listed": image.id in listed,
                "deleted": image.id not in left,
            },
            sys.stdout,
        )
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
