// Browser and bundler entry: fetches the module next to this file (bundlers that follow
// `new URL(..., import.meta.url)` copy it; otherwise serve it beside the bundle).
import { setWasmSource } from './wasm.js';

setWasmSource(() => new URL('./orgraph_sdk_bg.wasm', import.meta.url));

export * from './api.js';
