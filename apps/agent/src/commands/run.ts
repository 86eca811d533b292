import type { AgentEnv } from '../config/env';
import { loadAgentConfig } from '../config/agent-config';

/** Options of `agent run`. */
export interface RunOptions {
  configPath: string;
  env: AgentEnv;
}

/** `agent run`: placeholder replaced below. */
export async function run(opts: RunOptions): Promise<void> {
  loadAgentConfig(opts.configPath);
  throw new Error('not implemented yet');
}
