import { createReadStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { logFile } from '../paths';
import { InvalidArgumentError } from 'commander';
import { stackDown, stackReset, stackStatus, stackUp } from '../stack';
import { printStatus } from '../output';
import { discardLocalAgent, stopServices } from '../services';
import { stopProcess } from '../stack/processes';

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('Kafka, Schema Registry and PostgreSQL only');

  stack
    .command('up')
    .description('install what is missing and start Kafka, the Schema Registry and PostgreSQL (idempotent)')
    .option('--brokers <n>', 'Kafka brokers (KRaft nodes) on loopback: 1, or 3 for the replicated scale profile (fixed once formatted)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError('a whole number from 1 to 5');
      return n;
    })
    .action(async (opts: { brokers?: number }) => {
      const t0 = Date.now();
      await stackUp({ brokers: opts.brokers, stopClients: stopServices });
      console.log(`\nstack is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      printStatus(await stackStatus());
    });

  stack
    .command('down')
    .description('stop every process the stack started, and nothing else')
    .action(async () => {
      const stopped = await stackDown();
      console.log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    });

  stack
    .command('status')
    .description("each component's health, version and address")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await stackStatus();
      if (opts.json) console.log(JSON.stringify({ components: rows }, null, 2));
      else printStatus(rows);
      if (rows.some((r) => r.state !== 'healthy')) process.exitCode = 3;
    });

  stack
    .command('reset')
    .description('stop the stack and wipe its local state (downloads are kept)')
    .action(async () => {
      // The local agent's endpoint lives in the database being wiped: its key and spool are useless now.
      if (await stopProcess('agent', 20_000)) console.log('local agent stopped');
      await stackReset();
      console.log('stack stopped and local state wiped');
      const note = discardLocalAgent('its endpoint was in the wiped database; ./vigil up enrols it again');
      if (note) console.log(note);
    });

  stack
    .command('logs')
    .description("print a component's log")
    .argument('<name>', 'kafka, kafka-2, …, registry, registry-proxy, postgres, or a service name')
    .action(async (name: string) => {
      const file = logFile(name);
      if (!existsSync(file)) throw new Error(`no log for "${name}" at ${file}`);
      await new Promise<void>((res, rej) => createReadStream(file).on('end', res).on('error', rej).pipe(process.stdout));
    });
}
