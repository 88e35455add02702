// Connect tokens that stay fresh by themselves: an OrgraphClient given expired (or refused)
// access tokens refreshes once — also under concurrent requests — retries, and hands every
// rotation to its token store; without `tokens` it starts from the store. A request aborted
// while a refresh is under way must not cost the other requests, or the rotated tokens.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { OrgraphClient, OrgraphError } from '@orgraph/sdk';

import { REDIRECT_URI, connectFlow, memoryTokenStore, setUpConnect } from './lib/connect.mjs';
import { recordingFetch } from './lib/http.mjs';
import { startOrgraph } from './lib/server.mjs';

const SCOPES = ['organization:read', 'settings:read'];
const NAME = 'query($id: ID!) { organization(id: $id) { name } }';

let orgraph;
let setup;
let appCount = 0;

before(async () => {
  orgraph = await startOrgraph();
  setup = await setUpConnect(orgraph, { integrator: 'dev@refresh-integrator.test', admin: 'admin@refresh.test' });
});

after(async () => {
  await orgraph?.stop();
});

/** A new confidential application and its first tokens on the customer. */
async function authorized() {
  appCount += 1;
  const app = await setup.application({
    name: `Refresh App ${appCount}`,
    public: false,
    redirectUri: REDIRECT_URI,
    scopes: SCOPES,
  });
  const { tokens } = await connectFlow(orgraph, app, {
    token: setup.adminToken,
    organizationId: setup.customer,
    scopes: SCOPES,
  });
  return { app, tokens };
}

/** A Connect client for `app` whose requests all go through `fetcher` (a recording fetch). */
function connectClient(app, { tokens, tokenStore, fetcher }) {
  return new OrgraphClient({
    endpoint: orgraph.url,
    fetch: fetcher,
    connect: {
      issuer: orgraph.base,
      clientId: app.id,
      clientSecret: app.secret,
      ...(tokens ? { tokens } : {}),
      ...(tokenStore ? { tokenStore } : {}),
    },
  });
}

/** `METHOD /path` of each call, in order (metadata reads left out). */
function trail(fetcher) {
  return fetcher.calls
    .map((call) => `${call.method} ${new URL(call.url).pathname}`)
    .filter((line) => !line.includes('/.well-known/'));
}

function bearerOf(call) {
  return call.headers.get('authorization')?.replace(/^Bearer /, '');
}

async function customerName(client) {
  return customerNameWith(client, {});
}

async function customerNameWith(client, options) {
  return (await client.query(NAME, { id: setup.customer }, options)).organization.name;
}

describe('expired access tokens', () => {
  test('are refreshed before the first request, and the store gets the rotation', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens: { ...tokens, expiresAt: Date.now() - 1000 }, tokenStore: store, fetcher });

    assert.equal(await customerName(client), 'Customer Co');
    assert.deepEqual(trail(fetcher), ['POST /oauth/token', 'POST /graphql']);
    const form = new URLSearchParams(fetcher.to('/oauth/token')[0].body);
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), tokens.refreshToken);

    assert.equal(store.sets.length, 1);
    const [rotated] = store.sets;
    assert.notEqual(rotated.refreshToken, tokens.refreshToken);
    assert.notEqual(rotated.accessToken, tokens.accessToken);
    assert.ok(rotated.expiresAt > Date.now() + 60_000);
    assert.equal(rotated.organizationId, setup.customer);
    assert.equal(bearerOf(fetcher.to('/graphql')[0]), rotated.accessToken);
    assert.deepEqual(await client.tokens(), rotated);

    // Fresh now: the next request refreshes nothing.
    assert.equal(await customerName(client), 'Customer Co');
    assert.equal(fetcher.to('/oauth/token').length, 1);
    assert.equal(store.sets.length, 1);
  });

  test('are refreshed shortly before they expire too', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens: { ...tokens, expiresAt: Date.now() + 5000 }, tokenStore: store, fetcher });
    assert.equal(await customerName(client), 'Customer Co');
    assert.equal(fetcher.to('/oauth/token').length, 1);
    assert.equal(store.sets.length, 1);
  });

  test('10 concurrent requests cause exactly one refresh, and all succeed', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens: { ...tokens, expiresAt: Date.now() - 1000 }, tokenStore: store, fetcher });

    const names = await Promise.all(Array.from({ length: 10 }, () => customerName(client)));
    assert.deepEqual(names, Array(10).fill('Customer Co'));
    assert.equal(fetcher.to('/oauth/token', 'POST').length, 1);
    assert.equal(store.sets.length, 1);
    const graphql = fetcher.to('/graphql');
    assert.equal(graphql.length, 10);
    assert.ok(graphql.every((call) => bearerOf(call) === store.sets[0].accessToken));
  });

  test('a failed refresh rejects with the OAuth error', async () => {
    const { app, tokens } = await authorized();
    const fetcher = recordingFetch();
    const spent = { ...tokens, refreshToken: 'not-a-refresh-token', expiresAt: Date.now() - 1000 };
    const client = connectClient(app, { tokens: spent, fetcher });
    const error = await customerName(client).then(
      () => assert.fail('expected a rejection'),
      (e) => e,
    );
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'invalid_grant');
    assert.equal(error.status, 400);
    assert.equal(fetcher.to('/graphql').length, 0);
  });
});

