// A real OpenID Connect provider (the npm package oidc-provider) for Orgraph's tests.
//
//   node provider.mjs --port PORT --key-dir DIR --keys rsa-2,rsa-1,ec-1,ed-1 \
//     [--redirect-uri http://127.0.0.1:PORT2/auth/callback]
//
// Issuer: http://127.0.0.1:PORT. Signing keys are read from DIR/<name>.json, or generated
// and kept there, so that a restart with another `--keys` list is a key rotation: the first
// key of each type signs, the others are only published. The name's prefix is the key type
// (rsa → RS256, ec → ES256 on P-256, ed → EdDSA on Ed25519); the name is the key id.
//
// Access tokens are JWTs for the resource `urn:orgraph:api` (audience `orgraph`), issued to
// these confidential clients through the client_credentials grant (secret = client id):
//   rs-email  RS256, with email, email_verified and name claims (EMAIL below)
//   rs-plain  RS256, no email claim
//   es        ES256, with a verified email (grace@example.com)
//   ed        EdDSA, no email claim
//   unverified RS256, email Ada@Example.com with email_verified false
//   wrong-aud RS256, audience `someone-else`
//   short-lived RS256, with email claims, valid for 1 second
// The subject is the client id. With --redirect-uri, the client `orgraph` (secret
// `orgraph-secret`, client_secret_basic) signs people in with the authorization code flow;
// the development login page accepts any login name N with any password, and the account's
// ID token says email N@example.com (verified) and name "N (test)".
// Its HTML pages load nothing from another host: the stock pages' Google Fonts import is cut
// out, so a browser test can hold every page to "nothing off 127.0.0.1".
// Besides the provider's own endpoints:
//   GET /test/stats → { jwks }: how many times the key set was fetched.
// Prints `ready <issuer>` on stdout once listening.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'key-dir': { type: 'string' },
    keys: { type: 'string', default: 'rsa-1,ec-1,ed-1' },
    'redirect-uri': { type: 'string' },
  },
});
const port = Number(values.port);
const issuer = `http://127.0.0.1:${port}`;
const keyDir = values['key-dir'];
mkdirSync(keyDir, { recursive: true });

const EMAIL = { email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace' };

const KINDS = {
  rsa: { alg: 'RS256', options: { modulusLength: 2048 } },
  ec: { alg: 'ES256', options: {} },
  ed: { alg: 'EdDSA', options: { crv: 'Ed25519' } },
};

async function key(name) {
  const file = join(keyDir, `${name}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const kind = KINDS[name.split('-')[0]];
  if (!kind) throw new Error(`unknown key type in ${name}`);
  const { privateKey } = await generateKeyPair(kind.alg, { ...kind.options, extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: name, alg: kind.alg, use: 'sig' };
  writeFileSync(file, JSON.stringify(jwk));
  return jwk;
}

/** The `@import` of Google Fonts in the stock pages' inline styles. */
const REMOTE_FONTS = /@import url\(https:\/\/fonts\.googleapis\.com\/[^)]*\);?/g;

const keys = await Promise.all(values.keys.split(',').map(key));

const client = (id, alg, audience = 'orgraph', claims = {}, ttl = 600) => ({
  client_id: id,
  client_secret: id,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  'urn:orgraph:alg': alg,
  'urn:orgraph:audience': audience,
  'urn:orgraph:claims': claims,
  'urn:orgraph:ttl': ttl,
});

const signInClients = values['redirect-uri']
  ? [{
      client_id: 'orgraph',
      client_secret: 'orgraph-secret',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [values['redirect-uri']],
      token_endpoint_auth_method: 'client_secret_basic',
      'urn:orgraph:alg': 'RS256',
      'urn:orgraph:audience': 'orgraph',
      'urn:orgraph:claims': {},
    }]
  : [];

const provider = new Provider(issuer, {
  jwks: { keys },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: `${id} (test)` }),
  }),
  conformIdTokenClaims: false,
  clients: [
    ...signInClients,
    client('rs-email', 'RS256', 'orgraph', EMAIL),
    client('rs-plain', 'RS256'),
    client('es', 'ES256', 'orgraph', { email: 'grace@example.com', email_verified: true }),
    client('ed', 'EdDSA'),
    client('unverified', 'RS256', 'orgraph', { email: EMAIL.email, email_verified: false }),
    client('wrong-aud', 'RS256', 'someone-else'),
    client('short-lived', 'RS256', 'orgraph', EMAIL, 1),
  ],
  extraClientMetadata: {
    properties: ['urn:orgraph:alg', 'urn:orgraph:audience', 'urn:orgraph:claims', 'urn:orgraph:ttl'],
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
  },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:orgraph:api',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: 'api',
        audience: client['urn:orgraph:audience'],
        accessTokenTTL: client['urn:orgraph:ttl'],
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: client['urn:orgraph:alg'] } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    const extra = token.client?.['urn:orgraph:claims'];
    return extra && Object.keys(extra).length ? extra : undefined;
  },
});

let jwksFetches = 0;
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/stats') {
    ctx.body = { jwks: jwksFetches };
    return;
  }
  if (ctx.path === '/jwks') jwksFetches += 1;
  await next();
  if (ctx.response.is('html') && typeof ctx.body === 'string') {
    ctx.body = ctx.body.replace(REMOTE_FONTS, '');
  }
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
