#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { errorMessage, VigilError } from '@vigil/common';
import { capture } from './commands/capture';
import { run } from './commands/run';
import { readAgentEnv } from './config/env';
import type { AgentErrorCode } from './errors/agent-error';

/** Exit codes by error (sysexits.h where one fits). */
const EXIT_CODES: Record<AgentErrorCode, number> = {
  AGENT_USAGE: 64,
  AGENT_NO_BTF: 69,
  AGENT_BPF_LOAD_FAILED: 70,
  AGENT_MOUNT_FAILED: 71,
  AGENT_NO_PRIVILEGES: 77,
  AGENT_CONFIG_INVALID: 78,
  AGENT_CONFIG_UNSAFE: 78,
  AGENT_TLS_UNTRUSTED: 76,
  AGENT_KEY_REFUSED: 67,
};

const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`not a positive number: "${v}"`);
  return n;
};
const pidArg = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`not a pid: "${v}"`);
  return Number(v);
};
const kArg = (v: string): number => {
  if (!/^[0-5]$/.test(v)) throw new InvalidArgumentError(`k must be 0…5, got "${v}"`);
  return Number(v);
};
const ringbufArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4096 || (n & (n - 1)) !== 0) throw new InvalidArgumentError(`must be a power of two ≥ 4096, got "${v}"`);
  return n;
};

const program = new Command('vigil-agent').description("Vigil's eBPF endpoint agent").showHelpAfterError();

program
  .command('capture')
  .description('capture locally without a server: JSON lines on stdout, last line a summary')
  .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', positiveNumber)
  .option('--pid <pid>', 'only this process and its descendants', pidArg)
  .option('--comm <name>', 'only processes with this command name (and their descendants)')
  .option('--ringbuf-bytes <n>', 'kernel ring-buffer size (power of two)', ringbufArg)
  .option('--ngram-k <k>', 'k of the in-kernel k-gram counts (0 = off)', kArg)
  .action(async (opts: { duration?: number; pid?: number; comm?: string; ringbufBytes?: number; ngramK?: number }) => {
    const env = readAgentEnv();
    await capture({ durationS: opts.duration, pid: opts.pid, comm: opts.comm, ringbufBytes: opts.ringbufBytes, ngramK: opts.ngramK, btfPath: env.btfPath });
  });

program
  .command('run')
  .description('the agent daemon: per-window Avro TelemetryBatches to the gateway, spooled on disk through outages')
  .requiredOption('--config <file>', 'agent config file (key=value, as written by enrolment)')
  .action(async (opts: { config: string }) => {
    await run({ configPath: opts.config, env: readAgentEnv() });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil agent: ${errorMessage(err)}\n`);
  const code = err instanceof VigilError ? EXIT_CODES[err.code as AgentErrorCode] : undefined;
  process.exitCode = code ?? 1;
});
