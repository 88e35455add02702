// One sample of tests/sdk/bench/sdk.mjs, in a fresh Node process: the time from `import` of the
// client library to the first query's result, printed as JSON on stdout.
//
//   node tests/sdk/bench/first-query.mjs <sdk|sdk-init|graphql-request> <endpoint> <token> <id>
//
// sdk:             @orgraph/sdk, OrgraphClient.query (plain GraphQL needs no WebAssembly yet);
// sdk-init:        the same, with `await init()` first (the .wasm read and instantiated, as
//                  `can`, Connect and `foldSettings` need it);
// graphql-request: GraphQLClient.request with the same document, variables and token.
// Both use Node's global fetch. Packages resolve from tests/sdk/node_modules.

const [variant, endpoint, token, id] = process.argv.slice(2);
const QUERY = 'query BenchOrganization($id: ID!) { organization(id: $id) { id name } }';

const start = performance.now();
let data;
if (variant === 'sdk' || variant === 'sdk-init') {
  const { OrgraphClient, init } = await import('@orgraph/sdk');
  if (variant === 'sdk-init') await init();
  const client = new OrgraphClient({ endpoint, accessToken: token });
  data = await client.query(QUERY, { id });
} else if (variant === 'graphql-request') {
  const { GraphQLClient } = await import('graphql-request');
  const client = new GraphQLClient(endpoint, { headers: { authorization: `Bearer ${token}` } });
  data = await client.request(QUERY, { id });
} else {
  throw new Error(`unknown variant ${variant}`);
}
const ms = performance.now() - start;
process.stdout.write(`${JSON.stringify({ variant, ms, boot: start, name: data.organization.name })}\n`);
