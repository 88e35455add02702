// A Relay-style refetch with a real client library: Apollo Client normalizes objects by
// `__typename` and `id`, and refetching one through `node(id:)` (GraphQL Global Object
// Identification) updates it wherever the cache holds it. Here an organization moves, and
// the refetch alone brings its new depth and parent into an earlier query's answer.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';

import { ok } from '../federation/lib/orgraph.mjs';
import { orgraphForThisFile } from './lib/orgraph.mjs';

const BRANCH = gql`
  query Branch($id: ID!) {
    organization(id: $id) {
      id
      name
      depth
      parent {
        id
        name
      }
    }
  }
`;

const REFETCH = gql`
  query Refetch($id: ID!) {
    node(id: $id) {
      id
      ... on Organization {
        name
        depth
        parent {
          id
          name
        }
      }
    }
  }
`;

const ready = orgraphForThisFile();

function client() {
  const { orgraph, token } = ready;
  return new ApolloClient({
    link: new HttpLink({ uri: orgraph.url, headers: { authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache({
      // What Relay's compiler knows from the schema: the types behind the Node interface.
      possibleTypes: {
        Node: ['Organization', 'Member', 'Application', 'Integration', 'Role', 'ContractAccount'],
      },
    }),
  });
}

test('refetching an organization through node(id:) updates it in the cache', async () => {
  const { orgraph, token } = ready;
  const hq = await orgraph.addOrganization(token, 'HQ');
  const branch = await orgraph.addSubOrganization(token, hq, 'Branch');
  const region = await orgraph.addSubOrganization(token, hq, 'Region');
  const apollo = client();

  const first = await apollo.query({ query: BRANCH, variables: { id: branch } });
  assert.deepEqual(
    { depth: first.data.organization.depth, parent: first.data.organization.parent.name },
    { depth: 1, parent: 'HQ' },
  );

  // The organization moves behind the client's back.
  ok(
    await orgraph.gql(
      token,
      'mutation($input: MoveOrganizationInput!) { moveOrganization(input: $input) { organization { id } } }',
      { input: { id: branch, newParentId: region } },
    ),
  );
  const stale = apollo.readQuery({ query: BRANCH, variables: { id: branch } });
  assert.equal(stale.organization.depth, 1, 'the cache changed by itself');

  // The refetch by global id: Organization, found by node(id:), normalized onto the same
  // cache entry as the first answer.
  const refetched = await apollo.query({
    query: REFETCH,
    variables: { id: branch },
    fetchPolicy: 'network-only',
  });
  assert.equal(refetched.data.node.__typename, 'Organization');
  assert.equal(refetched.data.node.id, branch);
  const fresh = apollo.readQuery({ query: BRANCH, variables: { id: branch } });
  assert.deepEqual(
    { depth: fresh.organization.depth, parent: fresh.organization.parent.name },
    { depth: 2, parent: 'Region' },
  );

  // An id the caller may not see refetches as null, as an unknown one.
  const stranger = await orgraph.token('bob@example.com');
  const bob = new ApolloClient({
    link: new HttpLink({ uri: orgraph.url, headers: { authorization: `Bearer ${stranger}` } }),
    cache: new InMemoryCache(),
  });
  for (const id of [branch, '00000000-0000-4000-8000-000000000000']) {
    const hidden = await bob.query({ query: REFETCH, variables: { id } });
    assert.equal(hidden.data.node, null, id);
  }
});
