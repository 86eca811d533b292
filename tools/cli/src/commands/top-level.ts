import type { Command } from 'commander';
import { Listr } from 'listr2';
import { stackDown, stackStatus, stackUp } from '../stack';
import { SERVICES, prepareDatabase, serviceBuilt, serviceStatus, startService, stopServices } from '../services';
import { printStatus } from '../output';
import { DEFAULTS } from '@vigil/common';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { stackEnv } from '../services';
import { childEnv } from '../config/cli.config';

/** Create the first admin with a random password when no user exists (the API's own CLI hashes it). */
function ensureFirstAdmin(): { created: boolean; username?: string; password?: string } {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'apps', 'api', 'dist', 'cli.js'), 'ensure-admin'], {
    encoding: 'utf8',
    env: childEnv(stackEnv()),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as { created: boolean; username?: string; password?: string };
}

export function registerTopLevelCommands(program: Command): void {
  program
    .command('up')
    .description('install what is missing, start the stack and every Vigil service, print where they run')
    .action(async () => {
      const t0 = Date.now();
      await stackUp({ stopClients: stopServices });
      const runnable = SERVICES.filter((s) => serviceBuilt(s) && (!s.rootOnly || process.getuid?.() === 0));
      // Migrations (and the first admin) as the owner, then the service roles' grants: services run
      // with roles that can neither migrate nor touch another service's tables.
      const admin = await prepareDatabase(runnable.some((s) => s.name === 'api') ? ensureFirstAdmin : undefined);
      if (runnable.length > 0) {
        await new Listr(
          runnable.map((s) => ({ title: s.name, task: (_c: unknown, t: { output: string }) => startService(s, (m) => (t.output = m)) })),
          { renderer: process.stdout.isTTY ? 'default' : 'simple' },
        ).run();
      }
      console.log(`\nVigil is up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      printStatus([...(await stackStatus()), ...(await Promise.all(SERVICES.map(serviceStatus)))]);
      const notBuilt = SERVICES.filter((s) => !serviceBuilt(s)).map((s) => s.name);
      if (notBuilt.length) console.log(`\n  not built, not started: ${notBuilt.join(', ')}`);
      if (process.getuid?.() !== 0) console.log('\n  The local agent needs root (eBPF): run ./vigil up as root to start it.');
      console.log(`\n  Web UI:  ${DEFAULTS.apiUrl}`);
      if (admin?.created) {
        console.log(`  Log in:  user "${admin.username}", password ${admin.password}`);
        console.log('           (random, shown only this once; the UI asks you to choose your own at the first login; add users with ./vigil admin create-user)');
      } else if (admin) {
        console.log('  Log in:  with the admin account created on first start (add users with ./vigil admin create-user --username U --role admin|analyst)');
      }
    });

  program
    .command('down')
    .description('stop every Vigil service and the local stack')
    .action(async () => {
      const services = await stopServices();
      const stack = await stackDown();
      const all = [...services, ...stack];
      console.log(all.length ? `stopped ${all.join(', ')}` : 'nothing was running');
    });

  program
    .command('status')
    .description("each part's health, version and address")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = [...(await stackStatus()), ...(await Promise.all(SERVICES.map(serviceStatus)))];
      if (opts.json) console.log(JSON.stringify({ components: rows }, null, 2));
      else printStatus(rows);
      if (rows.some((r) => r.state === 'unhealthy')) process.exitCode = 3;
    });
}
