// Federation benchmark (issue 5), against a release build on SQLite:
//   - `_entities` for 1,000 `Organization` representations, straight to Orgraph;
//   - the latency the gateway hop adds, in the same run: the same Orgraph query straight and
//     through @apollo/gateway, and a federated query (1,000 bookings → their organizations)
//     through the gateway against its two subgraph calls made directly.
//
//   cargo build --release -p orgraph-server
//   (cd tests/federation && npm ci) && node tests/federation/bench.mjs [--runs 200]
//
// Requests are sequential (latency, not throughput), scenarios interleaved run by run so
// that drift hits them alike; times include sending, Orgraph's work and parsing the reply.

import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { startBookings } from './lib/bookings.mjs';
import { startGateway } from './lib/gateway.mjs';
import { ok, orgraphBinary, post, startOrgraph } from './lib/orgraph.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    organizations: { type: 'string', default: '1000' },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const N = Number(args.organizations);

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Organization { id name } }
}`;
const ORGRAPH_QUERY = `query Branch($id: ID!) {
  organization(id: $id) { id name depth ancestors { id name } effectiveSettings { key value } }
}`;
const BOOKINGS_DIRECT = '{ bookings { id title organization { id } } }';
const BOOKINGS_FEDERATED = '{ bookings { id title organization { id name } } }';

function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

const ms = (x) => x.toFixed(2);

const binary = orgraphBinary('release');
const orgraph = await startOrgraph({ binary, seed: N });
let bookings;
let gateway;
try {
  const token = await orgraph.token('seed@orgraph.local');
  const ids = await orgraph.subtreeIds(token, orgraph.seeded.rootId);
  assert.equal(ids.length, N);
  const deepest = orgraph.seeded.deepestId;
  bookings = await startBookings(
    ids.map((id, i) => ({ id: `b${i}`, title: `Booking ${i}`, organizationId: id })),
  );
  gateway = await startGateway([
    { name: 'orgraph', url: orgraph.url },
    { name: 'bookings', url: bookings.url },
  ]);
  const representations = ids.map((id) => ({ __typename: 'Organization', id }));

  const scenarios = {
    entitiesDirect: async () => {
      const data = ok(await post(orgraph.url, { token, query: ENTITIES, variables: { representations } }));
      assert.equal(data._entities.length, N);
    },
    orgraphDirect: async () => {
      ok(await post(orgraph.url, { token, query: ORGRAPH_QUERY, variables: { id: deepest } }));
    },
    orgraphViaGateway: async () => {
      ok(await post(gateway.url, { token, query: ORGRAPH_QUERY, variables: { id: deepest } }));
    },
    bookingsDirect: async () => {
      ok(await post(bookings.url, { query: BOOKINGS_DIRECT }));
    },
    federatedViaGateway: async () => {
      const data = ok(await post(gateway.url, { token, query: BOOKINGS_FEDERATED }));
      assert.equal(data.bookings.length, N);
      assert.ok(data.bookings.every((b) => b.organization?.name));
    },
  };

  // Correctness and cost once: every entity found, a constant number of statements.
  const probe = await post(orgraph.url, {
    token,
    query: ENTITIES,
    variables: { representations },
    headers: { 'x-orgraph-debug': 'statements' },
  });
  assert.ok(ok(probe)._entities.every((o) => o?.id));
  const statements = probe.extensions?.statements;

  const samples = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
  for (let run = 0; run < WARMUP + RUNS; run += 1) {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const start = performance.now();
      await scenario();
      const elapsed = performance.now() - start;
      if (run >= WARMUP) samples[name].push(elapsed);
    }
  }
  const s = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, summary(xs)]));

  const hopP50 = s.orgraphViaGateway.p50 - s.orgraphDirect.p50;
  const hopP99 = s.orgraphViaGateway.p99 - s.orgraphDirect.p99;
  const federatedAddedP50 = s.federatedViaGateway.p50 - (s.entitiesDirect.p50 + s.bookingsDirect.p50);
  const rows = [
    [`\`_entities\`, ${N} Organization representations, straight to Orgraph (${statements} SQL statements)`, s.entitiesDirect],
    ['Orgraph query (organization, ancestors, effective settings), straight', s.orgraphDirect],
    ['the same query through the gateway', s.orgraphViaGateway],
    [`bookings subgraph alone: ${N} bookings`, s.bookingsDirect],
    [`through the gateway: ${N} bookings → organization { id name } (one \`_entities\` call of ${N})`, s.federatedViaGateway],
  ];
  console.log(`\nFederation benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model?.trim()}, Node ${process.version}, ${process.env.ORGRAPH_BIN ? binary : 'release build'}, SQLite, ${RUNS} runs after ${WARMUP} warm-up\n`);
  console.log('| measurement | p50 ms | p99 ms |');
  console.log('|---|---:|---:|');
  for (const [label, r] of rows) console.log(`| ${label} | ${ms(r.p50)} | ${ms(r.p99)} |`);
  console.log(`| gateway hop added to the Orgraph query (through − straight) | ${ms(hopP50)} | ${ms(hopP99)} |`);
  console.log(`| gateway added to the federated query (through − its two subgraph calls straight), p50 | ${ms(federatedAddedP50)} | |`);
  console.log(
    `\n\`_entities\` for ${N} organizations: p50 ${ms(s.entitiesDirect.p50)} ms — target ≤ 20 ms ${s.entitiesDirect.p50 <= 20 ? 'met' : 'NOT met'}.`,
  );
} finally {
  await gateway?.stop();
  await bookings?.stop();
  await orgraph.stop();
}
