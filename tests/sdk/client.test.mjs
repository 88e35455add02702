// OrgraphClient against the real server: every typed helper, query and execute, documents as
// strings and as typed document strings, and the options that shape each request (token
// provider, headers, fetch).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { OrgraphClient, OrgraphError } from '@orgraph/sdk';

import { recordingFetch, startRecordingProxy } from './lib/http.mjs';
import {
  addNetwork,
  gqlData,
  inviteMember,
  lockSetting,
  person,
  setMemberStatus,
  startOrgraph,
} from './lib/server.mjs';

let orgraph;
let owner;
let outsider;
let root;
let otherRoot;
/** Direct children of `root` by name; `branches[2]` has two children of its own. */
let branches;
let grandchildren;

// Created out of order, so the name order of `children` is the server's, not ours.
const BRANCH_NAMES = ['Branch 05', 'Branch 02', 'Branch 07', 'Branch 01', 'Branch 06', 'Branch 03', 'Branch 04'];

before(async () => {
  orgraph = await startOrgraph();
  owner = await person(orgraph, 'owner@client.test');
  outsider = await person(orgraph, 'outsider@other.test');
  root = await addNetwork(orgraph, owner, 'Acme');
  otherRoot = await addNetwork(orgraph, outsider, 'Other Co');
  const created = new Map();
  for (const name of BRANCH_NAMES) created.set(name, await orgraph.addSubOrganization(owner.token, root, name));
  branches = [...created.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, id]) => ({ name, id }));
  grandchildren = [
    await orgraph.addSubOrganization(owner.token, branches[2].id, 'Lab B'),
    await orgraph.addSubOrganization(owner.token, branches[2].id, 'Lab A'),
  ];
});

after(async () => {
  await orgraph?.stop();
});

/** Everything an async iterator yields. */
async function collect(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}

/** The GraphQL request bodies a recording fetch sent. */
function sentBodies(fetcher) {
  return fetcher.calls.map((call) => JSON.parse(call.body));
}

describe('organization', () => {
  test('answers the organization with its fields', async () => {
    const org = await owner.client.organization(root);
    assert.equal(org.id, root);
    assert.equal(org.name, 'Acme');
    assert.equal(org.kind, 'CUSTOMER');
    assert.equal(org.depth, 0);
    assert.equal(org.isRoot, true);
    assert.equal(org.parent, null);
    assert.match(org.networkId, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(org.createdAt)));
    assert.ok(!Number.isNaN(Date.parse(org.updatedAt)));

    const lab = await owner.client.organization(grandchildren[0]);
    assert.equal(lab.name, 'Lab B');
    assert.equal(lab.depth, 2);
    assert.equal(lab.isRoot, false);
    assert.deepEqual(lab.parent, { id: branches[2].id });
    assert.equal(lab.networkId, org.networkId);
  });

  test('is null for an id that does not exist', async () => {
    assert.equal(await owner.client.organization(randomUUID()), null);
  });

  test("is null for another network's organization, which the caller can't see", async () => {
    assert.equal(await owner.client.organization(otherRoot), null);
    assert.equal(await outsider.client.organization(root), null);
    assert.equal((await outsider.client.organization(otherRoot)).name, 'Other Co');
  });

  test('rejects other errors (a malformed id) instead of answering null', async () => {
    const error = await owner.client.organization('not-a-uuid').then(
      () => assert.fail('expected a rejection'),
      (e) => e,
    );
    assert.ok(OrgraphError.is(error));
    assert.equal(error.code, 'BAD_USER_INPUT');
  });
});

