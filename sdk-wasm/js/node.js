// Node entry: reads the module's bytes from the package (Node 20 cannot import .wasm).
import { readFile } from 'node:fs/promises';
import { setWasmSource } from './wasm.js';

setWasmSource(() => readFile(new URL('./orgraph_sdk_bg.wasm', import.meta.url)));

export * from './api.js';
