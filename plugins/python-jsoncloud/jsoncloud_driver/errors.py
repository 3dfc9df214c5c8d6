"""`DriverError`: a failure in the WIT `error` variant's words, raised by the logic modules
and turned into the WIT value by `app.py`."""


class DriverError(Exception):
    """`kind` is a case of the WIT `error` variant (`not-found`, `unauthorized`, ...)."""

    def __init__(self, kind: str, message: str, retry_after_ms=None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.retry_after_ms = retry_after_ms