describe('children and descendants', () => {
  test('children iterate over every page, by name, each exactly once', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    const children = await collect(client.children(root, { pageSize: 2 }));
    assert.deepEqual(
      children.map((c) => c.name),
      BRANCH_NAMES.toSorted(),
    );
    assert.deepEqual(
      children.map((c) => c.id),
      branches.map((b) => b.id),
    );
    assert.ok(children.every((c) => c.parent.id === root && c.depth === 1));
    // 7 children in pages of 2: 4 requests, each asking for 2, each after the previous page.
    const bodies = sentBodies(fetcher);
    assert.equal(bodies.length, 4);
    assert.deepEqual(
      bodies.map((b) => b.variables.first),
      [2, 2, 2, 2],
    );
    assert.equal(bodies[0].variables.after, null);
    assert.ok(bodies.slice(1).every((b) => typeof b.variables.after === 'string'));
    assert.equal(new Set(bodies.map((b) => b.variables.after)).size, 4);
  });

  test('the default page size takes one request', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    assert.equal((await collect(client.children(root))).length, BRANCH_NAMES.length);
    assert.equal(fetcher.calls.length, 1);
  });

  test('descendants iterate over every page in tree order, each exactly once', async () => {
    const expected = await orgraph.subtreeIds(owner.token, root); // one page of 100, root first
    const descendants = await collect(owner.client.descendants(root, { pageSize: 3 }));
    const ids = descendants.map((d) => d.id);
    assert.deepEqual(ids, expected.slice(1));
    assert.equal(new Set(ids).size, BRANCH_NAMES.length + grandchildren.length);
    // Parents before their children.
    const position = new Map(ids.map((id, i) => [id, i]));
    for (const d of descendants) {
      if (d.parent.id !== root) assert.ok(position.get(d.parent.id) < position.get(d.id), d.name);
    }
  });

  test('descendants stop at maxDepth', async () => {
    const shallow = await collect(owner.client.descendants(root, { pageSize: 4, maxDepth: 1 }));
    assert.deepEqual(
      shallow.map((d) => d.id).toSorted(),
      branches.map((b) => b.id).toSorted(),
    );
  });

  test('an iterator of an organization the caller cannot see rejects with NOT_FOUND', async () => {
    await assert.rejects(collect(outsider.client.children(root, { pageSize: 2 })), { code: 'NOT_FOUND' });
  });
});

test('ancestors are root first, without the organization itself', async () => {
  const ancestors = await owner.client.ancestors(grandchildren[1]);
  assert.deepEqual(
    ancestors.map((a) => a.id),
    [root, branches[2].id],
  );
  assert.deepEqual(await owner.client.ancestors(root), []);
});

