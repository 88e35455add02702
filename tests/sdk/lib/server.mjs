// The real Orgraph server for the SDK's tests (the federation tests' starter: the debug binary on
// a loopback port, a fresh SQLite file), and the people and organizations the tests act as.

import { OrgraphClient } from '@orgraph/sdk';

import { startOrgraph } from '../../federation/lib/orgraph.mjs';

export { startOrgraph };

/** Raw GraphQL (not through the SDK) that must succeed: its `data`. */
export async function gqlData(orgraph, token, query, variables = {}) {
  const reply = await orgraph.gql(token, query, variables);
  if (reply.errors?.length) {
    throw new Error(`unexpected GraphQL errors: ${JSON.stringify(reply.errors)}`);
  }
  return reply.data;
}

/**
 * A person: their bearer token and an OrgraphClient calling with it (`clientOptions` are
 * added to the client's options, e.g. `fetch` or `headers`).
 */
export async function person(orgraph, email, clientOptions = {}) {
  const token = await orgraph.token(email);
  const client = new OrgraphClient({ endpoint: orgraph.url, accessToken: token, ...clientOptions });
  return { email, token, client };
}

/** A new network whose root `owner` founds (so administers): the root's id. */
export function addNetwork(orgraph, owner, name) {
  return orgraph.addOrganization(owner.token, name);
}

const INVITE_MEMBER = `mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { member { id status user { id email } } }
}`;
const UPDATE_MEMBER_STATUS = `mutation($input: UpdateMemberStatusInput!) {
  updateMemberStatus(input: $input) { member { id status } }
}`;

/** Invites `email` to the organization (an INVITED member): `{ id, status, user }`. */
export async function inviteMember(orgraph, owner, organizationId, email, role) {
  const input = { organizationId, email, ...(role ? { role } : {}) };
  return (await gqlData(orgraph, owner.token, INVITE_MEMBER, { input })).inviteMember.member;
}

export async function setMemberStatus(orgraph, owner, organizationId, userId, status) {
  const input = { organizationId, userId, status };
  return (await gqlData(orgraph, owner.token, UPDATE_MEMBER_STATUS, { input })).updateMemberStatus.member;
}

const LOCK_SETTING = `mutation($input: SettingKeyInput!) { lockSetting(input: $input) { changed } }`;

export async function lockSetting(orgraph, owner, organizationId, key) {
  return (await gqlData(orgraph, owner.token, LOCK_SETTING, { input: { organizationId, key } })).lockSetting.changed;
}

const OWN_SETTINGS = `query($id: ID!) {
  organization(id: $id) { id parent { id } settings { key value inherit } settingLocks { key } }
}`;

/** What an organization defines and locks itself, with its parent: foldSettings' input shape. */
export async function ownSettings(orgraph, owner, id) {
  return (await gqlData(orgraph, owner.token, OWN_SETTINGS, { id })).organization;
}
