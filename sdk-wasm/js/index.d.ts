/// <reference lib="esnext.disposable" />
// Types of @orgraph/sdk. The unions marked "generated" are written at build time from the
// Rust crate orgraph-rules, which the server uses too: they cannot drift from the server.

/** Orgraph's permissions, which are also Organization Connect's scopes (generated). */
export type Scope = /*@SCOPES@*/;

/** GraphQL `extensions.code` values the server answers with (generated). */
export type ErrorCode = /*@ERROR_CODES@*/;

/** OAuth `error` values the server answers with (generated). */
export type OAuthErrorCode = /*@OAUTH_ERROR_CODES@*/;

/** Codes the SDK raises itself. */
export type SdkErrorCode =
  | 'NETWORK_ERROR'
  | 'HTTP_ERROR'
  | 'GRAPHQL_ERROR'
  | 'INVALID_RESPONSE'
  | 'INVALID_ARGUMENT'
  | 'STATE_MISMATCH'
  | 'ISSUER_MISMATCH'
  | 'INIT_FAILED';

export type OrgraphErrorCode = ErrorCode | OAuthErrorCode | SdkErrorCode;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A document that carries its result and variables types, as graphql-codegen's
 * `TypedDocumentString` (client preset, `documentMode: 'string'`) and
 * `@graphql-typed-document-node/core`'s `DocumentTypeDecoration` do.
 */
export interface DocumentTypeDecoration<TResult, TVariables> {
  __apiType?: (variables: TVariables) => TResult;
}

export type Document<TResult = unknown, TVariables = Record<string, unknown>> =
  | string
  | (DocumentTypeDecoration<TResult, TVariables> & { toString(): string });

export interface GraphQLError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: { code?: ErrorCode; [key: string]: unknown };
}

export interface ExecutionResult<TData = unknown> {
  data?: TData | null;
  errors?: GraphQLError[];
  extensions?: Record<string, unknown>;
}

export declare class OrgraphError extends Error {
  readonly name: 'OrgraphError';
  /** The GraphQL `extensions.code`, the OAuth `error`, or one of the SDK's own codes. */
  readonly code: OrgraphErrorCode;
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;
  readonly graphQLErrors: GraphQLError[];
  readonly cause?: unknown;
  constructor(
    message: string,
    options?: { code?: OrgraphErrorCode; status?: number; graphQLErrors?: GraphQLError[]; cause?: unknown },
  );
  /** True for an OrgraphError, also one thrown by another copy of the package. */
  static is(error: unknown): error is OrgraphError;
}

/** Tokens of one authorization, as the token store keeps them. */
export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
  scope?: string;
  /** The customer organization the tokens act on. */
  organizationId?: string;
  includeSubOrganizations?: boolean;
}

/** Where a client keeps Connect tokens; `set` receives every rotation. */
export interface TokenStore {
  get?(): Promise<StoredTokens | undefined> | StoredTokens | undefined;
  set(tokens: StoredTokens): Promise<void> | void;
}

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface ConnectClientOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The tokens to start from; or leave out and give `tokenStore.get`. */
  tokens?: StoredTokens;
  tokenStore?: TokenStore;
}

