import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentTransport, type WindowContent } from '@vigil/agent-transport';
import { KafkaClient } from '@vigil/kafka';
import type { ProcessActivity } from '@vigil/schemas';
import { childEnv, freePort, freshDatabase, stackServiceEnv, stackUrls, uniqueName, waitUntil } from '@vigil/testing';

export const REPO = resolve(__dirname, '..', '..', '..', '..');
const dist = (app: string, file: string): string => join(REPO, 'apps', app, 'dist', file);

/** A service process whose output is kept for the failure message. */
class Service {
  output = '';
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
  }

  async healthy(url: string, timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}: ${this.output.slice(-3000)}`);
        return (await fetch(url).catch(() => undefined))?.ok;
      },
      timeoutMs,
      `${this.name} healthy at ${url}`,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- ${this.name} output ---\n${this.output.slice(-3000)}`);
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((done) => {
      const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(t);
        done();
      });
      this.child.kill('SIGTERM');
    });
  }
}

/** A cookie-keeping API client for the test's own set-up calls (not the browser's). */
export class ApiSession {
  cookie = '';
  csrf = '';
  constructor(readonly baseUrl: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    this.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c!.startsWith('vigil_session='))!;
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }
}

const NORMAL_FILES = ['/var/www/html/index.html', '/etc/nginx/nginx.conf'];

/** One window of a web worker as the agent reports it; `attack` reads /etc/shadow, runs /bin/sh, connects out. */
function worker(exe: string, run: number, t: number, attack: boolean): ProcessActivity {
  const pid = 2000 + run;
  return {
    pid,
    ppid: 900,
    startTimeNs: run * 1_000_000,
    exe,
    exeHash: null,
    comm: exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15),
    uid: 33,
    gid: 33,
    cgroup: '/system.slice/web.service',
    containerId: null,
    ancestry: ['/usr/sbin/nginx', '/usr/lib/systemd/systemd'],
    ancestorPids: null,
    argv: null,
    exited: true,
    exitCode: 0,
    syscalls: attack ? { read: 40, write: 40, openat: 10, close: 10, fstat: 10, accept: 5, ptrace: 1, dup2: 3, socket: 1, connect: 1 } : { read: 40 + (run % 5), write: 40, openat: 10, close: 10, fstat: 10, accept: 5 },
    sequences: { k: 3, ngrams: [] },
    files: (attack ? ['/etc/shadow'] : NORMAL_FILES).map((path) => ({ path, flags: 0, ret: 0, count: 2, firstSeen: t })),
    execs: attack ? [{ time: t, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 }] : [],
    network: attack
      ? [{ op: 'CONNECT', family: 'INET', addr: '203.0.113.9', port: 4444, ret: 0, count: 1, firstSeen: t }]
      : [{ op: 'ACCEPT', family: 'INET', addr: `10.0.0.${run % 200}`, port: 443, ret: 0, count: 3, firstSeen: t }],
    security: [],
  };
}

/** Long-running processes, alive in every window (the endpoint's current process tree). */
function daemons(): ProcessActivity[] {
  const base = (pid: number, ppid: number, exe: string, ancestry: string[]): ProcessActivity => ({
    pid, ppid, startTimeNs: pid, exe, exeHash: null, comm: exe.slice(exe.lastIndexOf('/') + 1), uid: 0, gid: 0, cgroup: '/', containerId: null,
    ancestry, ancestorPids: null, argv: null, exited: false, exitCode: null, syscalls: { epoll_wait: 20, read: 5 }, sequences: { k: 3, ngrams: [] },
    files: [], execs: [], network: [], security: [],
  });
  return [
    base(1, 0, '/usr/lib/systemd/systemd', []),
    base(900, 1, '/usr/sbin/nginx', ['/usr/lib/systemd/systemd']),
    base(950, 1, '/usr/sbin/sshd', ['/usr/lib/systemd/systemd']),
    base(951, 950, '/usr/bin/bash', ['/usr/sbin/sshd', '/usr/lib/systemd/systemd']),
  ];
}

/** A window of the endpoint: the daemons plus one run of each web program (`attack` compromises one). */
export function window(t: number, run: number, programs: string[], attack?: string): WindowContent {
  return {
    agentVersion: '0.1.0-e2e',
    windowStart: t - 500,
    windowEnd: t,
    host: { hostname: 'web-01', kernel: '6.1.0', bootId: 'e2e-boot', os: 'Debian 12' },
    processes: [...daemons(), ...programs.map((exe, i) => worker(exe, run * programs.length + i, t, exe === attack))],
    drops: { ringbuf_full: 0 },
    agentStats: { records_per_s: 1200 + run },
  };
}

/**
 * The real pipeline on its own database and topics: the API (serving the built UI), the ingest gateway
 * and the stream analyzer as their built processes, an admin made with the API's CLI, and an enrolled
 * endpoint whose batches go through libs/agent-transport to the gateway.
 */
export class Pipeline {
  readonly telemetryTopic = uniqueName('vigil.test.web.telemetry');
  readonly alertsTopic = uniqueName('vigil.test.web.alerts');
  readonly dlqTopic = uniqueName('vigil.test.web.dlq');
  readonly groupId = uniqueName('vigil-test-web');
  readonly adminPassword = `e2e-${uniqueName('pw')}-Strong!`;
  apiUrl = '';
  gatewayUrl = '';
  databaseUrl = '';
  endpoint = { id: '', key: '' };
  admin!: ApiSession;
  private services: Service[] = [];
  private dropDb?: () => Promise<void>;
  private kafka = new KafkaClient({ brokers: stackUrls().kafkaBrokers, clientId: 'web-e2e', sasl: stackUrls().kafkaSasl });
  private transport?: AgentTransport;
  private spoolDir = mkdtempSync(join(tmpdir(), 'vigil-web-e2e-spool-'));

