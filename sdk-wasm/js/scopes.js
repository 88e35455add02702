// Orgraph's permission names (which are Connect's scopes), from the crate the server shares.
import * as wasm from './orgraph_sdk.js';
import { init } from './wasm.js';

/** The permission names, in the server's order. */
export async function scopes() {
  await init();
  return wasm.scopeNames();
}

/** The first of `names` that is not a permission of Orgraph, or undefined. */
export async function firstUnknownScope(names) {
  const known = await scopes();
  return names.find((name) => !known.includes(name));
}
