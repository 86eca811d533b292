import { renderAgentConfigText } from '@vigil/common';

/** Values written into an agent config file. */
export interface AgentConfigInput {
  gatewayUrl: string;
  id: string;
  name: string;
  key: string;
  batchSize: number;
  spoolDir: string;
  spoolMaxBytes: string;
  generatedAt: Date;
}

/**
 * The agent config file text (`key=value` lines, `#` comments; see CONTRACTS.md "Agent config file").
 * It holds the endpoint key: it is returned once and never stored. The text itself comes from the
 * one renderer in @vigil/common, shared with `./vigil endpoint add`, so both write the same keys.
 */
export function renderAgentConfig(c: AgentConfigInput): string {
  return renderAgentConfigText({
    origin: `Vigil agent configuration for endpoint "${c.name}", generated ${c.generatedAt.toISOString()}.`,
    api: c.gatewayUrl,
    id: c.id,
    name: c.name,
    key: c.key,
    batchSize: c.batchSize,
    spoolDir: c.spoolDir,
    spoolMaxBytes: c.spoolMaxBytes,
  });
}
