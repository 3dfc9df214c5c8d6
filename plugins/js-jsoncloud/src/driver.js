// The jsoncloud driver in JavaScript: WIT glue only.
//
// componentize-js builds this module into a component of world `cloud-driver`
// (package oaktree:cloud@0.2.0, ../../wit). The exported `driver` interface is the
// `driver` object below; each function parses the call's config, talks to the vendor
// through the host's `http` import (never sockets, never fetch) and normalises the answer.
// Logic lives in config.js, client.js and convert.js (plain JavaScript).
//
// componentize-js conventions: camelCase names, u64 as BigInt, variants as {tag, val},
// an error result is a thrown plain value, an imported error result arrives as a thrown
// error with `.payload`.

import { send } from 'oaktree:cloud/http@0.2.0';
import { emit } from 'oaktree:cloud/log@0.2.0';

import { Client, TransportError } from './client.js';
import { parseConfig } from './config.js';
import { DriverError } from './errors.js';
import * as convert from './convert.js';

const NAME = 'jsoncloud-js';
const VERSION = '0.1.0';

const READS = [
  'list-images', 'get-image', 'list-flavors', 'get-flavor',
  'list-servers', 'get-server', 'list-networks', 'get-network',
];

/** One request through the host; transport failures become TransportError. */
function hostSend(method, url, headers, service) {
  let response;
  try {
    response = send({ method, url, headers, body: undefined, service });
  } catch (e) {
    const payload = e && e.payload !== undefined ? e.payload : e;
    if (payload && typeof payload.tag === 'string') {
      throw new TransportError(payload.tag, String(payload.val));
    }
    throw new TransportError('other', String(e));
  }
  return { status: response.status, headers: response.headers, body: response.body };
}

/** The WIT `error` value of a DriverError. */
function witError(error) {
  if (error.kind === 'throttled') {
    return { tag: 'throttled', val: { retryAfterMs: error.retryAfterMs, message: error.message } };
  }
  return { tag: error.kind, val: error.message };
}

/** Runs `work(client)` for the call's cloud-region; failures are thrown as the WIT error. */
function call(ctx, work) {
  try {
    const settings = parseConfig(ctx.config, ctx.region);
    return work(new Client(settings, hostSend));
  } catch (e) {
    if (e instanceof DriverError) {
      if (e.kind !== 'not-found') emit('debug', `${NAME}: ${e.kind}: ${e.message}`);
      throw witError(e);
    }
    throw e;
  }
}

function unsupported(fn) {
  return () => {
    throw { tag: 'unsupported', val: `the ${NAME} driver does not offer ${fn}` };
  };
}

export const driver = {
  describe() {
    return {
      name: NAME,
      version: VERSION,
      profiles: [NAME],
      capabilities: READS,
      imageDiskFormats: [],
      floatingIps: 'direct',
      rateLimits: [],
    };
  },

  listImages: (ctx) => call(ctx, (api) => api.list('templates').map(convert.image)),
  getImage: (ctx, id) => call(ctx, (api) => convert.image(api.get('templates', id))),
  listFlavors: (ctx) => call(ctx, (api) => api.list('sizes').map(convert.flavor)),
  getFlavor: (ctx, id) => call(ctx, (api) => convert.flavor(api.get('sizes', id))),
  listServers: (ctx) => call(ctx, (api) => api.list('machines').map(convert.server)),
  getServer: (ctx, id) => call(ctx, (api) => convert.server(api.get('machines', id))),
  listNetworks: (ctx) => call(ctx, (api) => api.list('networks').map(convert.network)),
  getNetwork: (ctx, id) => call(ctx, (api) => convert.network(api.get('networks', id))),

  // Everything else: jsoncloud offers no writes, and the host does not call functions
  // missing from describe(); these answers are for a host that does anyway.
  createServer: unsupported('create-server'),
  deleteServer: unsupported('delete-server'),
  listFloatingIps: unsupported('list-floating-ips'),
  getFloatingIp: unsupported('get-floating-ip'),
  createFloatingIp: unsupported('create-floating-ip'),
  attachFloatingIp: unsupported('attach-floating-ip'),
  deleteFloatingIp: unsupported('delete-floating-ip'),
  listKeypairs: unsupported('list-keypairs'),
  getKeypair: unsupported('get-keypair'),
  createKeypair: unsupported('create-keypair'),
  deleteKeypair: unsupported('delete-keypair'),
  listSecurityGroups: unsupported('list-security-groups'),
  getSecurityGroup: unsupported('get-security-group'),
  createSecurityGroup: unsupported('create-security-group'),
  deleteSecurityGroup: unsupported('delete-security-group'),
  createSecurityGroupRule: unsupported('create-security-group-rule'),
  deleteSecurityGroupRule: unsupported('delete-security-group-rule'),
  listSubnets: unsupported('list-subnets'),
  getSubnet: unsupported('get-subnet'),
  createSubnet: unsupported('create-subnet'),
  deleteSubnet: unsupported('delete-subnet'),
  listVolumes: unsupported('list-volumes'),
  getVolume: unsupported('get-volume'),
  createVolume: unsupported('create-volume'),
  deleteVolume: unsupported('delete-volume'),
  imageFormats: unsupported('image-formats'),
  createImage: unsupported('create-image'),
  deleteImage: unsupported('delete-image'),
  cleanup: unsupported('cleanup'),
};
