// GraphiQL in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core),
// against the real Orgraph binary on a loopback port with a fresh SQLite database and no
// sign-in: the page renders with nothing from another host, runs operations through GraphiQL's
// own headers pane and fetcher, and breaks none of its Content-Security-Policy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startOrgraph } from '../federation/lib/orgraph.mjs';
import { assertCleanRun, cspViolations, openBrowser, requireChromium, screenshot } from './lib/chromium.mjs';
import { runAndRead, setHeaders } from './lib/graphiql.mjs';

const ADD = {
  name: 'AddAcme',
  query: 'mutation AddAcme { addOrganization(input: { name: "Acme HQ" }) { organization { name } } }',
};
const LIST = {
  name: 'ListOrganizations',
  query: 'query ListOrganizations { organizations(first: 10) { totalCount edges { node { name } } } }',
};

describe('GraphiQL in Chromium', () => {
  let orgraph;
  let token;

  before(async () => {
    await requireChromium();
    orgraph = await startOrgraph();
    token = await orgraph.token('ada@example.com');
  });

  after(async () => {
    await orgraph?.stop();
  });

  /** Chromium with GraphiQL open; every request off 127.0.0.1 is aborted. */
  async function openGraphiql(width) {
    const browser = await openBrowser({ width });
    const response = await browser.page.goto(orgraph.url, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    // No violations would be trivially true without a policy.
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await browser.page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    return browser;
  }

  test('renders offline, runs operations with the headers pane, breaks no CSP', async () => {
    const { page, seen, close } = await openGraphiql(1280);
    try {
      assert.equal(await page.title(), 'Orgraph GraphiQL');

      // The README's examples are ready in tabs.
      for (const tab of ['CreateNetwork', 'AddBranch', 'Tree', 'Search']) {
        assert.equal(await page.locator('.graphiql-tab', { hasText: tab }).count(), 1, tab);
      }
      // Without sign-in there is nobody to show and nothing to sign out of.
      assert.equal(await page.locator('.orgraph-signed-in, .orgraph-sign-out').count(), 0);

      await setHeaders(page, { Authorization: `Bearer ${token}` });
      const added = await runAndRead(page, ADD, 'addOrganization');
      assert.deepEqual(added, { data: { addOrganization: { organization: { name: 'Acme HQ' } } } });

      const listed = await runAndRead(page, LIST, 'organizations');
      assert.deepEqual(listed.data.organizations, {
        totalCount: 1,
        edges: [{ node: { name: 'Acme HQ' } }],
      });
      // What a person sees in the result pane, not only the editor's model.
      assert.match(await page.locator('.graphiql-response').innerText(), /Acme HQ/);

      await screenshot(page, 'graphiql-1280');

      assert.ok(
        seen.sameHost.some((path) => path.startsWith('/graphql/assets/')),
        `no assets loaded: ${seen.sameHost}`,
      );
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('fits a narrow window', async () => {
    const { page, seen, close } = await openGraphiql(420);
    try {
      await setHeaders(page, { Authorization: `Bearer ${token}` });
      await runAndRead(page, LIST, 'Acme HQ');
      // The response stacks below the editors instead of shrinking to nothing beside them.
      const box = await page.locator('.graphiql-response').boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `response pane ${JSON.stringify(box)}`);
      await screenshot(page, 'graphiql-420');
      assert.deepEqual(seen.offHost, []);
      assert.deepEqual(await cspViolations(page), []);
    } finally {
      await close();
    }
  });
});
