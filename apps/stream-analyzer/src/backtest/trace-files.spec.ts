import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kgramCounts } from '@vigil/schemas';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleSet, RULES_DIR } from '../detection/rules/rule-directory';
import { runBacktest, type BacktestReport } from './backtest';
import { detectTraceFormat, parseTrace, readTrace, TraceFormatError } from './trace-files';
import { SymbolTable, traceWindows } from './trace-telemetry';

const STRACE_F = `1201  execve("/usr/sbin/sshd", ["sshd"], 0x7ffc /* 20 vars */) = 0
1201  brk(NULL)                         = 0x55d1
1201  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
1201  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = 1202
1202  read(3,  <unfinished ...>
1201  wait4(-1,  <unfinished ...>
1202  <... read resumed>"root:x:0:0", 4096) = 10
1202  close(3)                          = 0
1202  exit_group(0)                     = ?
1202  +++ exited with 0 +++
1201  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1202
1201  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1202} ---
1201  exit_group(0)                     = ?
`;

const STRACE_TT = `[pid  77] 10:01:02.123456 openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3
10:01:02.123499 read(3, "x", 1) = 1
[pid  77] 10:01:02.123501 close(3) = 0
strace: Process 78 attached
[pid  78] 10:01:02.123600 getpid() = 78
`;

const LIDDS_2021 = `1631209047761484608 33 7214 apache2 7214 epoll_wait > maxevents=1
1631209047761490000 33 7214 apache2 7214 epoll_wait < res=1
1631209047761500000 33 7214 apache2 7215 accept4 > flags=0
1631209047761510000 33 7214 apache2 7215 accept4 < fd=9(<4t>172.17.0.1:41290->172.17.0.2:80)
1631209047761520000 33 7214 apache2 7214 read > fd=9
1631209047761530000 33 7214 apache2 7214 read < res=10 data=R0VUIC8=
1631209047761540000 0 800 mysqld 801 futex > addr=7F1 op=129
`;

const LIDDS_2019 = `1 10:41:29.390089051 0 33 apache2 3275 > epoll_wait maxevents=1
2 10:41:29.390089200 0 33 apache2 3275 < epoll_wait res=1
3 10:41:29.390089300 0 33 apache2 3275 > switch next=0 pgft_maj=0
4 10:41:29.390089400 1 33 apache2 3276 > read fd=9
5 10:41:29.390089500 1 33 apache2 3276 < read res=10
`;

const SYSDIG = `151 13:22:48.123456789 0 bash (1234) > read fd=0(<f>/dev/pts/0) size=1
152 13:22:48.123456800 0 bash (1234) < read res=1 data=l
153 13:22:48.123456900 0 bash (1234) > write fd=2(<f>/dev/pts/0) size=1
`;

describe('trace layouts', () => {
  it('reads an ADFA-LD trace (numbers on one line) and one call per line as one process', () => {
    expect(parseTrace('6 6 63 6 42 120 6 195 120 6\n', 'a')).toEqual({ format: 'tokens', processes: [{ key: '', calls: ['6', '6', '63', '6', '42', '120', '6', '195', '120', '6'] }] });
    expect(parseTrace('open\nread\nclose\n', 'b').processes[0]!.calls).toEqual(['open', 'read', 'close']);
    expect(parseTrace('', 'empty')).toEqual({ format: 'tokens', processes: [{ key: '', calls: [] }] });
  });

  it('splits a UNM pid-call trace into its processes', () => {
    const t = parseTrace('551 5\n551 3\n552 4\n551 6\n552 1\n', 'unm');
    expect(t.format).toBe('pid-call');
    expect(t.processes).toEqual([
      { key: '551', calls: ['5', '3', '6'] },
      { key: '552', calls: ['4', '1'] },
    ]);
  });

  it('reads strace -f: one call per line, a resumed call once, signals and exits not at all', () => {
    const t = parseTrace(STRACE_F, 's');
    expect(t.format).toBe('strace');
    expect(t.processes).toEqual([
      { key: '1201', calls: ['execve', 'brk', 'openat', 'clone', 'wait4', 'exit_group'] },
      { key: '1202', calls: ['read', 'close', 'exit_group'] },
    ]);
    const tt = parseTrace(STRACE_TT, 'tt');
    expect(tt.format).toBe('strace');
    expect(tt.processes).toEqual([
      { key: '77', calls: ['openat', 'close'] },
      { key: '', calls: ['read'] },
      { key: '78', calls: ['getpid'] },
    ]);
  });

  it('reads LID-DS 2021 by process, with the thread of each call, counting enter events only', () => {
    const t = parseTrace(LIDDS_2021, 'l21');
    expect(t.format).toBe('lidds-2021');
    expect(t.processes).toEqual([
      { key: '7214', calls: ['epoll_wait', 'accept4', 'read'], threads: [0, 1, 0] },
      { key: '800', calls: ['futex'] },
    ]);
  });

  it('reads LID-DS 2019 and sysdig by thread, without scheduler events', () => {
    const t = parseTrace(LIDDS_2019, 'l19');
    expect(t.format).toBe('lidds-2019');
    expect(t.processes).toEqual([
      { key: '3275', calls: ['epoll_wait'] },
      { key: '3276', calls: ['read'] },
    ]);
    const s = parseTrace(SYSDIG, 'sd');
    expect(s.format).toBe('sysdig');
    expect(s.processes).toEqual([{ key: '1234', calls: ['read', 'write'] }]);
  });

  it('refuses a document as a trace, naming the file and how it begins', () => {
    expect(detectTraceFormat('{"exploit": true, "time": 3}\n')).toBeNull();
    expect(() => parseTrace('{"exploit": true}\n', 'rec/label.json')).toThrow(TraceFormatError);
    expect(() => parseTrace('{"exploit": true}\n', 'rec/label.json')).toThrow(/rec\/label\.json: a document .*not a syscall trace.*begins "\{\\"exploit\\": true\}"/);
    // anything else is opaque tokens, as the backtest contract says
    expect(parseTrace('sys_open-64 read:3 -1\n', 'odd').processes[0]!.calls).toEqual(['sys_open-64', 'read:3', '-1']);
  });
});

