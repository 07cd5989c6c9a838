/**
 * @module test/integration/support/tcp-proxy
 * A TCP forwarder on 127.0.0.1 in front of the emulator that can be switched off and on again on the same port:
 * "RingCentral refuses connections" for a while, then comes back with the same state (tokens, clock) — which
 * stopping and restarting the emulator itself would lose.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A switchable forwarder. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`, stable across stop/start. */
  readonly url: string;
  /** Closes the port and every open connection: new connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a forwarder to `targetUrl` (http://host:port). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect({ host: target.hostname, port: Number(target.port) });
        sockets.add(client);
        sockets.add(upstream);
        const drop = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const address = s.address();
        if (typeof address === 'object' && address !== null) port = address.port;
        server = s;
        resolve();
      });
    });

  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return { url: `http://127.0.0.1:${port}`, stop, start: listen, close: stop };
}
