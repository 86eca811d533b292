import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { REPO_ROOT } from '../paths';
import { stackEnv } from '../services';
import { childEnv } from '../config/cli.config';

/** The API's own operator entry point (same password policy and hashing as the service). */
const API_CLI = join(REPO_ROOT, 'apps', 'api', 'dist', 'cli.js');

function apiCli(args: string[], stdio: 'inherit' | 'capture'): Promise<{ code: number; stdout: string }> {
  if (!existsSync(API_CLI)) throw new Error(`the API is not built (${API_CLI} is missing): run npm run build:all`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [API_CLI, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(stackEnv()),
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

/**
 * First start: create `admin` with a random password when no user exists. Resolves the credentials
 * (to print once) or `undefined` when users already exist. For `./vigil up`.
 */
export async function ensureFirstAdmin(): Promise<{ username: string; password: string } | undefined> {
  const { code, stdout } = await apiCli(['ensure-admin'], 'capture');
  if (code !== 0) throw new Error(`creating the first admin failed (exit ${code})`);
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { created?: boolean; username?: string; password?: string };
  return result.created && result.username && result.password ? { username: result.username, password: result.password } : undefined;
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('administer Vigil users');
  admin
    .command('create-user')
    .description('create a user; the password is read from stdin (a weak password is refused with the reason)')
    .requiredOption('--username <name>', 'login name')
    .addOption(new Option('--role <role>', 'role').choices(['admin', 'analyst']).makeOptionMandatory())
    .action(async (opts: { username: string; role: string }) => {
      const { code } = await apiCli(['create-user', '--username', opts.username, '--role', opts.role], 'inherit');
      process.exitCode = code;
    });
  admin
    .command('reset-password')
    .description("set a user's password from stdin (recovery when no admin can log in); ends the user's sessions")
    .requiredOption('--username <name>', 'login name')
    .action(async (opts: { username: string }) => {
      process.exitCode = (await apiCli(['reset-password', '--username', opts.username], 'inherit')).code;
    });
  admin
    .command('remove-totp')
    .description("remove a user's second factor (lost device); ends the user's sessions")
    .requiredOption('--username <name>', 'login name')
    .action(async (opts: { username: string }) => {
      process.exitCode = (await apiCli(['remove-totp', '--username', opts.username], 'inherit')).code;
    });
}
