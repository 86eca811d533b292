import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { childEnv, cliConfig } from '../config/cli.config';

/**
 * Safe simulations of attack techniques on the local host, for `./vigil demo`. Each one works in its
 * own temporary directory or on loopback, touches a real sensitive path only where that is harmless
 * (a comment-only cron file that exists for well under a second), and undoes what it did. Each names
 * the rule(s) whose alert shows it was seen. Some rely on the agent's security events (chmod modes,
 * an exec's LD_* variables, prctl renames, symlinks, utimes: libs/schemas/docs/security-events.md).
 */

/** What a simulation may use. */
export interface DemoContext {
  /** This simulation's own temporary directory (removed afterwards). */
  dir: string;
  /** Run a program to its end (killed after `timeoutMs`); stdout/stderr are discarded unless returned. */
  run(cmd: string, args: string[], opts?: RunOptions): Promise<{ code: number | null; stdout: string }>;
}

/** How a simulation runs one program. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Killed after this long (default 10 s). */
  timeoutMs?: number;
  /** Killed as soon as its stdout matches (a server that is up has done what the simulation needs). */
  untilStdout?: RegExp;
}

/** One simulated technique. */
export interface Simulation {
  id: string;
  technique: string;
  title: string;
  /** What it does, in words (printed before it runs). */
  does: string;
  /** Rule ids any one of whose alerts shows the technique was detected. */
  expect: string[];
  /** Needs root (e.g. reads /etc/shadow, writes /etc/cron.d). */
  needsRoot?: boolean;
  /** Programs that must be on PATH. */
  needsPrograms?: string[];
  run(ctx: DemoContext): Promise<void>;
}

const rand = (): string => randomBytes(4).toString('hex');

