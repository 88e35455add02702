// Organization Connect for integrators: the authorization code flow with PKCE, token refresh
// and revocation. Decisions (metadata, URL, callback checks, token reading) are made in Rust.
import * as wasm from './orgraph_sdk.js';
import { init } from './wasm.js';
import { OrgraphError, fromRust } from './errors.js';
import { defaultFetch, readJson, send } from './http.js';
import { firstUnknownScope } from './scopes.js';

/** Metadata documents by issuer, kept as long as the server allows (it says 5 minutes). */
const metadataCache = new Map();
const METADATA_MAX_AGE_MS = 5 * 60 * 1000;

async function authorizationServer({ issuer, fetch: fetchImpl, signal }) {
  await init();
  if (typeof issuer !== 'string') throw new OrgraphError('issuer is required', { code: 'INVALID_ARGUMENT' });
  let cached = metadataCache.get(issuer);
  if (!cached || Date.now() - cached.at > METADATA_MAX_AGE_MS) {
    const url = fromRust(() => wasm.metadataUrl(issuer));
    const response = await send(fetchImpl ?? defaultFetch(), url, {
      headers: { accept: 'application/json' },
      signal,
    });
    const { json } = await readJson(response);
    if (!response.ok) {
      throw new OrgraphError(`the authorization server's metadata answered HTTP ${response.status}`, {
        code: 'HTTP_ERROR',
        status: response.status,
      });
    }
    cached = { document: json ?? null, at: Date.now() };
    // Checked before it is cached: a document for another issuer is never kept.
    fromRust(() => new wasm.AuthorizationServer(issuer, cached.document)).free();
    metadataCache.set(issuer, cached);
  }
  return fromRust(() => new wasm.AuthorizationServer(issuer, cached.document));
}

function clientAuthentication(clientId, clientSecret) {
  if (typeof clientId !== 'string' || clientId === '') {
    throw new OrgraphError('clientId is required', { code: 'INVALID_ARGUMENT' });
  }
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const form = new URLSearchParams();
  if (clientSecret === undefined || clientSecret === null) {
    form.set('client_id', clientId); // a public client (RFC 6749 §2.3, none)
  } else {
    // client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1).
    const encode = (text) => new URLSearchParams({ x: text }).toString().slice(2);
    headers.authorization = `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
  }
  return { headers, form };
}

async function tokenRequest(endpoint, { headers, form }, { fetch: fetchImpl, signal }, previousRefreshToken) {
  const response = await send(fetchImpl ?? defaultFetch(), endpoint, {
    method: 'POST',
    headers,
    body: form.toString(),
    signal,
  });
  const { json } = await readJson(response);
  if (!response.ok) throw oauthError(response.status, json);
  return fromRust(() => wasm.TokenSet.fromResponse(json ?? null, Date.now(), previousRefreshToken));
}

/**
 * Starts Connect: the URL to send the person to, with the `state` and PKCE `codeVerifier` to
 * keep for `completeConnect` (in a browser: sessionStorage).
 */
export async function startConnect(options) {
  const { clientId, redirectUri, scopes = [], includeSubOrganizations = false } = options ?? {};
  if (!Array.isArray(scopes)) throw new OrgraphError('scopes must be a list', { code: 'INVALID_ARGUMENT' });
  // A typo fails here, before any request (the Rust side checks again as it builds the URL).
  const unknown = await firstUnknownScope(scopes);
  if (unknown !== undefined) {
    throw new OrgraphError(`${String(unknown).slice(0, 64)} is not a scope of Orgraph`, { code: 'invalid_scope' });
  }
  const server = await authorizationServer(options ?? {});
  try {
    const random = crypto.getRandomValues(new Uint8Array(64));
    return fromRust(() =>
      server.start(String(clientId ?? ''), String(redirectUri ?? ''), scopes.map(String), Boolean(includeSubOrganizations), random),
    );
  } finally {
    server.free();
  }
}

/**
 * Completes Connect from the URL the person came back to: checks its issuer and `state`,
 * surfaces a refusal by its OAuth `error`, and exchanges the code for tokens.
 */
export async function completeConnect(options) {
  const { clientId, clientSecret, redirectUri, callbackUrl, state, codeVerifier } = options ?? {};
  const server = await authorizationServer(options ?? {});
  let tokens;
  try {
    const code = fromRust(() => server.readCallback(String(callbackUrl), String(state ?? '')));
    const request = clientAuthentication(clientId, clientSecret);
    request.form.set('grant_type', 'authorization_code');
    request.form.set('code', code);
    request.form.set('redirect_uri', redirectUri);
    request.form.set('code_verifier', codeVerifier);
    tokens = await tokenRequest(server.tokenEndpoint, request, options);
  } finally {
    server.free();
  }
  return storedAndFreed(tokens);
}

/** Trades a refresh token for new tokens (it rotates: keep the returned refreshToken). */
export async function refreshTokens(options) {
  const set = await refreshTokenSet(options);
  return storedAndFreed(set);
}

/** The TokenSet variant the client keeps (Rust memory, freed by its owner). */
export async function refreshTokenSet(options) {
  const { clientId, clientSecret, scopes } = options ?? {};
  const refreshToken = options?.refreshToken ?? options?.tokens?.refreshToken;
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw new OrgraphError('a refresh token is required', { code: 'INVALID_ARGUMENT' });
  }
  const server = await authorizationServer(options);
  try {
    const request = clientAuthentication(clientId, clientSecret);
    request.form.set('grant_type', 'refresh_token');
    request.form.set('refresh_token', refreshToken);
    if (Array.isArray(scopes) && scopes.length > 0) request.form.set('scope', scopes.join(' '));
    return await tokenRequest(server.tokenEndpoint, request, options, refreshToken);
  } finally {
    server.free();
  }
}

/**
 * Ends the authorization's tokens (RFC 7009): revoking the refresh token ends its whole
 * family, access tokens included.
 */
export async function revokeTokens(options) {
  const { clientId, clientSecret, fetch: fetchImpl, signal } = options ?? {};
  const token = options?.token ?? options?.tokens?.refreshToken ?? options?.tokens?.accessToken;
  if (typeof token !== 'string' || token === '') {
    throw new OrgraphError('a token is required', { code: 'INVALID_ARGUMENT' });
  }
  const server = await authorizationServer(options);
  let endpoint;
  try {
    endpoint = server.revocationEndpoint;
  } finally {
    server.free();
  }
  if (!endpoint) throw new OrgraphError('the server has no revocation endpoint', { code: 'INVALID_RESPONSE' });
  const request = clientAuthentication(clientId, clientSecret);
  request.form.set('token', token);
  const response = await send(fetchImpl ?? defaultFetch(), endpoint, {
    method: 'POST',
    headers: request.headers,
    body: request.form.toString(),
    signal,
  });
  if (!response.ok) throw oauthError(response.status, (await readJson(response)).json);
}

/** An OAuth error answer as an OrgraphError with the server's `error` as its code. */
function oauthError(status, body) {
  const { code, message } = wasm.oauthError(status, body ?? null);
  return new OrgraphError(message, { code, status });
}

function storedAndFreed(set) {
  try {
    return set.toStored();
  } finally {
    set.free();
  }
}
