import { VigilProbe, type ProbeOptions } from '@vigil/bpf';
import { AgentError } from '../errors/agent-error';
import { checkBtf, checkPrivileges, ensureMounts } from './preflight';

/** Preflight (privileges, BTF, mounts) then load and attach every hook. */
export function startProbe(btfPath: string, opts: Partial<ProbeOptions> & { agentTgid: number }): { probe: VigilProbe; mounted: string[] } {
  checkPrivileges();
  checkBtf(btfPath);
  const mounted = ensureMounts();
  try {
    return { probe: VigilProbe.start(opts), mounted };
  } catch (err) {
    throw new AgentError('AGENT_BPF_LOAD_FAILED', `cannot load the eBPF programs: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
