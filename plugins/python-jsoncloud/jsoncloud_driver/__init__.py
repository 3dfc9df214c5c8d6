"""The jsoncloud driver's logic, free of WIT imports so it runs natively in tests.

- `config`: the call's clouds.yaml entry (JSON) → endpoint and token.
- `client`: HTTP status → `DriverError`, vendor messages, page-number pagination.
- `convert`: jsoncloud JSON → WIT records; unconsumed keys go to `properties`.
"""