describe('a traced process as the agent ships it', () => {
  it('keeps one k-gram window per thread, as the kernel does', () => {
    const a = ['open', 'read', 'read', 'close', 'open', 'read'];
    const b = ['futex', 'poll', 'futex', 'poll', 'futex'];
    // interleave the two threads' calls
    const calls: string[] = [];
    const threads: number[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      for (const [t, seq] of [a, b].entries()) {
        if (i >= seq.length) continue;
        calls.push(seq[i]!);
        threads.push(t);
      }
    }
    const symbols = new SymbolTable();
    const ids = symbols.idsOf(calls);
    const [w] = traceWindows(calls, ids, 9, { k: 3, windowCalls: 1000 }, threads);
    const expected = new Map<number, number>();
    for (const part of [a, b]) for (const [h, c] of kgramCounts(symbols.idsOf(part), 3)) expected.set(h, (expected.get(h) ?? 0) + c);
    expect(new Map(w!.sequences!.ngrams.map((n) => [n.hash, n.count]))).toEqual(expected);
    // without threads the interleaving would be read as one sequence
    const [mixed] = traceWindows(calls, ids, 9, { k: 3, windowCalls: 1000 });
    expect(new Map(mixed!.sequences!.ngrams.map((n) => [n.hash, n.count]))).not.toEqual(expected);
  });

  it('carries the k-gram window across windows of a long process', () => {
    const calls = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const ids = new SymbolTable().idsOf(calls);
    const windows = traceWindows(calls, ids, 1, { k: 3, windowCalls: 3 });
    expect(windows.map((w) => w.sequences!.ngrams.length)).toEqual([1, 3, 1]);
    expect(windows.map((w) => w.exited)).toEqual([false, false, true]);
  });
});

