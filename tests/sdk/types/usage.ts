// A TypeScript program using @orgraph/sdk as an integrator writes one: documents typed by
// graphql-codegen's client preset (`documentMode: 'string'`), the typed helpers, Connect, and
// the errors. It is only type-checked (`tsc -p tests/sdk/types`, see types.test.mjs), never run.
//
// Every `@ts-expect-error` names the error TypeScript must give on the line below it (TSnnnn):
// types.test.mjs removes the directives from a copy and checks that exactly those errors appear
// there, so each line proves the SDK's types refuse that mistake for the reason stated.

import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import {
  OrgraphClient,
  OrgraphError,
  completeConnect,
  foldSettings,
  scopes,
  startConnect,
  type Organization,
  type OrgraphErrorCode,
  type Scope,
  type StoredTokens,
} from '@orgraph/sdk';

// --- What graphql-codegen's client preset generates (gql/graphql.ts) ---------------------------

export type Maybe<T> = T | null;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type Scalars = {
  ID: { input: string; output: string };
  String: { input: string; output: string };
  Boolean: { input: boolean; output: boolean };
  Int: { input: number; output: number };
};

export type OrganizationNameQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;

export type OrganizationNameQuery = {
  __typename?: 'Query';
  organization?: {
    __typename?: 'Organization';
    id: string;
    name: string;
    depth: number;
    parent?: { __typename?: 'Organization'; id: string } | null;
  } | null;
};

export type AddBranchMutationVariables = Exact<{
  parentId: Scalars['ID']['input'];
  name: Scalars['String']['input'];
}>;

export type AddBranchMutation = {
  __typename?: 'Mutation';
  addSubOrganization: { __typename?: 'AddSubOrganizationPayload'; organization: { __typename?: 'Organization'; id: string } };
};

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const OrganizationNameDocument = new TypedDocumentString(`
    query OrganizationName($id: ID!) {
  organization(id: $id) {
    id
    name
    depth
    parent {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<OrganizationNameQuery, OrganizationNameQueryVariables>;

export const AddBranchDocument = new TypedDocumentString(`
    mutation AddBranch($parentId: ID!, $name: String!) {
  addSubOrganization(input: {parentId: $parentId, name: $name}) {
    organization {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<AddBranchMutation, AddBranchMutationVariables>;

// --- The integrator's code -----------------------------------------------------------------

const endpoint = 'http://127.0.0.1:8080/graphql';

export async function organizationName(accessToken: string, id: string): Promise<string | undefined> {
  using client = new OrgraphClient({ endpoint, accessToken });

  // The result's type comes from the document.
  const result = await client.query(OrganizationNameDocument, { id });
  const name: string | undefined = result.organization?.name;
  const depth: number | undefined = result.organization?.depth;
  const parentId: string | undefined = result.organization?.parent?.id;
  void depth;
  void parentId;

  // @ts-expect-error TS2322 a number where the ID (a string) belongs
  await client.query(OrganizationNameDocument, { id: 42 });
  // @ts-expect-error TS2353 a variable the document does not declare
  await client.query(OrganizationNameDocument, { id, includeDeleted: true });
  // @ts-expect-error TS2345 a required variable left out
  await client.query(OrganizationNameDocument, {});
  // @ts-expect-error TS2339 a field the document does not select (a typo of `name`)
  void result.organization?.nmae;
  // @ts-expect-error TS2339 a field of Organization this document did not ask for
  void result.organization?.networkId;

  const added = await client.mutate(AddBranchDocument, { parentId: id, name: 'Lyon' });
  const branchId: string = added.addSubOrganization.organization.id;
  void branchId;
  // @ts-expect-error TS2353 the mutation's variables are not the query's
  await client.mutate(AddBranchDocument, { id });

  // A plain string document: the caller says what comes back.
  const raw = await client.query<{ organization: { name: string } | null }, { id: string }>(
    'query($id: ID!) { organization(id: $id) { name } }',
    { id },
  );
  void raw.organization?.name;

  return name;
}

export async function helpers(client: OrgraphClient, id: string): Promise<void> {
  const organization: Organization | null = await client.organization(id);
  void organization?.kind;
  for await (const child of client.children(id, { pageSize: 50 })) {
    const childName: string = child.name;
    void childName;
  }

  const allowed: boolean = await client.can(id, 'settings:manage');
  void allowed;
  // @ts-expect-error TS2345 a permission that is not one of Orgraph's (Scope)
  await client.can(id, 'settings:write');
  // @ts-expect-error TS2322 a permission name in a batch check must be a Scope too
  await client.checkPermissions([{ organizationId: id, permission: 'organization:delete' }]);

  const everything: Scope[] = await scopes();
  void everything;
  const folded = await foldSettings({ organizations: [{ id, parentId: null, settings: [{ key: 'theme', value: { dark: true } }] }] });
  void folded[0]?.effectiveSettings[0]?.sourceIds;
}

export async function errors(client: OrgraphClient, id: string): Promise<string> {
  try {
    await client.organization(id);
    return 'ok';
  } catch (error) {
    if (!OrgraphError.is(error)) throw error;
    const code: OrgraphErrorCode = error.code;
    if (code === 'NOT_FOUND' || code === 'access_denied' || code === 'NETWORK_ERROR') return code;
    // @ts-expect-error TS2367 a code the server never answers with (it is NOT_FOUND)
    if (error.code === 'NOT_FOUNDD') return 'never';
    // @ts-expect-error TS2367 OAuth codes are lower case (access_denied)
    if (error.code === 'ACCESS_DENIED') return 'never';
    const status: number | undefined = error.status;
    return `${code} ${status ?? ''} ${error.graphQLErrors.map((e) => e.extensions?.code ?? '').join(',')}`;
  }
}

export async function connect(callbackUrl: string, saved: { state: string; codeVerifier: string }): Promise<StoredTokens> {
  const issuer = 'http://127.0.0.1:8080';
  const started = await startConnect({
    issuer,
    clientId: 'app',
    redirectUri: 'http://127.0.0.1:3000/callback',
    scopes: ['organization:read', 'members:read'],
    includeSubOrganizations: true,
  });
  void started.url;
  await startConnect({
    issuer,
    clientId: 'app',
    redirectUri: 'http://127.0.0.1:3000/callback',
    // @ts-expect-error TS2820 a scope that does not exist
    scopes: ['organization:write'],
  });
  const tokens = await completeConnect({
    issuer,
    clientId: 'app',
    redirectUri: 'http://127.0.0.1:3000/callback',
    callbackUrl,
    ...saved,
  });
  using client = new OrgraphClient({ endpoint: `${issuer}/graphql`, connect: { issuer, clientId: 'app', tokens } });
  void client;
  return tokens;
}
