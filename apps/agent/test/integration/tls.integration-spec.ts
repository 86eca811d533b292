import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentTransport, SendError, TransportConfigError } from '@vigil/agent-transport';
import { sampleTelemetryBatch } from '@vigil/schemas';
import { freePort, testEnv, waitUntil } from '@vigil/testing';
import { AGENT_NODE, agentArgv } from './agent-harness';
import { CADDYFILE, enrolWithCli, ingestFixture, startGatewayProcess, withConfig, type GatewayProcess, type IngestFixture } from './ingest-stack';

/**
 * TLS for real: deploy/compose/Caddyfile run by Debian's caddy on loopback ports with its internal
 * CA (`VIGIL_TLS_MODE=internal`), terminating TLS in front of a gateway process this test starts.
 */
describe('agent ↔ gateway through Caddy (TLS, internal CA)', () => {
  let fx: IngestFixture;
  let gw: GatewayProcess;
  let caddy: ChildProcess;
  let caddyLog = '';
  let httpsUrl: string;
  let rootCa: string;
  let wrongCa: string;
  let endpoint: { id: string; key: string; config: string };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-it-'));

  beforeAll(async () => {
    fx = await ingestFixture('tls');
    gw = await startGatewayProcess({ databaseUrl: fx.databaseUrl, topic: fx.topic });
    const [httpsPort, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    httpsUrl = `https://127.0.0.1:${httpsPort}`;
    caddy = spawn('caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: testEnv('PATH'),
        HOME: dir,
        XDG_DATA_HOME: join(dir, 'data'),
        XDG_CONFIG_HOME: join(dir, 'config'),
        VIGIL_TLS_MODE: 'internal',
        VIGIL_GATEWAY_SITE: httpsUrl,
        VIGIL_GATEWAY_UPSTREAM: `127.0.0.1:${gw.port}`,
        VIGIL_UI_SITE: `https://127.0.0.1:${uiPort}`,
        VIGIL_API_UPSTREAM: '127.0.0.1:9',
        VIGIL_HTTP_PORT: String(httpPort),
        VIGIL_HTTPS_PORT: String(httpsPort),
      },
    });
    caddy.stdout!.setEncoding('utf8').on('data', (d: string) => (caddyLog += d));
    caddy.stderr!.setEncoding('utf8').on('data', (d: string) => (caddyLog += d));
    rootCa = join(dir, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');
    await waitUntil(() => {
      if (caddy.exitCode !== null) throw new Error(`caddy exited (${caddy.exitCode}):\n${caddyLog}`);
      return existsSync(rootCa) && caddyLog.includes('certificate obtained successfully');
    }, 60_000, 'caddy to issue its certificate');

    // A CA the gateway's certificate does not chain to.
    wrongCa = join(dir, 'wrong-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'wrong-ca.key'), '-out', wrongCa, '-days', '1', '-subj', '/CN=Not The Vigil CA'], { stdio: 'ignore' });
    endpoint = await enrolWithCli(fx.databaseUrl, 'tls-endpoint', httpsUrl);
  }, 120_000);

  afterAll(async () => {
    caddy?.kill('SIGTERM');
    await gw?.stop();
    await fx?.close();
  });

  const transport = (tlsCa: string | undefined, api = httpsUrl, insecureHttp = false): AgentTransport =>
    new AgentTransport({ api, tlsCa, insecureHttp, key: endpoint.key, endpointId: endpoint.id, batchSize: 100, spoolDir: mkdtempSync(join(dir, 'spool-')), spoolMaxBytes: 1 << 20, initialBackoffMs: 50 });

  it('enrolment for an https gateway writes no insecure_http and offers tls_ca', () => {
    expect(endpoint.config).toMatch(new RegExp(`^api=${httpsUrl}$`, 'm'));
    expect(endpoint.config).not.toMatch(/^insecure_http=/m);
    expect(endpoint.config).toMatch(/^# tls_ca=/m);
  });

  it('delivers through Caddy when the gateway certificate chains to tls_ca', async () => {
    const t = transport(readFileSync(rootCa, 'utf8'));
    try {
      const schemaId = await t.checkGateway();
      expect(schemaId).toBeGreaterThan(0);
      const { endpointId: _e, batchId: _b, sequence: _s, ...window } = sampleTelemetryBatch(endpoint.id, 0, 2);
      const [batch] = await t.submit(window);
      t.start();
      await t.drained(30_000);
      expect(t.statistics()).toMatchObject({ delivered: 1, lastOutcome: 'accepted' });
      const records = await fx.records(1);
      expect(records).toHaveLength(1);
      expect(records[0]!.key?.toString()).toBe(endpoint.id);
      const decoded = await fx.decode(records[0]!.value!);
      expect(decoded).toMatchObject({ endpointId: endpoint.id, sequence: batch!.sequence, batchId: batch!.batchId });
    } finally {
      await t.stop();
    }
  });

  it.each([
    ['a CA it was not issued by', () => wrongCa],
    ['the system store (no tls_ca)', () => undefined],
  ])('refuses the certificate when verifying against %s, with a clear error', async (_what, ca) => {
    const path = ca();
    const t = transport(path ? readFileSync(path, 'utf8') : undefined);
    try {
      const err = await t.checkGateway().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code: 'TLS_UNTRUSTED' });
      expect((err as Error).message).toMatch(/^gateway certificate not trusted: [A-Z_]+: /);
    } finally {
      await t.stop();
    }
    expect(await fx.admin.recordCount(fx.topic)).toBe(1);
  });

  it('refuses plain http to the gateway without insecure_http', () => {
    expect(() => transport(undefined, gw.url)).toThrow(TransportConfigError);
    expect(() => transport(undefined, gw.url)).toThrow(/plain http:\/\/ to 127\.0\.0\.1:\d+ refused/);
  });

  it('`agent run` with an untrusted gateway certificate stops at start-up: exit 76, the error names the CA file', async () => {
    const conf = join(dir, 'wrong.conf');
    writeFileSync(conf, withConfig(endpoint.config, { tls_ca: wrongCa, spool_dir: join(dir, 'agent-spool-wrong') }), { mode: 0o600 });
    const err = await promisify(execFile)(AGENT_NODE[0], agentArgv('run', '--config', conf)).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(76);
    expect(err?.stderr).toMatch(/vigil agent: gateway certificate not trusted: [A-Z_]+: .*verified against the CA in tls_ca=.*wrong-ca\.pem/);
  });

  it('`agent run` refuses plain http without insecure_http, naming the config line', async () => {
    const conf = join(dir, 'http.conf');
    writeFileSync(conf, withConfig(endpoint.config, { api: gw.url, spool_dir: join(dir, 'agent-spool-http') }), { mode: 0o600 });
    const err = await promisify(execFile)(AGENT_NODE[0], agentArgv('run', '--config', conf)).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    const apiLine = endpoint.config.split('\n').findIndex((l) => l.startsWith('api=')) + 1;
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain(`${conf}:${apiLine}: api: plain http:// refused`);
  });

  it('`agent run` with the right tls_ca verifies the gateway at start-up and runs', async () => {
    const conf = join(dir, 'right.conf');
    writeFileSync(conf, withConfig(endpoint.config, { tls_ca: rootCa, spool_dir: join(dir, 'agent-spool-right'), window: '1s' }), { mode: 0o600 });
    const child = spawn(AGENT_NODE[0], agentArgv('run', '--config', conf), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      await waitUntil(() => out.includes('"msg":"agent running"') || child.exitCode !== null, 60_000, 'the agent to run');
      expect(out).toContain('gateway reachable; TelemetryBatch schema id resolved');
      expect(out).toContain('"tls":true');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
