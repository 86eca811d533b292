import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@vigil/db';
import { stackUrls, uniqueName, waitUntil, stackServiceEnv, childEnv } from '@vigil/testing';
import { AGENT_NODE, agentArgv } from './agent-harness';
import { enrolWithCli, ingestFixture, startGatewayProcess, withConfig, type GatewayProcess, type IngestFixture } from './ingest-stack';

/** The built analyzer: the agent's batches go through it into `processes`, as in production. */
const ANALYZER_MAIN = resolve(__dirname, '..', '..', '..', 'stream-analyzer', 'dist', 'main.js');

interface ProcessRow {
  pid: number;
  ppid: number;
  exe: string;
  argv: string[] | null;
}

/** Run a command to the end; resolves with its stdout. */
function output(cmd: string, args: string[]): Promise<{ pid: number; stdout: string }> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('error', rej);
    c.on('exit', () => res({ pid: c.pid!, stdout: out }));
  });
}

/**
 * Processes that exec, stored right (issue 14.5): the real agent (root, real eBPF) → gateway →
 * Kafka → the analyzer → `processes`. A bash that fork+execs awk is stored with bash's own argv (not
 * awk's); the awk child with awk's exe, argv and bash as parent; a bash started by that bash which
 * then execs sleep in place is stored as sleep, with sleep's argv and the same parent.
 */
describe('exec → processes rows (agent, gateway, analyzer; root, real kernel)', () => {
  let fx: IngestFixture;
  let gw: GatewayProcess;
  let analyzer: ChildProcess;
  let agent: ChildProcess;
  let pool: Pool;
  let log = '';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-processes-it-'));

  const spawnLogged = (argv: string[], env: Record<string, string>): ChildProcess => {
    const c = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv({ ...env }) });
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-100_000)));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-100_000)));
    return c;
  };

  beforeAll(async () => {
    fx = await ingestFixture('processes', 1);
    const alerts = uniqueName('vigil.test.processes.alerts');
    const dlq = uniqueName('vigil.test.processes.dlq');
    for (const t of [alerts, dlq]) await fx.admin.createTopic(t, 1);
    gw = await startGatewayProcess({ databaseUrl: fx.databaseUrl, topic: fx.topic });
    const urls = stackUrls();
    analyzer = spawnLogged([ANALYZER_MAIN, 'run'], {
      ...stackServiceEnv(urls),
      VIGIL_DATABASE_URL: fx.databaseUrl,
      VIGIL_ANALYZER_TELEMETRY_TOPIC: fx.topic,
      VIGIL_ANALYZER_ALERTS_TOPIC: alerts,
      VIGIL_ANALYZER_DLQ_TOPIC: dlq,
      VIGIL_ANALYZER_GROUP_ID: uniqueName('vigil-test-processes'),
      VIGIL_ANALYZER_PORT: '0',
      VIGIL_ANALYZER_SESSION_TIMEOUT: '10s',
      VIGIL_LOG_LEVEL: 'info',
    });
    await waitUntil(() => {
      if (analyzer.exitCode !== null) throw new Error(`analyzer exited (${analyzer.exitCode}):\n${log}`);
      return /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(log);
    }, 90_000, 'the analyzer to listen');
    const endpoint = await enrolWithCli(fx.databaseUrl, 'processes-endpoint', gw.url);
    const conf = join(dir, 'agent.conf');
    writeFileSync(conf, withConfig(endpoint.config, { spool_dir: join(dir, 'spool'), window: '2s' }), { mode: 0o600 });
    agent = spawn(AGENT_NODE[0], agentArgv('run', '--config', conf), { stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-100_000)));
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-100_000)));
    await waitUntil(() => {
      if (agent.exitCode !== null) throw new Error(`agent exited (${agent.exitCode}):\n${log}`);
      return log.includes('"msg":"agent running"');
    }, 60_000, 'the agent to run');
    pool = createPool(fx.databaseUrl, { max: 2 });
  }, 180_000);

  afterAll(async () => {
    if (agent?.exitCode === null) agent.kill('SIGKILL');
    if (analyzer?.exitCode === null) analyzer.kill('SIGKILL');
    await pool?.end().catch(() => undefined);
    await gw?.stop();
    await fx?.close();
  });

  const rows = async (pids: number[]): Promise<Map<number, ProcessRow>> => {
    const r = await pool.query<ProcessRow>('select pid, ppid, exe, argv from processes where pid = any($1::int[]) order by last_seen', [pids]);
    return new Map(r.rows.map((x) => [x.pid, x]));
  };

  it('stores exe, argv and parent right after fork+exec and after an exec in place', async () => {
    const awkProgram = 'BEGIN { getline s < "/proc/self/stat"; split(s, f, " "); print "awk", f[1] }';
    // `; true` keeps bash from exec'ing its last command in place: awk is a fork+exec, the inner bash too
    const script = `echo outer $$; awk '${awkProgram}'; /bin/bash -c 'echo inner $$; exec sleep 0.3'; true`;
    const run = await output('/bin/bash', ['-c', script]);
    const pid = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(run.stdout)?.[1]);
    const outer = pid('outer');
    const awk = pid('awk');
    const inner = pid('inner');
    expect(outer).toBe(run.pid);
    expect(awk).toBeGreaterThan(0);
    expect(inner).toBeGreaterThan(0);

    const bash = realpathSync('/bin/bash');
    const expected = new Map<number, ProcessRow>([
      [outer, { pid: outer, ppid: process.pid, exe: bash, argv: ['/bin/bash', '-c', script] }],
      [awk, { pid: awk, ppid: outer, exe: realpathSync('/usr/bin/awk'), argv: ['awk', awkProgram] }],
      [inner, { pid: inner, ppid: outer, exe: realpathSync('/usr/bin/sleep'), argv: ['sleep', '0.3'] }],
    ]);
    // the rows settle once the windows with the exits are in (the urgent batches may come first)
    const got = await waitUntil(
      async () => {
        const r = await rows([outer, awk, inner]);
        return [...expected].every(([p, want]) => JSON.stringify(r.get(p)) === JSON.stringify(want)) ? r : undefined;
      },
      90_000,
      'the three processes stored as they ran',
    ).catch(async (err: unknown) => {
      // show what was stored instead of only a timeout
      expect(Object.fromEntries(await rows([outer, awk, inner]))).toEqual(Object.fromEntries(expected));
      throw err;
    });
    expect(got.size).toBe(3);
  });
});
