import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '@vigil/common';
import { DEFAULT_SERVICE_ROLES, createClient, enableTimescale, ensureDatabase, ensureLoginRole, ensureOwnerRole, type Client, type DbService } from '@vigil/db';
import { componentDir } from '../paths';
import type { ComponentStatus, Progress, StackComponent } from './component';
import { runningPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { stackSecrets } from './secrets';
import { cliConfig } from '../config/cli.config';

const PG_MAJOR = 15;
const BIN = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
const DB_ROLE = 'vigil';

/** PostgreSQL 15 from Debian in a project-local cluster (initdb), so nothing depends on the host's own set-up. */
export class PostgresComponent implements StackComponent {
  readonly name = 'postgres';
  readonly ports: number[];
  private readonly dir = componentDir('postgres');
  private readonly dataDir = join(this.dir, 'data');
  /** Unix socket directory, mode 0700 and owned by the server's user: `trust` over it is safe. */
  private readonly socketDir = join(this.dir, 'run');

  constructor(readonly port = cliConfig().postgresPort) {
    this.ports = [port];
  }

  /** The OS user that owns the cluster: `postgres` when we are root (initdb refuses root). */
  private get osUser(): string | undefined {
    return process.getuid?.() === 0 ? 'postgres' : undefined;
  }

  private chown(path: string): void {
    if (!this.osUser) return;
    const uid = Number(execFileSync('id', ['-u', this.osUser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', this.osUser], { encoding: 'utf8' }).trim());
    chownSync(path, uid, gid);
  }

  /** True when the TimescaleDB extension is installed for this PostgreSQL. */
  timescaleAvailable(): boolean {
    try {
      const share = execFileSync(join(BIN, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
      return existsSync(join(share, 'extension', 'timescaledb.control'));
    } catch {
      return false;
    }
  }

  async install(progress: Progress): Promise<void> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return;
    progress('initdb: creating a project-local cluster');
    // Parents stay traversable (0755) for the server's user; only data and socket dirs are private.
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    mkdirSync(this.dataDir, { mode: 0o700 });
    mkdirSync(this.socketDir, { mode: 0o700 });
    this.chown(this.dir);
    this.chown(this.dataDir);
    this.chown(this.socketDir);
    const args = ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'];
    const cmd = this.osUser ? ['runuser', '-u', this.osUser, '--', join(BIN, 'initdb'), ...args] : [join(BIN, 'initdb'), ...args];
    try {
      execFileSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stderr?: Buffer };
      throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(err)}`);
    }
    const timescale = this.timescaleAvailable();
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      [
        '',
        '# --- Vigil local stack ---',
        `listen_addresses = '127.0.0.1'`,
        `port = ${this.port}`,
        `unix_socket_directories = '${this.socketDir}'`,
        'max_connections = 300',
        'shared_buffers = 512MB',
        'work_mem = 16MB',
        'maintenance_work_mem = 256MB',
        'effective_cache_size = 4GB',
        'max_wal_size = 2GB',
        `password_encryption = 'scram-sha-256'`,
        'logging_collector = off',
        `log_min_messages = warning`,
        timescale ? `shared_preload_libraries = 'timescaledb'` : '# timescaledb not installed: native partitioning is used',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(this.dataDir, 'pg_hba.conf'),
      [
        '# Vigil local stack: the socket directory is private to the server user; TCP needs a password.',
        'local all all trust',
        'host all all 127.0.0.1/32 scram-sha-256',
        '',
      ].join('\n'),
    );
  }

  isRunning(): boolean {
    return runningPid(this.name) !== undefined;
  }

  async start(progress: Progress): Promise<void> {
    if (!this.isRunning()) {
      progress(`starting PostgreSQL ${PG_MAJOR} on 127.0.0.1:${this.port}`);
      // The socket dir can vanish with a tmpfs or a manual clean; the server needs it.
      if (!existsSync(this.socketDir)) {
        mkdirSync(this.socketDir, { mode: 0o700 });
        this.chown(this.socketDir);
      }
      startDetached({ name: this.name, command: join(BIN, 'postgres'), args: ['-D', this.dataDir], user: this.osUser });
    }
    await waitFor('postgres', () => this.ping(), {
      timeoutMs: 60_000,
      alive: () => this.isRunning(),
      onTick: (ms) => ms > 5000 && progress(`waiting for PostgreSQL (${Math.round(ms / 1000)} s)`),
    });
  }

  /** Superuser connection over the private socket. */
  adminClient(database = 'postgres'): Client {
    return createClient({ host: this.socketDir, port: this.port, user: 'postgres', database, connectionTimeoutMillis: 3000 });
  }

  private async ping(): Promise<boolean> {
    const client = this.adminClient();
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async provision(progress: Progress): Promise<void> {
    const { postgresPassword, servicePasswords } = stackSecrets();
    const admin = this.adminClient();
    await admin.connect();
    try {
      if (await ensureOwnerRole(admin, DB_ROLE, postgresPassword)) progress(`created role ${DB_ROLE}`);
      // One login role per service, no attribute but LOGIN (its grants come after the migrations).
      for (const service of Object.keys(DEFAULT_SERVICE_ROLES) as DbService[]) {
        await ensureLoginRole(admin, DEFAULT_SERVICE_ROLES[service], servicePasswords[service]);
      }
      if (await ensureDatabase(admin, DEFAULTS.databaseName, DB_ROLE)) progress(`created database ${DEFAULTS.databaseName}`);
    } finally {
      await admin.end();
    }
    if (this.timescaleAvailable()) {
      const client = this.adminClient(DEFAULTS.databaseName);
      await client.connect();
      try {
        await enableTimescale(client);
      } finally {
        await client.end();
      }
    }
  }

  /** `postgres://vigil_<service>:<password>@127.0.0.1:5432/vigil`: what that service runs with. */
  serviceUrl(service: DbService, database: string = DEFAULTS.databaseName): string {
    const password = stackSecrets().servicePasswords[service];
    return `postgres://${DEFAULT_SERVICE_ROLES[service]}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** `postgres://vigil:<password>@127.0.0.1:5432/vigil` with the local credentials (the owner: migrations, CLI, tests). */
  url(database: string = DEFAULTS.databaseName): string {
    const { postgresPassword } = stackSecrets();
    return `postgres://${DB_ROLE}:${encodeURIComponent(postgresPassword)}@127.0.0.1:${this.port}/${database}`;
  }

  version(): string {
    try {
      return execFileSync(join(BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
    } catch {
      return 'not installed';
    }
  }

  async status(): Promise<ComponentStatus> {
    const pid = runningPid(this.name);
    const base = { name: this.name, version: this.version(), url: existsSync(this.dataDir) ? this.url() : '', pid };
    if (pid === undefined) return { ...base, state: 'stopped' };
    const ok = await this.ping().catch(() => false);
    const timescale = this.timescaleAvailable() ? 'TimescaleDB' : 'native partitioning (no TimescaleDB)';
    return { ...base, state: ok ? 'healthy' : 'unhealthy', detail: ok ? timescale : tailLog(this.name, 5) };
  }

  async stop(): Promise<void> {
    // SIGTERM = "smart" shutdown waits for clients; SIGINT ("fast") is what we want, handled by pg_ctl.
    const pid = runningPid(this.name);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        /* gone */
      }
    }
    await stopProcess(this.name, 30_000);
  }

  /** Data directory exists (cluster initialised). */
  initialised(): boolean {
    return existsSync(this.dataDir) && readdirSync(this.dataDir).length > 0;
  }
}
