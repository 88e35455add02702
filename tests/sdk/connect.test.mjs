// Organization Connect in Node with the SDK: startConnect's URL, the administrator's consent
// (with a bearer token, no browser), completeConnect, an OrgraphClient acting for the
// customer, refresh rotation, revocation, and the failures a callback or a token request can
// bring — for a confidential and for a public application.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { OrgraphClient, OrgraphError, completeConnect, refreshTokens, revokeTokens, startConnect } from '@orgraph/sdk';

import { REDIRECT_URI, connectFlow, consent, memoryTokenStore, setUpConnect } from './lib/connect.mjs';
import { recordingFetch, startFixedServer } from './lib/http.mjs';
import { importPackageCopy } from './lib/package-copy.mjs';
import { startOrgraph } from './lib/server.mjs';
import { rejection } from './lib/rejection.mjs';

const SCOPES = ['organization:read', 'settings:read', 'members:read'];
const ASKED = ['organization:read', 'settings:read'];

let orgraph;
let setup;
let appCount = 0;

before(async () => {
  orgraph = await startOrgraph();
  setup = await setUpConnect(orgraph, { integrator: 'dev@integrator.test', admin: 'admin@customer.test' });
});

after(async () => {
  await orgraph?.stop();
});

/** A new application (each has its own authorization on the customer). */
function application(isPublic) {
  appCount += 1;
  return setup.application({
    name: `SDK App ${appCount}`,
    public: isPublic,
    redirectUri: REDIRECT_URI,
    scopes: SCOPES,
  });
}

function server(app, extra = {}) {
  return { issuer: orgraph.base, clientId: app.id, ...extra };
}

function secretOf(app) {
  return app.secret ? { clientSecret: app.secret } : {};
}

function connectClient(app, tokens, tokenStore, fetch) {
  return new OrgraphClient({
    endpoint: orgraph.url,
    connect: { ...server(app), ...secretOf(app), tokens, tokenStore },
    ...(fetch ? { fetch } : {}),
  });
}

