// The SDK's benchmark (a script run by hand, not a test), against the packed package installed
// in tests/sdk/node_modules:
//
//   bash -c 'source scripts/node.sh; source scripts/sdk.sh; build_sdk_package && install_packed_sdk tests/sdk'
//   (cd tests/browser && npm ci)        # oauth4webapi, for the size comparison
//   cargo build -p orgraph-server       # or --release with --profile release
//   node tests/sdk/bench/sdk.mjs        # options: --runs 20 --warmup 2 --profile debug --json FILE
//
// (a) Size: the WebAssembly module plus its wasm-bindgen glue (dist/orgraph_sdk.js), the whole
//     dist (JS + wasm), and the SDK bundled by esbuild for the browser; beside them, the
//     JavaScript-only pair graphql-request + oauth4webapi bundled by esbuild the same way.
//     Raw bytes and gzip (zlib level 9, each file on its own, as a server sends them).
// (b) Time from `import` to the first query's result in a fresh Node process: `--runs`
//     processes per client, interleaved (the order flips every round), each running
//     bench/first-query.mjs against one real Orgraph server (fresh SQLite) with the same
//     token, document and variables; median and p90 per client and the difference.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

import { orgraphBinary, repoRoot, startOrgraph } from '../../federation/lib/orgraph.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    profile: { type: 'string', default: 'debug' },
    json: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);

const here = dirname(fileURLToPath(import.meta.url));
const SDK_TESTS = dirname(here);
const PACKAGE = join(SDK_TESTS, 'node_modules/@orgraph/sdk');
const DIST = join(PACKAGE, 'dist');
const BROWSER_MODULES = join(repoRoot, 'tests/browser/node_modules');
const TARBALL = join(repoRoot, process.env.CARGO_TARGET_DIR ?? 'target', 'sdk-package/orgraph-sdk-0.1.0.tgz');
const CHILD = join(here, 'first-query.mjs');

const SIZE_TARGET = 60 * 1024; // "≤ 60 KB gzipped" for wasm + glue
const TIME_TARGET_MS = 10; // "SDK within 10 ms of graphql-request"

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (x) => `${x.toFixed(1)} ms`;
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} ms`;

// --- (a) Size ------------------------------------------------------------------------------

function measure(name, files) {
  const raw = files.reduce((sum, file) => sum + file.bytes.length, 0);
  const gzip = files.reduce((sum, file) => sum + gzipSync(file.bytes, { level: 9 }).length, 0);
  return { name, files: files.map((file) => file.name), raw, gzip };
}

async function distFiles(filter) {
  const names = (await readdir(DIST)).filter(filter).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(DIST, name)) })));
}

/** esbuild over `contents` (platform browser, ESM), minified or not: the one output file. */
async function bundle(contents, minify) {
  const result = await build({
    stdin: { contents, resolveDir: SDK_TESTS, loader: 'js', sourcefile: 'entry.mjs' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify,
    write: false,
    metafile: true,
    nodePaths: [BROWSER_MODULES],
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  const share = (prefix) =>
    Object.entries(meta.inputs)
      .filter(([input]) => input.includes(prefix))
      .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
  return { bytes: Buffer.from(output.contents), share };
}

async function sizes() {
  const wasm = await distFiles((name) => name === 'orgraph_sdk_bg.wasm');
  const glue = await distFiles((name) => name === 'orgraph_sdk.js');
  const dist = await distFiles((name) => name.endsWith('.js') || name.endsWith('.wasm'));
  const rows = [
    measure('@orgraph/sdk: .wasm + wasm-bindgen glue', [...wasm, ...glue]),
    measure('  of which the .wasm', wasm),
    measure('@orgraph/sdk: whole dist (JS + .wasm)', dist),
  ];
  for (const minify of [false, true]) {
    const sdk = await bundle("export * from '@orgraph/sdk';", minify);
    rows.push(
      measure(`@orgraph/sdk bundled by esbuild${minify ? ', minified' : ''} + .wasm`, [
        { name: 'bundle.js', bytes: sdk.bytes },
        ...wasm,
      ]),
    );
  }
  let jsOnly = [];
  for (const minify of [false, true]) {
    const pair = await bundle(
      "export * from 'graphql-request';\nexport * as oauth from 'oauth4webapi';",
      minify,
    );
    jsOnly.push({
      ...measure(`graphql-request + oauth4webapi bundled by esbuild${minify ? ', minified' : ''}`, [
        { name: 'bundle.js', bytes: pair.bytes },
      ]),
      graphqlShare: pair.share('node_modules/graphql/'),
    });
  }
  rows.push(...jsOnly);
  let tarball = null;
  try {
    tarball = (await stat(TARBALL)).size;
  } catch {
    // not packed here: the installed package is measured anyway
  }
  return { rows, tarball, jsOnly };
}

// --- (b) Time to the first query -----------------------------------------------------------

function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    min: sorted[0],
    max: sorted.at(-1),
  };
}

async function sample(variant, endpoint, token, id) {
  const started = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, variant, endpoint, token, id], {
    cwd: SDK_TESTS,
  });
  const wall = performance.now() - started;
  const result = JSON.parse(stdout);
  assert.equal(result.name, 'Bench HQ', `${variant} read ${JSON.stringify(result)}`);
  return { ms: result.ms, boot: result.boot, wall };
}

async function firstQuery() {
  const binary = orgraphBinary(args.profile);
  const orgraph = await startOrgraph({ binary });
  try {
    const token = await orgraph.token('bench@orgraph.test');
    const id = await orgraph.addOrganization(token, 'Bench HQ');
    const variants = ['sdk', 'graphql-request', 'sdk-init'];
    const samples = Object.fromEntries(variants.map((v) => [v, { ms: [], boot: [], wall: [] }]));
    for (let round = 0; round < WARMUP + RUNS; round += 1) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const one = await sample(variant, orgraph.url, token, id);
        if (round < WARMUP) continue;
        for (const key of ['ms', 'boot', 'wall']) samples[variant][key].push(one[key]);
      }
    }
    return {
      server: relative(repoRoot, binary),
      results: Object.fromEntries(
        variants.map((v) => [
          v,
          { ms: summary(samples[v].ms), boot: summary(samples[v].boot), wall: summary(samples[v].wall), samples: samples[v].ms },
        ]),
      ),
    };
  } finally {
    await orgraph.stop();
  }
}

// --- Report --------------------------------------------------------------------------------

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
const commit = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })
  .then(({ stdout }) => stdout.trim())
  .catch(() => '?');

console.log(`@orgraph/sdk benchmark — Node ${process.version}, ${machine}, load ${load}, commit ${commit}`);
console.log(`package: ${relative(repoRoot, PACKAGE)} (the packed tarball, installed)\n`);

const size = await sizes();
console.log('(a) Size — bytes; gzip = zlib level 9, each file on its own');
console.log(
  table(
    ['what', 'raw', 'gzip'],
    size.rows.map((r) => [r.name, `${r.raw} (${kib(r.raw)})`, `${r.gzip} (${kib(r.gzip)})`]),
  ),
);
for (const pair of size.jsOnly) {
  console.log(`  ${pair.name}: graphql's share of the bundle ${kib(pair.graphqlShare)} raw`);
}
if (size.tarball !== null) console.log(`  the npm tarball (orgraph-sdk-0.1.0.tgz): ${size.tarball} (${kib(size.tarball)})`);
const wasmAndGlue = size.rows[0];
const sizeMet = wasmAndGlue.gzip <= SIZE_TARGET;
console.log(
  `  target: .wasm + glue ≤ 60 KB gzipped: ${kib(wasmAndGlue.gzip)} — ${sizeMet ? 'met' : 'missed'}\n`,
);