describe('aborting during a refresh', () => {
  test("one request's abort does not fail the requests sharing its refresh", async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    // The token endpoint is slow to reach: long enough to abort a request meanwhile.
    const fetcher = recordingFetch(async (input, init) => {
      if (new URL(String(input)).pathname === '/oauth/token') await delay(300);
      return fetch(input, init);
    });
    const client = connectClient(app, { tokens: { ...tokens, expiresAt: Date.now() - 1000 }, tokenStore: store, fetcher });

    const controller = new AbortController();
    const aborted = customerNameWith(client, { signal: controller.signal });
    const others = Array.from({ length: 5 }, () => customerName(client));
    while (fetcher.to('/oauth/token').length === 0) await delay(5); // the refresh is under way
    controller.abort();

    const error = await aborted.then(
      () => assert.fail('the aborted request resolved'),
      (e) => e,
    );
    assert.equal(error.name, 'AbortError');
    const settled = await Promise.allSettled(others);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : `${s.reason?.name}: ${s.reason?.message}`)),
      Array(5).fill('Customer Co'),
      'the requests that were not aborted succeed',
    );
  });
  test('an abort while the rotated tokens are on their way does not lose them', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    // The token endpoint rotates at once; its answer reaches the client late.
    let rotated = false;
    const fetcher = recordingFetch(async (input, init) => {
      const response = await fetch(input, init);
      if (new URL(String(input)).pathname === '/oauth/token') {
        rotated = true;
        await delay(300);
      }
      return response;
    });
    const client = connectClient(app, { tokens: { ...tokens, expiresAt: Date.now() - 1000 }, tokenStore: store, fetcher });

    const controller = new AbortController();
    const aborted = customerNameWith(client, { signal: controller.signal });
    while (!rotated) await delay(5); // the server has rotated the refresh token
    controller.abort();
    await aborted.catch(() => {});

    // The client (and its store) must still hold a usable authorization.
    const next = await customerName(client).then(
      (name) => name,
      (e) => `${e.code ?? e.name}: ${e.message}`,
    );
    assert.equal(next, 'Customer Co');
  });
});

