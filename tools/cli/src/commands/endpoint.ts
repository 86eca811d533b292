import type { Command } from 'commander';
import { endpointNameProblem, renderAgentConfigText } from '@vigil/common';
import { EndpointsRepository, createPool, migrate } from '@vigil/db';
import { postgres } from '../stack';
import { cliConfig } from '../config/cli.config';

/** Defaults written into a new agent config (the agent's own defaults, spelled out for operators). */
const AGENT_DEFAULTS = { batchSize: 500, spoolDir: '/var/lib/vigil/spool', spoolMaxBytes: '256MiB' };

/** The agent config file for an enrolled endpoint (the renderer shared with the API's enrolment). */
export function agentConfigText(e: { api: string; key: string; id: string; name: string; createdAt: Date }): string {
  return renderAgentConfigText({
    origin: `Vigil agent configuration for endpoint "${e.name}", written by ./vigil endpoint add on ${e.createdAt.toISOString()}.`,
    api: e.api,
    key: e.key,
    id: e.id,
    name: e.name,
    batchSize: AGENT_DEFAULTS.batchSize,
    spoolDir: AGENT_DEFAULTS.spoolDir,
    spoolMaxBytes: AGENT_DEFAULTS.spoolMaxBytes,
  });
}

/** Create an endpoint row (only the key's hash is stored) and its agent config; the key is returned once. */
export async function enrolEndpoint(
  name: string,
  api: string,
  overrides: Record<string, string> = {},
): Promise<{ id: string; key: string; config: string }> {
  const pool = createPool(cliConfig().databaseUrl ?? postgres.url(), { max: 1 });
  try {
    await migrate(pool);
    const { endpoint: row, key } = await new EndpointsRepository(pool).create(name);
    let config = agentConfigText({ api: api.replace(/\/+$/, ''), key, id: row.id, name: row.name, createdAt: row.createdAt });
    for (const [k, v] of Object.entries(overrides)) {
      config = new RegExp(`^${k}=`, 'm').test(config) ? config.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`) : `${config}${k}=${v}\n`;
    }
    return { id: row.id, key, config };
  } finally {
    await pool.end();
  }
}

export function registerEndpointCommands(program: Command): void {
  const endpoint = program.command('endpoint').description('enrol endpoints (agents) without the API');

  endpoint
    .command('add')
    .description('enrol an endpoint; prints JSON {"id","key","config"} (config = the agent config file text; the key is shown only now)')
    .requiredOption('--name <name>', 'endpoint name (e.g. its hostname)')
    .option('--api <url>', 'gateway URL written into the config', cliConfig().gatewayUrl)
    .action(async (opts: { name: string; api: string }) => {
      const name = opts.name.trim();
      // Checked before the endpoint is enrolled: the name goes into the agent config file and logs.
      const problem = endpointNameProblem(name);
      if (problem) throw new Error(`--${problem}`);
      new URL(opts.api);
      console.log(JSON.stringify(await enrolEndpoint(name, opts.api)));
    });
}
