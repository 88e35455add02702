// Organization Connect from the client's side, by hand: an application's redirect URI that
// records what it receives, PKCE computed with node:crypto, the token and revocation endpoints
// called as a plain HTTP client does, GraphQL with an application's access token (with the HTTP
// status, which a refused token changes), and the organizations and applications set up first.

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

/** A code verifier (RFC 7636: 43 characters of base64url) and its S256 challenge. */
export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/**
 * The application's side of the redirect: an HTTP server on 127.0.0.1 that records each
 * request's path and query (`received`) and answers a small HTML page. `uri` is its
 * `/callback`.
 */
export async function startRedirectReceiver() {
  const received = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    received.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Back at the application</title><h1>Back at the application</h1>');
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    uri: `${origin}/callback`,
    received,
    stop: () => new Promise((ok) => server.close(ok)),
  };
}

/** The query of the URL a browser landed on, as an object. */
export function queryOf(url) {
  return Object.fromEntries(new URL(url).searchParams);
}

/**
 * POSTs `fields` form-encoded to `base` + `path`, the client authenticating as `client`:
 * `{ id, secret }` with HTTP Basic (client_secret_basic, RFC 6749 §2.3.1: both form-encoded
 * first), `{ id, secret, post: true }` in the body, or `{ id }` alone (a public client).
 * Returns the status and the JSON body (null if none).
 */
export async function oauthPost(base, path, fields, client) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const body = new URLSearchParams(fields);
  if (client.secret && !client.post) {
    const basic = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else {
    body.set('client_id', client.id);
    if (client.secret) body.set('client_secret', client.secret);
  }
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${path} answered ${response.status} with something other than JSON: ${text}`);
    }
  }
  return { status: response.status, body: json, headers: response.headers };
}

/** The authorization_code grant at the token endpoint. */
export function exchangeCode(base, client, { code, redirectUri, verifier }) {
  const fields = { grant_type: 'authorization_code', code, redirect_uri: redirectUri };
  if (verifier) fields.code_verifier = verifier;
  return oauthPost(base, '/oauth/token', fields, client);
}

/** The refresh_token grant at the token endpoint. */
export function refresh(base, client, refreshToken) {
  return oauthPost(base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, client);
}

/** /oauth/revoke with `{ token }` (RFC 7009) or `{ sub }` (an organization, SPEC §5). */
export function revoke(base, client, what) {
  return oauthPost(base, '/oauth/revoke', what, client);
}

/** A GraphQL request with a bearer token; returns the HTTP status and the parsed body. */
export async function graphql(base, token, query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`/graphql answered ${response.status}: ${text}`);
  }
}

const ORGANIZATION_NAME = 'query($id: ID!) { organization(id: $id) { name } }';

/** Reads an organization's name with `token`: `{ status, body }`. */
export function readOrganization(base, token, id) {
  return graphql(base, token, ORGANIZATION_NAME, { id });
}

/** The data of a GraphQL reply that must have succeeded. */
export function data({ status, body }) {
  if (status !== 200 || body.errors?.length) {
    throw new Error(`GraphQL answered ${status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}

/** A JWT's header and claims, read without checking the signature (the server does). */
export function jwtParts(token) {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  return { header, claims };
}

const ADD_ORGANIZATION =
  'mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } } }';
const ADD_SUB_ORGANIZATION =
  'mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }';
const CREATE_APPLICATION =
  'mutation($input: CreateApplicationInput!) { createApplication(input: $input) ' +
  '{ clientSecret application { clientId } } }';

/**
 * The people and organizations of a Connect flow on `orgraph` (started with the development
 * sign-in): an integrator organization run by `integrator`, and a customer organization with one
 * sub-organization, founded (so administered) by `admin`, who signs in in the browser.
 * `application({ name, public, redirectUri, scopes })` registers one of the integrator's
 * applications and returns its `{ id, secret, name }` (no secret for a public one).
 */
export async function setUpConnect(
  orgraph,
  { integrator = 'dev@integrator.test', admin = 'admin@customer.test' } = {},
) {
  const base = orgraph.base;
  const integratorToken = await orgraph.token(integrator);
  const adminToken = await orgraph.token(admin);
  const found = async (token, input) =>
    data(await graphql(base, token, ADD_ORGANIZATION, { input })).addOrganization.organization.id;
  const integratorOrg = await found(integratorToken, { name: 'Integrator Labs', kind: 'INTEGRATOR' });
  const customer = await found(adminToken, { name: 'Customer Co' });
  const branch = data(
    await graphql(base, adminToken, ADD_SUB_ORGANIZATION, {
      input: { parentId: customer, name: 'Customer Branch' },
    }),
  ).addSubOrganization.organization.id;

  async function application({ name, public: isPublic, redirectUri, scopes }) {
    const created = data(
      await graphql(base, integratorToken, CREATE_APPLICATION, {
        input: {
          organizationId: integratorOrg,
          name,
          environment: 'DEVELOPMENT',
          redirectUris: [redirectUri],
          allowedScopes: scopes,
          public: isPublic,
        },
      }),
    ).createApplication;
    return { id: created.application.clientId, secret: created.clientSecret ?? undefined, name };
  }

  return { admin, adminToken, integratorOrg, customer, branch, application };
}

/** `/oauth/authorize` on `base` for `client` with `params` (state, scope, challenge, …). */
export function authorizeUrl(base, client, redirectUri, params) {
  const url = new URL('/oauth/authorize', base);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.id,
    redirect_uri: redirectUri,
    ...params,
  }).toString();
  return url.href;
}
