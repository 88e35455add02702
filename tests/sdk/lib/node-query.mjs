// Run by node22.test.mjs under a given Node binary (not a test itself): imports the packed
// package by name, as an application does, runs one query and one fold, and prints what it saw
// as one line of JSON. Reads ORGRAPH_ENDPOINT, ORGRAPH_TOKEN and ORGRAPH_ORGANIZATION.

import { OrgraphClient, foldSettings, scopes } from '@orgraph/sdk';

const client = new OrgraphClient({
  endpoint: process.env.ORGRAPH_ENDPOINT,
  accessToken: process.env.ORGRAPH_TOKEN,
});
const organization = await client.organization(process.env.ORGRAPH_ORGANIZATION);
const [folded] = await foldSettings({
  organizations: [{ id: 'a', settings: [{ key: 'publicHolidays', value: [{ date: '2027-01-01', name: 'New Year' }] }] }],
});

console.log(
  JSON.stringify({
    node: process.version,
    entry: import.meta.resolve('@orgraph/sdk'),
    name: organization?.name ?? null,
    strategy: folded.effectiveSettings[0]?.strategy ?? null,
    scopes: (await scopes()).length,
  }),
);
