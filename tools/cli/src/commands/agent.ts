import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../paths';

const AGENT_MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

/**
 * Node flags of every agent process (this command, `./vigil up`, the .deb's unit and wrapper in
 * deploy/agent, the bench and the integration tests). --single-threaded: V8 does its garbage
 * collection and compilation on the agent's own thread instead of helper threads that the
 * scheduler puts on the monitored workload's CPUs; on 2 cores that interference cost the file
 * walk of bench/agent-overhead 0.10 of its 1.28× (the agent pinned to the other core: 1.15×).
 */
export const AGENT_NODE_FLAGS = ['--single-threaded'];

/** Run the agent app with stdio inherited; resolve with its exit code (signals → 128+n). */
function runAgent(args: string[]): Promise<number> {
  if (!existsSync(AGENT_MAIN)) throw new Error(`the agent is not built (${AGENT_MAIN} missing): run \`npx nx run-many -t build\``);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', ...AGENT_NODE_FLAGS, AGENT_MAIN, ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
    // Ctrl-C reaches the agent through the process group; keep the CLI alive until it has printed its summary
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const forwardTerm = (): void => void child.kill('SIGTERM');
    process.on('SIGTERM', forwardTerm);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      process.off('SIGTERM', forwardTerm);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('the eBPF endpoint agent (needs root)');

  agent
    .command('capture')
    .description('capture locally without a server: JSON lines on stdout (process/exec/open/connect/accept/bind, last line summary)')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--pid <pid>', 'only this process and its descendants')
    .option('--comm <name>', 'only processes with this command name (and their descendants)')
    .option('--ringbuf-bytes <n>', 'kernel ring-buffer size (power of two)')
    .option('--ngram-k <k>', 'k of the in-kernel k-gram counts (0 = off)')
    .action(async (opts: { duration?: string; pid?: string; comm?: string; ringbufBytes?: string; ngramK?: string }) => {
      const args = ['capture'];
      if (opts.duration !== undefined) args.push('--duration', opts.duration);
      if (opts.pid !== undefined) args.push('--pid', opts.pid);
      if (opts.comm !== undefined) args.push('--comm', opts.comm);
      if (opts.ringbufBytes !== undefined) args.push('--ringbuf-bytes', opts.ringbufBytes);
      if (opts.ngramK !== undefined) args.push('--ngram-k', opts.ngramK);
      process.exitCode = await runAgent(args);
    });

  agent
    .command('run')
    .description('the agent daemon')
    .requiredOption('--config <file>', 'agent config file (key=value, from `./vigil endpoint add`)')
    .action(async (opts: { config: string }) => {
      process.exitCode = await runAgent(['run', '--config', opts.config]);
    });
}
