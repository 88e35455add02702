// The peer for benches/connect.rs: the npm package oidc-provider doing the same
// refresh-token grant as Orgraph's /oauth/token, so that the two can be timed side by side.
//
//   node tests/oidc/refresh-peer.mjs [--tokens N] [--scope 'openid offline_access']
//
// Listens on 127.0.0.1 on a free port, with one confidential client (`bench`, secret
// `bench-secret`, client_secret_basic) whose refresh tokens are rotated on every use, like
// Orgraph's. It mints N refresh tokens, each of its own grant, refreshes each once to check
// that the grant works and rotates, and prints the rotated tokens as ONE line of JSON:
//   {"issuer","token_endpoint","client_id","client_secret","refresh_tokens":[...]}
// Nothing else goes to stdout (the provider's warnings go to stderr). Runs until killed.
// With `openid` in the scope every refresh also signs an ID token (RS256, the development
// key), which Orgraph does not do; `--scope offline_access` leaves it out.
// Access tokens are opaque; everything else is the provider's default, but for the size
// of the in-memory store (see STORE below).

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

// oidc-provider prints its one-time notices ("default ttl.X function called") with
// console.info, i.e. on stdout, which must carry nothing but the JSON line.
console.info = console.error;

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '8' },
    scope: { type: 'string', default: 'openid offline_access' },
  },
});
const count = Number(values.tokens);
if (!Number.isInteger(count) || count < 1) throw new Error('--tokens must be a positive integer');

// The issuer names the port, so the port is chosen before the provider exists.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

// The stock in-memory adapter, on a larger store of its own: the default store is an LRU
// of 1000 entries (two generations of 1000), and each refresh adds two (the new refresh
// and access tokens), so a token or grant left idle for a few hundred refreshes of the
// others was evicted and answered `invalid_grant`. Here eviction starts after a million.
const STORE = new LRU({ maxSize: 1_000_000 });

const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, STORE),
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/cb'],
  }],
  // Any account id is an account (the default does the same, with a warning).
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  rotateRefreshToken: true,
  features: { devInteractions: { enabled: false } }, // no sign-in pages are needed
});
server.on('request', provider.callback());

const token_endpoint = `${issuer}/token`;
const basic = `Basic ${Buffer.from('bench:bench-secret').toString('base64')}`;
const client = await provider.Client.find('bench');

async function mint(i) {
  const accountId = `bench-user-${i}`;
  const grant = new provider.Grant({ accountId, clientId: 'bench' });
  grant.addOIDCScope(values.scope);
  const grantId = await grant.save();
  const refreshToken = new provider.RefreshToken({
    accountId,
    client,
    grantId,
    scope: values.scope,
    gty: 'authorization_code',
    rotations: 0,
    // iiat (first issued at) defaults to now.
  });
  const minted = await refreshToken.save();

  // One refresh, to prove the token works and that it rotates.
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: minted }),
  });
  const body = await response.json();
  if (!response.ok || !body.access_token || !body.refresh_token || body.refresh_token === minted) {
    throw new Error(`refresh of minted token ${i} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.refresh_token;
}

const refresh_tokens = [];
for (let i = 0; i < count; i += 1) refresh_tokens.push(await mint(i));

process.stdout.write(`${JSON.stringify({
  issuer, token_endpoint, client_id: 'bench', client_secret: 'bench-secret', refresh_tokens,
})}\n`);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // a client's open keep-alive connections
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
