import type { Command } from 'commander';
import { checkAlerts, runSimulations } from '../demo/demo';
import { SIMULATIONS } from '../demo/simulations';
import { localAgentEndpointId } from '../services';
import { postgres } from '../stack';
import { cliConfig } from '../config/cli.config';

const MARK = { appeared: '✓', missing: '✗', skipped: '-', failed: '!' } as const;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('safe simulations of attack techniques on this host (temporary files and loopback only, undone afterwards) that raise specific alerts')
    .option('--check', 'then wait for the expected alerts in the database and report which appeared')
    .option('--timeout <seconds>', 'how long --check waits', '120')
    .option('--only <ids>', 'comma-separated simulation ids (default: all)')
    .option('--endpoint <id>', 'endpoint whose alerts --check reads (default: the local agent of ./vigil up)')
    .option('--list', 'list the simulations and exit')
    .action(async (opts: { check?: boolean; timeout: string; only?: string; endpoint?: string; list?: boolean }) => {
      const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = (only ?? []).filter((id) => !SIMULATIONS.some((s) => s.id === id));
      if (unknown.length) throw new Error(`unknown simulation ${unknown.join(', ')} (known: ${SIMULATIONS.map((s) => s.id).join(', ')})`);
      const sims = only ? SIMULATIONS.filter((s) => only.includes(s.id)) : SIMULATIONS;
      if (opts.list) {
        for (const s of sims) console.log(`${s.id}\t${s.technique}\t${s.expect.join('|')}\t${s.title}`);
        return;
      }
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error('--timeout must be a positive number of seconds');
      const since = new Date(Date.now() - 2_000);
      console.log(`Vigil demo: ${sims.length} techniques, each in a temporary directory or on loopback, undone afterwards.\n`);
      const runs = await runSimulations(sims, (l) => console.log(l));
      if (!opts.check) {
        console.log('\nAlerts appear in the web UI within seconds (./vigil demo --check waits for them here).');
        return;
      }
      const endpointId = opts.endpoint ?? localAgentEndpointId();
      console.log(`\nwaiting up to ${timeoutS} s for the alerts${endpointId ? ` of endpoint ${endpointId}` : ''}…`);
      let last = '';
      const rows = await checkAlerts(cliConfig().databaseUrl ?? postgres.url(), runs, {
        since,
        endpointId,
        timeoutMs: timeoutS * 1_000,
        progress: (w) => {
          const line = `  still waiting for: ${w.join(', ')}`;
          if (line !== last) console.log((last = line));
        },
      });
      console.log('');
      for (const r of rows) {
        const what = r.alert ? `${r.alert.kind} (${r.alert.severity}): ${r.alert.title}` : r.detail;
        console.log(`${MARK[r.status]} ${r.technique.padEnd(10)} ${r.id.padEnd(20)} ${r.status.padEnd(16)} ${what ?? ''}`);
      }
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      console.log(`\n${count('appeared')} appeared, ${count('missing')} missing, ${count('skipped')} skipped, ${count('failed')} failed`);
      if (count('missing') + count('failed') > 0) process.exitCode = 1;
    });
}
