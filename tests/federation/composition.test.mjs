// Orgraph's exported SDL (schema.graphql, what `_service { sdl }` serves) composes with another
// team's subgraph into a supergraph.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

import { bookingsTypeDefs } from './lib/bookings.mjs';
import { repoRoot } from './lib/orgraph.mjs';

const orgraphSdl = readFileSync(join(repoRoot, 'schema.graphql'), 'utf8');

function compose(orgraph) {
  return composeServices([
    { name: 'orgraph', typeDefs: parse(orgraph), url: 'http://127.0.0.1:1/graphql' },
    { name: 'bookings', typeDefs: bookingsTypeDefs, url: 'http://127.0.0.1:2/graphql' },
  ]);
}

test('schema.graphql links Federation v2 and keys its entities by id', () => {
  assert.match(orgraphSdl, /extend schema @link\(\s*url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
  // Relay's Node interface sits beside the key on the objects clients refetch.
  for (const entity of ['Organization', 'ContractAccount', 'Member']) {
    assert.match(orgraphSdl, new RegExp(`type ${entity} implements Node @key\\(fields: "id"\\) \\{`));
  }
  assert.match(orgraphSdl, /type User @key\(fields: "id"\) \{/);
});

test('Orgraph composes with a bookings subgraph that extends Organization', () => {
  const result = compose(orgraphSdl);
  assert.deepEqual(result.errors ?? [], [], 'no composition errors');
  const supergraph = result.supergraphSdl;

  // Both subgraphs' root fields are in the supergraph's Query.
  const query = supergraph.match(/type Query\b[^{]*\{([^}]*)\}/s)[1];
  for (const field of ['bookings', 'organization(', 'organizations(', 'viewer']) {
    assert.ok(query.includes(field), `Query.${field} is in the supergraph`);
  }
  // Organization is one entity, keyed by id in both, and gained `bookings`.
  const organization = supergraph.match(/type Organization\b([^{]*)\{([^}]*)\}/s);
  assert.match(organization[1], /@join__type\(graph: ORGRAPH, key: "id"\)/);
  assert.match(organization[1], /@join__type\(graph: BOOKINGS, key: "id"\)/);
  assert.match(organization[2], /bookings: \[Booking!\]! @join__field\(graph: BOOKINGS\)/);
  assert.match(organization[2], /effectiveSettings\(/);
  // PageInfo is defined by both and shared.
  assert.match(supergraph, /type PageInfo\s+@join__type\(graph: BOOKINGS\)\s+@join__type\(graph: ORGRAPH\)/);
  // Mutations come from Orgraph.
  assert.match(supergraph, /type Mutation\b/);
});

test('PageInfo composes only because Orgraph marks it @shareable', () => {
  const unshared = orgraphSdl.replace('type PageInfo @shareable {', 'type PageInfo {');
  assert.notEqual(unshared, orgraphSdl);
  const result = compose(unshared);
  assert.ok(result.errors?.length, 'composition fails without @shareable');
  assert.ok(
    result.errors.some((e) => e.message.includes('PageInfo')),
    result.errors.map((e) => e.message).join('\n'),
  );
});
