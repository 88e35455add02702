// One real Orgraph per test file, for the client tests: started before the file's tests with
// a signed-in user's token, stopped after them.

import { after, before } from 'node:test';

import { startOrgraph } from '../../federation/lib/orgraph.mjs';

/**
 * `{ orgraph, token }` once the file's tests run; `email` is the signed-in user, `setUp`
 * runs once with them before any test (root hooks of one file may overlap, so it runs here).
 */
export function orgraphForThisFile({ email = 'ada@example.com', setUp } = {}) {
  const ready = {};
  before(async () => {
    ready.orgraph = await startOrgraph();
    ready.token = await ready.orgraph.token(email);
    await setUp?.(ready);
  });
  after(async () => {
    await ready.orgraph?.stop();
  });
  return ready;
}
