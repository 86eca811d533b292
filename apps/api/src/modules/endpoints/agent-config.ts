/** Values written into an agent config file. */
export interface AgentConfigInput {
  gatewayUrl: string;
  id: string;
  name: string;
  key: string;
  batchSize: number;
  generatedAt: Date;
}

/**
 * The agent config file text (`key=value` lines, `#` comments; see CONTRACTS.md "Agent config file").
 * It holds the endpoint key: it is returned once and never stored.
 */
export function renderAgentConfig(c: AgentConfigInput): string {
  return [
    `# Vigil agent configuration for endpoint "${c.name}", generated ${c.generatedAt.toISOString()}.`,
    '# Holds this endpoint\'s secret key: keep it readable by root only (chmod 600).',
    `api=${c.gatewayUrl}`,
    `id=${c.id}`,
    `name=${c.name}`,
    `key=${c.key}`,
    `batch_size=${c.batchSize}`,
    '',
  ].join('\n');
}
