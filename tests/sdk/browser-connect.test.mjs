// The packed @orgraph/sdk in a browser app, in headless Chromium, against the real Orgraph
// binary (development sign-in, fresh SQLite database). The app (browser-app/app.mjs) is bundled
// here by esbuild's JS API (platform browser, ESM, no plugins) and served, with the package's
// .wasm beside the bundle, by a small node:http server of the test on 127.0.0.1 — another
// origin than Orgraph's, as an integrator's app is. Its page has a strict Content-Security-Policy
// (scripts of its own origin plus 'wasm-unsafe-eval'; fetch to itself and Orgraph only).
//
// A person presses "Connect Orgraph": the SDK's startConnect (a PUBLIC application, the
// sub-organizations asked for) sends her to Orgraph, where she signs in on the way and approves
// (or denies); back at /callback the page calls completeConnect and reads the customer
// organization with an OrgraphClient. Nothing may be asked of a host other than this machine.

import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { build } from 'esbuild';

import { assertCleanRun, openBrowser, requireChromium, screenshot } from '../browser/lib/chromium.mjs';
import { approve, listedScopes, signInOnTheWay } from '../browser/lib/consent.mjs';
import { setUpConnect } from '../browser/lib/oauth.mjs';
import { startOrgraphWithDevSignIn } from '../browser/lib/servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PACKAGE = join(here, 'node_modules/@orgraph/sdk');
const ENTRY = join(here, 'browser-app/app.mjs');
const SCOPES = ['organization:read', 'members:read'];

let orgraph;
let connect;
let app;
let bundle;

