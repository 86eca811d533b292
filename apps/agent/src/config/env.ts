import { EnvReader } from '@vigil/common';

/** Environment settings of the agent (the config file holds the rest). */
export interface AgentEnv {
  /** Kernel BTF the CO-RE programs need (override only for tests). */
  btfPath: string;
  logLevel: string;
}

/** Parse once at start-up; throws listing every problem. */
export function readAgentEnv(env: Record<string, string | undefined> = process.env): AgentEnv {
  const r = new EnvReader(env);
  const out: AgentEnv = {
    btfPath: r.string('VIGIL_AGENT_BTF_PATH', '/sys/kernel/btf/vmlinux'),
    logLevel: r.string('VIGIL_AGENT_LOG_LEVEL', 'info'),
  };
  r.done();
  return out;
}
