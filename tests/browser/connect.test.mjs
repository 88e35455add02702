// Organization Connect (SPEC §5) with real clients against the real Orgraph binary (development
// sign-in, fresh SQLite database): a person in headless Chromium signs in on the way to the
// consent page and approves or denies; the application, a small HTTP server of the test on
// 127.0.0.1, receives the code. Then the code grant, refresh rotation and replay, and
// revocation — first by hand with fetch, then with oauth4webapi, a client library written
// independently of Orgraph. Nothing may be asked of a host other than this machine.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as oauth from 'oauth4webapi';

import { assertCleanRun, cspViolations, openBrowser, requireChromium, screenshot } from './lib/chromium.mjs';
import { approve, chosenOrganization, listedScopes, offeredOrganizations, openConsent, signInOnTheWay } from './lib/consent.mjs';
import {
  authorizeUrl,
  data,
  exchangeCode,
  graphql,
  jwtParts,
  pkcePair,
  queryOf,
  readOrganization,
  refresh,
  revoke,
  setUpConnect,
  startRedirectReceiver,
} from './lib/oauth.mjs';
import { startOrgraphWithDevSignIn } from './lib/servers.mjs';

const SCOPES = ['organization:read', 'members:read', 'settings:read'];
const ASKED = 'organization:read members:read';
const AUTHORIZATIONS =
  'query($id: ID!) { organization(id: $id) { authorizations { id applicationName revokedAt } } }';
const REVOKE_AUTHORIZATION =
  'mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { authorization { revokedAt } } }';
const ADD_SUB_ORGANIZATION =
  'mutation($id: ID!) { addSubOrganization(input: { parentId: $id, name: "Sneaky" }) { organization { id } } }';

let orgraph;
let base;
let receiver;
let connect;

before(async () => {
  await requireChromium();
  receiver = await startRedirectReceiver();
  orgraph = await startOrgraphWithDevSignIn();
  base = orgraph.base;
  connect = await setUpConnect(orgraph);
});

after(async () => {
  await orgraph?.stop();
  await receiver?.stop();
});

/** A new application of the integrator (one per test: each has its own authorization). */
function application(name, { public: isPublic = false } = {}) {
  return connect.application({ name, public: isPublic, redirectUri: receiver.uri, scopes: SCOPES });
}

/** The authorizations of the customer organization (as its administrator sees them). */
async function customerAuthorizations() {
  const reply = await graphql(base, connect.adminToken, AUTHORIZATIONS, { id: connect.customer });
  return data(reply).organization.authorizations;
}

