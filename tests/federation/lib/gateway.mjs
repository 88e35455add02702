// A real gateway in front of the subgraphs: @apollo/gateway composes them (from each one's
// `_service { sdl }`) and @apollo/server serves the supergraph, forwarding the caller's
// Authorization header to every subgraph.

import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/** The request headers a subgraph call carries over from the caller's request. */
export const FORWARDED_HEADERS = ['authorization', 'x-orgraph-debug'];

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const name of FORWARDED_HEADERS) {
      const value = context?.headers?.[name];
      if (value) request.http.headers.set(name, value);
    }
  }
}

/** `subgraphs`: `[{ name, url }]`. */
export async function startGateway(subgraphs) {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs }),
    buildService: ({ url }) => new ForwardingDataSource({ url }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({
      headers: Object.fromEntries(FORWARDED_HEADERS.map((name) => [name, req.headers[name]])),
    }),
  });
  return { url, stop: () => server.stop() };
}
