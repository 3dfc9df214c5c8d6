// The cloud-region's configuration: the clouds.yaml entry as JSON (`call-context.config`).
//
//     profile: jsoncloud-js
//     endpoint_url: http://127.0.0.1:PORT/jsoncloud/<cloud>   # the region is appended
//     auth: {api_token: "..."}

import { DriverError } from './errors.js';

/** `{ base, token }`: `base` is the region's API root, `<endpoint_url>/<region>/v1`. */
export function parseConfig(text, region) {
  let entry;
  try {
    entry = JSON.parse(text);
  } catch (e) {
    throw new DriverError('invalid', `the cloud's configuration is not JSON: ${e}`);
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new DriverError('invalid', "the cloud's configuration is not a mapping");
  }
  const endpoint = entry.endpoint_url;
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new DriverError('invalid',
      'missing `endpoint_url`: set it to the jsoncloud API root (e.g. https://api.example/jsoncloud/<account>)');
  }
  const auth = entry.auth !== null && typeof entry.auth === 'object' ? entry.auth : {};
  const token = auth.api_token;
  if (typeof token !== 'string' || token === '') {
    throw new DriverError('invalid', "missing `auth.api_token`: set it to the account's API token");
  }
  if (!region) {
    throw new DriverError('invalid', 'jsoncloud needs a region: list them under `regions`');
  }
  return { base: `${endpoint.replace(/\/+$/, '')}/${region}/v1`, token };
}