describe('settings', () => {
  let region;
  let office;

  before(async () => {
    region = await orgraph.addSubOrganization(owner.token, root, 'Settings Region');
    office = await orgraph.addSubOrganization(owner.token, region, 'Settings Office');
    await owner.client.setSetting(region, 'address', { city: 'Berlin', country: 'DE' });
    await owner.client.setSetting(office, 'address', { city: 'Munich' });
    await owner.client.setSetting(region, 'branding', { displayName: 'Acme Region' });
    await lockSetting(orgraph, owner, region, 'branding');
    await owner.client.setSetting(office, 'x-flags', ['a', 'b']);
  });

  test('effectiveSettings without keys: every key, with provenance and locks', async () => {
    const settings = await owner.client.effectiveSettings(office);
    const byKey = Object.fromEntries(settings.map((s) => [s.key, s]));
    assert.deepEqual(Object.keys(byKey).toSorted(), ['address', 'branding', 'x-flags']);
    assert.deepEqual(byKey.address, {
      key: 'address',
      value: { city: 'Munich', country: 'DE' },
      strategy: 'MERGE',
      sourceIds: [region, office],
      locked: false,
      lockedById: null,
    });
    assert.deepEqual(byKey.branding, {
      key: 'branding',
      value: { displayName: 'Acme Region' },
      strategy: 'MERGE',
      sourceIds: [region],
      locked: true,
      lockedById: region,
    });
    assert.deepEqual(byKey['x-flags'], {
      key: 'x-flags',
      value: ['a', 'b'],
      strategy: 'REPLACE',
      sourceIds: [office],
      locked: false,
      lockedById: null,
    });
  });

  test('effectiveSettings with keys: only those', async () => {
    const settings = await owner.client.effectiveSettings(office, ['address']);
    assert.deepEqual(
      settings.map((s) => s.key),
      ['address'],
    );
    assert.deepEqual(await owner.client.effectiveSettings(office, ['workingHours']), []);
    await assert.rejects(owner.client.effectiveSettings(office, ['no-such-key']), { code: 'BAD_USER_INPUT' });
  });

  test('setSetting answers the definition, and inherit: false blocks what is above', async () => {
    const inherited = await owner.client.setSetting(office, 'x-tier', { level: 'gold' });
    assert.equal(inherited.key, 'x-tier');
    assert.deepEqual(inherited.value, { level: 'gold' });
    assert.equal(inherited.inherit, true);
    assert.ok(!Number.isNaN(Date.parse(inherited.updatedAt)));

    const blocking = await owner.client.setSetting(office, 'address', { line1: 'Isarweg 1' }, { inherit: false });
    assert.equal(blocking.inherit, false);
    assert.deepEqual(blocking.value, { line1: 'Isarweg 1' });
    const [address] = await owner.client.effectiveSettings(office, ['address']);
    assert.deepEqual(address.value, { line1: 'Isarweg 1' });
    assert.deepEqual(address.sourceIds, [office]);

    // Below a lock it is refused.
    await assert.rejects(owner.client.setSetting(office, 'branding', { displayName: 'Rogue' }), {
      name: 'OrgraphError',
      code: 'FORBIDDEN',
    });
    // An invalid value is the server's BAD_USER_INPUT.
    await assert.rejects(owner.client.setSetting(office, 'address', { country: 'Germany' }), {
      code: 'BAD_USER_INPUT',
    });
  });

  test('clearSetting is true when there was a definition, then false; inheritance comes back', async () => {
    await owner.client.setSetting(office, 'address', { city: 'Hamburg' });
    assert.equal(await owner.client.clearSetting(office, 'address'), true);
    assert.equal(await owner.client.clearSetting(office, 'address'), false);
    const [address] = await owner.client.effectiveSettings(office, ['address']);
    assert.deepEqual(address.value, { city: 'Berlin', country: 'DE' });
    assert.deepEqual(address.sourceIds, [region]);
  });
});

describe('permissions', () => {
  test('can: true where the caller holds the permission, false elsewhere', async () => {
    assert.equal(await owner.client.can(root, 'settings:manage'), true);
    assert.equal(await owner.client.can(branches[0].id, 'members:read'), true);
    assert.equal(await outsider.client.can(root, 'organization:read'), false);
    assert.equal(await owner.client.can(otherRoot, 'organization:read'), false);
  });

  test('a member without a grant holds nothing', async () => {
    const member = await person(orgraph, 'plain-member@client.test');
    await inviteMember(orgraph, owner, branches[1].id, member.email);
    assert.equal(await member.client.can(branches[1].id, 'organization:read'), false);
  });

  test('checkPermissions answers every check, in order', async () => {
    const checks = [
      { organizationId: root, permission: 'audit:read' },
      { organizationId: otherRoot, permission: 'audit:read' },
      { organizationId: branches[3].id, permission: 'members:manage' },
    ];
    const answers = await owner.client.checkPermissions(checks);
    assert.deepEqual(answers, [
      { organizationId: root, permission: 'audit:read', applicationId: null, allowed: true },
      { organizationId: otherRoot, permission: 'audit:read', applicationId: null, allowed: false },
      { organizationId: branches[3].id, permission: 'members:manage', applicationId: null, allowed: true },
    ]);
    assert.deepEqual(await owner.client.checkPermissions([]), []);
  });
});

