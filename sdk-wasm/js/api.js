// Everything the package exports, whichever entry point loaded it.
import * as wasm from './orgraph_sdk.js';
import { init } from './wasm.js';
import { fromRust } from './errors.js';

export { init } from './wasm.js';
export { OrgraphError } from './errors.js';
export { OrgraphClient } from './client.js';
export { startConnect, completeConnect, refreshTokens, revokeTokens } from './connect.js';
export { scopes } from './scopes.js';

/**
 * The server's own settings fold over organizations you already have (their `settings`,
 * `settingLocks` and `parent { id }`): what `effectiveSettings` would answer for each.
 */
export async function foldSettings(input) {
  await init();
  return fromRust(() => wasm.foldSettings(input ?? {}));
}
