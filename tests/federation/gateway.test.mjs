// A real gateway (@apollo/gateway + @apollo/server) in front of the Orgraph binary and a
// bookings subgraph, all on loopback ports: a query that crosses them, with the caller's
// Authorization header forwarded to Orgraph and enforced there.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startBookings } from './lib/bookings.mjs';
import { startGateway } from './lib/gateway.mjs';
import { ok, post, startOrgraph } from './lib/orgraph.mjs';

const BOOKINGS_WITH_ORGANIZATIONS = `{
  bookings {
    id
    title
    organization {
      id
      name
      ancestors { name }
      effectiveSettings(keys: ["branding", "timeGrid"]) { key value sources { name } }
    }
  }
}`;

describe('Orgraph behind @apollo/gateway', () => {
  let orgraph;
  let bookings;
  let gateway;
  let ada;
  let bob;
  const ids = {};

  before(async () => {
    orgraph = await startOrgraph();
    ada = await orgraph.token('ada@example.com');
    bob = await orgraph.token('bob@example.com');

    ids.hq = await orgraph.addOrganization(ada, 'Acme HQ');
    ids.europe = await orgraph.addSubOrganization(ada, ids.hq, 'Europe');
    ids.berlin = await orgraph.addSubOrganization(ada, ids.europe, 'Berlin');
    await orgraph.setSetting(ada, ids.hq, 'branding', { displayName: 'Acme', primaryColor: '#112233' });
    await orgraph.setSetting(ada, ids.europe, 'timeGrid', { slotMinutes: 30 });
    await orgraph.setSetting(ada, ids.berlin, 'timeGrid', { slotMinutes: 15, timeZone: 'Europe/Berlin' });
    await orgraph.setSetting(ada, ids.berlin, 'branding', { displayName: 'Acme Berlin' });
    ids.bikes = await orgraph.addOrganization(bob, 'Bob Bikes');

    bookings = await startBookings([
      { id: 'b1', title: 'Quarterly review', organizationId: ids.berlin },
      { id: 'b2', title: 'Bike fitting', organizationId: ids.bikes },
    ]);
    gateway = await startGateway([
      { name: 'orgraph', url: orgraph.url },
      { name: 'bookings', url: bookings.url },
    ]);
  });

  after(async () => {
    await gateway?.stop();
    await bookings?.stop();
    await orgraph?.stop();
  });

  const viaGateway = (token, query, variables) => post(gateway.url, { token, query, variables });

  test('a booking → its organization → ancestors and effective settings from Orgraph', async () => {
    const data = ok(await viaGateway(ada, BOOKINGS_WITH_ORGANIZATIONS));
    const [review, fitting] = data.bookings;
    assert.equal(review.title, 'Quarterly review');
    assert.equal(review.organization.id, ids.berlin);
    assert.equal(review.organization.name, 'Berlin');
    assert.deepEqual(review.organization.ancestors, [{ name: 'Acme HQ' }, { name: 'Europe' }]);
    const settings = Object.fromEntries(review.organization.effectiveSettings.map((s) => [s.key, s]));
    assert.deepEqual(settings.branding.value, { displayName: 'Acme Berlin', primaryColor: '#112233' });
    assert.deepEqual(settings.branding.sources, [{ name: 'Acme HQ' }, { name: 'Berlin' }]);
    assert.deepEqual(settings.timeGrid.value, { slotMinutes: 15, timeZone: 'Europe/Berlin' });
    assert.deepEqual(settings.timeGrid.sources, [{ name: 'Europe' }, { name: 'Berlin' }]);
    // Bob's organization is not Ada's to see.
    assert.equal(fitting.title, 'Bike fitting');
    assert.equal(fitting.organization, null);
  });

  test('the other way: an Orgraph organization → its bookings from the bookings subgraph', async () => {
    const data = ok(
      await viaGateway(ada, 'query($id: ID!) { organization(id: $id) { name bookings { title } } }', {
        id: ids.berlin,
      }),
    );
    assert.deepEqual(data.organization, { name: 'Berlin', bookings: [{ title: 'Quarterly review' }] });
  });

  test('a caller without rights gets no Orgraph data through the gateway', async () => {
    const reply = await viaGateway(bob, BOOKINGS_WITH_ORGANIZATIONS);
    const data = ok(reply);
    const review = data.bookings.find((b) => b.id === 'b1');
    assert.equal(review.organization, null, 'as if it did not exist');
    assert.equal(data.bookings.find((b) => b.id === 'b2').organization.name, 'Bob Bikes');
    const text = JSON.stringify(reply);
    for (const secret of [ids.hq, ids.europe, 'Acme', 'Europe', 'Berlin', 'slotMinutes']) {
      assert.ok(!text.includes(secret), `nothing of Ada's network leaks (${secret})`);
    }

    // Asking Orgraph directly through the gateway: NOT_FOUND, exactly as for an unknown id.
    const direct = await viaGateway(bob, 'query($id: ID!) { organization(id: $id) { name } }', {
      id: ids.berlin,
    });
    assert.equal(direct.data?.organization ?? null, null);
    assert.equal(direct.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.ok(!JSON.stringify(direct).includes('Berlin'));
  });

  test('no token: errors from Orgraph, no Orgraph data', async () => {
    const reply = await viaGateway(undefined, BOOKINGS_WITH_ORGANIZATIONS);
    assert.ok(reply.errors?.length, 'errors');
    assert.ok(
      reply.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
      JSON.stringify(reply.errors),
    );
    for (const booking of reply.data?.bookings ?? []) {
      assert.equal(booking.organization, null);
    }
    assert.ok(!JSON.stringify(reply).includes('Berlin'));

    const direct = await viaGateway(undefined, '{ organizations(first: 5) { totalCount } }');
    assert.equal(direct.data?.organizations ?? null, null);
    assert.equal(direct.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  test('a forged token: errors, no Orgraph data', async () => {
    const forged = `${ada.slice(0, -4)}AAAA`;
    const reply = await viaGateway(forged, BOOKINGS_WITH_ORGANIZATIONS);
    assert.ok(reply.errors?.length, 'errors');
    assert.equal(reply.errors[0].extensions?.code, 'UNAUTHENTICATED');
    assert.ok(!JSON.stringify(reply).includes('Berlin'));
  });
});
