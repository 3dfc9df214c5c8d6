// jsoncloud JSON → WIT records.
//
// jsoncloud's words: machines (servers) in states running/stopped/failed/provisioning,
// templates (images) that are `ready`, sizes (flavors) with `memory_mb`, networks `up`/`down`.
// Keys a record has no field for go to `properties` (nested values as JSON text); the
// placement carries the zone and owning project, never the cloud or region.
// WIT u64 fields are BigInt; `option` is `undefined` when absent.

/** jsoncloud machine state → the WIT server status. */
const SERVER_STATUS = {
  running: 'ACTIVE',
  stopped: 'SHUTOFF',
  failed: 'ERROR',
  provisioning: 'BUILD',
  deleted: 'DELETED',
};

const isCount = (v) => Number.isInteger(v) && v >= 0;
const isText = (v) => typeof v === 'string';
const asText = (v) => (isText(v) ? v : JSON.stringify(sortKeys(v)));

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

/** Reads keys of one vendor object, remembering which were used. */
class Fields {
  constructor(item) {
    this.item = item;
    this.used = new Set();
  }
  raw(key) {
    this.used.add(key);
    return this.item[key];
  }
  text(key) {
    const v = this.raw(key);
    return isText(v) ? v : '';
  }
  optText(key) {
    const v = this.raw(key);
    return isText(v) && v !== '' ? v : undefined;
  }
  count(key) {
    const v = this.raw(key);
    return isCount(v) ? BigInt(v) : 0n;
  }
  optCount(key) {
    const v = this.raw(key);
    return isCount(v) ? BigInt(v) : undefined;
  }
  small(key) {
    const v = this.raw(key);
    return isCount(v) ? v : 0;
  }
  flag(key) {
    return this.raw(key) === true;
  }
  texts(key) {
    const v = this.raw(key);
    return Array.isArray(v) ? v.filter(isText) : [];
  }
  pairs(key) {
    const v = this.raw(key);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
    return Object.keys(v).sort().map((k) => [k, asText(v[k])]);
  }
  properties() {
    return Object.keys(this.item)
      .sort()
      .filter((k) => !this.used.has(k) && this.item[k] !== null && this.item[k] !== undefined)
      .map((k) => [k, asText(this.item[k])]);
  }
}

function placement(zone, owner) {
  let project;
  if (owner !== null && typeof owner === 'object') {
    const id = isText(owner.project_id) ? owner.project_id : undefined;
    const name = isText(owner.project_name) ? owner.project_name : undefined;
    if (id !== undefined || name !== undefined) {
      project = { id, name, domainId: undefined, domainName: undefined };
    }
  } else if (isText(owner) && owner !== '') {
    project = { id: owner, name: undefined, domainId: undefined, domainName: undefined };
  }
  return { zone, project };
}

export function server(item) {
  const f = new Fields(item);
  const state = f.text('state');
  const ips = f.raw('ips');
  const addresses = (Array.isArray(ips) ? ips : [])
    .filter((ip) => ip !== null && typeof ip === 'object' && isText(ip.address))
    .map((ip) => ({
      network: isText(ip.network) ? ip.network : '',
      address: ip.address,
      ipVersion: ip.family === 'ipv6' ? 6 : 4,
      kind: ip.public === true ? 'floating' : 'fixed',
      mac: isText(ip.mac) ? ip.mac : undefined,
    }));
  const first = (version, kind) =>
    addresses.find((a) => a.ipVersion === version && a.kind === kind)?.address;
  const rawSize = f.raw('size');
  const size = rawSize !== null && typeof rawSize === 'object' ? rawSize : {};
  return {
    id: f.text('uuid'),
    name: f.text('label'),
    placement: placement(f.optText('zone'), f.raw('owner')),
    status: SERVER_STATUS[state] ?? state.toUpperCase(),
    imageId: f.optText('template'),
    flavorId: isText(size.uuid) ? size.uuid : undefined,
    flavorName: isText(size.slug) ? size.slug : undefined,
    addresses,
    publicV4: first(4, 'floating'),
    publicV6: first(6, 'floating'),
    privateV4: first(4, 'fixed'),
    keyName: f.optText('ssh_key'),
    metadata: f.pairs('tags'),
    securityGroups: f.texts('firewalls'),
    userId: undefined,
    hostId: f.optText('host'),
    powerState: undefined,
    taskState: undefined,
    vmState: state || undefined,
    progress: undefined,
    fault: f.optText('problem'),
    createdAt: f.text('created'),
    updatedAt: f.text('modified'),
    launchedAt: f.optText('booted'),
    properties: f.properties(),
  };
}

export function image(item) {
  const f = new Fields(item);
  const state = f.text('state');
  const owner = f.raw('owner_project');
  return {
    id: f.text('uuid'),
    name: f.text('label'),
    placement: placement(undefined, owner),
    status: state === 'ready' ? 'active' : state.toLowerCase(),
    visibility: f.flag('public') ? 'public' : 'private',
    isProtected: f.flag('locked'),
    diskFormat: f.optText('format'),
    containerFormat: undefined,
    sizeBytes: f.optCount('bytes'),
    virtualSizeBytes: undefined,
    minDiskGib: f.count('min_disk_gb'),
    minRamMib: f.count('min_memory_mb'),
    checksum: f.optText('md5'),
    owner: isText(owner) && owner !== '' ? owner : undefined,
    tags: f.texts('labels'),
    createdAt: f.text('created'),
    updatedAt: f.text('modified'),
    properties: f.properties(),
  };
}

export function flavor(item) {
  const f = new Fields(item);
  return {
    id: f.text('uuid'),
    name: f.text('slug'),
    placement: placement(undefined, undefined),
    vcpus: f.small('cpus'),
    ramMib: f.count('memory_mb'),
    diskGib: f.count('disk_gb'),
    ephemeralGib: 0n,
    swapMib: f.count('swap_mb'),
    isPublic: f.raw('public') !== false,
    isDisabled: false,
    extraSpecs: f.pairs('specs'),
    properties: f.properties(),
  };
}

export function network(item) {
  const f = new Fields(item);
  const state = f.text('state');
  const up = state === 'up';
  const mtu = f.raw('mtu');
  return {
    id: f.text('uuid'),
    name: f.text('label'),
    placement: placement(undefined, undefined),
    status: up ? 'ACTIVE' : (state.toUpperCase() || 'DOWN'),
    isShared: f.flag('shared'),
    isRouterExternal: f.flag('external'),
    isAdminStateUp: up,
    mtu: isCount(mtu) ? mtu : undefined,
    subnetIds: f.texts('subnets'),
    availabilityZones: f.texts('zones'),
    createdAt: f.text('created'),
    updatedAt: f.text('modified'),
    properties: f.properties(),
  };
}
