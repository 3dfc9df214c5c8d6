// Builds the driver into a component: `node build.mjs [out.wasm]` (default
// ../target/lang/oaktree_jsoncloud_js.wasm).
//
// Calls componentize-js as a library: its `jco componentize` command line fails here (the
// WASI shim it runs under no longer pre-opens `/`). Every optional engine feature is
// disabled, so the component imports only the world's own interfaces (no wasi:http, no
// clocks or random; console output is dropped) and talks to the cloud through the host's
// `http` import alone.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentize } from '@bytecodealliance/componentize-js';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? resolve(here, '../target/lang/oaktree_jsoncloud_js.wasm'));

const { component } = await componentize({
  sourcePath: resolve(here, 'src/driver.js'),
  witPath: resolve(here, '../../wit'),
  worldName: 'cloud-driver',
  disableFeatures: ['stdio', 'random', 'clocks', 'http', 'fetch-event'],
});
await mkdir(dirname(out), { recursive: true });
await writeFile(out, component);
console.log(`wrote ${out} (${component.length} bytes)`);
