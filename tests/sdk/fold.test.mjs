// foldSettings (the server's fold, compiled into the SDK) agrees with the server's
// effectiveSettings on random trees: definitions of every known key and of custom keys, blocks
// (inherit: false) and locks. Then a preview: a change folded locally before it is written.
//
// Random but reproducible: FOLD_SEED=<n> replays a run (its seed is printed), FOLD_CASES=<n>
// sets how many trees (default 30).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';

import { OrgraphError, foldSettings } from '@orgraph/sdk';

import { SETTING_KEYS, SETTING_VALUES, prng } from './lib/random.mjs';
import { lockSetting, ownSettings, person, startOrgraph } from './lib/server.mjs';

const SEED = Number(process.env.FOLD_SEED ?? Math.floor(Math.random() * 2 ** 32));
const CASES = Number(process.env.FOLD_CASES ?? 30);

let orgraph;
let owner;
/** The trees built, by case: `{ random, root, organizations: [{ id, parentId, depth }] }`. */
const trees = [];

before(async () => {
  orgraph = await startOrgraph();
  owner = await person(orgraph, 'owner@fold.test');
});

after(async () => {
  await orgraph?.stop();
});

/** "seed S, case N" for every failure message: FOLD_SEED=S replays it. */
function where(index) {
  return `seed ${SEED}, case ${index} (replay with FOLD_SEED=${SEED})`;
}

/**
 * A tree of one network: a chain of 3–6 organizations, and now and then a side branch off one
 * of them. Returns the organizations, parents first.
 */
async function buildTree(random, index) {
  const rootId = await orgraph.addOrganization(owner.token, `Fold ${index}`);
  const organizations = [{ id: rootId, parentId: null, depth: 0 }];
  const length = random.int(3, 6);
  for (let depth = 1; depth < length; depth += 1) {
    const parent = organizations[organizations.length - 1];
    const created = await owner.client.addSubOrganization({ parentId: parent.id, name: `Level ${depth}` });
    organizations.push({ id: created.id, parentId: parent.id, depth });
  }
  if (random.chance(0.5)) {
    const parent = random.pick(organizations.slice(0, -1));
    const side = await owner.client.addSubOrganization({ parentId: parent.id, name: 'Side branch' });
    organizations.push({ id: side.id, parentId: parent.id, depth: parent.depth + 1 });
  }
  return organizations;
}

/** The ids of `org`'s strict ancestors in `organizations`. */
function ancestorsOf(org, organizations) {
  const byId = new Map(organizations.map((o) => [o.id, o]));
  const ids = [];
  for (let at = byId.get(org.parentId); at; at = byId.get(at.parentId)) ids.push(at.id);
  return ids;
}

/** Random definitions (some blocking), then random locks, then a refused write below a lock. */
async function defineAndLock(random, organizations, index) {
  for (const org of organizations) {
    for (const key of SETTING_KEYS) {
      if (!random.chance(0.4)) continue;
      const value = SETTING_VALUES[key](random);
      const inherit = !random.chance(0.2);
      const written = await owner.client.setSetting(org.id, key, value, { inherit });
      assert.deepEqual(written.value, value, `${where(index)}: ${key} was stored as given`);
    }
  }
  const locks = [];
  for (const org of organizations) {
    for (const key of SETTING_KEYS) {
      if (!random.chance(0.08)) continue;
      assert.equal(await lockSetting(orgraph, owner, org.id, key), true, where(index));
      locks.push({ org, key });
    }
  }
  // Writing below a lock is refused and changes nothing.
  for (const { org, key } of locks) {
    const below = organizations.find((o) => ancestorsOf(o, organizations).includes(org.id));
    if (!below) continue;
    await assert.rejects(
      owner.client.setSetting(below.id, key, SETTING_VALUES[key](random)),
      (error) => OrgraphError.is(error) && error.code === 'FORBIDDEN',
      `${where(index)}: ${key} is locked above`,
    );
    break;
  }
  return locks;
}

/** Each organization's own definitions and locks, read from the server. */
function readOwn(organizations) {
  return Promise.all(organizations.map((org) => ownSettings(orgraph, owner, org.id)));
}

/** effectiveSettings of each organization, from the server. */
function serverFold(organizations, keys) {
  return Promise.all(organizations.map((org) => owner.client.effectiveSettings(org.id, keys)));
}

