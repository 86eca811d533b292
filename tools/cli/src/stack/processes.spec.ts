import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { descendsFrom, portHolder, portOpen } from './processes';
import { preflightPorts, PortInUseError } from './index';
import type { StackComponent } from './component';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

const listen = (): Promise<number> =>
  new Promise((r) => {
    server = createServer();
    server.listen(0, '127.0.0.1', () => r((server!.address() as { port: number }).port));
  });

const component = (name: string, port: number): StackComponent =>
  ({ name, ports: [port], isRunning: () => false }) as unknown as StackComponent;

describe('port preflight', () => {
  it('names the port and the process holding it', async () => {
    const port = await listen();
    expect(await portOpen(port)).toBe(true);
    expect(portHolder(port)?.pids).toContain(process.pid);
    expect(portHolder(port)?.text).toMatch(new RegExp(`\\(pid ${process.pid}\\)`));
    const err = await preflightPorts([component('kafka-test', port)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toContain(`port ${port} (needed by kafka-test) is already in use by`);
    expect((err as Error).message).toContain(`(pid ${process.pid})`);
  });

  it('passes when the port is free', async () => {
    const port = await listen();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(preflightPorts([component('free', port)])).resolves.toBeUndefined();
  });
});

describe('descendsFrom', () => {
  it('follows the parent chain at the time of the call; an exited pid no longer holds anything', () => {
    const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    const exited = Number(child.stdout.trim());
    expect(descendsFrom(process.pid, new Set([process.pid]))).toBe(true);
    expect(descendsFrom(process.pid, new Set([process.ppid]))).toBe(true);
    expect(descendsFrom(process.ppid, new Set([process.pid]))).toBe(false);
    expect(descendsFrom(1, new Set([process.pid]))).toBe(false);
    expect(descendsFrom(exited, new Set([process.pid]))).toBe(true);
  });

});