const time = await firstQuery();
const { results } = time;
console.log(
  `(b) import → first query result in a fresh Node process; ${RUNS} runs per client (after ${WARMUP} warm-up), interleaved; server ${time.server}`,
);
const labels = {
  sdk: '@orgraph/sdk (query)',
  'graphql-request': 'graphql-request 7.4.0 (request)',
  'sdk-init': '@orgraph/sdk (init() + query)',
};
console.log(
  table(
    ['client', 'median', 'p90', 'min', 'max', 'node boot (median)', 'process wall (median)'],
    Object.entries(results).map(([v, r]) => [
      labels[v],
      ms(r.ms.median),
      ms(r.ms.p90),
      ms(r.ms.min),
      ms(r.ms.max),
      ms(r.boot.median),
      ms(r.wall.median),
    ]),
  ),
);
const difference = {
  median: results.sdk.ms.median - results['graphql-request'].ms.median,
  p90: results.sdk.ms.p90 - results['graphql-request'].ms.p90,
};
const withInit = {
  median: results['sdk-init'].ms.median - results['graphql-request'].ms.median,
  p90: results['sdk-init'].ms.p90 - results['graphql-request'].ms.p90,
};
const timeMet = difference.median <= TIME_TARGET_MS;
console.log(`  SDK − graphql-request: median ${signed(difference.median)}, p90 ${signed(difference.p90)}`);
console.log(`  SDK with init() − graphql-request: median ${signed(withInit.median)}, p90 ${signed(withInit.p90)}`);
console.log(`  target: SDK within 10 ms of graphql-request (median): ${timeMet ? 'met' : 'missed'}\n`);

const command = '`node tests/sdk/bench/sdk.mjs`';
const box = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`;
console.log('Markdown rows for BENCHMARKS.md:');
console.log('| What | Command | Machine | Result | Target |');
console.log('|---|---|---|---|---|');
console.log(
  `| @orgraph/sdk size: .wasm + wasm-bindgen glue, gzip -9 | ${command} | ${box} | **${kib(wasmAndGlue.gzip)}** ` +
    `(raw ${kib(wasmAndGlue.raw)}); whole dist ${kib(size.rows[2].gzip)}; graphql-request + oauth4webapi (esbuild, minified) ` +
    `${kib(size.jsOnly[1].gzip)} | ≤ 60 KB — **${sizeMet ? 'met' : 'missed'}** |`,
);
console.log(
  `| import → first query result, fresh Node process, ${RUNS} runs each, interleaved | ${command} | ${box}, ${time.server} | ` +
    `SDK median **${ms(results.sdk.ms.median)}** (p90 ${ms(results.sdk.ms.p90)}), graphql-request ` +
    `${ms(results['graphql-request'].ms.median)} (p90 ${ms(results['graphql-request'].ms.p90)}): ` +
    `**${signed(difference.median)}** (p90 ${signed(difference.p90)}); with init() ${signed(withInit.median)} | ` +
    `SDK within 10 ms of graphql-request — **${timeMet ? 'met' : 'missed'}** |`,
);

if (args.json) {
  await writeFile(
    args.json,
    JSON.stringify({ node: process.version, machine, load, commit, size, time, difference, withInit }, null, 2),
  );
}