describe(`foldSettings agrees with the server (seed ${SEED})`, () => {
  before(async () => {
    for (let index = 0; index < CASES; index += 1) {
      const random = prng(SEED + index);
      const organizations = await buildTree(random, index);
      const locks = await defineAndLock(random, organizations, index);
      trees.push({ index, random, organizations, locks });
    }
  });

  test('every organization, every key', async (t) => {
    t.diagnostic(`seed ${SEED}, ${CASES} trees`);
    let compared = 0;
    let locked = 0;
    let blocked = 0;
    for (const { index, random, organizations } of trees) {
      const own = await readOwn(organizations);
      // The input in any order: the fold follows parents, and answers in input order.
      const input = random.shuffle(own);
      const folded = await foldSettings({ organizations: input });
      assert.deepEqual(
        folded.map((f) => f.organizationId),
        input.map((o) => o.id),
        where(index),
      );
      const expected = await serverFold(input);
      for (const [i, org] of input.entries()) {
        assert.deepEqual(
          folded[i].effectiveSettings,
          expected[i],
          `${where(index)}: organization ${org.id} (input ${JSON.stringify(input)})`,
        );
        compared += expected[i].length;
        locked += expected[i].filter((s) => s.locked).length;
      }
      blocked += own.flatMap((o) => o.settings).filter((s) => !s.inherit).length;
    }
    t.diagnostic(`${compared} effective settings compared (${locked} locked), ${blocked} blocking definitions`);
    assert.ok(compared > CASES, 'the trees define something');
    if (CASES >= 10) {
      assert.ok(locked > 0, `${where('*')}: some lock applied`);
      assert.ok(blocked > 0, `${where('*')}: some definition blocked`);
    }
  });

  test('with keys: only those, as the server answers them', async () => {
    for (const { index, random, organizations } of trees) {
      const own = await readOwn(organizations);
      const keys = random.some(SETTING_KEYS, random.int(1, 4));
      const folded = await foldSettings({ organizations: own, keys });
      const expected = await serverFold(own, keys);
      assert.deepEqual(
        folded.map((f) => f.effectiveSettings),
        expected,
        `${where(index)}: keys ${keys.join(', ')}`,
      );
    }
  });

  test('a parent left out ends the chain there', async () => {
    const { index, organizations } = trees.find((tree) => tree.organizations.length >= 3);
    const own = await readOwn(organizations);
    const [, ...withoutRoot] = own;
    const folded = await foldSettings({ organizations: withoutRoot });
    // Folding without the root equals folding with a root that defines and locks nothing.
    const emptyRoot = { ...own[0], settings: [], settingLocks: [] };
    const reference = await foldSettings({ organizations: [emptyRoot, ...withoutRoot] });
    assert.deepEqual(folded, reference.slice(1), where(index));
  });
});

describe('a preview agrees with the write', () => {
  test('change one value in the input, fold, write it, compare', async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = prng(SEED ^ 0x5eed);
    let previews = 0;
    for (const { index, organizations, locks } of trees.slice(0, 10)) {
      const own = await readOwn(organizations);
      // An organization and a key the server will accept: no lock on the key strictly above.
      const candidates = organizations.flatMap((org) =>
        SETTING_KEYS.filter(
          (key) => !locks.some((lock) => lock.key === key && ancestorsOf(org, organizations).includes(lock.org.id)),
        ).map((key) => ({ org, key })),
      );
      const { org, key } = random.pick(candidates);
      const value = SETTING_VALUES[key](random);
      const inherit = random.chance(0.8);

      const before = await foldSettings({ organizations: own });
      const edited = own.map((o) =>
        o.id === org.id
          ? { ...o, settings: [...o.settings.filter((s) => s.key !== key), { key, value, inherit }] }
          : o,
      );
      const preview = await foldSettings({ organizations: edited });

      await owner.client.setSetting(org.id, key, value, { inherit });
      const after = await serverFold(edited);
      assert.deepEqual(
        preview.map((p) => p.effectiveSettings),
        after,
        `${where(index)}: ${key} = ${JSON.stringify(value)} (inherit ${inherit}) on ${org.id}`,
      );
      // The preview saw the change where the server did.
      const changed = before.some((b, i) => !isDeepStrictEqual(b, preview[i]));
      const serverChanged = before.some((b, i) => !isDeepStrictEqual(b.effectiveSettings, after[i]));
      assert.equal(changed, serverChanged, where(index));
      if (changed) previews += 1;
    }
    t.diagnostic(`${previews} of 10 previews changed something`);
  });

  test('a preview of a value the server would refuse still folds, and the write is refused', async () => {
    const { index, organizations } = trees[0];
    const own = await readOwn(organizations);
    const [first] = own;
    // The fold does not validate values; the server does.
    const edited = [{ ...first, settings: [{ key: 'timeGrid', value: { slotMinutes: 0 }, inherit: true }] }];
    const [preview] = await foldSettings({ organizations: edited });
    assert.deepEqual(preview.effectiveSettings[0].value, { slotMinutes: 0 }, where(index));
    await assert.rejects(owner.client.setSetting(first.id, 'timeGrid', { slotMinutes: 0 }), { code: 'BAD_USER_INPUT' });
  });
});

