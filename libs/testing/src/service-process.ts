import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** A built service (`node dist/main.js`) running as a child process of the test. */
export interface ServiceProcess {
  /** What `ready` extracted from its log (usually the URL it listens on). */
  url: string;
  child: ChildProcess;
  /** Its log lines so far (pino JSON), newest last. */
  lines: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Start `node <script>` with `env` (added to this process's environment) and wait until one of its
 * stdout log lines makes `ready` return a value — e.g. the address in pino's `listening` line.
 * Fails with the last log lines when it exits first or `timeoutMs` passes. Its log also goes to
 * `logFile` when given (keep it for failure analysis).
 */
/** The environment a service or command started by a test runs with: the test's own, plus (overriding) `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

export async function startServiceProcess(
  script: string,
  env: Record<string, string>,
  ready: (line: string) => string | undefined,
  options: { timeoutMs?: number; logFile?: string; name?: string; nodeArgs?: string[] } = {},
): Promise<ServiceProcess> {
  const name = options.name ?? script;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const file = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  let found: ((url: string) => void) | undefined;
  const urlPromise = new Promise<string>((ok) => (found = ok));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 5000) lines.shift();
      file?.write(`${line}\n`);
      const url = ready(line);
      if (url !== undefined) found?.(url);
    });
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    urlPromise.then((url) => ({ url })),
    exited.then((code) => ({ error: `${name} exited (code ${code}) before it was ready` })),
    new Promise<{ error: string }>((ok) => (timer = setTimeout(() => ok({ error: `${name} not ready after ${timeoutMs} ms` }), timeoutMs))),
  ]);
  clearTimeout(timer);
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(kill);
    }
    file?.end();
  };
  if ('error' in outcome) {
    await stop(1000);
    throw new Error(`${outcome.error}:\n${lines.slice(-20).join('\n')}`);
  }
  return { url: outcome.url, child, lines, stop };
}

/** `ready` for a pino service that logs `{"msg":"listening","address":"http://…"}` once it listens. */
export function pinoListening(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const rec = JSON.parse(line) as { msg?: string; address?: unknown };
    return rec.msg === 'listening' && typeof rec.address === 'string' ? rec.address : undefined;
  } catch {
    return undefined;
  }
}

/** A setting of the test run from the environment (e.g. VIGIL_FUZZ_SEED): tests read the environment only through libs/testing. */
export function testEnv(name: string): string | undefined {
  return process.env[name];
}