export interface OrgraphClientOptions {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:8080/graphql`. */
  endpoint: string | URL;
  accessToken?: string;
  /** Called before every request; return the current bearer token. */
  tokenProvider?: () => string | undefined | Promise<string | undefined>;
  /** Acting for a customer through Organization Connect: tokens refresh by themselves. */
  connect?: ConnectClientOptions;
  fetch?: FetchFunction;
  headers?: Record<string, string>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface PageOptions extends RequestOptions {
  /** Items per request (default 100). */
  pageSize?: number;
}

export type OrganizationKind = 'CUSTOMER' | 'INTEGRATOR' | 'MIXED';
export type MergeStrategy = 'REPLACE' | 'MERGE' | 'APPEND';
export type MemberStatus = 'INVITED' | 'ACTIVE' | 'SUSPENDED' | 'REMOVED';
export type OnboardingSource = 'MANUAL' | 'DIRECTORY' | 'DIRECTORY_GROUP';

export interface Organization {
  id: string;
  networkId: string;
  name: string;
  kind: OrganizationKind;
  depth: number;
  isRoot: boolean;
  createdAt: string;
  updatedAt: string;
  parent: { id: string } | null;
}

export interface EffectiveSetting {
  key: string;
  value: JsonValue;
  strategy: MergeStrategy;
  /** The organizations whose definitions made the value, nearest last. */
  sourceIds: string[];
  locked: boolean;
  /** The topmost organization locking the key. */
  lockedById: string | null;
}

export interface Member {
  id: string;
  status: MemberStatus;
  onboardingSource: OnboardingSource;
  externalId: string | null;
  effectivePermissions: Scope[];
  createdAt: string;
  updatedAt: string;
  user: { id: string; email: string | null; name: string | null } | null;
  organization: { id: string } | null;
}

export interface MemberFilter {
  status?: MemberStatus;
  /** Only members holding a grant of this role (name). */
  role?: string;
  includeSubOrganizations?: boolean;
}

export interface PermissionCheckInput {
  organizationId: string;
  permission: Scope;
  applicationId?: string;
}

export interface PermissionCheck {
  organizationId: string;
  permission: Scope;
  applicationId: string | null;
  allowed: boolean;
}

export interface AddSubOrganizationInput {
  parentId: string;
  name: string;
  kind?: OrganizationKind;
  contractAccountId?: string;
}

export interface Setting {
  key: string;
  value: JsonValue;
  inherit: boolean;
  updatedAt: string;
}

export declare class OrgraphClient implements Disposable {
  constructor(options: OrgraphClientOptions);
  /** `data`; rejects with an OrgraphError when the response has errors. */
  query<TResult = unknown, TVariables = Record<string, unknown>>(
    document: Document<TResult, TVariables>,
    variables?: NoInfer<TVariables>,
    options?: RequestOptions,
  ): Promise<TResult>;
  mutate<TResult = unknown, TVariables = Record<string, unknown>>(
    document: Document<TResult, TVariables>,
    variables?: NoInfer<TVariables>,
    options?: RequestOptions,
  ): Promise<TResult>;
  /** The raw `{ data, errors, extensions }`. */
  execute<TResult = unknown, TVariables = Record<string, unknown>>(
    document: Document<TResult, TVariables>,
    variables?: NoInfer<TVariables>,
    options?: RequestOptions,
  ): Promise<ExecutionResult<TResult>>;

  /** Null when it doesn't exist or the caller may not see it. */
  organization(id: string, options?: RequestOptions): Promise<Organization | null>;
  children(id: string, options?: PageOptions): AsyncGenerator<Organization, void, undefined>;
  descendants(id: string, options?: PageOptions & { maxDepth?: number }): AsyncGenerator<Organization, void, undefined>;
  ancestors(id: string, options?: RequestOptions): Promise<Organization[]>;
  effectiveSettings(id: string, keys?: string[], options?: RequestOptions): Promise<EffectiveSetting[]>;
  can(organizationId: string, permission: Scope, options?: RequestOptions & { applicationId?: string }): Promise<boolean>;
  checkPermissions(checks: PermissionCheckInput[], options?: RequestOptions): Promise<PermissionCheck[]>;
  members(organizationId: string, filter?: MemberFilter, options?: PageOptions): AsyncGenerator<Member, void, undefined>;
  addSubOrganization(input: AddSubOrganizationInput, options?: RequestOptions): Promise<Organization>;
  moveOrganization(id: string, newParentId: string, options?: RequestOptions): Promise<Organization>;
  setSetting(
    organizationId: string,
    key: string,
    value: JsonValue,
    options?: RequestOptions & { inherit?: boolean },
  ): Promise<Setting>;
  /** False when the organization had no definition of the key. */
  clearSetting(organizationId: string, key: string, options?: RequestOptions): Promise<boolean>;
  /** The current Connect tokens (undefined without Connect). */
  tokens(): Promise<StoredTokens | undefined>;
  [Symbol.dispose](): void;
}

export interface ConnectServerOptions {
  /** Orgraph's issuer, e.g. `http://127.0.0.1:8080`. */
  issuer: string;
  clientId: string;
  fetch?: FetchFunction;
  signal?: AbortSignal;
}

export interface StartConnectOptions extends ConnectServerOptions {
  redirectUri: string;
  scopes?: Scope[];
  /** Suggest covering the organization's subtree (the consenting person decides). */
  includeSubOrganizations?: boolean;
}

export interface StartedConnect {
  /** Send the person here. */
  url: string;
  /** Keep both for `completeConnect` (in a browser: sessionStorage). */
  state: string;
  codeVerifier: string;
}

export interface CompleteConnectOptions extends ConnectServerOptions {
  redirectUri: string;
  /** The URL the person came back to. */
  callbackUrl: string | URL;
  state: string;
  codeVerifier: string;
  /** Confidential clients only: never in a browser. */
  clientSecret?: string;
}

export interface RefreshTokensOptions extends ConnectServerOptions {
  refreshToken?: string;
  tokens?: StoredTokens;
  clientSecret?: string;
  /** Narrow the new access token to these scopes. */
  scopes?: Scope[];
}

export interface RevokeTokensOptions extends ConnectServerOptions {
  /** A token to revoke; by default `tokens.refreshToken`, which ends the whole family. */
  token?: string;
  tokens?: StoredTokens;
  clientSecret?: string;
}

export declare function startConnect(options: StartConnectOptions): Promise<StartedConnect>;
export declare function completeConnect(options: CompleteConnectOptions): Promise<StoredTokens>;
export declare function refreshTokens(options: RefreshTokensOptions): Promise<StoredTokens>;
export declare function revokeTokens(options: RevokeTokensOptions): Promise<void>;

export interface FoldOrganization {
  id: string;
  parentId?: string | null;
  parent?: { id: string } | null;
  settings?: { key: string; value: JsonValue; inherit?: boolean }[];
  settingLocks?: (string | { key: string })[];
}

export interface FoldedOrganization {
  organizationId: string;
  effectiveSettings: EffectiveSetting[];
}

/**
 * The server's own settings fold (the same Rust code) over organizations you pass: what
 * `effectiveSettings` would answer for each, e.g. to preview a change before writing it.
 * A parent you leave out ends the chain there.
 */
export declare function foldSettings(input: {
  organizations: FoldOrganization[];
  keys?: string[];
}): Promise<FoldedOrganization[]>;

/** Orgraph's permission names, which are also Connect's scopes. */
export declare function scopes(): Promise<Scope[]>;

/** Loads the WebAssembly module; idempotent, and every async function calls it itself. */
export declare function init(): Promise<void>;
