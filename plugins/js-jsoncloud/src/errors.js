// DriverError: a failure in the WIT `error` variant's words (`kind` is a case name such as
// `not-found` or `unauthorized`), raised by the logic modules and turned into the WIT value
// by driver.js.

export class DriverError extends Error {
  constructor(kind, message, retryAfterMs = undefined) {
    super(`${kind}: ${message}`);
    this.kind = kind;
    this.message = message;
    this.retryAfterMs = retryAfterMs;
  }
}
