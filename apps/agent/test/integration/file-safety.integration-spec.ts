import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentTransport } from '@vigil/agent-transport';
import { sampleTelemetryBatch } from '@vigil/schemas';
import { AGENT_NODE, agentArgv } from './agent-harness';
import { enrolWithCli, ingestFixture, startGatewayProcess, withConfig, type GatewayProcess, type IngestFixture } from './ingest-stack';

/**
 * The agent runs as root and trusts two things on disk: its config file (where telemetry goes, which
 * CA is trusted) and its spool. A config others can write is refused at start; nothing in the spool
 * is followed if it is a link. Against a real gateway, PostgreSQL and Kafka.
 */
describe('agent file safety: config permissions and spool symlinks', () => {
  let fx: IngestFixture;
  let gw: GatewayProcess;
  let endpoint: { id: string; key: string; config: string };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-filesafety-it-'));

  beforeAll(async () => {
    fx = await ingestFixture('filesafety');
    gw = await startGatewayProcess({ databaseUrl: fx.databaseUrl, topic: fx.topic });
    endpoint = await enrolWithCli(fx.databaseUrl, 'file-safety', gw.url);
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await fx?.close();
  });

  const runAgent = async (conf: string): Promise<{ code: number; stderr: string } | undefined> =>
    promisify(execFile)(AGENT_NODE[0], agentArgv('run', '--config', conf), { timeout: 60_000 }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );

  const config = (name: string, mode: number, values: Record<string, string> = {}): string => {
    const conf = join(dir, name);
    writeFileSync(conf, withConfig(endpoint.config, { spool_dir: join(dir, `spool-${name}`), ...values }));
    chmodSync(conf, mode); // explicit: the umask must not decide the test
    return conf;
  };

  it('`agent run` refuses a world-writable config: exit 78, the mode and the fix named', async () => {
    const conf = config('world.conf', 0o666);
    const err = await runAgent(conf);
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain(`refusing the agent config: config file ${conf} is writable by any user (mode 0666)`);
    expect(err?.stderr).toContain(`chmod 600 ${conf}`);
  });

  it('`agent run` refuses a group-writable config and one owned by another user', async () => {
    const group = await runAgent(config('group.conf', 0o660));
    expect(group?.code).toBe(78);
    expect(group?.stderr).toMatch(/is writable by its group \(mode 0660\)/);
    const foreign = config('foreign.conf', 0o600);
    chownSync(foreign, 4321, 4321);
    const owned = await runAgent(foreign);
    expect(owned?.code).toBe(78);
    expect(owned?.stderr).toMatch(/is owned by uid 4321, not by root or the agent's user/);
  });

  it('`agent run` refuses a spool_dir that is a symlink, saying so', async () => {
    const real = join(dir, 'real-spool');
    mkdirSync(real, { mode: 0o700 });
    const link = join(dir, 'linked-spool');
    symlinkSync(real, link);
    const err = await runAgent(config('linked.conf', 0o600, { spool_dir: link }));
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain(`unsafe spool_dir: refusing ${link}: the spool directory is a symbolic link`);
  });

  it('a batch planted in the spool as a symlink is neither read nor sent; the real batch is', async () => {
    // A genuine encoded batch, spooled by one transport and copied somewhere else…
    const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
    const first = new AgentTransport({ api: gw.url, insecureHttp: true, key: endpoint.key, endpointId: endpoint.id, batchSize: 100, spoolDir: join(elsewhere, 'spool'), spoolMaxBytes: 1 << 20 });
    const { endpointId: _e, batchId: _b, sequence: _s, ...window } = sampleTelemetryBatch(endpoint.id, 0, 2);
    await first.submit(window);
    const [spooled] = readdirSync(join(elsewhere, 'spool')).filter((f) => f.endsWith('.batch'));
    copyFileSync(join(elsewhere, 'spool', spooled!), join(elsewhere, 'target'));
    await first.stop();

    // …and linked into another spool under the name of the oldest batch.
    const spoolDir = join(dir, 'planted-spool');
    mkdirSync(spoolDir, { mode: 0o700 });
    symlinkSync(join(elsewhere, 'target'), join(spoolDir, '0000000000000000-planted.batch'));
    const refused: string[] = [];
    const log = { warn: () => undefined, info: () => undefined, error: (o: { reason?: string }) => refused.push(o.reason ?? '') };
    const t = new AgentTransport({ api: gw.url, insecureHttp: true, key: endpoint.key, endpointId: endpoint.id, batchSize: 100, spoolDir, spoolMaxBytes: 1 << 20, initialBackoffMs: 50, log: log as never });
    try {
      expect(t.spool.length).toBe(0);
      expect(refused).toEqual([expect.stringMatching(/symbolic link \(never followed in the spool\); left alone and not sent/)]);
      await t.submit(window);
      t.start();
      await t.drained(30_000);
      expect(t.statistics()).toMatchObject({ delivered: 1 });
    } finally {
      await t.stop();
    }
    const records = await fx.records(1);
    expect(records).toHaveLength(1);
  });
});
