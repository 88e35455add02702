// A second, separate copy of the installed @orgraph/sdk (as when two versions sit in one
// node_modules): copied to a temporary folder and imported from there, so none of its modules
// (the OrgraphError class, the WebAssembly instance, caches) is shared with the first.

import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const installed = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/@orgraph/sdk');

/** `{ sdk, remove }`: the copy's exports, and a function removing its folder. */
export async function importPackageCopy() {
  const dir = await mkdtemp(join(tmpdir(), 'orgraph-sdk-copy-'));
  const copy = join(dir, 'node_modules/@orgraph/sdk');
  await cp(installed, copy, { recursive: true });
  const sdk = await import(pathToFileURL(join(copy, 'dist/node.js')).href);
  return { sdk, remove: () => rm(dir, { recursive: true, force: true }) };
}
