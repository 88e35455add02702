// The GraphQL documents of the typed helpers.

const ORGANIZATION = 'id networkId name kind depth isRoot createdAt updatedAt parent { id }';
const PAGE = 'pageInfo { hasNextPage endCursor }';

export const ORGANIZATION_BY_ID = `query OrgraphOrganization($id: ID!) {
  organization(id: $id) { ${ORGANIZATION} }
}`;

export const CHILDREN = `query OrgraphChildren($id: ID!, $first: Int, $after: String) {
  organization(id: $id) { children(first: $first, after: $after) { edges { node { ${ORGANIZATION} } } ${PAGE} } }
}`;

export const DESCENDANTS = `query OrgraphDescendants($id: ID!, $first: Int, $after: String, $maxDepth: Int) {
  organization(id: $id) {
    descendants(first: $first, after: $after, maxDepth: $maxDepth) { edges { node { ${ORGANIZATION} } } ${PAGE} }
  }
}`;

export const ANCESTORS = `query OrgraphAncestors($id: ID!) {
  organization(id: $id) { ancestors { ${ORGANIZATION} } }
}`;

export const EFFECTIVE_SETTINGS = `query OrgraphEffectiveSettings($id: ID!, $keys: [String!]) {
  organization(id: $id) {
    effectiveSettings(keys: $keys) { key value strategy locked sources { id } lockedBy { id } }
  }
}`;

export const CAN = `query OrgraphCan($organizationId: ID!, $permission: String!, $applicationId: ID) {
  can(organizationId: $organizationId, permission: $permission, applicationId: $applicationId)
}`;

export const CHECK_PERMISSIONS = `query OrgraphCheckPermissions($checks: [PermissionCheckInput!]!) {
  checkPermissions(checks: $checks) { organizationId permission applicationId allowed }
}`;

export const MEMBERS = `query OrgraphMembers($id: ID!, $first: Int, $after: String, $status: MemberStatus,
    $role: String, $includeSubOrganizations: Boolean!) {
  organization(id: $id) {
    members(first: $first, after: $after, status: $status, role: $role,
        includeSubOrganizations: $includeSubOrganizations) {
      edges { node { id status onboardingSource externalId effectivePermissions createdAt updatedAt
        user { id email name } organization { id } } }
      ${PAGE}
    }
  }
}`;

export const ADD_SUB_ORGANIZATION = `mutation OrgraphAddSubOrganization($input: AddSubOrganizationInput!) {
  addSubOrganization(input: $input) { organization { ${ORGANIZATION} } }
}`;

export const MOVE_ORGANIZATION = `mutation OrgraphMoveOrganization($input: MoveOrganizationInput!) {
  moveOrganization(input: $input) { organization { ${ORGANIZATION} } }
}`;

export const SET_SETTING = `mutation OrgraphSetSetting($input: SetSettingInput!) {
  setSetting(input: $input) { setting { key value inherit updatedAt } }
}`;

export const CLEAR_SETTING = `mutation OrgraphClearSetting($input: SettingKeyInput!) {
  clearSetting(input: $input) { cleared }
}`;
