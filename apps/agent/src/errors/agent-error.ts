import { VigilError } from '@vigil/common';

/** Stable codes of the agent's errors (exhaustive; mapped to exit codes in main.ts). */
export type AgentErrorCode =
  | 'AGENT_CONFIG_INVALID'
  | 'AGENT_CONFIG_UNSAFE'
  | 'AGENT_NO_PRIVILEGES'
  | 'AGENT_NO_BTF'
  | 'AGENT_MOUNT_FAILED'
  | 'AGENT_BPF_LOAD_FAILED'
  | 'AGENT_USAGE'
  | 'AGENT_TLS_UNTRUSTED'
  | 'AGENT_KEY_REFUSED';

/** Base error of the agent. */
export class AgentError extends VigilError {
  declare readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
