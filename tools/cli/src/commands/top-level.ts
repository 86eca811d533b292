import type { Command } from 'commander';
import { Listr } from 'listr2';
import { stackDown, stackStatus, stackUp } from '../stack';
import { SERVICES, serviceBuilt, serviceStatus, startService, stopServices } from '../services';
import { printStatus } from '../output';

export function registerTopLevelCommands(program: Command): void {
  program
    .command('up')
    .description('install what is missing, start the stack and every Vigil service, print where they run')
    .action(async () => {
      const t0 = Date.now();
      await stackUp();
      const runnable = SERVICES.filter((s) => serviceBuilt(s) && (!s.rootOnly || process.getuid?.() === 0));
      if (runnable.length > 0) {
        await new Listr(
          runnable.map((s) => ({ title: s.name, task: (_c: unknown, t: { output: string }) => startService(s, (m) => (t.output = m)) })),
          { renderer: process.stdout.isTTY ? 'default' : 'simple' },
        ).run();
      }
      console.log(`\nVigil is up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      printStatus([...(await stackStatus()), ...(await Promise.all(SERVICES.map(serviceStatus)))]);
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
