// Who a relayed connection's client is comes from the client's socket (its
// fd, sent by the application process beside the relay), checked to be a
// connection accepted on the listener: an app (user code) cannot pass a
// socket of its own making to be taken for any client it likes.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { socketPair } from '../src/native/index.js';
import { relayedClient } from '../src/process-types/router/http/relayed.js';
import { tempDir } from './helpers/tmp.js';

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;
const fdOf = (handle: net.Socket | net.Server): number => (handle as unknown as { _handle: { fd: number } })._handle.fd;

/** A listener on `options`, a client connected to it, and the accepted end. */
async function connected(
  t: ExecutionContext,
  options: net.ListenOptions,
  connect: (server: net.Server) => net.Socket,
): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket }> {
  const server = net.createServer();
  const acceptedP = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(options, resolve));
  t.teardown(() => server.close());
  const client = connect(server);
  t.teardown(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  const accepted = await acceptedP;
  t.teardown(() => accepted.destroy());
  return { server, client, accepted };
}

test('a connection accepted on the listener gives its peer; any other socket is refused', async (t) => {
  const { server, client, accepted } = await connected(t, { host: '127.0.0.1', port: 0 }, (s) =>
    net.connect({ port: portOf(s), host: '127.0.0.1', localAddress: '127.0.0.2' }),
  );
  // (A client bound to 127.0.0.2: the address is the socket's, whatever anyone says.)
  t.deepEqual(relayedClient(fdOf(accepted), fdOf(server)), { address: client.localAddress, port: client.localPort });
  // The app's own outgoing connection: bound elsewhere than the listener.
  t.is(relayedClient(fdOf(client), fdOf(server)), undefined);
  // The listening socket itself (an app process holds its listener's): no peer.
  t.is(relayedClient(fdOf(server), fdOf(server)), undefined);
  // A socketpair, and an fd that is no socket at all.
  const [a, b] = socketPair('stream');
  t.teardown(() => (fs.closeSync(a), fs.closeSync(b)));
  t.is(relayedClient(a, fdOf(server)), undefined);
  t.is(relayedClient(0, fdOf(server)), undefined);
  // Accepted on another listener (same host, another port).
  const other = await connected(t, { host: '127.0.0.1', port: 0 }, (s) => net.connect(portOf(s), '127.0.0.1'));
  t.is(relayedClient(fdOf(other.accepted), fdOf(server)), undefined);
});

test('a wildcard listener takes connections on any local address; a unix listener gives no address', async (t) => {
  const wildcard = await connected(t, { host: '0.0.0.0', port: 0 }, (s) =>
    net.connect({ port: portOf(s), host: '127.0.0.3', localAddress: '127.0.0.4' }),
  );
  t.deepEqual(relayedClient(fdOf(wildcard.accepted), fdOf(wildcard.server)), {
    address: '127.0.0.4',
    port: wildcard.client.localPort,
  });
  const socketPath = path.join(tempDir(t), 'l.sock');
  const unix = await connected(t, { path: socketPath }, () => net.connect(socketPath));
  t.is(relayedClient(fdOf(unix.accepted), fdOf(unix.server)), null);
  t.is(relayedClient(fdOf(unix.client), fdOf(unix.server)), undefined, "the client's end is not bound to the listener's path");
  t.is(relayedClient(fdOf(wildcard.accepted), fdOf(unix.server)), undefined);
});
