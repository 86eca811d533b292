import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFixture, runToEnd, startCapture } from './agent-harness';
import { childEnv } from '@vigil/testing';
import { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, sampleTelemetryBatch } from '@vigil/schemas';

/**
 * The exactness check of the issue, against the real kernel: a workload started through
 * /bin/sh makes exactly 200,000 getppid calls, opens a unique path, connects to a loopback port and
 * forks+execs /bin/true with a marker; `agent capture --comm` must report all of it exactly.
 */
/**
 * A copy of the shell under a comm of its own in a fresh directory (its children are selected), with a
 * capture of that comm started: what a test runs through `shell` is what the capture reports.
 */
async function ownShell(prefix: string, dirPrefix: string, prepare?: (dir: string) => void) {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), dirPrefix)));
  const shell = join(dir, name);
  copyFileSync(execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim(), shell);
  chmodSync(shell, 0o755);
  prepare?.(dir);
  const cap = await startCapture(['--comm', name, '--duration', '60']);
  return { dir, shell, cap };
}

describe('agent capture (root, real kernel)', () => {
  let server: Server;
  let port: number;
  let accepted = 0;

  beforeAll(async () => {
    expect(process.getuid?.(), 'integration tests of the agent run as root').toBe(0);
    server = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it('reports exact counts, the open, the connect, the exec with lineage, and dropped: 0', async () => {
    const name = `vwl${randomBytes(3).toString('hex')}`; // ≤ 15 chars: the whole comm
    const workload = compileFixture('workload.c', name);
    const path = `/tmp/vigil-it-${randomBytes(6).toString('hex')}`;
    const marker = `MARKER-${randomBytes(4).toString('hex')}`;
    const shell = execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim();

    const cap = await startCapture(['--comm', name, '--duration', '60']);
    // `; exit $?` keeps the shell as the workload's parent instead of exec'ing into it
    const run = await runToEnd('/bin/sh', ['-c', `${workload} 200000 ${path} ${port} ${marker}; exit $?`]);
    expect(run.code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);

    const procs = lines.filter((l) => l.type === 'process' && l.exe === workload);
    expect(procs).toHaveLength(1);
    const wl = procs[0]!;
    const pid = wl.pid as number;
    expect((wl.syscalls as Record<string, number>).getppid).toBe(200_000);
    expect((wl.syscalls as Record<string, number>).connect).toBe(1);
    expect(wl.ancestry as string[]).toContain(shell);
    expect((wl.ancestry as string[])[0]).toBe(shell);

    const open = lines.find((l) => l.type === 'open' && l.path === path);
    expect(open).toMatchObject({ pid, exe: workload });
    expect(open!.ret as number).toBeGreaterThanOrEqual(0);

    const connect = lines.find((l) => l.type === 'connect' && l.pid === pid);
    expect(connect).toMatchObject({ family: 'inet', addr: '127.0.0.1', port, ret: 0 });
    expect(accepted).toBeGreaterThanOrEqual(1);

    const exec = lines.find((l) => l.type === 'exec' && (l.argv as string[])[0] === '/bin/true' && (l.argv as string[]).includes(marker));
    expect(exec).toMatchObject({ ppid: pid, parent_exe: workload, argv: ['/bin/true', marker], ret: 0 });
    const child = lines.find((l) => l.type === 'process' && l.pid === exec!.pid);
    expect(child).toMatchObject({ ppid: pid, exited: true });
    expect((child!.ancestry as string[]).slice(0, 2)).toEqual([workload, shell]);

    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.dropped).toBe(0);
    expect(summary.scope).toBe('filtered');
  });

  it('counts system call numbers outside the table under one name the gateway accepts (syscall(1500) cannot get a batch refused)', async () => {
    const name = `vbg${randomBytes(3).toString('hex')}`;
    const bogus = compileFixture('bogus.c', name, ['-static']);
    const cap = await startCapture(['--comm', name, '--duration', '60']);
    const run = await runToEnd(bogus, []);
    expect(run.code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const p = lines.find((l) => l.type === 'process' && l.exe === bogus);
    expect(p, JSON.stringify(lines)).toBeDefined();
    expect(p!.syscalls).toMatchObject({ sys_out_of_range: 9, getppid: 3 });
    expect(Object.keys(p!.syscalls as Record<string, number>).filter((k) => /^sys_\d+$/.test(k))).toEqual([]);
  });

  it('reports a path of invalid UTF-8 near PATH_MAX in a form the gateway accepts (a long path of odd bytes cannot get a batch refused)', async () => {
    const { dir, cap, shell } = await ownShell('vpu', 'vigil-utf8-');
    // 15 directories of 250 bytes 0xff: 3,765 raw bytes below dir, each byte decoded as U+FFFD (3 bytes)
    const script = `d=$(printf '\\377%.0s' $(seq 250)); p=${dir}; for i in $(seq 15); do p="$p/$d"; done; mkdir -p "$p" && : > "$p/f" && cat "$p/f" && rm -rf ${dir}/*; exit 0`;
    expect((await runToEnd(shell, ['-c', script])).code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const open = lines.find((l) => l.type === 'open' && typeof l.path === 'string' && l.path.includes('\uFFFD') && l.path.endsWith('/f'));
    expect(open, JSON.stringify(lines.filter((l) => l.type === 'open').map((l) => String(l.path).slice(0, 60)))).toBeDefined();
    const path = open!.path as string;
    expect(Buffer.byteLength(path)).toBeGreaterThan(4096);
    const batch = sampleTelemetryBatch('7b0c5a8e-2f7d-4c39-9b1e-3f5c8a9d0e11', 1, 1);
    batch.processes[0]!.files[0]!.path = path;
    batch.processes[0]!.exe = path;
    const type = avroType(TelemetryBatchV1Schema);
    expect(() => checkTelemetryInvariants(type, type.toBuffer(batch), { now: Date.now(), maxFutureMs: 600_000, maxPastMs: 86_400_000 })).not.toThrow();
  });

  it('prints the security vocabulary: a setuid chmod, a rename with both paths, LD_PRELOAD of an exec, a running program deleted', async () => {
    const { dir, cap, shell } = await ownShell('vsc', 'vigil-sec-');
    // … and a program whose file is deleted while it runs (a dropper removing itself), then a file nobody runs
    const sleep = execFileSync('readlink', ['-f', '/bin/sleep'], { encoding: 'utf8' }).trim();
    const script = `cd ${dir} && touch f && chmod 4755 f && mv f g && LD_PRELOAD=/nonexistent/vigil.so /bin/true 2>/dev/null; cp ${sleep} gone && { ./gone 2 & } && /bin/sleep 0.5 && rm -f gone g; wait; exit 0`;
    expect((await runToEnd(shell, ['-c', script])).code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const sec = lines.filter((l) => l.type === 'security');
    expect(sec).toContainEqual(expect.objectContaining({ kind: 'chmod', ret: 0, args: { path: join(dir, 'f'), mode: '4755' } }));
    expect(sec).toContainEqual(expect.objectContaining({ kind: 'rename', ret: 0, args: { from: join(dir, 'f'), to: join(dir, 'g') } }));
    expect(sec).toContainEqual(expect.objectContaining({ kind: 'exec_env', args: { var: 'LD_PRELOAD', value: '/nonexistent/vigil.so' } }));
    expect(sec.find((l) => l.kind === 'exec_env')!.exe).toBe(execFileSync('readlink', ['-f', '/bin/true'], { encoding: 'utf8' }).trim());
    expect(sec).toContainEqual(expect.objectContaining({ kind: 'unlink', ret: 0, args: { path: join(dir, 'gone'), running_pids: expect.stringMatching(/^[0-9]+$/) } }));
    expect(sec).toContainEqual(expect.objectContaining({ kind: 'unlink', ret: 0, args: { path: join(dir, 'g') } }));
  });

  it('names a shell started on a TCP socket (a reverse shell) with its peer, and not one started on a pipe', async () => {
    const { cap, shell } = await ownShell('vss', 'vigil-stdio-');
    const sh = execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim();
    // what every reverse shell does, whatever the tool: connect, make the socket stdin and stdout, exec a shell
    const py = `import os, socket; s = socket.create_connection(("127.0.0.1", ${port})); os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.execv("/bin/sh", ["sh", "-c", "sleep 1; true"])`;
    const script = `/usr/bin/python3 -c '${py}'; echo | /bin/sh -c "sleep 1; true"; exit 0`;
    expect((await runToEnd(shell, ['-c', script])).code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const sockets = lines.filter((l) => l.type === 'security' && l.kind === 'stdio_socket');
    expect(sockets).toEqual([expect.objectContaining({ exe: sh, ret: 0, args: { peer: `127.0.0.1:${port}`, fds: '0,1' } })]);
    // the shell on a pipe was seen too, and named nothing
    expect(lines.filter((l) => l.type === 'exec' && l.exe === sh && l.ret === 0).length).toBeGreaterThanOrEqual(2);
  });

  it('names a packet socket (AF_PACKET, SOCK_RAW, ETH_P_ALL) and the filter on it, and no ordinary socket', async () => {
    const { cap, shell } = await ownShell('vrs', 'vigil-rawsock-');
    // a sniffer's first steps (ART T1040 #9, BPFDoor): the packet socket, a classic BPF filter on it
    // (one instruction, ret 0: keep nothing); then a TCP socket with the same filter, a UDP and a
    // netlink socket (SOCK_RAW by definition): none of those is a raw_socket
    const py = [
      'import ctypes, socket, struct',
      'def attach(s):',
      '    ins = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0))',
      '    s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", 1, ctypes.addressof(ins)))',
      'p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.htons(3))',
      'attach(p)',
      't = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
      'attach(t)',
      'u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      'n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)',
      'print(p.fileno())',
    ].join('\n');
    expect((await runToEnd(shell, ['-c', `/usr/bin/python3 -c '${py}' > /dev/null; exit 0`])).code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const python = realpathSync('/usr/bin/python3');
    const sockets = lines.filter((l) => l.type === 'security' && (l.kind === 'raw_socket' || l.kind === 'socket_filter'));
    expect(sockets, JSON.stringify(sockets)).toHaveLength(3);
    // exactly one raw_socket, the packet socket's: the TCP, UDP and netlink sockets give none
    expect(sockets[0]).toMatchObject({ exe: python, kind: 'raw_socket', args: { family: '17', type: '3', protocol: '768' } });
    const fd = sockets[0]!.ret as number;
    expect(fd).toBeGreaterThanOrEqual(3);
    // a filter is recorded on any socket, with the socket it went on (the rule tells them apart)
    expect(sockets[1]).toMatchObject({ exe: python, kind: 'socket_filter', ret: 0, args: { option: 'attach_filter', fd: String(fd), family: '17', type: '3', protocol: '768' } });
    expect(sockets[2]).toMatchObject({ exe: python, kind: 'socket_filter', ret: 0, args: { option: 'attach_filter', fd: String(fd + 1), family: '2', type: '1', protocol: '6' } });
  });

  it('reports relative opens by absolute path (cd DIR && cat f), failed ones too, and absolute ones unchanged', async () => {
    const { dir, cap, shell } = await ownShell('vro', 'vigil-relopen-', (d) => writeFileSync(join(d, 'f'), 'x'));
    const script = `cd ${dir} && cat f >/dev/null; cat missing 2>/dev/null; cat ${dir}/f >/dev/null; cd /etc && cat ./hostname >/dev/null; exit 0`;
    expect((await runToEnd(shell, ['-c', script])).code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);
    const cat = execFileSync('readlink', ['-f', '/bin/cat'], { encoding: 'utf8' }).trim();
    const opens = lines.filter((l) => l.type === 'open' && l.exe === cat && (l.path === '/etc/hostname' || (l.path as string).startsWith(`${dir}/`)));
    expect(opens.map((l) => ({ path: l.path, given: l.given, ret: (l.ret as number) >= 0 ? 'ok' : l.ret }))).toEqual([
      { path: join(dir, 'f'), given: 'f', ret: 'ok' },
      { path: join(dir, 'missing'), given: 'missing', ret: -2 },
      { path: join(dir, 'f'), given: undefined, ret: 'ok' },
      { path: '/etc/hostname', given: './hostname', ret: 'ok' },
    ]);
  });

  it('under overload loses records, says exactly how many, and keeps counts exact', async () => {
    const name = `vfl${randomBytes(3).toString('hex')}`;
    const flood = compileFixture('flood.c', name, ['-static']);
    const path = `/tmp/vigil-flood-${randomBytes(4).toString('hex')}`;
    execFileSync('touch', [path]);
    const N = 50_000;

    // one page of ring buffer and no early wake-ups: the consumer is starved on purpose
    const cap = await startCapture(['--comm', name, '--ringbuf-bytes', '4096', '--duration', '60']);
    const run = await runToEnd(flood, [String(N), path]);
    expect(run.code).toBe(0);
    const { lines, code } = await cap.stop();
    expect(code, cap.stderr()).toBe(0);

    const proc = lines.find((l) => l.type === 'process' && l.pid === run.pid)!;
    expect(proc, 'process line of the flood').toBeDefined();
    const syscalls = proc.syscalls as Record<string, number>;
    expect(syscalls.openat).toBe(N); // counted in the kernel: exact whatever the ring buffer did

    const received = lines.filter((l) => l.pid === run.pid && l.type !== 'process');
    const summary = lines.at(-1)!;
    expect(summary.dropped as number).toBeGreaterThan(0);
    expect(proc.dropped).toBe(summary.dropped);
    // every record the kernel tried to send for this process (N opens, its exec, its exit) was
    // either received or counted as dropped — nothing vanished silently
    const exitRecord = proc.exited ? 1 : 0;
    expect(received.length + exitRecord + (proc.dropped as number)).toBe(N + 2);
  });

  it('refuses to start without BTF, with one clear message and a non-zero exit', () => {
    let err: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [require.resolve('../../dist/main.js'), 'capture', '--duration', '1'], {
        env: childEnv({ VIGIL_AGENT_BTF_PATH: '/nonexistent/vmlinux' }),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      err = e as { status: number; stderr: string };
    }
    expect(err?.status).toBe(69);
    expect(err!.stderr.trim().split('\n')).toEqual([expect.stringContaining('kernel BTF not found at /nonexistent/vmlinux')]);
  });

  it('refuses to start without privileges, naming them', () => {
    let err: { status: number; stderr: string } | undefined;
    try {
      execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, require.resolve('../../dist/main.js'), 'capture', '--duration', '1'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      err = e as { status: number; stderr: string };
    }
    expect(err?.status).toBe(77);
    expect(err!.stderr.trim().split('\n')).toEqual([expect.stringMatching(/needs CAP_BPF and CAP_PERFMON \(or root\)/)]);
  });
});