describe('members', () => {
  let team;
  let sub;
  /** Invited member ids by email, and the statuses the test sets. */
  const statuses = new Map();
  let developer;

  before(async () => {
    team = await orgraph.addSubOrganization(owner.token, root, 'Members Team');
    sub = await orgraph.addSubOrganization(owner.token, team, 'Members Sub');
    const plan = [
      ['m1@client.test', 'INVITED'],
      ['m2@client.test', 'SUSPENDED'],
      ['m3@client.test', 'ACTIVE'],
      ['m4@client.test', 'SUSPENDED'],
      ['m5@client.test', 'REMOVED'],
    ];
    for (const [email, status] of plan) {
      const member = await inviteMember(orgraph, owner, team, email);
      if (status !== 'INVITED') await setMemberStatus(orgraph, owner, team, member.user.id, status);
      statuses.set(member.id, { email, status });
    }
    developer = await inviteMember(orgraph, owner, team, 'dev@client.test', 'DEVELOPER');
    statuses.set(developer.id, { email: 'dev@client.test', status: 'INVITED' });
    await inviteMember(orgraph, owner, sub, 'below@client.test');
  });

  /** The member ids of a raw one-page listing, in the server's order. */
  async function rawMemberIds(id, args = '') {
    const data = await gqlData(
      orgraph,
      owner.token,
      `query($id: ID!) { organization(id: $id) { members(first: 100${args}) { edges { node { id } } } } }`,
      { id },
    );
    return data.organization.members.edges.map((e) => e.node.id);
  }

  test('iterate over every page, each member exactly once, in the server order', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    const members = await collect(client.members(team, {}, { pageSize: 2 }));
    assert.equal(fetcher.calls.length, 3);
    assert.deepEqual(
      members.map((m) => m.id),
      await rawMemberIds(team),
    );
    assert.deepEqual(new Set(members.map((m) => m.id)), new Set(statuses.keys()));
    for (const m of members) {
      assert.equal(m.status, statuses.get(m.id).status);
      assert.equal(m.user.email, statuses.get(m.id).email);
      assert.deepEqual(m.organization, { id: team });
      assert.equal(m.onboardingSource, 'MANUAL');
      assert.equal(m.externalId, null);
    }
  });

  test('filter by status', async () => {
    const suspended = await collect(owner.client.members(team, { status: 'SUSPENDED' }, { pageSize: 1 }));
    assert.deepEqual(suspended.map((m) => m.user.email).toSorted(), ['m2@client.test', 'm4@client.test']);
    const removed = await collect(owner.client.members(team, { status: 'REMOVED' }));
    assert.deepEqual(
      removed.map((m) => m.user.email),
      ['m5@client.test'],
    );
  });

  test('filter by role, and effective permissions come with the member', async () => {
    const developers = await collect(owner.client.members(team, { role: 'DEVELOPER' }));
    assert.deepEqual(
      developers.map((m) => m.id),
      [developer.id],
    );
    assert.ok(developers[0].effectivePermissions.length > 0);
  });

  test('includeSubOrganizations covers the subtree', async () => {
    const all = await collect(owner.client.members(team, { includeSubOrganizations: true }, { pageSize: 4 }));
    assert.equal(all.length, statuses.size + 1);
    assert.deepEqual(
      all.map((m) => m.id),
      await rawMemberIds(team, ', includeSubOrganizations: true'),
    );
    assert.ok(all.some((m) => m.user.email === 'below@client.test' && m.organization.id === sub));
  });
});

