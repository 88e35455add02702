// How OrgraphClient fails: unreachable servers, GraphQL errors, answers that are not GraphQL,
// aborted requests, arguments refused before any request, and OrgraphError itself.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { OrgraphClient, OrgraphError } from '@orgraph/sdk';

import { closedUrl, recordingFetch, startFixedServer, startSilentServer } from './lib/http.mjs';
import { importPackageCopy } from './lib/package-copy.mjs';
import { addNetwork, person, startOrgraph } from './lib/server.mjs';
import { rejection } from './lib/rejection.mjs';

let orgraph;
let owner;
let root;

before(async () => {
  orgraph = await startOrgraph();
  owner = await person(orgraph, 'owner@errors.test');
  root = await addNetwork(orgraph, owner, 'Errors Inc');
});

after(async () => {
  await orgraph?.stop();
});

const NAME = 'query($id: ID!) { organization(id: $id) { name } }';

describe('no answer', () => {
  test('a server that is down is a NETWORK_ERROR with the cause', async () => {
    const endpoint = await closedUrl();
    const client = new OrgraphClient({ endpoint, accessToken: owner.token });
    const error = await rejection(client.query(NAME, { id: root }));
    assert.ok(error instanceof OrgraphError);
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.equal(error.status, undefined);
    assert.deepEqual(error.graphQLErrors, []);
    assert.ok(error.cause instanceof Error, 'the cause is the fetch failure');
    assert.ok(error.message.includes(endpoint), error.message);
    // The helpers fail the same way (organization does not turn it into null).
    assert.equal((await rejection(client.organization(root))).code, 'NETWORK_ERROR');
  });

  test("a custom fetch's failure is the cause, as thrown", async () => {
    const failure = new TypeError('socket hang up');
    const client = new OrgraphClient({
      endpoint: orgraph.url,
      fetch: async () => {
        throw failure;
      },
    });
    const error = await rejection(client.execute(NAME, { id: root }));
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.equal(error.cause, failure);
  });
});

describe('GraphQL errors', () => {
  test('NOT_FOUND from extensions.code, with the GraphQL errors', async () => {
    const error = await rejection(owner.client.query(NAME, { id: randomUUID() }));
    assert.equal(error.code, 'NOT_FOUND');
    assert.equal(error.status, 200);
    assert.equal(error.graphQLErrors.length, 1);
    assert.equal(error.graphQLErrors[0].extensions.code, 'NOT_FOUND');
    assert.deepEqual(error.graphQLErrors[0].path, ['organization']);
  });

  test('BAD_USER_INPUT: an invalid value, a malformed id, a malformed document', async () => {
    const invalid = await rejection(owner.client.setSetting(root, 'timeGrid', { slotMinutes: 0 }));
    assert.equal(invalid.code, 'BAD_USER_INPUT');
    assert.match(invalid.message, /slotMinutes/);
    assert.equal(invalid.graphQLErrors[0].extensions.code, 'BAD_USER_INPUT');

    assert.equal((await rejection(owner.client.organization('not-an-id'))).code, 'BAD_USER_INPUT');

    const syntax = await rejection(owner.client.query('{ organization('));
    assert.equal(syntax.code, 'BAD_USER_INPUT');
    assert.equal(syntax.status, 400);
    assert.equal(syntax.graphQLErrors.length, 1);
  });

  test('UNAUTHENTICATED with status 401 for a bad token', async () => {
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: 'not.a.token' });
    const error = await rejection(client.query(NAME, { id: root }));
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.equal(error.status, 401);
    assert.equal(error.graphQLErrors[0].extensions.code, 'UNAUTHENTICATED');
    // execute answers the same body without rejecting.
    const raw = await client.execute(NAME, { id: root });
    assert.equal(raw.errors[0].extensions.code, 'UNAUTHENTICATED');
  });

  test('an error without a code is a GRAPHQL_ERROR', async () => {
    const client = new OrgraphClient({
      endpoint: orgraph.url,
      fetch: async () => Response.json({ data: null, errors: [{ message: 'something odd' }] }),
    });
    const error = await rejection(client.query('{ x }'));
    assert.equal(error.code, 'GRAPHQL_ERROR');
    assert.equal(error.message, 'something odd');
    assert.deepEqual(error.graphQLErrors, [{ message: 'something odd' }]);
  });
});