describe('refused access tokens', () => {
  test('a 401 triggers one refresh and one retry', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    const fetcher = recordingFetch();
    const garbage = { ...tokens, accessToken: 'garbage.access.token', expiresAt: Date.now() + 3_600_000 };
    const client = connectClient(app, { tokens: garbage, tokenStore: store, fetcher });

    assert.equal(await customerName(client), 'Customer Co');
    assert.deepEqual(trail(fetcher), ['POST /graphql', 'POST /oauth/token', 'POST /graphql']);
    const [refused, retried] = fetcher.to('/graphql');
    assert.equal(bearerOf(refused), 'garbage.access.token');
    assert.equal(store.sets.length, 1);
    assert.equal(bearerOf(retried), store.sets[0].accessToken);
    assert.equal(refused.body, retried.body, 'the same request, retried');
  });

  test('10 concurrent requests refused at once cause one refresh', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore();
    const fetcher = recordingFetch();
    const garbage = { ...tokens, accessToken: 'garbage.access.token', expiresAt: Date.now() + 3_600_000 };
    const client = connectClient(app, { tokens: garbage, tokenStore: store, fetcher });

    const names = await Promise.all(Array.from({ length: 10 }, () => customerName(client)));
    assert.deepEqual(names, Array(10).fill('Customer Co'));
    assert.equal(fetcher.to('/oauth/token', 'POST').length, 1);
    assert.equal(store.sets.length, 1);
    assert.equal(fetcher.to('/graphql').length, 20);
  });

  test('a refused token without a refresh token surfaces the 401 as UNAUTHENTICATED', async () => {
    const { app } = await authorized();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens: { accessToken: 'garbage.access.token' }, fetcher });
    const error = await customerName(client).then(
      () => assert.fail('expected a rejection'),
      (e) => e,
    );
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'UNAUTHENTICATED', `got ${error.code}: ${error.message}`);
    assert.equal(error.status, 401);
    assert.deepEqual(trail(fetcher), ['POST /graphql']);
  });

  test('a token without an expiry is used until refused', async () => {
    const { app, tokens } = await authorized();
    const { expiresAt, ...noExpiry } = tokens;
    assert.ok(expiresAt);
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens: noExpiry, fetcher });
    assert.equal(await customerName(client), 'Customer Co');
    assert.deepEqual(trail(fetcher), ['POST /graphql']);
  });

  test('a GraphQL error that is not a 401 is not retried', async () => {
    const { app, tokens } = await authorized();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokens, fetcher });
    await assert.rejects(client.setSetting(setup.customer, 'x-note', 'hi'), { code: 'FORBIDDEN' });
    assert.deepEqual(trail(fetcher), ['POST /graphql']);
  });
});

describe('the token store', () => {
  test('get is used when tokens are absent (once), and set receives rotations', async () => {
    const { app, tokens } = await authorized();
    const store = memoryTokenStore(tokens);
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokenStore: store, fetcher });
    assert.equal(await customerName(client), 'Customer Co');
    assert.equal(await customerName(client), 'Customer Co');
    assert.equal(store.gets, 1);
    assert.equal(bearerOf(fetcher.to('/graphql')[0]), tokens.accessToken);
    assert.equal(store.sets.length, 0);
  });

  test('an asynchronous get with expired tokens: loaded, refreshed, stored', async () => {
    const { app, tokens } = await authorized();
    const sets = [];
    let gets = 0;
    const tokenStore = {
      async get() {
        gets += 1;
        await new Promise((ok) => setTimeout(ok, 5));
        return { ...tokens, expiresAt: Date.now() - 1 };
      },
      async set(next) {
        sets.push(next);
      },
    };
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokenStore, fetcher });
    assert.equal(await customerName(client), 'Customer Co');
    assert.equal(gets, 1);
    assert.equal(sets.length, 1);
    assert.notEqual(sets[0].refreshToken, tokens.refreshToken);
    assert.equal(bearerOf(fetcher.to('/graphql')[0]), sets[0].accessToken);
  });

  test('an empty store is UNAUTHENTICATED, before any request', async () => {
    const { app } = await authorized();
    const fetcher = recordingFetch();
    const client = connectClient(app, { tokenStore: memoryTokenStore(undefined), fetcher });
    await assert.rejects(customerName(client), { name: 'OrgraphError', code: 'UNAUTHENTICATED' });
    assert.deepEqual(trail(fetcher), []);
  });
});
