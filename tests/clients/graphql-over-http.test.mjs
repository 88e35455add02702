// The official GraphQL over HTTP audit suite (graphql-http's `auditServer`, from the
// specification's working group) against the real server: every MUST and every SHOULD it
// checks passes.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auditServer } from 'graphql-http';

import { orgraphForThisFile } from './lib/orgraph.mjs';

const ready = orgraphForThisFile();

test('the graphql-http audits pass, MUSTs and SHOULDs alike', async () => {
  const { orgraph, token } = ready;
  // Signed in, as every caller of this API is (the audits send no credentials of their own).
  const fetchFn = (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url: orgraph.url, fetchFn });
  assert.ok(results.length > 50, `only ${results.length} audits ran`);
  const failed = results
    .filter((result) => result.status !== 'ok')
    .map((result) => `${result.status}: ${result.name}: ${result.reason}`);
  assert.deepEqual(failed, []);
});