describe('answers that are not GraphQL', () => {
  test('an endpoint that is not GraphQL (/healthz) is an HTTP_ERROR with its status', async () => {
    const client = new OrgraphClient({ endpoint: `${orgraph.base}/healthz`, accessToken: owner.token });
    const error = await rejection(client.query(NAME, { id: root }));
    assert.equal(error.code, 'HTTP_ERROR');
    assert.equal(error.status, 404);
  });

  test('a 502 HTML page is an HTTP_ERROR with status 502, for query and execute alike', async () => {
    const proxy = await startFixedServer(502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
    try {
      const client = new OrgraphClient({ endpoint: `${proxy.origin}/graphql`, accessToken: owner.token });
      for (const call of [client.query(NAME, { id: root }), client.execute(NAME, { id: root })]) {
        const error = await rejection(call);
        assert.ok(error instanceof OrgraphError);
        assert.equal(error.code, 'HTTP_ERROR');
        assert.equal(error.status, 502);
      }
      assert.equal(proxy.requests.length, 2);
    } finally {
      await proxy.stop();
    }
  });

  test('JSON that is not a GraphQL response is an HTTP_ERROR', async () => {
    const odd = await startFixedServer(503, 'application/json', '{"message":"maintenance"}');
    try {
      const client = new OrgraphClient({ endpoint: `${odd.origin}/graphql` });
      const error = await rejection(client.query(NAME, { id: root }));
      assert.equal(error.code, 'HTTP_ERROR');
      assert.equal(error.status, 503);
    } finally {
      await odd.stop();
    }
  });
});

describe('aborting', () => {
  test('a signal aborted before the call rejects with its AbortError, and nothing is sent', async () => {
    const silent = await startSilentServer();
    try {
      const client = new OrgraphClient({ endpoint: `${silent.origin}/graphql`, accessToken: owner.token });
      const signal = AbortSignal.abort();
      const error = await rejection(client.query(NAME, { id: root }, { signal }));
      assert.equal(error, signal.reason);
      assert.equal(error.name, 'AbortError');
      assert.ok(!OrgraphError.is(error));
      await new Promise((ok) => setTimeout(ok, 50));
      assert.equal(silent.requests.length, 0, 'no request reached the server');
    } finally {
      await silent.stop();
    }
  });

  test('aborting a request in flight rejects with the AbortError', async () => {
    const silent = await startSilentServer();
    try {
      const client = new OrgraphClient({ endpoint: `${silent.origin}/graphql`, accessToken: owner.token });
      const controller = new AbortController();
      const pending = client.query(NAME, { id: root }, { signal: controller.signal });
      await silent.received(); // the request is at the server, waiting for an answer
      controller.abort();
      const error = await rejection(pending);
      assert.equal(error.name, 'AbortError');
      assert.equal(error, controller.signal.reason);
    } finally {
      await silent.stop();
    }
  });

  test("aborting with a reason rejects with that reason; a timeout with the signal's TimeoutError", async () => {
    const silent = await startSilentServer();
    try {
      const client = new OrgraphClient({ endpoint: `${silent.origin}/graphql` });
      const controller = new AbortController();
      const pending = client.execute(NAME, { id: root }, { signal: controller.signal });
      await silent.received();
      const reason = new Error('the user navigated away');
      controller.abort(reason);
      assert.equal(await rejection(pending), reason);

      const timedOut = await rejection(client.query(NAME, { id: root }, { signal: AbortSignal.timeout(100) }));
      assert.equal(timedOut.name, 'TimeoutError');
    } finally {
      await silent.stop();
    }
  });

  test('an iterator stops with the AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      (async () => {
        for await (const child of owner.client.children(root, { signal: controller.signal })) {
          assert.fail(`unexpected ${child.id}`);
        }
      })(),
    );
    assert.equal(error.name, 'AbortError');
  });
});

