// Small HTTP doubles for the SDK's tests: a fetch that records its calls, tiny servers that
// answer what a test needs (or never answer), a recording proxy in front of Orgraph, and a
// port where nothing listens.

import { createServer } from 'node:http';

import { freePort } from '../../federation/lib/orgraph.mjs';

/** A loopback URL where nothing listens (connections are refused). */
export async function closedUrl(path = '/graphql') {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

/**
 * A fetch that records every call (`calls`: `{ url, method, headers, body }`) and passes it on
 * to `inner` (the global fetch by default).
 */
export function recordingFetch(inner = (input, init) => fetch(input, init)) {
  const calls = [];
  const recorder = (input, init = {}) => {
    calls.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
    });
    return inner(input, init);
  };
  recorder.calls = calls;
  /** The calls to `pathname` (by `method` if given). */
  recorder.to = (pathname, method) =>
    calls.filter((call) => new URL(call.url).pathname === pathname && (!method || call.method === method));
  return recorder;
}

/**
 * An HTTP server on 127.0.0.1 answering with `handler(request, response, body)`. `requests`
 * records `{ method, url, headers }`; `received()` resolves when a request has arrived.
 * `stop()` also drops connections still open (a handler may never answer).
 */
export async function startHttpServer(handler) {
  const requests = [];
  const sockets = new Set();
  let arrived;
  const firstArrival = new Promise((ok) => {
    arrived = ok;
  });
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString();
    requests.push({ method: request.method, url: request.url, headers: request.headers, body });
    arrived();
    await handler(request, response, body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    received: () => firstArrival,
    stop() {
      for (const socket of sockets) socket.destroy();
      return new Promise((ok) => server.close(ok));
    },
  };
}

/** A server that takes requests and never answers them. */
export function startSilentServer() {
  return startHttpServer(() => new Promise(() => {}));
}

/** A server answering every request with `status`, `contentType` and `body`. */
export function startFixedServer(status, contentType, body) {
  return startHttpServer((request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  });
}

/**
 * A proxy in front of `target` (an origin) that records each request's method, path and
 * headers as they arrived on the wire, then forwards it.
 */
export function startRecordingProxy(target) {
  return startHttpServer(async (request, response, body) => {
    const headers = { ...request.headers };
    delete headers.host;
    delete headers.connection;
    delete headers['content-length'];
    const answer = await fetch(new URL(request.url, target), {
      method: request.method,
      headers,
      body: ['GET', 'HEAD'].includes(request.method) ? undefined : body,
    });
    const text = await answer.text();
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
    response.end(text);
  });
}