/** The refusal every request with a revoked application token must get. */
function assertUnauthenticated(reply, why) {
  assert.equal(reply.status, 401, `${why}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(reply.body));
}

/** An OAuth error answer of the token endpoint. */
function assertOAuthError(reply, status, error) {
  assert.deepEqual([reply.status, reply.body?.error], [status, error], JSON.stringify(reply.body));
}

describe('Organization Connect in Chromium, the client by hand', () => {
  test('a confidential client: sign-in on the way, consent, code; tokens, refresh, replay', async () => {
    const app = await application('Calendar Sync');
    const { page, seen, close } = await openBrowser();
    try {
      const { verifier, challenge } = pkcePair();
      const state = `state-${Date.now()}`;
      const url = authorizeUrl(base, app, receiver.uri, {
        scope: ASKED,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const { returnTo, consent } = await signInOnTheWay(page, url, connect.admin);
      // The sign-in was asked to lead back to this very request.
      assert.equal(new URL(returnTo, base).href, url);

      assert.equal(consent.status(), 200, await page.content());
      assert.equal(await page.title(), 'Authorize Calendar Sync · Orgraph');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Authorize Calendar Sync');
      const text = await page.locator('main').innerText();
      assert.match(text, /Integrator Labs/, 'the integrator is not named');
      // The scopes asked for, in plain words; an allowed scope not asked for is not shown.
      assert.deepEqual(await listedScopes(page), [
        'See the organization and its structure organization:read',
        'See members, their roles and grants members:read',
      ]);
      assert.doesNotMatch(text, /Read settings/);
      assert.match(text, new RegExp(`sent back to ${receiver.uri.replaceAll('.', '\\.')}`));
      // Hers: the customer and its branch; never the integrator's organization.
      assert.deepEqual((await offeredOrganizations(page)).sort(), ['Customer Branch', 'Customer Co']);
      // Nothing is chosen for her: Approve needs a deliberate choice.
      assert.equal(await chosenOrganization(page), '');
      // The form may lead to the application's origin, and nowhere else.
      const policy = consent.headers()['content-security-policy'] ?? '';
      assert.match(policy, new RegExp(`form-action 'self' ${receiver.origin}(;|$)`), policy);
      assert.deepEqual(await cspViolations(page), [], 'CSP violations on the consent page');
      await screenshot(page, 'connect-consent-1280');

      const landed = await approve(page, {
        organization: 'Customer Co',
        subOrganizations: true,
        redirectOrigin: receiver.origin,
      });
      const back = queryOf(landed);
      assert.equal(new URL(landed).pathname, '/callback');
      assert.deepEqual(Object.keys(back).sort(), ['code', 'iss', 'state']);
      assert.equal(back.state, state);
      assert.equal(back.iss, base, 'iss is not the issuer (RFC 9207)');
      assert.match(back.code, /\S{20,}/);
      // The application's server got exactly what the browser shows.
      assert.deepEqual(receiver.received.at(-1), { path: '/callback', query: back });

      const exchanged = await exchangeCode(base, app, { code: back.code, redirectUri: receiver.uri, verifier });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      assert.equal(exchanged.headers.get('cache-control'), 'no-store');
      const tokens = exchanged.body;
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(tokens.scope, ASKED);
      assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 3600, `expires_in ${tokens.expires_in}`);
      const { header, claims } = jwtParts(tokens.access_token);
      assert.deepEqual([header.typ, header.alg], ['at+jwt', 'ES256']);
      assert.deepEqual(
        [claims.iss, claims.client_id, claims.org, claims.scope],
        [base, app.id, connect.customer, ASKED],
      );

      // The organization, and its branch too: the sub-organizations were included.
      const read = await readOrganization(base, tokens.access_token, connect.customer);
      assert.deepEqual(data(read), { organization: { name: 'Customer Co' } });
      const branch = await readOrganization(base, tokens.access_token, connect.branch);
      assert.deepEqual(data(branch), { organization: { name: 'Customer Branch' } });

      // Refresh rotates: a new refresh token and a working access token.
      const refreshed = await refresh(base, app, tokens.refresh_token);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.notEqual(refreshed.body.refresh_token, tokens.refresh_token, 'the refresh token was not rotated');
      assert.notEqual(refreshed.body.access_token, tokens.access_token);
      data(await readOrganization(base, refreshed.body.access_token, connect.customer));

      // The spent refresh token again: refused, and its whole family with it.
      assertOAuthError(await refresh(base, app, tokens.refresh_token), 400, 'invalid_grant');
      assertOAuthError(await refresh(base, app, refreshed.body.refresh_token), 400, 'invalid_grant');
      assertUnauthenticated(
        await readOrganization(base, refreshed.body.access_token, connect.customer),
        'an access token of a replayed family',
      );
      assertUnauthenticated(
        await readOrganization(base, tokens.access_token, connect.customer),
        'the first access token of a replayed family',
      );

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('a public client: PKCE and no secret; the organization alone, without its branch', async () => {
    const app = await application('Phone App', { public: true });
    assert.equal(app.secret, undefined, 'a public application got a secret');
    const { page, seen, close } = await openBrowser();
    try {
      const first = pkcePair();
      const state = 'public-1';
      const ask = (pkce, s) =>
        authorizeUrl(base, app, receiver.uri, {
          scope: 'organization:read',
          state: s,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        });
      const { consent } = await signInOnTheWay(page, ask(first, state), connect.admin);
      assert.equal(consent.status(), 200);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Authorize Phone App');
      let back = queryOf(await approve(page, { organization: 'Customer Co', redirectOrigin: receiver.origin }));
      assert.equal(back.state, state);
      assert.equal(back.iss, base);

      // Someone holding the code without the verifier gets nothing.
      const stolen = await exchangeCode(base, app, {
        code: back.code,
        redirectUri: receiver.uri,
        verifier: pkcePair().verifier,
      });
      assertOAuthError(stolen, 400, 'invalid_grant');

      // Again, this time with the right verifier.
      const second = pkcePair();
      await openConsent(page, ask(second, 'public-2'));
      back = queryOf(await approve(page, { organization: 'Customer Co', redirectOrigin: receiver.origin }));
      assert.equal(back.state, 'public-2');
      const exchanged = await exchangeCode(base, app, {
        code: back.code,
        redirectUri: receiver.uri,
        verifier: second.verifier,
      });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      const tokens = exchanged.body;
      assert.deepEqual(data(await readOrganization(base, tokens.access_token, connect.customer)), {
        organization: { name: 'Customer Co' },
      });
      // Sub-organizations were not included: the branch does not exist for this token.
      const branch = await readOrganization(base, tokens.access_token, connect.branch);
      assert.equal(branch.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(branch.body));
      assert.equal(branch.body.data?.organization ?? null, null);
      // Its scope is read-only: no writes.
      const write = await graphql(base, tokens.access_token, ADD_SUB_ORGANIZATION, { id: connect.customer });
      assert.equal(write.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(write.body));

      // Refresh without a secret; then RFC 7009 revocation of the new refresh token ends the
      // family, access token included.
      const refreshed = await refresh(base, app, tokens.refresh_token);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.notEqual(refreshed.body.refresh_token, tokens.refresh_token);
      data(await readOrganization(base, refreshed.body.access_token, connect.customer));
      const revoked = await revoke(base, app, { token: refreshed.body.refresh_token });
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assertUnauthenticated(
        await readOrganization(base, refreshed.body.access_token, connect.customer),
        'after its refresh token was revoked',
      );
      assertOAuthError(await refresh(base, app, refreshed.body.refresh_token), 400, 'invalid_grant');

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('revocation bites on the very next request: by token, by the application, by the customer', async () => {
    const app = await application('Directory Export');
    const { page, seen, close } = await openBrowser();
    let signedIn = false;
    /** Consents (signing in the first time) and exchanges the code: fresh tokens. */
    async function authorize() {
      const { verifier, challenge } = pkcePair();
      const state = `revoke-${Date.now()}`;
      const url = authorizeUrl(base, app, receiver.uri, {
        scope: 'organization:read',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      if (signedIn) await openConsent(page, url);
      else await signInOnTheWay(page, url, connect.admin);
      signedIn = true;
      const back = queryOf(await approve(page, { organization: 'Customer Co', redirectOrigin: receiver.origin }));
      assert.equal(back.state, state);
      const exchanged = await exchangeCode(base, app, { code: back.code, redirectUri: receiver.uri, verifier });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      data(await readOrganization(base, exchanged.body.access_token, connect.customer));
      return exchanged.body;
    }
    try {
      // RFC 7009 with the access token itself.
      let tokens = await authorize();
      const byToken = await revoke(base, app, { token: tokens.access_token });
      assert.equal(byToken.status, 200, JSON.stringify(byToken.body));
      assertUnauthenticated(
        await readOrganization(base, tokens.access_token, connect.customer),
        'after /oauth/revoke with the token',
      );

      // The application ends its whole authorization on the organization (SPEC §5: `sub`).
      tokens = await authorize();
      const bySub = await revoke(base, app, { sub: connect.customer });
      assert.equal(bySub.status, 200, JSON.stringify(bySub.body));
      assertUnauthenticated(
        await readOrganization(base, tokens.access_token, connect.customer),
        'after /oauth/revoke with sub',
      );
      assertOAuthError(await refresh(base, app, tokens.refresh_token), 400, 'invalid_grant');

      // The customer's administrator revokes it from Orgraph's side, by GraphQL.
      tokens = await authorize();
      const listed = (await customerAuthorizations()).filter((a) => a.applicationName === app.name);
      assert.equal(listed.length, 1, JSON.stringify(listed));
      assert.equal(listed[0].id, jwtParts(tokens.access_token).claims.sub);
      assert.equal(listed[0].revokedAt, null, 'consenting again did not revive the authorization');
      const revoked = data(await graphql(base, connect.adminToken, REVOKE_AUTHORIZATION, { id: listed[0].id }));
      assert.ok(revoked.revokeAuthorization.authorization.revokedAt, JSON.stringify(revoked));
      assertUnauthenticated(
        await readOrganization(base, tokens.access_token, connect.customer),
        'after the customer revoked the authorization',
      );

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('Deny, with the keyboard alone, sends the person back with access_denied and no code', async () => {
    const app = await application('Unwanted App');
    const { page, seen, close } = await openBrowser();
    try {
      const state = 'deny-me';
      const url = authorizeUrl(base, app, receiver.uri, {
        scope: 'organization:read',
        state,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      });
      const { consent } = await signInOnTheWay(page, url, connect.admin);
      assert.equal(consent.status(), 200);
      // The organization has the focus; Tab goes to the checkbox, Approve, then Deny (each
      // named by its id, its label or its text).
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el.id || (el.labels?.[0] ?? el).textContent.trim();
        });
      // Chromium applies autofocus at its next rendering opportunity, after the load event:
      // wait for it rather than race it (a page without autofocus times out here).
      await page.waitForFunction(() => document.activeElement?.id === 'organization', null, { timeout: 5000 });
      assert.equal(await focused(), 'organization');
      const order = [];
      for (let i = 0; i < 3; i += 1) {
        await page.keyboard.press('Tab');
        order.push(await focused());
      }
      assert.deepEqual(order, ['Include its sub-organizations', 'Approve', 'Deny']);
      assert.deepEqual(await cspViolations(page), []);
      await page.keyboard.press('Enter');
      await page.waitForURL((at) => at.origin === receiver.origin);

      const back = queryOf(page.url());
      assert.equal(back.error, 'access_denied', JSON.stringify(back));
      assert.equal(back.state, state);
      assert.equal(back.iss, base);
      assert.equal(back.code, undefined, 'a denial carried a code');
      assert.deepEqual(receiver.received.at(-1).query, back);

      // Nothing was authorized.
      const listed = (await customerAuthorizations()).map((a) => a.applicationName);
      assert.ok(!listed.includes(app.name), `denied yet authorized: ${listed}`);

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });
});

describe('Organization Connect with oauth4webapi, an independent client library', () => {
  // Orgraph here is plain http on loopback, which oauth4webapi refuses unless told.
  const insecure = { [oauth.allowInsecureRequests]: true };
  let as;

  before(async () => {
    const issuer = new URL(base);
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
    // Checks the document's issuer is exactly the one asked for.
    as = await oauth.processDiscoveryResponse(issuer, response);
  });

  test('discovery names the endpoints and what they support', () => {
    assert.equal(as.issuer, base);
    assert.equal(as.authorization_endpoint, `${base}/oauth/authorize`);
    assert.equal(as.token_endpoint, `${base}/oauth/token`);
    assert.equal(as.revocation_endpoint, `${base}/oauth/revoke`);
    assert.equal(as.introspection_endpoint, `${base}/oauth/introspect`);
    assert.equal(as.jwks_uri, `${base}/oauth/jwks`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    for (const method of ['client_secret_basic', 'client_secret_post', 'none']) {
      assert.ok(as.token_endpoint_auth_methods_supported?.includes(method), method);
    }
  });

  /**
   * The authorization code flow as oauth4webapi drives it, the person consenting in Chromium;
   * returns the token response and what the page and the client saw.
   */
  async function authorize(page, client, clientAuth, { signIn, scope = 'organization:read' }) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', receiver.uri);
    url.searchParams.set('scope', scope);
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (signIn) await signInOnTheWay(page, url.href, connect.admin);
    else await openConsent(page, url.href);
    const landed = await approve(page, { organization: 'Customer Co', redirectOrigin: receiver.origin });
    // Checks state and iss (RFC 9207, as the metadata promises it) and that there is no error.
    const params = oauth.validateAuthResponse(as, client, new URL(landed), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      receiver.uri,
      verifier,
      insecure,
    );
    return oauth.processAuthorizationCodeResponse(as, client, response);
  }

  /** oauth4webapi's resource-server check of an RFC 9068 access token (signature by jwks_uri). */
  function validateAccessToken(accessToken) {
    const request = new Request(`${base}/graphql`, { headers: { authorization: `Bearer ${accessToken}` } });
    return oauth.validateJwtAccessToken(as, request, base, { signingAlgorithms: ['ES256'], ...insecure });
  }

  test('a public client: PKCE, the code grant, an RFC 9068 token, refresh, revocation', async () => {
    const app = await application('Library Public', { public: true });
    const client = { client_id: app.id };
    const none = oauth.None();
    const { page, seen, close } = await openBrowser();
    try {
      const tokens = await authorize(page, client, none, { signIn: true });
      assert.equal(tokens.token_type, 'bearer'); // oauth4webapi lower-cases it
      assert.equal(tokens.scope, 'organization:read');
      assert.ok(tokens.refresh_token, 'no refresh token');

      const claims = await validateAccessToken(tokens.access_token);
      assert.deepEqual([claims.client_id, claims.org, claims.iss], [app.id, connect.customer, base]);
      assert.deepEqual(data(await readOrganization(base, tokens.access_token, connect.customer)), {
        organization: { name: 'Customer Co' },
      });

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, none, tokens.refresh_token, insecure),
      );
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token was not rotated');
      await validateAccessToken(refreshed.access_token);
      data(await readOrganization(base, refreshed.access_token, connect.customer));

      await oauth.processRevocationResponse(
        await oauth.revocationRequest(as, client, none, refreshed.refresh_token, insecure),
      );
      assertUnauthenticated(
        await readOrganization(base, refreshed.access_token, connect.customer),
        'after oauth4webapi revoked the refresh token',
      );
      // The library reports the server's refusal as an OAuth error body.
      await assert.rejects(
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, none, refreshed.refresh_token, insecure),
        ),
        (error) => {
          assert.ok(error instanceof oauth.ResponseBodyError, String(error));
          assert.equal(error.error, 'invalid_grant');
          assert.equal(error.status, 400);
          return true;
        },
      );

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('a confidential client with client_secret_post: code grant, introspection, revocation', async () => {
    const app = await application('Library Confidential');
    const client = { client_id: app.id };
    const post = oauth.ClientSecretPost(app.secret);
    const { page, seen, close } = await openBrowser();
    try {
      const tokens = await authorize(page, client, post, { signIn: true, scope: ASKED });
      assert.equal(tokens.scope, ASKED);
      await validateAccessToken(tokens.access_token);

      const introspect = async (token) =>
        oauth.processIntrospectionResponse(
          as,
          client,
          await oauth.introspectionRequest(as, client, post, token, insecure),
        );
      const active = await introspect(tokens.access_token);
      assert.equal(active.active, true, JSON.stringify(active));
      assert.equal(active.client_id, app.id);
      assert.equal(active.org, connect.customer);

      await oauth.processRevocationResponse(
        await oauth.revocationRequest(as, client, post, tokens.access_token, insecure),
      );
      const inactive = await introspect(tokens.access_token);
      assert.equal(inactive.active, false, JSON.stringify(inactive));
      assertUnauthenticated(
        await readOrganization(base, tokens.access_token, connect.customer),
        'after oauth4webapi revoked the access token',
      );

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });
});
