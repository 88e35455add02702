// OrgraphClient: GraphQL over HTTP with the caller's token, typed helpers, and (for
// integrators) Connect tokens that stay fresh.
import * as wasm from './orgraph_sdk.js';
import { init } from './wasm.js';
import { OrgraphError, fromRust } from './errors.js';
import { defaultFetch, readJson, send } from './http.js';
import { refreshTokenSet } from './connect.js';
import { firstUnknownScope } from './scopes.js';
import * as documents from './documents.js';

const DISPOSE = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const DEFAULT_PAGE_SIZE = 100;

export class OrgraphClient {
  #endpoint;
  #fetch;
  #headers;
  #accessToken;
  #tokenProvider;
  #connect;
  /** The Connect tokens (a Rust TokenSet) once loaded. */
  #tokens;
  /** The one refresh in flight: rotation makes a second, concurrent one fatal. */
  #refreshing;
  #disposed = false;

  constructor(options) {
    const { endpoint, accessToken, tokenProvider, connect, fetch: fetchImpl, headers } = options ?? {};
    if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) {
      throw new OrgraphError('endpoint is required (the URL of /graphql)', { code: 'INVALID_ARGUMENT' });
    }
    const credentials = [accessToken, tokenProvider, connect].filter((c) => c !== undefined);
    if (credentials.length > 1) {
      throw new OrgraphError('give one of accessToken, tokenProvider or connect', { code: 'INVALID_ARGUMENT' });
    }
    if (tokenProvider !== undefined && typeof tokenProvider !== 'function') {
      throw new OrgraphError('tokenProvider must be a function', { code: 'INVALID_ARGUMENT' });
    }
    if (connect !== undefined && (!connect.issuer || !connect.clientId || !(connect.tokens || connect.tokenStore?.get))) {
      throw new OrgraphError('connect needs issuer, clientId, and tokens or a tokenStore with get()', {
        code: 'INVALID_ARGUMENT',
      });
    }
    this.#endpoint = String(endpoint);
    this.#fetch = fetchImpl ?? defaultFetch();
    this.#headers = { ...headers };
    this.#accessToken = accessToken;
    this.#tokenProvider = tokenProvider;
    this.#connect = connect;
  }

  /** The raw GraphQL response: `{ data, errors, extensions }`. */
  async execute(document, variables, options) {
    const { body } = await this.#request(document, variables, options);
    return body;
  }

  /** `data` of a successful response; rejects with an OrgraphError when there are errors. */
  async query(document, variables, options) {
    const { body, status } = await this.#request(document, variables, options);
    const errors = body.errors ?? [];
    if (errors.length > 0) {
      const first = errors[0];
      throw new OrgraphError(first?.message ?? 'the GraphQL request failed', {
        code: first?.extensions?.code ?? 'GRAPHQL_ERROR',
        status,
        graphQLErrors: errors,
      });
    }
    return body.data;
  }

  /** Alias of `query` for mutations, for readability. */
  mutate(document, variables, options) {
    return this.query(document, variables, options);
  }

  // --- Typed helpers ---------------------------------------------------------------------

  /** One organization, or null when it doesn't exist or the caller may not see it. */
  async organization(id, options) {
    try {
      const data = await this.query(documents.ORGANIZATION_BY_ID, { id }, options);
      return data.organization ?? null;
    } catch (error) {
      if (OrgraphError.is(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  /** Direct children, by name, over every page. */
  children(id, options = {}) {
    return this.#pages(documents.CHILDREN, { id }, (data) => data.organization.children, options);
  }

  /** The subtree below `id` in tree order, over every page. */
  descendants(id, options = {}) {
    const variables = { id, maxDepth: options.maxDepth ?? null };
    return this.#pages(documents.DESCENDANTS, variables, (data) => data.organization.descendants, options);
  }

  /** The ancestors the caller may see, root first. */
  async ancestors(id, options) {
    const data = await this.query(documents.ANCESTORS, { id }, options);
    return data.organization.ancestors;
  }

  /** Effective values, in `foldSettings`' shape (`sourceIds`, `lockedById`). */
  async effectiveSettings(id, keys, options) {
    const data = await this.query(documents.EFFECTIVE_SETTINGS, { id, keys: keys ?? null }, options);
    return data.organization.effectiveSettings.map((setting) => ({
      key: setting.key,
      value: setting.value,
      strategy: setting.strategy,
      sourceIds: setting.sources.map((source) => source.id),
      locked: setting.locked,
      lockedById: setting.lockedBy?.id ?? null,
    }));
  }

  /** Whether the caller holds `permission` there (an unknown permission fails here). */
  async can(organizationId, permission, options = {}) {
    await checkPermissionName(permission);
    const variables = { organizationId, permission, applicationId: options.applicationId ?? null };
    const data = await this.query(documents.CAN, variables, options);
    return data.can;
  }

  /** Many `can` questions at once, answered in order. */
  async checkPermissions(checks, options) {
    if (!Array.isArray(checks)) throw new OrgraphError('checks must be a list', { code: 'INVALID_ARGUMENT' });
    for (const check of checks) await checkPermissionName(check?.permission);
    const input = checks.map(({ organizationId, permission, applicationId }) => ({
      organizationId,
      permission,
      applicationId: applicationId ?? null,
    }));
    const data = await this.query(documents.CHECK_PERMISSIONS, { checks: input }, options);
    return data.checkPermissions;
  }

  /** Members of an organization (or its subtree), over every page. */
  members(organizationId, filter = {}, options = {}) {
    const variables = {
      id: organizationId,
      status: filter.status ?? null,
      role: filter.role ?? null,
      includeSubOrganizations: Boolean(filter.includeSubOrganizations),
    };
    return this.#pages(documents.MEMBERS, variables, (data) => data.organization.members, options);
  }

  async addSubOrganization(input, options) {
    const data = await this.query(documents.ADD_SUB_ORGANIZATION, { input }, options);
    return data.addSubOrganization.organization;
  }

  async moveOrganization(id, newParentId, options) {
    const data = await this.query(documents.MOVE_ORGANIZATION, { input: { id, newParentId } }, options);
    return data.moveOrganization.organization;
  }

  async setSetting(organizationId, key, value, options = {}) {
    const input = { organizationId, key, value, inherit: options.inherit ?? true };
    const data = await this.query(documents.SET_SETTING, { input }, options);
    return data.setSetting.setting;
  }

  /** Removes the organization's own definition; false when it had none. */
  async clearSetting(organizationId, key, options) {
    const data = await this.query(documents.CLEAR_SETTING, { input: { organizationId, key } }, options);
    return data.clearSetting.cleared;
  }

  /** The current Connect tokens, in the token store's shape (undefined without Connect). */
  async tokens() {
    if (!this.#connect) return undefined;
    return (await this.#tokenSet()).toStored();
  }

  /** Frees the Rust memory this client holds; `using client = new OrgraphClient(...)`. */
  [DISPOSE]() {
    this.#disposed = true;
    this.#tokens?.free();
    this.#tokens = undefined;
  }

  // --- Internals -------------------------------------------------------------------------

  async *#pages(document, variables, connectionOf, options) {
    const first = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let after = null;
    for (;;) {
      const data = await this.query(document, { ...variables, first, after }, options);
      const connection = connectionOf(data);
      for (const edge of connection.edges) yield edge.node;
      if (!connection.pageInfo.hasNextPage) return;
      after = connection.pageInfo.endCursor;
    }
  }

  async #request(document, variables, options = {}) {
    if (this.#disposed) throw new OrgraphError('this client was disposed', { code: 'INVALID_ARGUMENT' });
    if (document === null || document === undefined || typeof document.toString !== 'function') {
      throw new OrgraphError('document must be a string or a typed document string', { code: 'INVALID_ARGUMENT' });
    }
    const payload = JSON.stringify({ query: document.toString(), variables: variables ?? {} });
    let token = await this.#token(options.signal);
    let response = await this.#post(payload, token, options);
    if (response.status === 401 && this.#connect && (await this.#tokenSet()).refreshToken) {
      token = await this.#tokenAfterRejection(token, options.signal);
      response = await this.#post(payload, token, options);
    }
    const { json } = await readJson(response);
    const isGraphQLResponse = json !== null && typeof json === 'object' && ('data' in json || 'errors' in json);
    if (!isGraphQLResponse) {
      throw new OrgraphError(`the GraphQL endpoint answered HTTP ${response.status} without a GraphQL response`, {
        code: 'HTTP_ERROR',
        status: response.status,
      });
    }
    return { body: json, status: response.status };
  }

  #post(payload, token, options) {
    const headers = {
      ...this.#headers,
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    return send(this.#fetch, this.#endpoint, { method: 'POST', headers, body: payload, signal: options.signal });
  }

  async #token(signal) {
    if (this.#accessToken !== undefined) return this.#accessToken;
    if (this.#tokenProvider) return await this.#tokenProvider();
    if (!this.#connect) return undefined;
    const tokens = await this.#tokenSet();
    if (tokens.refreshDue(Date.now())) await this.#refresh(signal);
    return (await this.#tokenSet()).accessToken;
  }

  /** After a 401: refresh once, unless another request already did. */
  async #tokenAfterRejection(rejected, signal) {
    if ((await this.#tokenSet()).accessToken === rejected) await this.#refresh(signal);
    return (await this.#tokenSet()).accessToken;
  }

  async #tokenSet() {
    if (!this.#tokens) {
      await init();
      const stored = this.#connect.tokens ?? (await this.#connect.tokenStore.get());
      if (!stored) throw new OrgraphError('the token store holds no tokens', { code: 'UNAUTHENTICATED' });
      const next = fromRust(() => wasm.TokenSet.fromStored(stored));
      if (this.#tokens) next.free(); // another call loaded them meanwhile
      else this.#tokens = next;
    }
    return this.#tokens;
  }

  /**
   * Waits for the one shared refresh. The refresh itself ignores any caller's signal: an abort
   * must not fail the other waiting requests, nor lose tokens the server already rotated.
   */
  #refresh(signal) {
    this.#refreshing ??= (async () => {
      try {
        const current = await this.#tokenSet();
        const { issuer, clientId, clientSecret } = this.#connect;
        const next = await refreshTokenSet({
          issuer,
          clientId,
          clientSecret,
          refreshToken: current.refreshToken,
          fetch: this.#fetch,
        });
        this.#tokens?.free();
        this.#tokens = next;
        await this.#connect.tokenStore?.set?.(next.toStored());
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return untilAborted(this.#refreshing, signal);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function checkPermissionName(permission) {
  if ((await firstUnknownScope([permission])) !== undefined) {
    throw new OrgraphError(`${String(permission).slice(0, 64)} is not a permission of Orgraph`, {
      code: 'BAD_USER_INPUT',
    });
  }
}
