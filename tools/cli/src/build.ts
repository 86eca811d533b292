import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';
import { AGENT_PACKAGES, ensurePackages } from './system/packages';
import { childEnv } from './config/cli.config';

/** Stamp touched after a successful full build; a source newer than it means "rebuild". */
// Kept in the checkout's own .vigil (not VIGIL_HOME): a build belongs to a checkout, the stack may be shared.
const BUILD_STAMP = join(REPO_ROOT, '.vigil', '.built');
const BUILD_LOG = join(REPO_ROOT, '.vigil', 'logs', 'build.log');

/** True when some source (TypeScript, C, schema, config, web asset) is newer than the last full build. */
export function buildStale(): boolean {
  if (!existsSync(BUILD_STAMP)) return true;
  const find = spawnSync(
    'find',
    [
      'apps', 'libs', 'tools', 'bpf', '-newer', BUILD_STAMP,
      '(', '-name', '*.ts', '-o', '-name', '*.tsx', '-o', '-name', '*.css', '-o', '-name', '*.html', '-o', '-name', 'tsconfig*.json',
      '-o', '-name', 'package.json', '-o', '-name', '*.c', '-o', '-name', '*.h', '-o', '-name', '*.avsc', '-o', '-name', '*.yaml', '-o', '-name', '*.sql', ')',
      '-not', '-path', '*/node_modules/*', '-not', '-path', '*/dist/*', '-not', '-path', '*/build/*', '-not', '-path', '*/gen/*', '-print', '-quit',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  return find.status !== 0 || find.stdout.trim() !== '';
}

/**
 * The full build (TypeScript, BPF objects, the N-API addon, the web bundle) through Nx, after the
 * system packages it compiles with are installed. The bootstrap builds only this CLI, because on a fresh
 * machine clang and libbpf are not there until the CLI has installed them.
 */
export function ensureBuilt(progress: (m: string) => void = (m) => console.error(`[vigil] ${m}`), force = false): void {
  ensurePackages(AGENT_PACKAGES, progress);
  if (!force && !buildStale()) return;
  progress(`building everything (log: ${BUILD_LOG})…`);
  mkdirSync(join(REPO_ROOT, '.vigil', 'logs'), { recursive: true });
  const started = new Date();
  const fd = openSync(BUILD_LOG, 'w');
  const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'build', '--outputStyle=static'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', fd, fd],
    env: childEnv({ NX_DAEMON: 'false', NX_NO_CLOUD: 'true' }),
  });
  closeSync(fd);
  if (r.status !== 0) {
    const tail = readFileSync(BUILD_LOG, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`the build failed; last lines:\n${tail}\nfull log: ${BUILD_LOG}`);
  }
  // stamp with the start time: a source edited during the build is still newer than the stamp
  writeFileSync(BUILD_STAMP, '');
  utimesSync(BUILD_STAMP, started, started);
}