describe('unusual JSON', () => {
  test('values with nulls, floats, big integers, unicode and special keys fold as the server answers', async () => {
    const root = await orgraph.addOrganization(owner.token, 'Fold odd values');
    const branch = await owner.client.addSubOrganization({ parentId: root, name: 'Odd branch' });
    // Parsed from text, as a server answer is: "__proto__" and "constructor" are own keys.
    const above = JSON.parse(
      '{"n": null, "f": 1.5, "big": 12345678901234, "neg": -0.25, "e": 1e21, "u": "ünï 😀",' +
        ' "deep": {"a": {"b": [1, {"c": null}]}}, "constructor": "x", "__proto__": {"polluted": true}}',
    );
    const below = JSON.parse('{"f": 2, "deep": {"a": {"z": true}}, "__proto__": {"also": 1}}');
    await owner.client.setSetting(root, 'x-odd', above);
    await owner.client.setSetting(branch.id, 'x-odd', below);
    const own = await readOwn([{ id: root }, { id: branch.id }]);
    const folded = await foldSettings({ organizations: own });
    const expected = await serverFold(own);
    assert.ok(Object.hasOwn(expected[1][0].value, '__proto__'), 'the server answers "__proto__" as a key');
    for (const [i, answer] of folded.entries()) {
      const [setting] = answer.effectiveSettings;
      assert.equal(Object.getPrototypeOf(setting.value), Object.prototype, 'a plain object');
      assert.equal(setting.value.polluted, undefined, 'no inherited property from the data');
      assert.deepEqual(answer.effectiveSettings, expected[i]);
    }
  });
});

describe('foldSettings arguments', () => {
  test('an unknown key is BAD_USER_INPUT; malformed input INVALID_ARGUMENT', async () => {
    await assert.rejects(foldSettings({ organizations: [], keys: ['colour'] }), {
      name: 'OrgraphError',
      code: 'BAD_USER_INPUT',
    });
    const invalid = { name: 'OrgraphError', code: 'INVALID_ARGUMENT' };
    await assert.rejects(foldSettings({}), invalid);
    await assert.rejects(foldSettings({ organizations: [{ parentId: null }] }), invalid);
    await assert.rejects(foldSettings({ organizations: [{ id: 'a' }, { id: 'a' }] }), invalid);
    await assert.rejects(
      foldSettings({ organizations: [{ id: 'a', parentId: 'b' }, { id: 'b', parentId: 'a' }] }),
      invalid,
    );
  });

  test('parentId and parent { id } and plain lock keys are all understood', async () => {
    const answer = await foldSettings({
      organizations: [
        { id: 'hq', parentId: null, settings: [{ key: 'x-n', value: { a: 1 } }], settingLocks: ['x-l'] },
        { id: 'b', parent: { id: 'hq' }, settings: [{ key: 'x-n', value: { b: 2 } }, { key: 'x-l', value: 'no' }] },
      ],
    });
    assert.deepEqual(answer[1], {
      organizationId: 'b',
      effectiveSettings: [
        { key: 'x-n', value: { a: 1, b: 2 }, strategy: 'MERGE', sourceIds: ['hq', 'b'], locked: false, lockedById: null },
      ],
    });
  });
});
