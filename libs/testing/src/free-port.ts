import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (closed again before it is returned; services under test take it from their environment). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}