/** esbuild's JS API over the app: the bundle's text and the files it was made of. */
async function bundleApp(outdir) {
  const result = await build({
    entryPoints: { app: ENTRY },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outdir,
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  await copyFile(join(PACKAGE, 'dist/orgraph_sdk_bg.wasm'), join(outdir, 'orgraph_sdk_bg.wasm'));
  return {
    text: await readFile(join(outdir, 'app.js'), 'utf8'),
    inputs: Object.keys(result.metafile.inputs),
    warnings: result.warnings,
  };
}

/**
 * The app's origin: `/` and `/callback` (the page), `/app.js`, `/orgraph_sdk_bg.wasm`.
 * `config` ({ clientId }) is what the next page is written with; `requests` records every path.
 */
async function startApp(dir, issuer) {
  const app = { config: null, requests: [] };
  const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Calendar Pro</title>
<script type="module" src="/app.js"></script>
</head>
<body data-issuer="${issuer}" data-client-id="${app.config.clientId}" data-scopes="${SCOPES.join(' ')}">
<main>
<h1>Calendar Pro</h1>
<button id="connect" type="button" disabled>Connect Orgraph</button>
<div id="outcome">
<p id="tokens"></p>
<p id="organization"></p>
<p id="branches"></p>
<p id="error" role="alert"></p>
</div>
</main>
</body>
</html>`;
  const policy = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src 'self' ${issuer}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://app').pathname;
    app.requests.push(path);
    const send = (status, type, body, headers = {}) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      response.end(body);
    };
    try {
      if (path === '/' || path === '/callback') {
        send(200, 'text/html; charset=utf-8', page(), { 'content-security-policy': policy });
      } else if (path === '/app.js') {
        send(200, 'text/javascript; charset=utf-8', await readFile(join(dir, 'app.js')));
      } else if (path === '/orgraph_sdk_bg.wasm') {
        send(200, 'application/wasm', await readFile(join(dir, 'orgraph_sdk_bg.wasm')));
      } else if (path === '/favicon.ico') {
        send(204, 'image/x-icon', '');
      } else {
        send(404, 'text/plain', 'not found');
      }
    } catch (error) {
      send(500, 'text/plain', String(error));
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  app.origin = `http://127.0.0.1:${server.address().port}`;
  app.stop = () => new Promise((ok) => server.close(ok));
  return app;
}

let dir;

before(async () => {
  await requireChromium();
  dir = await mkdtemp(join(tmpdir(), 'orgraph-sdk-browser-'));
  bundle = await bundleApp(dir);
  orgraph = await startOrgraphWithDevSignIn();
  app = await startApp(dir, orgraph.base);
  connect = await setUpConnect(orgraph);
});

after(async () => {
  await app?.stop();
  await orgraph?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A new public application of the integrator, redirecting to the app's /callback. */
async function publicApplication(name) {
  const created = await connect.application({
    name,
    public: true,
    redirectUri: `${app.origin}/callback`,
    scopes: SCOPES,
  });
  assert.equal(created.secret, undefined, 'a public application got a secret');
  app.config = { clientId: created.id };
  return created;
}

/** Waits for the page to settle on an outcome; returns what it shows. */
async function outcome(page) {
  await page.locator('#outcome[data-state="connected"], #outcome[data-state="failed"]').waitFor({ timeout: 15_000 });
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    const outcomeElement = document.getElementById('outcome');
    return {
      state: outcomeElement.dataset.state,
      code: outcomeElement.dataset.code,
      tokens: text('tokens') ? JSON.parse(text('tokens')) : null,
      organization: text('organization'),
      branches: text('branches') ? JSON.parse(text('branches')) : null,
      error: text('error'),
      pendingConnect: sessionStorage.getItem('orgraph.connect'),
    };
  });
}

/** The person opens the app, presses "Connect Orgraph" and signs in on the way to the consent page. */
async function startInApp(page) {
  await page.goto(`${app.origin}/`);
  await page.getByRole('button', { name: 'Connect Orgraph' }).click();
  await page.waitForURL((at) => at.origin === orgraph.base && at.pathname === '/auth/login', { timeout: 15_000 });
  return signInOnTheWay(page, page.url(), connect.admin);
}

/** Console lines that are errors or warnings (a CORS refusal, a wasm MIME fallback, ...). */
const complaints = (seen) => seen.console.filter((line) => /^(error|warning):/.test(line));

describe('the SDK bundled by esbuild for the browser', () => {
  test('the bundle is the browser entry: no node:fs, the wasm loaded beside it', () => {
    assert.deepEqual(bundle.warnings, [], 'esbuild warned');
    assert.ok(!bundle.text.includes('node:fs'), 'the bundle contains node:fs (the Node entry)');
    assert.ok(!bundle.text.includes('readFile'), 'the bundle reads files');
    const sdk = bundle.inputs.filter((input) => input.includes('@orgraph/sdk/'));
    assert.ok(sdk.includes('node_modules/@orgraph/sdk/dist/browser.js'), `inputs: ${sdk}`);
    assert.ok(!sdk.includes('node_modules/@orgraph/sdk/dist/node.js'), `inputs: ${sdk}`);
    assert.match(bundle.text, /new URL\(["']\.\/orgraph_sdk_bg\.wasm["'], import\.meta\.url\)/);
  });
});

describe('Organization Connect from a browser app with @orgraph/sdk', () => {
  test('approve: startConnect, sign-in on the way, consent, completeConnect, then a query', async () => {
    const application = await publicApplication('Calendar Pro');
    const { page, seen, close } = await openBrowser();
    try {
      const { returnTo, consent } = await startInApp(page);

      // What the SDK asked for: the public client, PKCE S256, the scopes and the subtree.
      const asked = new URL(returnTo, orgraph.base);
      assert.equal(asked.pathname, '/oauth/authorize');
      const params = Object.fromEntries(asked.searchParams);
      assert.equal(params.response_type, 'code');
      assert.equal(params.client_id, application.id);
      assert.equal(params.redirect_uri, `${app.origin}/callback`);
      assert.equal(params.scope, SCOPES.join(' '));
      assert.equal(params.code_challenge_method, 'S256');
      assert.match(params.code_challenge ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.match(params.state ?? '', /\S{16,}/);
      assert.equal(params.include_sub_organizations, 'true');
      assert.equal(params.client_secret, undefined);

      assert.equal(consent.status(), 200, await page.content());
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Authorize Calendar Pro');
      assert.deepEqual(await listedScopes(page), [
        'See the organization and its structure organization:read',
        'See members, their roles and grants members:read',
      ]);
      // The SDK suggested the subtree, so the box starts ticked (the person still decides).
      const subs = page.getByRole('checkbox', { name: 'Include its sub-organizations' });
      assert.equal(await subs.isChecked(), true, 'the box does not start ticked');

      await approve(page, { organization: 'Customer Co', subOrganizations: true, redirectOrigin: app.origin });
      assert.equal(new URL(page.url()).pathname, '/callback');
      const shown = await outcome(page);
      await screenshot(page, 'sdk-connect-approved');

      // completeConnect in the page: the token endpoint answered the app's origin.
      assert.ok(shown.tokens, `completeConnect failed in the page: ${shown.error}\n${complaints(seen).join('\n')}`);
      assert.deepEqual(shown.tokens, {
        organizationId: connect.customer,
        scope: SCOPES.join(' '),
        includeSubOrganizations: true,
        refreshToken: true,
        expiresIn: shown.tokens.expiresIn,
      });
      assert.ok(shown.tokens.expiresIn > 0 && shown.tokens.expiresIn <= 3600, `expires in ${shown.tokens.expiresIn}s`);
      assert.equal(shown.pendingConnect, null, 'state and verifier left in sessionStorage');

      // The query in the page: /graphql answered the app's origin.
      assert.equal(shown.state, 'connected', `the query failed in the page: ${shown.error}\n${complaints(seen).join('\n')}`);
      assert.equal(shown.organization, 'Customer Co');
      assert.deepEqual(shown.branches, ['Customer Branch']);
      assert.equal(await page.locator('#organization').innerText(), 'Customer Co');

      // The module came from the app's origin, beside the bundle.
      assert.ok(app.requests.includes('/orgraph_sdk_bg.wasm'), `app requests: ${app.requests}`);
      assert.deepEqual(complaints(seen), [], 'console errors or warnings');
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('deny: the page gets an OrgraphError with code access_denied, and no token is asked for', async () => {
    await publicApplication('Unwanted Planner');
    const { page, seen, close } = await openBrowser();
    try {
      const { consent } = await startInApp(page);
      assert.equal(consent.status(), 200);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Authorize Unwanted Planner');
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL((at) => at.origin === app.origin);
      const back = new URL(page.url());
      assert.equal(back.pathname, '/callback');
      assert.equal(back.searchParams.get('error'), 'access_denied');

      const shown = await outcome(page);
      assert.equal(shown.state, 'failed', JSON.stringify(shown));
      assert.equal(shown.code, 'access_denied', shown.error);
      assert.match(shown.error, /^OrgraphError access_denied: /);
      assert.equal(shown.tokens, null);
      assert.ok(!seen.sameHost.includes('/oauth/token'), 'a denial was exchanged at the token endpoint');
      assert.deepEqual(complaints(seen), [], 'console errors or warnings');
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });
});

describe("Orgraph answers the app's origin (CORS)", () => {
  /** A preflight as Chromium sends it before the SDK's POST, and the POST's own answer. */
  async function corsOf(path, { method, headers }) {
    const preflight = await fetch(`${orgraph.base}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: app.origin,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    });
    return {
      status: preflight.status,
      allowOrigin: preflight.headers.get('access-control-allow-origin'),
      allowHeaders: (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase(),
    };
  }

  test('the token endpoint: a simple POST from the app answered with Access-Control-Allow-Origin', async () => {
    const response = await fetch(`${orgraph.base}/oauth/token`, {
      method: 'POST',
      headers: { origin: app.origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=refresh_token&refresh_token=nope&client_id=nope',
    });
    assert.ok(['*', app.origin].includes(response.headers.get('access-control-allow-origin')));
  });

  test('/graphql: the preflight of a POST with authorization and content-type, then the POST', async () => {
    const preflight = await corsOf('/graphql', { method: 'POST', headers: 'authorization,content-type' });
    const token = await orgraph.token(connect.admin);
    const post = await fetch(`${orgraph.base}/graphql`, {
      method: 'POST',
      headers: { origin: app.origin, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.deepEqual(
      {
        preflightOk: preflight.status >= 200 && preflight.status < 300,
        preflightOrigin: ['*', app.origin].includes(preflight.allowOrigin),
        authorization: preflight.allowHeaders.includes('authorization'),
        contentType: preflight.allowHeaders.includes('content-type'),
        postOrigin: ['*', app.origin].includes(post.headers.get('access-control-allow-origin')),
      },
      { preflightOk: true, preflightOrigin: true, authorization: true, contentType: true, postOrigin: true },
      `OPTIONS /graphql answered ${preflight.status} (allow-origin ${preflight.allowOrigin}, allow-headers ` +
        `"${preflight.allowHeaders}"); POST answered ${post.status} with allow-origin ` +
        `${post.headers.get('access-control-allow-origin')}`,
    );
  });
});