describe('structure', () => {
  test('addSubOrganization answers the new organization', async () => {
    const org = await owner.client.addSubOrganization({ parentId: branches[0].id, name: 'Mixed Unit', kind: 'MIXED' });
    assert.equal(org.name, 'Mixed Unit');
    assert.equal(org.kind, 'MIXED');
    assert.equal(org.depth, 2);
    assert.deepEqual(org.parent, { id: branches[0].id });
    assert.deepEqual(await owner.client.organization(org.id), org);
    // A sibling with the same name (case-insensitive) is refused.
    await assert.rejects(owner.client.addSubOrganization({ parentId: branches[0].id, name: 'mixed unit' }), {
      name: 'OrgraphError',
      code: 'CONFLICT',
    });
  });

  test('moveOrganization re-parents with the subtree', async () => {
    const mover = await owner.client.addSubOrganization({ parentId: branches[4].id, name: 'Mover' });
    const child = await owner.client.addSubOrganization({ parentId: mover.id, name: 'Mover Child' });
    const moved = await owner.client.moveOrganization(mover.id, branches[5].id);
    assert.equal(moved.id, mover.id);
    assert.deepEqual(moved.parent, { id: branches[5].id });
    assert.equal(moved.depth, 2);
    assert.deepEqual(
      (await owner.client.ancestors(child.id)).map((a) => a.id),
      [root, branches[5].id, mover.id],
    );
    assert.equal((await owner.client.organization(child.id)).depth, 3);
    // Under its own child: refused.
    await assert.rejects(owner.client.moveOrganization(mover.id, child.id), (error) => {
      assert.ok(OrgraphError.is(error));
      assert.ok(['BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN'].includes(error.code), error.code);
      return true;
    });
  });
});

describe('query, mutate and execute', () => {
  const NAME = 'query($id: ID!) { organization(id: $id) { name } }';

  test('query answers data', async () => {
    assert.deepEqual(await owner.client.query(NAME, { id: root }), { organization: { name: 'Acme' } });
  });

  test('execute answers the raw response, errors included, without rejecting', async () => {
    const missing = randomUUID();
    const raw = await owner.client.execute(NAME, { id: missing });
    assert.equal(raw.data, null);
    assert.equal(raw.errors.length, 1);
    assert.equal(raw.errors[0].extensions.code, 'NOT_FOUND');
    assert.deepEqual(raw.errors[0].path, ['organization']);
    assert.deepEqual(await owner.client.execute(NAME, { id: root }), { data: { organization: { name: 'Acme' } } });
  });

  test('query rejects the same answer with an OrgraphError carrying the errors', async () => {
    const missing = randomUUID();
    const raw = await owner.client.execute(NAME, { id: missing });
    const error = await owner.client.query(NAME, { id: missing }).then(
      () => assert.fail('expected a rejection'),
      (e) => e,
    );
    assert.ok(error instanceof OrgraphError);
    assert.equal(error.name, 'OrgraphError');
    assert.equal(error.code, 'NOT_FOUND');
    assert.equal(error.status, 200);
    assert.deepEqual(error.graphQLErrors, raw.errors);
    assert.equal(error.message, raw.errors[0].message);
  });

  test('mutate runs mutations', async () => {
    const data = await owner.client.mutate(
      'mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { name depth } } }',
      { input: { parentId: branches[6].id, name: 'Via Mutate' } },
    );
    assert.deepEqual(data, { addSubOrganization: { organization: { name: 'Via Mutate', depth: 2 } } });
  });

  test('a typed document string (an object with toString) is a document', async () => {
    const document = { toString: () => NAME, __apiType: undefined };
    assert.deepEqual(await owner.client.query(document, { id: root }), { organization: { name: 'Acme' } });

    // graphql-codegen's client preset (documentMode: 'string') generates this class.
    class TypedDocumentString extends String {
      __apiType;
      constructor(value, __meta__) {
        super(value);
        this.value = value;
        this.__meta__ = __meta__;
      }
      toString() {
        return this.value;
      }
    }
    const typed = new TypedDocumentString(NAME, { hash: 'abc' });
    assert.deepEqual(await owner.client.query(typed, { id: branches[0].id }), {
      organization: { name: 'Branch 01' },
    });
    const raw = await owner.client.execute(typed, { id: root });
    assert.deepEqual(raw.data, { organization: { name: 'Acme' } });
  });

  test('the document sent is exactly the string given, with the variables', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: owner.token, fetch: fetcher });
    await client.query({ toString: () => NAME }, { id: root });
    assert.deepEqual(JSON.parse(fetcher.calls[0].body), { query: NAME, variables: { id: root } });
  });
});

