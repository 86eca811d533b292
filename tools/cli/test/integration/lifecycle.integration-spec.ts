import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv } from '@vigil/testing';

const cli = resolve(__dirname, '../../dist/main.js');
const vigil = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: childEnv({ ...env }), timeout: 180_000 });

interface Row { name: string; state: string; pid?: number; url: string }
const status = (): Row[] => (JSON.parse(vigil(['stack', 'status', '--json']).stdout) as { components: Row[] }).components;

describe('stack lifecycle', () => {
  it('a second `stack up` on a running stack is fast and changes nothing', () => {
    const before = status();
    expect(before.every((c) => c.state === 'healthy')).toBe(true);
    const t0 = Date.now();
    const res = vigil(['stack', 'up']);
    const seconds = (Date.now() - t0) / 1000;
    expect(res.status, `stack up failed:\n${res.stderr}\n${res.stdout}`).toBe(0);
    expect(seconds).toBeLessThan(15);
    const after = status();
    expect(after.map((c) => [c.name, c.pid])).toEqual(before.map((c) => [c.name, c.pid]));
  });

  it('a port held by another program: the message names the port and its holder, and nothing is started', async () => {
    const server = createServer();
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    const home = mkdtempSync(join(tmpdir(), 'vigil-ports-'));
    try {
      // A separate state dir and free ports for everything but Kafka, whose port is taken.
      const res = vigil(['stack', 'up'], {
        VIGIL_HOME: home,
        VIGIL_KAFKA_PORT: String(port),
        VIGIL_KAFKA_CONTROLLER_PORT: '29093',
        VIGIL_POSTGRES_PORT: '25432',
        VIGIL_REGISTRY_PORT: '28081',
        VIGIL_REGISTRY_BACKEND_PORT: '28091',
        VIGIL_REGISTRY_MANAGEMENT_PORT: '29081',
      });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain(`port ${port} (needed by kafka) is already in use by`);
      expect(res.stderr).toContain(`(pid ${process.pid})`);
      const runDir = join(home, 'run');
      expect(existsSync(runDir) ? readdirSync(runDir) : []).toEqual([]);
    } finally {
      server.close();
    }
  });
});