describe('OrgraphError', () => {
  let copy;

  before(async () => {
    copy = await importPackageCopy();
  });

  after(async () => {
    await copy?.remove();
  });

  test('its fields', () => {
    const cause = new Error('underneath');
    const error = new OrgraphError('boom', { code: 'CONFLICT', status: 409, graphQLErrors: [{ message: 'x' }], cause });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'OrgraphError');
    assert.equal(error.message, 'boom');
    assert.equal(error.code, 'CONFLICT');
    assert.equal(error.status, 409);
    assert.deepEqual(error.graphQLErrors, [{ message: 'x' }]);
    assert.equal(error.cause, cause);
    const bare = new OrgraphError('bare');
    assert.deepEqual(bare.graphQLErrors, []);
    assert.equal(bare.status, undefined);
  });

  test('is: true for OrgraphErrors only', () => {
    assert.equal(OrgraphError.is(new OrgraphError('x', { code: 'INTERNAL' })), true);
    assert.equal(OrgraphError.is(new Error('x')), false);
    assert.equal(OrgraphError.is(new TypeError('x')), false);
    assert.equal(OrgraphError.is({ name: 'OrgraphError', code: 'NOT_FOUND', message: 'x' }), false);
    for (const value of [null, undefined, 'OrgraphError', 42, {}]) assert.equal(OrgraphError.is(value), false);
  });

  test('is: true for an OrgraphError of another copy of the package, which instanceof misses', async () => {
    const Other = copy.sdk.OrgraphError;
    assert.notEqual(Other, OrgraphError, 'the copy is a separate module graph');
    const foreign = new Other('from the other copy', { code: 'NOT_FOUND' });
    assert.equal(foreign instanceof OrgraphError, false);
    assert.equal(OrgraphError.is(foreign), true);
    assert.equal(Other.is(new OrgraphError('mine')), true);
    assert.equal(Other.is(new Error('x')), false);

    // And what the other copy's client throws.
    const client = new copy.sdk.OrgraphClient({ endpoint: await closedUrl() });
    const thrown = await rejection(client.query('{ viewer { id } }'));
    assert.equal(OrgraphError.is(thrown), true);
    assert.equal(thrown.code, 'NETWORK_ERROR');
  });
});

describe('refused before any request', () => {
  test('an unknown permission in can() is BAD_USER_INPUT', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    const error = await rejection(client.can(root, 'organisation:read'));
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'BAD_USER_INPUT');
    assert.match(error.message, /organisation:read/);
    assert.equal(fetcher.calls.length, 0);
    // The same client works for a real permission.
    assert.equal(await client.can(root, 'organization:read'), true);
    assert.equal(fetcher.calls.length, 1);
  });

  test('an unknown permission in checkPermissions() is BAD_USER_INPUT; a non-list INVALID_ARGUMENT', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    const checks = [
      { organizationId: root, permission: 'organization:read' },
      { organizationId: root, permission: 'everything' },
    ];
    assert.equal((await rejection(client.checkPermissions(checks))).code, 'BAD_USER_INPUT');
    assert.equal((await rejection(client.checkPermissions({ organizationId: root }))).code, 'INVALID_ARGUMENT');
    assert.equal(fetcher.calls.length, 0);
  });

  test('a disposed client refuses every call', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    assert.equal((await client.organization(root)).name, 'Errors Inc');
    client[Symbol.dispose]();
    for (const call of [
      client.query(NAME, { id: root }),
      client.execute(NAME, { id: root }),
      client.organization(root),
      client.children(root).next(),
    ]) {
      const error = await rejection(call);
      assert.ok(OrgraphError.is(error));
      assert.equal(error.code, 'INVALID_ARGUMENT');
    }
    assert.equal(fetcher.calls.length, 1);
  });

  test('a document that is not a string is INVALID_ARGUMENT', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    for (const document of [null, undefined]) {
      assert.equal((await rejection(client.query(document))).code, 'INVALID_ARGUMENT');
    }
    assert.equal(fetcher.calls.length, 0);
  });

  test('the constructor refuses missing or conflicting options', () => {
    const invalid = { name: 'OrgraphError', code: 'INVALID_ARGUMENT' };
    assert.throws(() => new OrgraphClient({}), invalid);
    assert.throws(() => new OrgraphClient(), invalid);
    assert.throws(
      () => new OrgraphClient({ endpoint: orgraph.url, accessToken: 't', tokenProvider: () => 't' }),
      invalid,
    );
    assert.throws(() => new OrgraphClient({ endpoint: orgraph.url, tokenProvider: 't' }), invalid);
    assert.throws(
      () => new OrgraphClient({ endpoint: orgraph.url, connect: { issuer: orgraph.base, clientId: 'c' } }),
      invalid,
    );
  });
});
