import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '@vigil/testing';

/** apps/agent/dist/main.js — integration tests run the built agent like an operator would. */
export const AGENT_MAIN = resolve(__dirname, '..', '..', 'dist', 'main.js');
/** node and its flags before AGENT_MAIN, as every launcher runs the agent (AGENT_NODE_FLAGS in tools/cli). */
export const AGENT_NODE = [process.execPath, '--single-threaded'] as const;
export const agentArgv = (...args: string[]): string[] => [AGENT_NODE[1], AGENT_MAIN, ...args];
export const FIXTURES = resolve(__dirname, 'fixtures');

/** Compile a fixture C program into a fresh temp dir under the given (comm-sized) name. */
export function compileFixture(source: string, name: string, extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-it-'));
  const out = join(dir, name);
  execFileSync('cc', ['-O2', ...extra, '-o', out, join(FIXTURES, source)]);
  return out;
}

/** A running `agent capture` with its stdout lines collected. */
export interface RunningCapture {
  child: ChildProcess;
  stderr: () => string;
  /** SIGINT the capture and resolve with its parsed JSON lines and exit code. */
  stop: () => Promise<{ lines: Record<string, unknown>[]; code: number | null }>;
}

/** Start `agent capture ARGS` and wait until it reports the hooks attached. */
export async function startCapture(args: string[]): Promise<RunningCapture> {
  const child = spawn(AGENT_NODE[0], agentArgv('capture', ...args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitUntil(() => err.includes('capturing') || child.exitCode !== null, 30_000, 'capture to attach');
  if (child.exitCode !== null) throw new Error(`capture exited early (${child.exitCode}): ${err}`);
  return {
    child,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGINT');
      const code = await exited;
      const lines = out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return { lines, code };
    },
  };
}

/** Run a command to completion; resolves with its pid and exit code. */
export function runToEnd(cmd: string, args: string[]): Promise<{ pid: number; code: number | null }> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: 'inherit' });
    c.on('error', rej);
    c.on('exit', (code) => res({ pid: c.pid!, code }));
  });
}
