"""The cloud-region's configuration: the clouds.yaml entry as JSON (`call-context.config`).

    profile: jsoncloud-py
    endpoint_url: http://127.0.0.1:PORT/jsoncloud/<cloud>   # the region is appended
    auth: {api_token: "..."}
"""

import json
from dataclasses import dataclass

from .errors import DriverError


@dataclass
class Settings:
    """`base` is the region's API root, e.g. `<endpoint_url>/<region>/v1`."""

    base: str
    token: str


def parse(text: str, region: str) -> Settings:
    try:
        entry = json.loads(text)
    except ValueError as e:
        raise DriverError("invalid", f"the cloud's configuration is not JSON: {e}") from None
    if not isinstance(entry, dict):
        raise DriverError("invalid", "the cloud's configuration is not a mapping")
    endpoint = entry.get("endpoint_url")
    if not isinstance(endpoint, str) or not endpoint:
        raise DriverError(
            "invalid",
            "missing `endpoint_url`: set it to the jsoncloud API root "
            "(e.g. https://api.example/jsoncloud/<account>)",
        )
    auth = entry.get("auth") if isinstance(entry.get("auth"), dict) else {}
    token = auth.get("api_token")
    if not isinstance(token, str) or not token:
        raise DriverError("invalid", "missing `auth.api_token`: set it to the account's API token")
    if not region:
        raise DriverError("invalid", "jsoncloud needs a region: list them under `regions`")
    return Settings(base=f"{endpoint.rstrip('/')}/{region}/v1", token=token)