describe('request options', () => {
  test('tokenProvider is called before every request', async () => {
    const calls = [];
    const tokens = [owner.token, outsider.token, owner.token];
    const client = new OrgraphClient({
      endpoint: orgraph.url,
      tokenProvider: async () => {
        calls.push(Date.now());
        return tokens[calls.length - 1];
      },
    });
    assert.equal((await client.organization(root)).name, 'Acme');
    // The second request carries the outsider's token: Acme is invisible to them.
    assert.equal(await client.organization(root), null);
    assert.equal((await client.organization(root)).name, 'Acme');
    assert.equal(calls.length, 3);
  });

  test('tokenProvider is called for every page of an iterator, and may be synchronous', async () => {
    let calls = 0;
    const client = new OrgraphClient({
      endpoint: orgraph.url,
      tokenProvider: () => {
        calls += 1;
        return owner.token;
      },
    });
    const labs = await collect(client.children(branches[2].id, { pageSize: 1 }));
    assert.deepEqual(
      labs.map((l) => l.name),
      ['Lab A', 'Lab B'],
    );
    assert.equal(calls, 2);
  });

  test('custom headers reach the server, per client and per request', async () => {
    const proxy = await startRecordingProxy(orgraph.base);
    try {
      const client = new OrgraphClient({
        endpoint: `${proxy.origin}/graphql`,
        accessToken: owner.token,
        headers: { 'x-tenant': 'acme', 'x-trace': 'client' },
      });
      assert.equal((await client.organization(root)).name, 'Acme');
      await client.query('{ viewer { email } }', {}, { headers: { 'x-trace': 'request', 'x-request-id': 'r-1' } });
      const [first, second] = proxy.requests;
      assert.equal(first.method, 'POST');
      assert.equal(first.url, '/graphql');
      assert.equal(first.headers['x-tenant'], 'acme');
      assert.equal(first.headers['x-trace'], 'client');
      assert.equal(first.headers.authorization, `Bearer ${owner.token}`);
      assert.equal(first.headers['content-type'], 'application/json');
      assert.equal(second.headers['x-tenant'], 'acme');
      assert.equal(second.headers['x-trace'], 'request');
      assert.equal(second.headers['x-request-id'], 'r-1');
    } finally {
      await proxy.stop();
    }
  });

  test('tokens() is undefined without Connect', async () => {
    assert.equal(await owner.client.tokens(), undefined);
  });

  test('a client without a token sends no authorization and is UNAUTHENTICATED', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: orgraph.url, fetch: fetcher });
    await assert.rejects(client.query('{ viewer { email } }'), { code: 'UNAUTHENTICATED' });
    assert.equal(fetcher.calls[0].headers.get('authorization'), null);
  });

  test('a custom fetch is the one used', async () => {
    const fetcher = recordingFetch();
    const client = new OrgraphClient({ endpoint: new URL(orgraph.url), accessToken: owner.token, fetch: fetcher });
    assert.equal((await client.organization(root)).name, 'Acme');
    assert.equal(fetcher.calls.length, 1);
    assert.equal(fetcher.calls[0].url, orgraph.url);
    assert.equal(fetcher.calls[0].method, 'POST');

    // A fetch that never goes to the network: its answer is what the client sees.
    let asked;
    const canned = async (url, init) => {
      asked = { url: String(url), body: JSON.parse(init.body) };
      return new Response(JSON.stringify({ data: { organization: { id: 'x', name: 'From the fake' } } }), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const fake = new OrgraphClient({ endpoint: 'http://127.0.0.1:9/graphql', fetch: canned });
    assert.deepEqual(await fake.query('{ organization(id: "x") { id name } }'), {
      organization: { id: 'x', name: 'From the fake' },
    });
    assert.equal(asked.url, 'http://127.0.0.1:9/graphql');
    assert.equal(asked.body.query, '{ organization(id: "x") { id name } }');
  });
});