  async start(): Promise<void> {
    for (const [app, file] of [['api', 'main.js'], ['api', 'cli.js'], ['web', 'index.html'], ['ingest-gateway', 'main.js'], ['stream-analyzer', 'main.js']] as const) {
      const f = dist(app, file);
      if (!existsSync(f)) throw new Error(`${f} is missing: build first (npx nx run-many -t build)`);
    }
    const db = await freshDatabase('vigil_web_e2e');
    this.databaseUrl = db.url;
    this.dropDb = db.drop;
    const urls = stackUrls();
    const admin = this.kafka.admin();
    await admin.connect();
    for (const [topic, n] of [[this.telemetryTopic, 3], [this.alertsTopic, 1], [this.dlqTopic, 1]] as const) {
      await waitUntil(async () => {
        await admin.createTopic(topic, n).catch(() => false);
        return (await admin.endOffsets(topic)).size === n;
      }, 30_000, `topic ${topic}`);
    }
    await admin.disconnect();

    const [apiPort, gatewayPort] = [await freePort(), await freePort()];
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const common = { VIGIL_DATABASE_URL: db.url, ...stackServiceEnv(urls), VIGIL_LOG_LEVEL: 'warn' };
    const api = this.spawn('api', [dist('api', 'main.js')], { ...common, VIGIL_API_HOST: '127.0.0.1', VIGIL_API_PORT: String(apiPort), VIGIL_WEB_DIST: join(REPO, 'apps', 'web', 'dist'), VIGIL_GATEWAY_URL: this.gatewayUrl });
    await api.healthy(`${this.apiUrl}/api/healthz`);

    const cli = spawnSync(process.execPath, [dist('api', 'cli.js'), 'create-user', '--username', 'admin', '--role', 'admin'], { input: `${this.adminPassword}\n`, env: childEnv(common), encoding: 'utf8' });
    if (cli.status !== 0) throw new Error(`create-user failed (${cli.status}): ${cli.stderr}`);

    const gateway = this.spawn('gateway', [dist('ingest-gateway', 'main.js')], { ...common, VIGIL_GATEWAY_HOST: '127.0.0.1', VIGIL_GATEWAY_PORT: String(gatewayPort), VIGIL_GATEWAY_TOPIC: this.telemetryTopic, VIGIL_GATEWAY_KEY_CACHE_TTL: '1s' });
    await gateway.healthy(`${this.gatewayUrl}/healthz`);
    this.spawn('analyzer', [dist('stream-analyzer', 'main.js'), 'run'], {
      ...common,
      VIGIL_BASELINE_LEARNING_PERIOD: '2s',
      VIGIL_ANALYZER_TELEMETRY_TOPIC: this.telemetryTopic,
      VIGIL_ANALYZER_ALERTS_TOPIC: this.alertsTopic,
      VIGIL_ANALYZER_DLQ_TOPIC: this.dlqTopic,
      VIGIL_ANALYZER_GROUP_ID: this.groupId,
      VIGIL_ANALYZER_PORT: '0',
      VIGIL_ANALYZER_SESSION_TIMEOUT: '10s',
      VIGIL_ANALYZER_FLEET_MIN_ENDPOINTS: '1000000',
    });

    this.admin = new ApiSession(this.apiUrl);
    await this.admin.login('admin', this.adminPassword);
    const enrolled = await this.admin.request<{ id: string; key: string }>('POST', '/api/endpoints', { name: 'web-01' });
    if (enrolled.status !== 201) throw new Error(`enrolment failed: ${enrolled.status} ${JSON.stringify(enrolled.json)}`);
    this.endpoint = enrolled.json;
    // plain http on loopback only: the test gateway has no TLS
    this.transport = new AgentTransport({ api: this.gatewayUrl, insecureHttp: true, key: this.endpoint.key, endpointId: this.endpoint.id, batchSize: 100, spoolDir: this.spoolDir, spoolMaxBytes: 64 * 1024 * 1024, initialBackoffMs: 200, maxBackoffMs: 2000 });
    this.transport.start();
  }

  private spawn(name: string, args: string[], env: Record<string, string>): Service {
    const s = new Service(name, spawn(process.execPath, args, { cwd: REPO, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
    this.services.push(s);
    return s;
  }

  /** Send windows through the agent transport and wait until the gateway has taken them all (202). */
  async send(windows: WindowContent[]): Promise<void> {
    for (const w of windows) await this.transport!.submit(w);
    await this.transport!.drained(60_000);
  }

  /** Alerts the API lists (every status), once at least `min` exist. */
  async waitForAlerts(min: number, timeoutMs = 90_000): Promise<{ id: string; kind: string; program: string; title: string }[]> {
    return waitUntil(async () => {
      const r = await this.admin.request<{ items: { id: string; kind: string; program: string; title: string }[] }>('GET', '/api/alerts?limit=200');
      return r.status === 200 && r.json.items.length >= min ? r.json.items : undefined;
    }, timeoutMs, `${min} alerts from the pipeline`).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${this.services.map((s) => `--- ${s.name} ---\n${s.output.slice(-2000)}`).join('\n')}`);
    });
  }

  async stop(): Promise<void> {
    await this.transport?.stop().catch(() => undefined);
    for (const s of [...this.services].reverse()) await s.stop();
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    for (const t of [this.telemetryTopic, this.alertsTopic, this.dlqTopic]) await admin.deleteTopic(t).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await this.dropDb?.();
    rmSync(this.spoolDir, { recursive: true, force: true });
  }
}
