// Loading the WebAssembly module: lazily, once, on the first call that needs it. Each entry
// point (node.js, browser.js) says where the bytes come from; nothing runs at import time.
import initBindings from './orgraph_sdk.js';
import { OrgraphError } from './errors.js';

let source;
let ready;

/** Called once by an entry point: a function giving the module (bytes, a URL, a Response). */
export function setWasmSource(load) {
  source = load;
}

/**
 * Loads and instantiates the WebAssembly module. Idempotent: every async method calls it,
 * so calling it yourself is only needed before the synchronous helpers.
 */
export function init() {
  ready ??= (async () => {
    if (!source) throw new Error('no WebAssembly source: import the package, not its files');
    await initBindings({ module_or_path: await source() });
  })().catch((cause) => {
    ready = undefined;
    throw new OrgraphError(`Orgraph's WebAssembly module failed to load: ${cause?.message ?? cause}`, {
      code: 'INIT_FAILED',
      cause,
    });
  });
  return ready;
}
