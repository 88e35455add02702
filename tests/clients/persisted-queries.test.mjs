// Apollo Client's automatic persisted queries (@apollo/client's PersistedQueryLink) against
// the real server: the first call of an operation registers it, the next ones send only its
// hash (POST, and GET with useGETForHashedQueries); a hash the server never saw is answered
// PersistedQueryNotFound and the client sends the query; a query with a hash that is not its
// own is refused. What went over the wire is recorded by a fetch wrapper.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

import { orgraphForThisFile } from './lib/orgraph.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const ORGANIZATION = gql`
  query Organization($id: ID!) {
    organization(id: $id) {
      id
      name
      depth
    }
  }
`;

let hq;
const ready = orgraphForThisFile({
  setUp: async ({ orgraph, token }) => {
    hq = await orgraph.addOrganization(token, 'HQ');
  },
});

/** A client whose every request is recorded: method, body (parsed) or query string. */
function client({ useGETForHashedQueries = false, generateHash } = {}) {
  const { orgraph, token } = ready;
  const sent = [];
  const fetchAndRecord = async (url, init) => {
    const at = new URL(url);
    sent.push({
      method: init.method ?? 'GET',
      body: init.body ? JSON.parse(init.body) : null,
      params: Object.fromEntries(at.searchParams),
    });
    return fetch(url, init);
  };
  const persisted = new PersistedQueryLink({
    sha256,
    useGETForHashedQueries,
    ...(generateHash ? { generateHash } : {}),
  });
  const http = new HttpLink({
    uri: orgraph.url,
    fetch: fetchAndRecord,
    headers: { authorization: `Bearer ${token}` },
  });
  const apollo = new ApolloClient({
    link: persisted.concat(http),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'no-cache' } },
  });
  return { apollo, sent };
}

test('the first call registers the operation, the next send only its hash', async () => {
  const { apollo, sent } = client();
  const first = await apollo.query({ query: ORGANIZATION, variables: { id: hq } });
  assert.equal(first.data.organization.name, 'HQ');
  // Hash alone first; the server had never seen it, so the client sent hash and query.
  assert.equal(sent.length, 2, JSON.stringify(sent));
  assert.equal(sent[0].body.query, undefined);
  assert.equal(sent[0].body.extensions.persistedQuery.version, 1);
  const hash = sent[0].body.extensions.persistedQuery.sha256Hash;
  assert.equal(sent[1].body.extensions.persistedQuery.sha256Hash, hash);
  assert.equal(sha256(sent[1].body.query), hash);

  for (let i = 0; i < 3; i += 1) {
    const again = await apollo.query({ query: ORGANIZATION, variables: { id: hq } });
    assert.equal(again.data.organization.id, hq);
  }
  assert.equal(sent.length, 5);
  for (const request of sent.slice(2)) {
    assert.equal(request.body.query, undefined, 'the query was sent again');
    assert.equal(request.body.extensions.persistedQuery.sha256Hash, hash);
  }

  // Another client (a fresh page) sends the hash alone at once, and the server knows it.
  const other = client();
  const known = await other.apollo.query({ query: ORGANIZATION, variables: { id: hq } });
  assert.equal(known.data.organization.depth, 0);
  assert.equal(other.sent.length, 1);
  assert.equal(other.sent[0].body.query, undefined);
});

test('with useGETForHashedQueries the hash goes in a GET', async () => {
  const query = gql`
    query Viewer {
      viewer {
        email
      }
    }
  `;
  const { apollo, sent } = client({ useGETForHashedQueries: true });
  const first = await apollo.query({ query });
  assert.equal(first.data.viewer.email, 'ada@example.com');
  assert.deepEqual(
    sent.map((r) => r.method),
    ['GET', 'POST'],
  );
  const again = await apollo.query({ query });
  assert.equal(again.data.viewer.email, 'ada@example.com');
  assert.equal(sent.length, 3);
  assert.equal(sent[2].method, 'GET');
  assert.equal(sent[2].params.query, undefined);
  assert.equal(JSON.parse(sent[2].params.extensions).persistedQuery.version, 1);
});

test('a query sent with a hash that is not its own is refused', async () => {
  const { orgraph, token } = ready;
  const wrong = sha256('{ __typename }');
  const { apollo, sent } = client({ generateHash: () => wrong });
  await assert.rejects(
    apollo.query({ query: ORGANIZATION, variables: { id: hq } }),
    (error) => {
      assert.match(String(error.message), /provided sha does not match query/);
      return true;
    },
  );
  // Hash alone (not found), then hash and query (refused): nothing ran.
  assert.equal(sent.length, 2, JSON.stringify(sent));
  assert.equal(sent[1].body.extensions.persistedQuery.sha256Hash, wrong);
  // The wrong hash registered nothing.
  const reply = await fetch(orgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }),
  });
  const body = await reply.json();
  assert.equal(body.errors[0].message, 'PersistedQueryNotFound');
});
