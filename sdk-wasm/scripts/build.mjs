// `npm run build`: the Rust crate to WebAssembly (wasm-bindgen, then wasm-opt -Oz), the
// JavaScript layer and the type declarations into dist/. Needs the wasm32 target and the
// wasm-bindgen CLI of exactly the version Cargo.toml pins (the message says how to get them).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const workspace = dirname(root);
const dist = join(root, 'dist');
const run = (command, args, options = {}) =>
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...options });

const pinned = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^wasm-bindgen = .*"=([0-9.]+)"/m)?.[1];
let installed = '';
try {
  installed = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1];
} catch {
  // reported below
}
if (installed !== pinned) {
  console.error(
    `wasm-bindgen ${pinned} is needed (found: ${installed || 'none'}). Install it with\n` +
      `  rustup target add wasm32-unknown-unknown\n` +
      `  cargo install wasm-bindgen-cli --version ${pinned}`,
  );
  process.exit(1);
}

console.log('==> cargo build (wasm32, profile wasm-release)');
run('cargo', ['build', '-p', 'orgraph-sdk', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release'], {
  cwd: workspace,
});
const targetDir = process.env.CARGO_TARGET_DIR ?? join(workspace, 'target');
const built = join(targetDir, 'wasm32-unknown-unknown', 'wasm-release', 'orgraph_sdk.wasm');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
console.log('==> wasm-bindgen --target web');
// The entries say where the module is (browser.js by URL, node.js by bytes): no default path.
run('wasm-bindgen', [
  '--target', 'web', '--no-typescript', '--omit-default-module-path',
  '--out-dir', dist, '--out-name', 'orgraph_sdk', built,
]);

console.log('==> wasm-opt -Oz --converge');
const wasmFile = join(dist, 'orgraph_sdk_bg.wasm');
run(process.execPath, [join(root, 'node_modules', 'binaryen', 'bin', 'wasm-opt'), '-Oz', '--converge', wasmFile, '-o', wasmFile]);

for (const file of readdirSync(join(root, 'js'))) {
  if (file.endsWith('.js')) copyFileSync(join(root, 'js', file), join(dist, file));
}

// The generated unions of index.d.ts, read from the module just built.
const bindings = await import(join(dist, 'orgraph_sdk.js'));
bindings.initSync({ module: readFileSync(wasmFile) });
const union = (names) => names.map((name) => `'${name}'`).join(' | ');
const types = readFileSync(join(root, 'js', 'index.d.ts'), 'utf8')
  .replace('/*@SCOPES@*/', union(bindings.scopeNames()))
  .replace('/*@ERROR_CODES@*/', union(bindings.errorCodes()))
  .replace('/*@OAUTH_ERROR_CODES@*/', union(bindings.oauthErrorCodes()));
writeFileSync(join(dist, 'index.d.ts'), types);
console.log(`==> dist/ ready (${readFileSync(wasmFile).length} bytes of WebAssembly)`);