for (const kind of ['confidential', 'public']) {
  describe(`a ${kind} client`, () => {
    const isPublic = kind === 'public';

    test('startConnect: the authorization URL with PKCE S256, state, scopes and sub-organizations', async () => {
      const app = await application(isPublic);
      const started = await startConnect({
        ...server(app),
        redirectUri: REDIRECT_URI,
        scopes: ASKED,
        includeSubOrganizations: true,
      });
      const url = new URL(started.url);
      assert.equal(`${url.origin}${url.pathname}`, `${orgraph.base}/oauth/authorize`);
      const params = Object.fromEntries(url.searchParams);
      assert.deepEqual(params, {
        response_type: 'code',
        client_id: app.id,
        redirect_uri: REDIRECT_URI,
        state: started.state,
        code_challenge: createHash('sha256').update(started.codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
        scope: 'organization:read settings:read',
        include_sub_organizations: 'true',
      });
      assert.match(started.codeVerifier, /^[A-Za-z0-9._~-]{43,128}$/);
      assert.ok(started.state.length >= 22, 'state has enough entropy');

      const plain = await startConnect({ ...server(app), redirectUri: REDIRECT_URI, scopes: ASKED });
      assert.equal(new URL(plain.url).searchParams.has('include_sub_organizations'), false);
      assert.notEqual(plain.state, started.state);
      assert.notEqual(plain.codeVerifier, started.codeVerifier);
    });

    test('consent, completeConnect, and a client acting on the customer and its subtree', async () => {
      const app = await application(isPublic);
      const tokenFetch = recordingFetch();
      const { started, callbackUrl, tokens } = await connectFlow(orgraph, app, {
        token: setup.adminToken,
        organizationId: setup.customer,
        scopes: ASKED,
        includeSubOrganizations: true,
        fetch: tokenFetch,
      });
      const callback = new URL(callbackUrl);
      assert.equal(callback.searchParams.get('state'), started.state);
      assert.equal(callback.searchParams.get('iss'), orgraph.base);

      assert.equal(typeof tokens.accessToken, 'string');
      assert.equal(typeof tokens.refreshToken, 'string');
      assert.equal(tokens.organizationId, setup.customer);
      assert.equal(tokens.includeSubOrganizations, true);
      assert.deepEqual(tokens.scope.split(' ').toSorted(), ASKED.toSorted());
      assert.ok(Math.abs(tokens.expiresAt - (Date.now() + 3_600_000)) < 60_000, 'expires in about an hour');

      // The code went to the token endpoint with the verifier, the client authenticated as it is.
      const [exchange] = tokenFetch.to('/oauth/token', 'POST');
      const form = new URLSearchParams(exchange.body);
      assert.equal(form.get('grant_type'), 'authorization_code');
      assert.equal(form.get('code'), callback.searchParams.get('code'));
      assert.equal(form.get('code_verifier'), started.codeVerifier);
      assert.equal(form.get('redirect_uri'), REDIRECT_URI);
      assert.equal(form.has('client_secret'), false, 'the secret never goes in the body');
      if (isPublic) {
        assert.equal(form.get('client_id'), app.id);
        assert.equal(exchange.headers.get('authorization'), null);
      } else {
        assert.match(exchange.headers.get('authorization'), /^Basic /);
      }

      const store = memoryTokenStore();
      const graphqlFetch = recordingFetch();
      const client = connectClient(app, tokens, store, graphqlFetch);
      assert.equal((await client.organization(setup.customer)).name, 'Customer Co');
      assert.equal((await client.organization(setup.branch)).name, 'Customer Branch');
      // Outside the authorization: invisible.
      assert.equal(await client.organization(setup.integratorOrg), null);
      assert.equal(graphqlFetch.to('/graphql')[0].headers.get('authorization'), `Bearer ${tokens.accessToken}`);
      assert.equal(graphqlFetch.to('/oauth/token').length, 0, 'fresh tokens are not refreshed');
      assert.deepEqual(await client.tokens(), tokens);
      assert.equal(store.sets.length, 0);
      // Only the granted scopes: settings:manage was not asked for.
      assert.equal(await client.can(setup.customer, 'settings:read'), true);
      assert.equal(await client.can(setup.customer, 'settings:manage'), false);
    });

    test('without sub-organizations the branch stays invisible', async () => {
      const app = await application(isPublic);
      const { tokens } = await connectFlow(orgraph, app, {
        token: setup.adminToken,
        organizationId: setup.customer,
        scopes: ['organization:read'],
      });
      assert.equal(tokens.includeSubOrganizations, false);
      const client = connectClient(app, tokens);
      assert.equal((await client.organization(setup.customer)).name, 'Customer Co');
      assert.equal(await client.organization(setup.branch), null);
    });

    test('refreshTokens rotates the refresh token; replaying the spent one ends the family', async () => {
      const app = await application(isPublic);
      const { tokens } = await connectFlow(orgraph, app, {
        token: setup.adminToken,
        organizationId: setup.customer,
        scopes: ASKED,
      });
      const rotated = await refreshTokens({ ...server(app), ...secretOf(app), tokens });
      assert.notEqual(rotated.refreshToken, tokens.refreshToken);
      assert.notEqual(rotated.accessToken, tokens.accessToken);
      assert.equal(rotated.organizationId, setup.customer);
      assert.ok(rotated.expiresAt > Date.now());
      assert.equal((await connectClient(app, rotated).organization(setup.customer)).name, 'Customer Co');

      // `refreshToken` alone works as well as `tokens`.
      const again = await refreshTokens({ ...server(app), ...secretOf(app), refreshToken: rotated.refreshToken });
      assert.notEqual(again.refreshToken, rotated.refreshToken);

      const replay = await rejection(refreshTokens({ ...server(app), ...secretOf(app), tokens }));
      assert.ok(OrgraphError.is(replay));
      assert.equal(replay.code, 'invalid_grant');
      assert.equal(replay.status, 400);
      // The replay revoked the family: the newest refresh token is dead too.
      const after = await rejection(refreshTokens({ ...server(app), ...secretOf(app), tokens: again }));
      assert.equal(after.code, 'invalid_grant');
    });

    test("revokeTokens: the client's next request fails", async () => {
      const app = await application(isPublic);
      const { tokens } = await connectFlow(orgraph, app, {
        token: setup.adminToken,
        organizationId: setup.customer,
        scopes: ASKED,
      });
      const store = memoryTokenStore();
      const fetcher = recordingFetch();
      const client = connectClient(app, tokens, store, fetcher);
      assert.equal((await client.organization(setup.customer)).name, 'Customer Co');

      assert.equal(await revokeTokens({ ...server(app), ...secretOf(app), tokens }), undefined);

      // The access token is refused (401); the client tries its refresh token once, which
      // the revocation ended too: the OAuth error surfaces.
      const error = await rejection(client.organization(setup.customer));
      assert.ok(OrgraphError.is(error));
      assert.equal(error.code, 'invalid_grant');
      assert.equal(error.status, 400);
      assert.equal(fetcher.to('/oauth/token', 'POST').length, 1);
      assert.equal(store.sets.length, 0);
      // Straight to the server, the access token is refused.
      const raw = await fetch(orgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.accessToken}` },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      assert.equal(raw.status, 401);
    });
  });
}

describe('failures', () => {
  let app;

  before(async () => {
    app = await application(false);
  });

  /** A started flow approved (or denied) by the administrator: `{ started, callbackUrl }`. */
  async function approvedFlow(decision = 'approve', scopes = ASKED) {
    const started = await startConnect({ ...server(app), redirectUri: REDIRECT_URI, scopes });
    const callbackUrl = await consent(started.url, {
      token: setup.adminToken,
      organizationId: setup.customer,
      decision,
    });
    return { started, callbackUrl };
  }

  function complete({ started, callbackUrl }, extra = {}) {
    return completeConnect({
      ...server(app),
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      callbackUrl,
      state: started.state,
      codeVerifier: started.codeVerifier,
      ...extra,
    });
  }

  test('a callback with another state is STATE_MISMATCH, and the code is not exchanged', async () => {
    const flow = await approvedFlow();
    const fetcher = recordingFetch();
    const other = await startConnect({ ...server(app), redirectUri: REDIRECT_URI, scopes: ASKED });
    const error = await rejection(complete(flow, { state: other.state, fetch: fetcher }));
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'STATE_MISMATCH');
    assert.equal(fetcher.to('/oauth/token').length, 0);
    // The code is still good for the flow that started it.
    assert.equal((await complete(flow)).organizationId, setup.customer);
  });

  test('a callback from another issuer is ISSUER_MISMATCH', async () => {
    const flow = await approvedFlow();
    const forged = new URL(flow.callbackUrl);
    forged.searchParams.set('iss', orgraph.base.replace('127.0.0.1', 'localhost'));
    const fetcher = recordingFetch();
    const error = await rejection(complete({ ...flow, callbackUrl: forged }, { fetch: fetcher }));
    assert.equal(error.code, 'ISSUER_MISMATCH');
    assert.equal(fetcher.to('/oauth/token').length, 0);
    // Without iss at all (the server always sends it): refused too.
    const bare = new URL(flow.callbackUrl);
    bare.searchParams.delete('iss');
    assert.equal((await rejection(complete({ ...flow, callbackUrl: bare.href }))).code, 'ISSUER_MISMATCH');
  });

  test('Deny comes back as access_denied', async () => {
    const flow = await approvedFlow('deny');
    assert.equal(new URL(flow.callbackUrl).searchParams.get('error'), 'access_denied');
    const fetcher = recordingFetch();
    const error = await rejection(complete(flow, { fetch: fetcher }));
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'access_denied');
    assert.equal(fetcher.to('/oauth/token').length, 0);
  });

  test('a code used twice is invalid_grant with status 400', async () => {
    const flow = await approvedFlow();
    assert.equal((await complete(flow)).organizationId, setup.customer);
    const error = await rejection(complete(flow));
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'invalid_grant');
    assert.equal(error.status, 400);
  });

  test('a wrong code verifier is invalid_grant; a wrong client secret invalid_client', async () => {
    const wrongVerifier = await rejection(complete(await approvedFlow(), { codeVerifier: 'x'.repeat(43) }));
    assert.equal(wrongVerifier.code, 'invalid_grant');
    assert.equal(wrongVerifier.status, 400);
    const wrongSecret = await rejection(complete(await approvedFlow(), { clientSecret: 'not-the-secret' }));
    assert.equal(wrongSecret.code, 'invalid_client');
    assert.equal(wrongSecret.status, 401);
  });

  test('an unknown scope is invalid_scope, before any request', async () => {
    const fetcher = recordingFetch();
    const error = await rejection(
      startConnect({ ...server(app), redirectUri: REDIRECT_URI, scopes: ['organisation:read'], fetch: fetcher }),
    );
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'invalid_scope');
    assert.match(error.message, /organisation:read/);
    assert.equal(fetcher.calls.length, 0);
  });

  test('an unknown scope is invalid_scope before any request, also before the metadata is fetched', async () => {
    // A separate copy of the package: nothing cached, as in a process that just started.
    const copy = await importPackageCopy();
    try {
      const fetcher = recordingFetch();
      const error = await rejection(
        copy.sdk.startConnect({ ...server(app), redirectUri: REDIRECT_URI, scopes: ['everything'], fetch: fetcher }),
      );
      assert.equal(error.code, 'invalid_scope', `got ${error.code}: ${error.message}`);
      assert.deepEqual(
        fetcher.calls.map((call) => `${call.method} ${new URL(call.url).pathname}`),
        [],
        'no request before the scopes are checked',
      );
    } finally {
      await copy.remove();
    }
  });

  test("metadata naming another issuer is ISSUER_MISMATCH; no metadata is an HTTP_ERROR", async () => {
    const metadata = await (await fetch(`${orgraph.base}/.well-known/oauth-authorization-server`)).text();
    const impostor = await startFixedServer(200, 'application/json', metadata);
    const empty = await startFixedServer(404, 'text/html', '<h1>Not Found</h1>');
    try {
      const posing = await rejection(
        startConnect({ issuer: impostor.origin, clientId: app.id, redirectUri: REDIRECT_URI, scopes: ASKED }),
      );
      assert.equal(posing.code, 'ISSUER_MISMATCH');
      assert.deepEqual(
        impostor.requests.map((r) => `${r.method} ${r.url}`),
        ['GET /.well-known/oauth-authorization-server'],
      );
      const missing = await rejection(
        startConnect({ issuer: empty.origin, clientId: app.id, redirectUri: REDIRECT_URI, scopes: ASKED }),
      );
      assert.equal(missing.code, 'HTTP_ERROR');
      assert.equal(missing.status, 404);
    } finally {
      await impostor.stop();
      await empty.stop();
    }
  });

  test('refreshTokens with scopes narrows the new access token', async () => {
    const narrowApp = await application(false);
    const { tokens } = await connectFlow(orgraph, narrowApp, {
      token: setup.adminToken,
      organizationId: setup.customer,
      scopes: ASKED,
    });
    const narrowed = await refreshTokens({
      issuer: orgraph.base,
      clientId: narrowApp.id,
      clientSecret: narrowApp.secret,
      tokens,
      scopes: ['organization:read'],
    });
    assert.equal(narrowed.scope, 'organization:read');
    const client = new OrgraphClient({
      endpoint: orgraph.url,
      connect: { issuer: orgraph.base, clientId: narrowApp.id, clientSecret: narrowApp.secret, tokens: narrowed },
    });
    assert.equal(await client.can(setup.customer, 'organization:read'), true);
    assert.equal(await client.can(setup.customer, 'settings:read'), false);
  });

  test('the SDK refuses to start without a client id or with a relative redirect URI', async () => {
    const invalid = { code: 'INVALID_ARGUMENT' };
    await assert.rejects(startConnect({ issuer: orgraph.base, clientId: '', redirectUri: REDIRECT_URI }), invalid);
    await assert.rejects(startConnect({ ...server(app), redirectUri: '/callback' }), invalid);
    await assert.rejects(refreshTokens({ ...server(app), clientSecret: app.secret }), invalid);
  });
});
