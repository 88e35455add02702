// GraphiQL in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core),
// against the real Orgraph binary on a loopback port with a fresh SQLite database: the page
// renders with nothing from another host, runs operations through GraphiQL's own headers
// pane and fetcher, and breaks none of its Content-Security-Policy.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { repoRoot, startOrgraph } from '../federation/lib/orgraph.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Next to the build (CARGO_TARGET_DIR if set, else target/), like the binary the tests start.
const SCREENSHOTS = join(resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? 'target'), 'browser');

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
  const profiles = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    orgraph = await startOrgraph();
    token = await orgraph.token('ada@example.com');
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await orgraph?.stop();
    for (const dir of profiles) await rm(dir, { recursive: true, force: true });
  });

  /** Chromium on a fresh profile, GraphiQL open; every request off 127.0.0.1 is aborted. */
  async function openGraphiql(width) {
    const userDataDir = await mkdtemp(join(tmpdir(), 'orgraph-chromium-'));
    profiles.push(userDataDir);
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const seen = { offHost: [], sameHost: [], console: [], pageErrors: [] };
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') {
        seen.sameHost.push(url.pathname);
        return route.continue();
      }
      seen.offHost.push(url.href);
      return route.abort('blockedbyclient');
    });
    // Violations also as DOM events, in case the console wording changes.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => seen.console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => seen.pageErrors.push(String(error)));
    const response = await page.goto(`${orgraph.url}`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    // No violations would be trivially true without a policy.
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    return { context, page, seen };
  }

  /**
   * Sets the text of one of GraphiQL's CodeMirror editors (`selector`: its `.graphiql-editor`)
   * through CodeMirror's own API, so GraphiQL sees the change as it would a user's typing
   * (typed keys would be mangled by the editor's bracket completion).
   */
  async function setEditor(page, selector, text) {
    await page.locator(`${selector} .CodeMirror`).waitFor();
    await page.evaluate(
      ([sel, value]) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.setValue(value),
      [selector, text],
    );
  }

  /** Opens the Headers tab of the editor tools and fills it in. */
  async function setHeaders(page, headers) {
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    await setEditor(
      page,
      'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)',
      JSON.stringify(headers),
    );
  }

  /**
   * Runs `operation` in the active tab. GraphiQL reads the operation name from the editor a
   * moment after a change (its tab title shows it): run before that and it sends the old name.
   */
  async function run(page, operation) {
    await setEditor(page, '.graphiql-query-editor', operation.query);
    await page.locator('.graphiql-tab-active', { hasText: operation.name }).waitFor();
    await page.locator('.graphiql-execute-button').click();
  }

  function resultText(page) {
    return page.evaluate(() => {
      const editor = document.querySelector('.graphiql-response .CodeMirror');
      return editor ? editor.CodeMirror.getValue() : '';
    });
  }

  async function waitForResult(page, predicate) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await resultText(page);
      if (text && predicate(text)) return JSON.parse(text);
      if (Date.now() > deadline) throw new Error(`no matching result; the pane shows: ${text}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  test('renders offline, runs operations with the headers pane, breaks no CSP', async () => {
    const { context, page, seen } = await openGraphiql(1280);
    try {
      assert.equal(await page.title(), 'Orgraph GraphiQL');

      // The README's examples are ready in tabs.
      for (const tab of ['CreateNetwork', 'AddBranch', 'Tree', 'Search']) {
        assert.equal(await page.locator('.graphiql-tab', { hasText: tab }).count(), 1, tab);
      }

      await setHeaders(page, { Authorization: `Bearer ${token}` });
      await run(page, ADD);
      const added = await waitForResult(page, (text) => text.includes('addOrganization'));
      assert.deepEqual(added, { data: { addOrganization: { organization: { name: 'Acme HQ' } } } });

      await run(page, LIST);
      const listed = await waitForResult(page, (text) => text.includes('organizations'));
      assert.deepEqual(listed.data.organizations, {
        totalCount: 1,
        edges: [{ node: { name: 'Acme HQ' } }],
      });
      // What a person sees in the result pane, not only the editor's model.
      assert.match(await page.locator('.graphiql-response').innerText(), /Acme HQ/);

      await page.screenshot({ path: join(SCREENSHOTS, 'graphiql-1280.png') });

      assert.deepEqual(seen.offHost, [], 'requests to other hosts');
      assert.ok(
        seen.sameHost.some((path) => path.startsWith('/graphql/assets/')),
        `no assets loaded: ${seen.sameHost}`,
      );
      const csp = seen.console.filter((line) => /content security policy/i.test(line));
      assert.deepEqual(csp, [], 'CSP violations in the console');
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(seen.pageErrors, [], 'uncaught errors');
    } finally {
      await context.close();
    }
  });

  test('fits a narrow window', async () => {
    const { context, page, seen } = await openGraphiql(420);
    try {
      await setHeaders(page, { Authorization: `Bearer ${token}` });
      await run(page, LIST);
      await waitForResult(page, (text) => text.includes('Acme HQ'));
      // The response stacks below the editors instead of shrinking to nothing beside them.
      const box = await page.locator('.graphiql-response').boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `response pane ${JSON.stringify(box)}`);
      await page.screenshot({ path: join(SCREENSHOTS, 'graphiql-420.png') });
      assert.deepEqual(seen.offHost, []);
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    } finally {
      await context.close();
    }
  });
});
