import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@vigil/testing';
import { AGENT_NODE, agentArgv, runToEnd } from './agent-harness';
import { enrolWithCli, ingestFixture, startGatewayProcess, withConfig, type GatewayProcess, type IngestFixture } from './ingest-stack';

interface Activity {
  pid: number;
  exe: string;
  exeHash: string | null;
  exited: boolean;
}
interface Batch {
  processes: Activity[];
  agentStats: Record<string, number>;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * exeHash from the real agent (root, real eBPF) through a gateway into Kafka: the sha256 of the
 * executable each process ran — a copied binary that exits at once (hashed by path), one that keeps
 * running after its file was deleted (hashed through /proc/PID/exe), and null with a counter for an
 * executable over the size cap.
 */
describe('agent run: exeHash of the executables processes run (root, real kernel)', () => {
  let fx: IngestFixture;
  let gw: GatewayProcess;
  let agent: ChildProcess;
  let agentOut = '';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-exe-hash-it-'));

  beforeAll(async () => {
    fx = await ingestFixture('exehash', 1);
    gw = await startGatewayProcess({ databaseUrl: fx.databaseUrl, topic: fx.topic });
    const endpoint = await enrolWithCli(fx.databaseUrl, 'exe-hash-endpoint', gw.url);
    const conf = join(dir, 'agent.conf');
    writeFileSync(conf, withConfig(endpoint.config, { spool_dir: join(dir, 'spool'), window: '1s' }), { mode: 0o600 });
    agent = spawn(AGENT_NODE[0], agentArgv('run', '--config', conf), { stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout!.setEncoding('utf8').on('data', (d: string) => (agentOut = (agentOut + d).slice(-100_000)));
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (agentOut = (agentOut + d).slice(-100_000)));
    await waitUntil(() => {
      if (agent.exitCode !== null) throw new Error(`agent exited (${agent.exitCode}):\n${agentOut}`);
      return agentOut.includes('"msg":"agent running"');
    }, 60_000, 'the agent to run');
  }, 120_000);

  afterAll(async () => {
    if (agent?.exitCode === null) agent.kill('SIGKILL');
    await gw?.stop();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every delivered batch so far, decoded. */
  const batches = async (): Promise<Batch[]> => {
    const out: Batch[] = [];
    for (const r of await fx.records(1)) out.push((await fx.decode(r.value!)) as unknown as Batch);
    return out;
  };
  /** The process-windows of `pid` in the batches. */
  const windowsOf = (all: Batch[], pid: number): Activity[] => all.flatMap((b) => b.processes.filter((p) => p.pid === pid));
  /** Wait for a window of `pid` with a hash; on a timeout, say what the windows of `pid` carried. */
  const hashedWindows = async (pid: number, what: string): Promise<Activity[]> => {
    let seen: Activity[] = [];
    let stats: Record<string, number> = {};
    return waitUntil(async () => {
      const all = await batches();
      stats = Object.fromEntries(Object.entries(all.at(-1)?.agentStats ?? {}).filter(([k]) => k.startsWith('exe_hash')));
      seen = windowsOf(all, pid);
      return seen.some((p) => p.exeHash !== null) ? seen : undefined;
    }, 90_000, what).catch((err: unknown) => {
      throw new Error(`${String(err)}; windows of pid ${pid}: ${JSON.stringify(seen.map((w) => [w.exe, w.exeHash]))}; hasher: ${JSON.stringify(stats)}; agent log tail:\n${agentOut.slice(-2000)}`);
    });
  };

  it('a copied binary that exits at once: its windows carry the sha256 of the file (its exit window at the latest)', async () => {
    const exe = join(dir, 'vigil-hash-true');
    copyFileSync('/bin/true', exe);
    chmodSync(exe, 0o755);
    // a byte appended: a file no other process on the host runs, so its hash is this test's
    writeFileSync(exe, Buffer.concat([readFileSync(exe), Buffer.from([0])]));
    const expected = sha256(exe);
    const run = await runToEnd(exe, []);
    expect(run.code).toBe(0);
    const windows = await hashedWindows(run.pid, 'a window of the copied binary with its hash');
    // a batch may leave before the hash is known (null, never another value): under load the urgent
    // batch of the exec can beat it; the exit window comes after it
    expect(windows.filter((w) => w.exeHash !== null).map((w) => [w.exe, w.exeHash])).toEqual(windows.filter((w) => w.exeHash !== null).map(() => [exe, expected]));
    const exit = await waitUntil(async () => windowsOf(await batches(), run.pid).find((w) => w.exited), 30_000, 'the exit window');
    expect(exit.exeHash).toBe(expected);
  });

  it('a running program whose file was deleted is hashed through /proc/PID/exe', async () => {
    const exe = join(dir, 'vigil-hash-sleep');
    copyFileSync('/bin/sleep', exe);
    chmodSync(exe, 0o755);
    writeFileSync(exe, Buffer.concat([readFileSync(exe), Buffer.from([1])]));
    const expected = sha256(exe);
    const child = spawn(exe, ['3'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    unlinkSync(exe); // only the running image is left
    const exited = new Promise((r) => child.once('exit', r));
    const windows = await hashedWindows(child.pid!, 'a window of the deleted program with its hash');
    await exited;
    expect(windows.filter((w) => w.exeHash !== null).map((w) => w.exeHash)).toEqual(windows.filter((w) => w.exeHash !== null).map(() => expected));
    const exit = await waitUntil(async () => windowsOf(await batches(), child.pid!).find((w) => w.exited), 30_000, 'the exit window');
    expect(exit.exeHash).toBe(expected);
  });

  it('an executable over the 64 MiB cap is not read: exeHash null, counted in agentStats', async () => {
    const node = process.execPath;
    const big = statSync(node).size > 64 * 1024 * 1024;
    const run = await runToEnd(node, ['-e', '0']);
    const all = await waitUntil(async () => {
      const b = await batches();
      return windowsOf(b, run.pid).length > 0 ? b : undefined;
    }, 60_000, 'a window of the node process');
    const hashes = new Set(windowsOf(all, run.pid).map((w) => w.exeHash));
    const tooLarge = Math.max(...all.map((b) => b.agentStats.exe_hash_too_large_total ?? 0));
    if (big) {
      expect([...hashes]).toEqual([null]);
      expect(tooLarge).toBeGreaterThanOrEqual(1);
    } else {
      expect([...hashes]).toEqual([sha256(node)]);
    }
  });
});
