import type { Command } from 'commander';
import { endpointNameProblem, renderAgentConfigText } from '@vigil/common';
import { COMMAND_LINE_ACTOR, EndpointsRepository, createPool, migrate } from '@vigil/db';
import { postgres } from '../stack';
import { cliConfig } from '../config/cli.config';

/** Defaults written into a new agent config (the agent's own defaults, spelled out for operators). */
const AGENT_DEFAULTS = { batchSize: 500, spoolDir: '/var/lib/vigil/spool', spoolMaxBytes: '256MiB' };

/** Settings of the local agent's config that differ from the defaults written for an endpoint elsewhere. */
export interface AgentConfigOptions {
  spoolDir?: string;
  metricsPort?: number;
}

/** The agent config file for an enrolled endpoint (the renderer shared with the API's enrolment, which validates every value). */
export function agentConfigText(e: { api: string; key: string; id: string; name: string; createdAt: Date }, options: AgentConfigOptions = {}): string {
  return renderAgentConfigText({
    origin: `Vigil agent configuration for endpoint "${e.name}", written by ./vigil endpoint add on ${e.createdAt.toISOString()}.`,
    api: e.api,
    key: e.key,
    id: e.id,
    name: e.name,
    batchSize: AGENT_DEFAULTS.batchSize,
    spoolDir: options.spoolDir ?? AGENT_DEFAULTS.spoolDir,
    spoolMaxBytes: AGENT_DEFAULTS.spoolMaxBytes,
    ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
  });
}

/**
 * Enrol an endpoint as the command line (only the key's hash is stored; audited like the API's
 * enrolment, `endpoint.enrol` by `cli`) and render its agent config; the key is returned once.
 */
export async function enrolEndpoint(name: string, api: string, options: AgentConfigOptions = {}): Promise<{ id: string; key: string; config: string }> {
  const pool = createPool(cliConfig().databaseUrl ?? postgres.url(), { max: 1 });
  try {
    await migrate(pool);
    const { endpoint: row, key } = await new EndpointsRepository(pool).enrol(name, COMMAND_LINE_ACTOR);
    const config = agentConfigText({ api: api.replace(/\/+$/, ''), key, id: row.id, name: row.name, createdAt: row.createdAt }, options);
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
