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
 * It holds the endpoint key: it is returned once and never stored. Same keys and defaults as the
 * gateway's `./vigil endpoint add` (tools/cli/src/commands/endpoint.ts) — to be moved into one shared lib.
 */
export function renderAgentConfig(c: AgentConfigInput): string {
  return [
    `# Vigil agent configuration for endpoint "${c.name}", generated ${c.generatedAt.toISOString()}.`,
    '# Holds this endpoint\'s secret key: keep it readable by root only (chmod 600).',
    `api=${c.gatewayUrl}`,
    `id=${c.id}`,
    `name=${c.name}`,
    `key=${c.key}`,
    '# Most processes per batch before a window is split.',
    `batch_size=${c.batchSize}`,
    '# Batches wait here while the gateway is unreachable; beyond spool_max_bytes the oldest are evicted (and counted).',
    `spool_dir=${c.spoolDir}`,
    `spool_max_bytes=${c.spoolMaxBytes}`,
    '# CA bundle for an https gateway:',
    '# ca_file=/etc/vigil/ca.pem',
    '',
  ].join('\n');
}
