// Calls to the jsoncloud API: bearer auth, status → DriverError, pagination.
//
// The transport is a `send(method, url, headers, service) -> {status, headers, body}`
// function supplied by the caller (the host's `http` import in the component, a fake in
// tests); it throws TransportError when no answer arrived.

import { DriverError } from './errors.js';

/** The vendor service name the host's limits and metrics see. */
const SERVICE = 'compute';
/** A list that pages on past this many pages is a vendor bug, not a big region. */
const MAX_PAGES = 10000;

/** No answer: `kind` is the WIT `http-error` case (timeout, connect, denied, other). */
export class TransportError extends Error {
  constructor(kind, message) {
    super(`${kind}: ${message}`);
    this.kind = kind;
    this.message = message;
  }
}

export class Client {
  constructor(settings, send) {
    this.settings = settings;
    this.send = send;
  }

  /**
   * Every item of `collection`, following `next_page` to the end (at the vendor's default
   * page size, so the simulator's small pages exercise this loop).
   */
  list(collection) {
    const items = [];
    let page = 1;
    for (let n = 0; n < MAX_PAGES; n++) {
      const body = this.getJson(`${collection}?page=${page}`);
      const chunk = body !== null && typeof body === 'object' ? body[collection] : undefined;
      if (!Array.isArray(chunk)) {
        throw new DriverError('other', `jsoncloud answered ${collection} without a list`);
      }
      for (const item of chunk) {
        if (item !== null && typeof item === 'object') items.push(item);
      }
      const next = body.next_page;
      if (next === null || next === undefined) return items;
      if (!Number.isInteger(next) || next <= page) {
        throw new DriverError('other', `jsoncloud answered next_page ${JSON.stringify(next)} after ${page}`);
      }
      page = next;
    }
    throw new DriverError('other', `jsoncloud ${collection} did not end within ${MAX_PAGES} pages`);
  }

  get(collection, id) {
    const body = this.getJson(`${collection}/${encodeURIComponent(id)}`);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new DriverError('other', `jsoncloud answered ${collection}/${id} with a non-object`);
    }
    return body;
  }

  getJson(path) {
    const url = `${this.settings.base}/${path}`;
    const headers = [
      ['authorization', `Bearer ${this.settings.token}`],
      ['accept', 'application/json'],
    ];
    let reply;
    try {
      reply = this.send('get', url, headers, SERVICE);
    } catch (e) {
      if (e instanceof TransportError) throw transportError(url, e);
      throw e;
    }
    if (reply.status >= 200 && reply.status < 300) {
      try {
        return JSON.parse(utf8(reply.body));
      } catch (e) {
        throw new DriverError('other', `${url} answered invalid JSON: ${e}`);
      }
    }
    throw statusError(url, reply);
  }
}

export function transportError(url, e) {
  switch (e.kind) {
    case 'timeout':
      return new DriverError('timeout', `${url} timed out: ${e.message}`);
    case 'connect':
      return new DriverError('unavailable', `cannot connect to ${url}: ${e.message}`);
    case 'denied':
      return new DriverError('invalid',
        `the host refused to send a request to ${url} (${e.message}); check endpoint_url and the host's egress policy`);
    default:
      return new DriverError('unavailable', `request to ${url} failed: ${e.message}`);
  }
}

export function statusError(url, reply) {
  const message = `${url}: HTTP ${reply.status}: ${vendorMessage(reply.body)}`;
  const status = reply.status;
  if (status === 401) return new DriverError('unauthorized', message);
  if (status === 403) return new DriverError('forbidden', message);
  if (status === 404) return new DriverError('not-found', message);
  if (status === 409) return new DriverError('conflict', message);
  if (status === 429) return new DriverError('throttled', message, retryAfterMs(reply.headers));
  if (status >= 500) return new DriverError('unavailable', message);
  if (status === 400) return new DriverError('invalid', message);
  return new DriverError('other', message);
}

/** jsoncloud's `{"error": "..."}` message, else the start of the body. */
export function vendorMessage(body) {
  const text = utf8(body);
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return text.slice(0, 200).trim() || '(empty body)';
  }
  const error = value !== null && typeof value === 'object' ? value.error : undefined;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object' && typeof error.message === 'string') return error.message;
  return JSON.stringify(value).slice(0, 200);
}

function retryAfterMs(headers) {
  for (const [name, value] of headers) {
    if (name === 'retry-after') {
      const secs = Number(value);
      return Number.isFinite(secs) && secs >= 0 ? BigInt(Math.round(secs * 1000)) : undefined;
    }
  }
  return undefined;
}

/** Bytes (Uint8Array) as text. StarlingMonkey has TextDecoder; plain strings pass through. */
function utf8(body) {
  if (typeof body === 'string') return body;
  return new TextDecoder('utf-8').decode(body);
}
