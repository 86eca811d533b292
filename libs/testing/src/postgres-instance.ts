import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);

/** A PostgreSQL server of its own for one test (its own data directory and port), to stop and start at will. */
export interface PostgresInstance {
  port: number;
  /** Superuser URL of its `postgres` database. */
  url: string;
  /** URL of database `name` on it. */
  urlOf(name: string): string;
  /** Stop the server (`immediate`: a crash, no checkpoint; `fast`: sessions ended, clean shutdown). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Start it again on the same port and data directory (waits until it accepts connections). */
  start(): Promise<void>;
  /** Stop it and delete its data directory. Safe to call twice. */
  destroy(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed from Debian packages (/usr/lib/postgresql/<v>/bin). */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin (./vigil stack up installs them)');
  return join(base, versions[0]!, 'bin');
}


/**
 * initdb a throw-away cluster in a temp dir and start it on a free loopback port (trust auth, fsync
 * off: a test's data). For faults that stop the database itself — the shared stack's server is never
 * touched. Runs as the `postgres` user when this process is root (the server refuses root).
 */
export async function startPostgresInstance(options: { settings?: Record<string, string | number> } = {}): Promise<PostgresInstance> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const pg = (tool: string, args: string[]): Promise<unknown> =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { timeout: 120_000 }) : run(join(bin, tool), args, { timeout: 120_000 });
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const settings = { listen_addresses: '127.0.0.1', port, unix_socket_directories: dir, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 200, ...options.settings };
  const opts = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const log = join(dir, 'postgres.log');
  let running = false;
  const start = async (): Promise<void> => {
    await pg('pg_ctl', ['-D', data, '-l', log, '-o', opts, '-w', '-t', '120', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    if (!running) return;
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let destroyed = false;
  process.once('exit', () => {
    if (destroyed || !running) return;
    const args = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
      else execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });
  return {
    port,
    url,
    urlOf: (name) => `postgres://postgres@127.0.0.1:${port}/${name}`,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