/** The absolute path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  for (const d of cliConfig().path.split(delimiter)) {
    const p = join(d, program);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

const bin = (program: string): string => which(program) ?? `/usr/bin/${program}`;

export const SIMULATIONS: Simulation[] = [
  {
    id: 'shadow-read',
    technique: 'T1003.008',
    title: 'Password hashes read by a fresh copy of cat',
    does: 'copies cat into a temporary directory and reads /etc/shadow with it (output discarded), then removes the copy',
    expect: ['credential-file-read'],
    needsRoot: true,
    async run({ dir, run }) {
      const cat = join(dir, 'cat');
      copyFileSync(bin('cat'), cat);
      await run(cat, ['/etc/shadow']);
    },
  },
  {
    id: 'account-enumeration',
    technique: 'T1087.001',
    title: 'Local accounts listed',
    does: 'runs cat /etc/passwd (output discarded)',
    expect: ['account-enumeration'],
    async run({ run }) {
      await run(bin('cat'), ['/etc/passwd']);
    },
  },
  {
    id: 'exec-dev-shm',
    technique: 'T1059.004',
    title: 'Program executed from /dev/shm',
    does: 'copies true to /dev/shm/vigil-demo-<random>, runs it and deletes it',
    expect: ['exec-from-dev-shm'],
    async run({ run }) {
      const p = `/dev/shm/vigil-demo-${rand()}`;
      try {
        copyFileSync(bin('true'), p);
        await run(p, []);
      } finally {
        rmSync(p, { force: true });
      }
    },
  },
  {
    id: 'exec-deleted',
    technique: 'T1620',
    title: 'Program executed from a deleted file',
    does: 'copies true into a temporary directory, opens it, deletes it and executes it through /proc/self/fd',
    // the agent reports this exec under the file's resolved path without "(deleted)": today exec-from-tmp shows it
    expect: ['exec-fileless', 'exec-from-tmp'],
    async run({ dir, run }) {
      const t = join(dir, 'payload');
      copyFileSync(bin('true'), t);
      await run(bin('bash'), ['-c', 'exec 3<"$1"; rm -f "$1"; /proc/self/fd/3', 'vigil-demo', t]);
    },
  },
  {
    id: 'exec-memfd',
    technique: 'T1620',
    title: 'Program executed from an anonymous memory file (memfd)',
    does: 'python3 copies true into a memfd and executes it',
    expect: ['memfd-created-then-exec', 'exec-fileless'],
    needsPrograms: ['python3'],
    async run({ run }) {
      const code = `import os\nfd = os.memfd_create("vigil-demo", 0)\nos.write(fd, open(${JSON.stringify(bin('true'))}, "rb").read())\nos.execv(f"/proc/self/fd/{fd}", ["vigil-demo"])\n`;
      await run(bin('python3'), ['-c', code]);
    },
  },
  {
    id: 'reverse-shell',
    technique: 'T1059.004',
    title: 'Reverse shell to a loopback listener',
    does: 'listens on 127.0.0.1:<free port>, starts bash -i >& /dev/tcp/127.0.0.1/<port> 0>&1, sends it "exit"',
    expect: ['reverse-shell-command', 'shell-network-connect', 'socket-wired-to-shell'],
    async run({ run }) {
      const server = createServer((sock) => {
        sock.on('error', () => undefined);
        sock.end('exit\n');
      });
      const port = await new Promise<number>((res, rej) => {
        server.once('error', rej);
        server.listen(0, '127.0.0.1', () => res((server.address() as { port: number }).port));
      });
      try {
        await run(bin('bash'), ['-c', `bash -i >& /dev/tcp/127.0.0.1/${port} 0>&1`], { timeoutMs: 5_000 });
      } finally {
        server.close();
      }
    },
  },
  {
    id: 'decoded-pipeline',
    technique: 'T1027',
    title: 'Base64-decoded command piped into a shell',
    does: "runs bash -c 'echo <base64 of \"echo vigil-demo >/dev/null\"> | base64 -d | bash'",
    expect: ['decoded-pipeline-to-shell'],
    async run({ run }) {
      const b64 = Buffer.from('echo vigil-demo >/dev/null\n').toString('base64');
      await run(bin('bash'), ['-c', `echo ${b64} | base64 -d | bash`]);
    },
  },
  {
    id: 'history-truncation',
    technique: 'T1070.003',
    title: 'Shell history emptied',
    does: 'truncates .bash_history in a temporary HOME (: > "$HOME/.bash_history")',
    expect: ['history-file-truncated'],
    async run({ dir, run }) {
      const home = join(dir, 'home');
      mkdirSync(home);
      writeFileSync(join(home, '.bash_history'), 'ls\nid\n');
      await run(bin('bash'), ['-c', ': > "$HOME/.bash_history"'], { env: { HOME: home } });
    },
  },
  {
    id: 'hidden-file-dev-shm',
    technique: 'T1564.001',
    title: 'Hidden file dropped in /dev/shm',
    does: 'creates /dev/shm/.vigil-demo-<random> and deletes it',
    expect: ['hidden-file-in-system-dir'],
    async run({ run }) {
      const p = `/dev/shm/.vigil-demo-${rand()}`;
      try {
        await run(bin('bash'), ['-c', 'printf x > "$1"', 'vigil-demo', p]);
      } finally {
        rmSync(p, { force: true });
      }
    },
  },
  {
    id: 'cron-write',
    technique: 'T1053.003',
    title: 'Cron file written',
    does: 'writes /etc/cron.d/vigil-demo-<random> containing only a comment (cron runs nothing) and deletes it at once',
    expect: ['cron-persistence-write'],
    needsRoot: true,
    async run({ run }) {
      const p = `/etc/cron.d/vigil-demo-${rand()}`;
      try {
        await run(bin('bash'), ['-c', 'printf "# vigil demo: a comment only, removed at once\\n" > "$1"', 'vigil-demo', p]);
      } finally {
        rmSync(p, { force: true });
      }
    },
  },
  {
    id: 'masquerade',
    technique: 'T1036.004',
    title: 'Process disguised as a kernel thread',
    does: 'runs sleep through a symlink named kworker in a temporary directory (ps shows "kworker")',
    expect: ['masquerade-daemon-name'],
    async run({ dir, run }) {
      const link = join(dir, 'kworker');
      symlinkSync(bin('sleep'), link);
      await run(link, ['1']);
    },
  },
  {
    id: 'ptrace-child',
    technique: 'T1055.008',
    title: 'ptrace attach to another process',
    does: 'python3 starts sleep, attaches to it with PTRACE_ATTACH, detaches and kills it',
    expect: ['ptrace-attach'],
    needsPrograms: ['python3'],
    async run({ run }) {
      const code = [
        'import ctypes, os, signal, subprocess',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]',
        `p = subprocess.Popen([${JSON.stringify(bin('sleep'))}, "10"])`,
        'try:',
        '    if libc.ptrace(16, p.pid, None, None) == 0:',
        '        os.waitpid(p.pid, 0)',
        '        libc.ptrace(17, p.pid, None, None)',
        'finally:',
        '    p.kill(); p.wait()',
      ].join('\n');
      await run(bin('python3'), ['-c', code]);
    },
  },
  {
    id: 'http-server',
    technique: 'T1048.003',
    title: 'Files served over HTTP by an interpreter',
    does: 'runs python3 -m http.server on 127.0.0.1 (a free port) in a temporary directory and stops it once it serves',
    expect: ['interpreter-http-server'],
    needsPrograms: ['python3'],
    async run({ dir, run }) {
      await run(bin('python3'), ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0'], { cwd: dir, timeoutMs: 20_000, untilStdout: /Serving HTTP/ });
    },
  },
  {
    id: 'shred',
    technique: 'T1070.004',
    title: 'File securely deleted',
    does: 'shreds and removes a temporary file',
    expect: ['secure-delete-tool'],
    needsPrograms: ['shred'],
    async run({ dir, run }) {
      const f = join(dir, 'evidence.log');
      writeFileSync(f, 'vigil demo\n');
      await run(bin('shred'), ['-u', f]);
    },
  },
  {
    id: 'dropped-then-run',
    technique: 'T1105',
    title: 'Binary dropped, then run by another process seconds later',
    does: 'copies true into a temporary directory (the demo writes it), waits 2 s and has bash run it',
    // the write and the exec leave the agent in different batches: the analyzer's recent-writes memory joins them
    expect: ['dropped-binary-executed'],
    async run({ dir, run }) {
      const p = join(dir, 'stage2');
      copyFileSync(bin('true'), p);
      await new Promise((r) => setTimeout(r, 2_000));
      await run(bin('bash'), ['-c', '"$1"; true', 'vigil-demo', p]);
    },
  },
  {
    id: 'setuid-chmod',
    technique: 'T1548.001',
    title: 'setuid bit set on a copy of a shell',
    does: 'copies sh into a temporary directory and runs chmod 4755 on the copy (then deletes it)',
    expect: ['setuid-bit-set'],
    async run({ dir, run }) {
      const sh = join(dir, 'sh');
      copyFileSync(bin('sh'), sh);
      await run(bin('chmod'), ['4755', sh]);
    },
  },
  {
    id: 'ld-preload',
    technique: 'T1574.006',
    title: 'Program started with LD_PRELOAD',
    does: 'runs true with LD_PRELOAD pointing at a (missing) library in a temporary directory',
    expect: ['ld-preload-exec'],
    async run({ dir, run }) {
      await run(bin('true'), [], { env: { LD_PRELOAD: join(dir, 'libvigil-demo.so') } });
    },
  },
  {
    id: 'prctl-rename',
    technique: 'T1036.004',
    title: 'Process renamed itself like a kernel thread (prctl)',
    does: 'python3 calls prctl(PR_SET_NAME, "kworker/0:7")',
    expect: ['process-renamed-like-daemon', 'masquerade-daemon-name'],
    needsPrograms: ['python3'],
    async run({ run }) {
      await run(bin('python3'), ['-c', 'import ctypes, time\nctypes.CDLL(None).prctl(15, b"kworker/0:7", 0, 0, 0)\ntime.sleep(0.5)']);
    },
  },
  {
    id: 'symlink-shadow',
    technique: 'T1036',
    title: 'Symlink to /etc/shadow',
    does: 'creates a symlink to /etc/shadow in a temporary directory (nothing reads through it)',
    expect: ['link-to-sensitive-file'],
    async run({ dir, run }) {
      await run(bin('ln'), ['-s', '/etc/shadow', join(dir, 'shadow-link')]);
    },
  },
  {
    id: 'timestomp',
    technique: 'T1070.006',
    title: 'Timestamps copied from a system binary (timestomp)',
    does: 'creates a temporary file and runs touch -r /bin/ls on it',
    expect: ['timestomp-touch-reference'],
    async run({ dir, run }) {
      const f = join(dir, 'implant');
      writeFileSync(f, '');
      await run(bin('touch'), ['-r', bin('ls'), f]);
    },
  },
];

/** Why a simulation cannot run here, or undefined. */
export function unavailable(s: Simulation): string | undefined {
  if (s.needsRoot && process.getuid?.() !== 0) return 'needs root';
  const missing = (s.needsPrograms ?? []).filter((p) => !which(p));
  if (missing.length) return `needs ${missing.join(', ')} on PATH`;
  return undefined;
}

/** Run a program to its end with stdio discarded (stdout kept), killed after `timeoutMs`. */
export function runProgram(cmd: string, args: string[], opts: RunOptions = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 65_536) stdout += d;
      if (opts.untilStdout?.test(stdout)) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      rej(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout });
    });
  });
}
