import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy on loopback whose link can be cut and restored (a dependency "going down" for one test). */
export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** Drop every open connection and refuse new ones (reset at once) until {@link restore}. */
  cut(): void;
  /** Accept and forward connections again. */
  restore(): void;
  /** Whether the link is currently cut. */
  readonly isCut: boolean;
  close(): Promise<void>;
}

/**
 * Forward 127.0.0.1:<random port> to `target`. Cutting it makes the target look unreachable to the
 * client (connections reset, new ones refused) without touching the shared service behind it.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    get isCut() {
      return cut;
    },
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const s of open) s.destroy();
        server.close(() => resolvePromise());
      }),
  };
}