describe('trace backtest over several layouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-layouts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rules = loadRuleSet(RULES_DIR);

  /** A small server process: accept, read a request, open and send a file, close (varied by seed). */
  const normal = (seed: number): string[] => {
    const t = ['execve', 'brk', 'mmap', 'openat', 'fstat', 'mmap', 'close'];
    for (let i = 0; i < 6 + (seed % 5); i++) {
      t.push('accept4', 'read');
      if ((seed + i) % 3 === 0) t.push('stat');
      t.push('openat', 'fstat');
      for (let j = 0; j < 1 + ((seed * 3 + i) % 3); j++) t.push('sendfile');
      t.push('close', 'write', 'close');
    }
    t.push('exit_group');
    return t;
  };
  /** The same server spawning a shell that reads credentials and connects out. */
  const attack = (seed: number): string[] => [...normal(seed).slice(0, 20), 'dup2', 'dup2', 'dup2', 'execve', 'socket', 'connect', 'openat', 'read', 'read', 'write', 'write', 'setuid', 'execve', 'ptrace', 'ptrace', 'mprotect', 'exit_group'];

  const train = join(dir, 'train');
  mkdirSync(train);
  for (let s = 0; s < 80; s++) writeFileSync(join(train, `n${String(s).padStart(3, '0')}.txt`), normal(s).join(' '));
  writeFileSync(join(train, 'README.json'), '{"about": "a sidecar file"}\n');

  /** Test recordings written in one layout: each file several processes (pids 100+), the last one an attack in the `bad` files. */
  const recordings = (layout: 'tokens' | 'strace' | 'pid-call'): string => {
    const test = join(dir, `test-${layout}`);
    mkdirSync(test);
    for (let r = 0; r < 12; r++) {
      for (const bad of [false, true]) {
        const procs = [normal(1000 + r), normal(2000 + r), ...(bad ? [attack(3000 + r)] : [normal(3000 + r)])];
        const name = `${bad ? 'attack' : 'normal'}-${String(r).padStart(2, '0')}`;
        if (layout === 'tokens') {
          // one process per file, as in ADFA-LD: the recording is a directory
          mkdirSync(join(test, name));
          procs.forEach((p, i) => writeFileSync(join(test, name, `p${i}.txt`), p.join(' ')));
          continue;
        }
        // interleave the processes round-robin
        const lines: string[] = [];
        for (let i = 0; i < Math.max(...procs.map((p) => p.length)); i++) {
          procs.forEach((p, j) => {
            if (i < p.length) lines.push(layout === 'strace' ? `${100 + j}  ${p[i]}(3, 0x7f00) = 0` : `${100 + j} ${p[i]}`);
          });
        }
        writeFileSync(join(test, `${name}.log`), lines.join('\n') + '\n');
      }
    }
    writeFileSync(join(test, 'labels.json'), '{"attacks": 12}\n');
    return test;
  };

  it('ranks recordings whatever their layout, learns nothing from a sidecar file and scores it 0', () => {
    const byLayout = (['strace', 'pid-call'] as const).map((layout) => {
      const report: BacktestReport = { formats: {}, skipped: [] };
      const scores = runBacktest(train, recordings(layout), rules, undefined, { report });
      expect(report.formats).toEqual({ tokens: 80, [layout]: 24 });
      expect(report.skipped.map((s) => [s.phase, s.path.split('/').pop()])).toEqual([
        ['train', 'README.json'],
        ['test', 'labels.json'],
      ]);
      expect(scores).toHaveLength(25);
      expect(scores.find((s) => s.path.endsWith('labels.json'))!.score).toBe(0);
      return scores.filter((s) => !s.path.endsWith('.json'));
    });
    for (const scores of byLayout) {
      const normals = scores.filter((s) => s.path.includes('/normal-')).map((s) => s.score);
      const attacks = scores.filter((s) => s.path.includes('/attack-')).map((s) => s.score);
      // every attack recording ranks above every normal one
      expect(Math.min(...attacks)).toBeGreaterThan(Math.max(...normals));
    }
    // the layout changes nothing: the same calls score the same
    expect(byLayout[0]!.map((s) => s.score)).toEqual(byLayout[1]!.map((s) => s.score));
  });

  it('scores a recording of one process per file as its files (ADFA-LD layout)', () => {
    const scores = runBacktest(train, recordings('tokens'), rules);
    const attackFiles = scores.filter((s) => s.path.includes('/attack-') && s.path.endsWith('p2.txt')).map((s) => s.score);
    const normalFiles = scores.filter((s) => s.path.includes('/normal-') || !s.path.endsWith('p2.txt')).filter((s) => !s.path.endsWith('.json')).map((s) => s.score);
    expect(attackFiles).toHaveLength(12);
    expect(Math.min(...attackFiles)).toBeGreaterThan(Math.max(...normalFiles));
  });

  it('reads a LID-DS 2021 recording from its zip (the .sc trace, not the label, resources or capture)', () => {
    const p = join(dir, 'recording.zip');
    writeFileSync(
      p,
      zipSync({
        'recording/recording.sc': strToU8(LIDDS_2021),
        'recording/recording.json': strToU8('{"exploit": false}'),
        'recording/recording.res': strToU8('1631209047 0.5 1200\n1631209048 0.7 1300\n'),
        'recording/recording.pcap': new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 0, 0]),
      }),
    );
    expect(readTrace(p)).toEqual(parseTrace(LIDDS_2021, 'same'));
    const empty = join(dir, 'labels.zip');
    writeFileSync(empty, zipSync({ 'a.json': strToU8('{}') }));
    expect(() => readTrace(empty)).toThrow(/labels\.zip: a zip archive with no syscall trace/);
  });

  it('refuses a binary file as a trace', () => {
    const p = join(dir, 'core.bin');
    writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    expect(() => readTrace(p)).toThrow(/binary file/);
  });
});
