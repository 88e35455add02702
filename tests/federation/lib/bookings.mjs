// A small "bookings" subgraph, as another team would write it with @apollo/subgraph: it
// references Orgraph's `Organization` by id and adds `Organization.bookings`.

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export const bookingsTypeDefs = parse(`
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])

  type Query {
    bookings: [Booking!]!
    bookingsPage(first: Int! = 10): BookingConnection!
  }

  type Booking @key(fields: "id") {
    id: ID!
    title: String!
    "Resolved by Orgraph with the caller's rights: null when the caller may not see it."
    organization: Organization
  }

  type Organization @key(fields: "id") {
    id: ID!
    bookings: [Booking!]!
  }

  type BookingConnection {
    edges: [BookingEdge!]!
    pageInfo: PageInfo!
  }

  type BookingEdge {
    cursor: String!
    node: Booking!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
`);

/** `bookings`: `{ id, title, organizationId }`. */
export function bookingsResolvers(bookings) {
  return {
    Query: {
      bookings: () => bookings,
      bookingsPage: (_, { first }) => {
        const page = bookings.slice(0, first);
        return {
          edges: page.map((node) => ({ cursor: node.id, node })),
          pageInfo: {
            hasNextPage: bookings.length > first,
            hasPreviousPage: false,
            startCursor: page[0]?.id ?? null,
            endCursor: page.at(-1)?.id ?? null,
          },
        };
      },
    },
    Booking: {
      __resolveReference: ({ id }) => bookings.find((b) => b.id === id) ?? null,
      organization: (booking) => ({ __typename: 'Organization', id: booking.organizationId }),
    },
    Organization: {
      __resolveReference: ({ id }) => ({ id }),
      bookings: ({ id }) => bookings.filter((b) => b.organizationId === id),
    },
  };
}

export async function startBookings(bookings) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: bookingsTypeDefs, resolvers: bookingsResolvers(bookings) }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
}
