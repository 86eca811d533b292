import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kgramCounts } from '@vigil/schemas';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleSet, RULES_DIR } from '../detection/rules/rule-directory';
import { replayProcesses, runBacktest, type BacktestReport } from './backtest';
import { detectTraceFormat, listTraceFiles, parseTrace, readTrace, TraceFormatError, type TraceProcess } from './trace-files';
import { ProgramNames, SymbolTable, traceWindows } from './trace-telemetry';

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

/** The processes' calls and threads, without what their arguments say. */
const callsOf = (ps: TraceProcess[]): Omit<TraceProcess, 'detail'>[] => ps.map(({ detail: _, ...p }) => p);

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
    expect(callsOf(t.processes)).toEqual([
      { key: '1201', calls: ['execve', 'brk', 'openat', 'clone', 'wait4', 'exit_group'] },
      { key: '1202', calls: ['read', 'close', 'exit_group'] },
    ]);
    const tt = parseTrace(STRACE_TT, 'tt');
    expect(tt.format).toBe('strace');
    expect(callsOf(tt.processes)).toEqual([
      { key: '77', calls: ['openat', 'close'] },
      { key: '', calls: ['read'] },
      { key: '78', calls: ['getpid'] },
    ]);
  });

  it('reads LID-DS 2021 by process, with the thread of each call, counting enter events only', () => {
    const t = parseTrace(LIDDS_2021, 'l21');
    expect(t.format).toBe('lidds-2021');
    expect(callsOf(t.processes)).toEqual([
      { key: '7214', calls: ['epoll_wait', 'accept4', 'read'], threads: [0, 1, 0] },
      { key: '800', calls: ['futex'] },
    ]);
  });

  it('reads LID-DS 2019 and sysdig by thread, without scheduler events', () => {
    const t = parseTrace(LIDDS_2019, 'l19');
    expect(t.format).toBe('lidds-2019');
    expect(callsOf(t.processes)).toEqual([
      { key: '3275', calls: ['epoll_wait'] },
      { key: '3276', calls: ['read'] },
    ]);
    const s = parseTrace(SYSDIG, 'sd');
    expect(s.format).toBe('sysdig');
    expect(callsOf(s.processes)).toEqual([{ key: '1234', calls: ['read', 'write'] }]);
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
    const {
      windows: [w],
    } = traceWindows(calls, ids, 9, { k: 3, windowCalls: 1000 }, threads);
    const expected = new Map<number, number>();
    for (const part of [a, b]) for (const [h, c] of kgramCounts(symbols.idsOf(part), 3)) expected.set(h, (expected.get(h) ?? 0) + c);
    expect(new Map(w!.sequences!.ngrams.map((n) => [n.hash, n.count]))).toEqual(expected);
    // without threads the interleaving would be read as one sequence
    const [mixed] = traceWindows(calls, ids, 9, { k: 3, windowCalls: 1000 }).windows;
    expect(new Map(mixed!.sequences!.ngrams.map((n) => [n.hash, n.count]))).not.toEqual(expected);
  });

  it('carries the k-gram window across windows of a long process', () => {
    const calls = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const ids = new SymbolTable().idsOf(calls);
    const windows = traceWindows(calls, ids, 1, { k: 3, windowCalls: 3 }).windows;
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

describe('what a recording with arguments tells the engine', () => {
  it('reads strace -f lineage, exits and records, and a thread into its process', () => {
    const t = parseTrace(STRACE_F, 's');
    const [sshd, child] = t.processes;
    expect(sshd!.detail).toEqual({
      exitCode: undefined,
      records: [
        { kind: 'exec', at: 0, filename: '/usr/sbin/sshd', argv: ['sshd'], ret: 0 },
        { kind: 'open', at: 2, path: '/etc/ld.so.cache', flags: 0o2000000, ret: 3 },
      ],
    });
    expect(child!.detail).toEqual({ parent: '1201', forkedAt: 3, exitCode: 0, records: [] });
    const threaded = parseTrace(
      ['500  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, child_tid=0x1}, 88) = 501', '501  openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3', '500  read(0, "", 1) = 0', '501  close(3) = 0'].join('\n'),
      'thr',
    );
    expect(threaded.processes).toEqual([{ key: '500', calls: ['clone3', 'read', 'openat', 'close'], threads: [0, 0, 1, 1], detail: { records: [{ kind: 'open', at: 2, path: '/etc/hostname', flags: 0, ret: 3 }] } }]);
  });

  it('reads LID-DS 2021 lineage, names, users and records from enter and exit events', () => {
    const sc = [
      '1 33 7214 apache2 7214 clone >',
      '2 33 7214 apache2 7214 clone < res=7300 exe=/usr/sbin/apache2 args= tid=7214 pid=7214 ptid=1 flags=25165824(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID)',
      '3 33 7300 apache2 7300 execve > filename=/bin/sh',
      '4 33 7300 sh 7300 execve < res=0 exe=sh args=-c.id. tid=7300 pid=7300 ptid=7214 comm=sh',
      '5 33 7300 sh 7300 openat > dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0',
      '6 33 7300 sh 7300 openat < fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803',
    ].join('\n');
    const t = parseTrace(sc, 'l21');
    expect(t.format).toBe('lidds-2021');
    expect(t.processes.map((p) => [p.key, p.calls, p.detail])).toEqual([
      ['7214', ['clone'], { comm: 'apache2', uid: 33, records: [] }],
      [
        '7300',
        ['execve', 'openat'],
        {
          parent: '7214',
          forkedAt: 0,
          comm: 'apache2',
          uid: 33,
          records: [
            { kind: 'exec', at: 0, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 },
            { kind: 'open', at: 1, path: '/etc/shadow', flags: 0, ret: 3 },
          ],
        },
      ],
    ]);
    // a process the trace names but never saw start is the program of that name
    const [apache, sh] = replayProcesses(t.processes, counter(), new SymbolTable(), { k: 3, windowCalls: 1000 });
    expect(apache!.windows.map((w) => [w.exe, w.uid, w.execs.map((e) => e.filename)])).toEqual([['apache2', 33, ['/bin/sh']]]);
    expect(sh!.windows.map((w) => [w.exe, w.ppid, w.ancestry, w.argv, w.files.map((f) => f.path)])).toEqual([['/bin/sh', apache!.pid, ['apache2', '/usr/lib/systemd/systemd'], ['sh', '-c', 'id'], ['/etc/shadow']]]);
  });

  it('knows a process the recording never saw start by its name, as the program of that name a recording saw exec', () => {
    const started = parseTrace(['1 0 10 bash 10 execve > filename=/usr/sbin/apache2', '2 0 10 apache2 10 execve < res=0 exe=apache2 args=-k.start. comm=apache2', '3 0 10 apache2 10 read > fd=3'].join('\n'), 'a');
    const running = parseTrace('1 33 20 apache2 20 read > fd=3\n2 33 21 mysqld 21 read > fd=4\n', 'b');
    const programs = new ProgramNames();
    const symbols = new SymbolTable();
    replayProcesses(started.processes, counter(), symbols, { k: 3, windowCalls: 1000 }, programs);
    const [apache, mysql] = replayProcesses(running.processes, counter(), symbols, { k: 3, windowCalls: 1000 }, programs);
    expect(apache!.windows[0]!.exe).toBe('/usr/sbin/apache2');
    // no recording showed mysqld start: its name is its program
    expect(mysql!.windows[0]!.exe).toBe('mysqld');
  });

  it('sends what the agent sends: a fork+exec on the parent, and an exec in place after what the earlier image did', () => {
    const t = parseTrace(
      [
        '100  execve("/usr/sbin/sshd", ["sshd", "-D"], 0x1 /* 3 vars */) = 0',
        '100  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = 101',
        '101  execve("/bin/bash", ["bash", "-l"], 0x1 /* 3 vars */) = 0',
        '101  openat(AT_FDCWD, "/etc/motd", O_RDONLY) = 3',
        '101  execve("/usr/bin/id", ["id"], 0x1 /* 3 vars */) = 0',
        '101  openat(AT_FDCWD, "/etc/group", O_RDONLY|O_CLOEXEC) = 3',
        '101  exit_group(0) = ?',
        '101  +++ exited with 0 +++',
        '100  wait4(-1, NULL, 0, NULL) = 101',
      ].join('\n'),
      'sess',
    );
    const [sshd, child] = replayProcesses(t.processes, counter(), new SymbolTable(), { k: 3, windowCalls: 1000 });
    // sshd's own exec is its own; the fork+exec of bash is sshd's too: its baseline learns that sshd starts bash
    expect(sshd!.windows.map((w) => [w.exe, w.execs.map((e) => e.filename)])).toEqual([['/usr/sbin/sshd', ['/usr/sbin/sshd', '/bin/bash']]]);
    // bash opened the motd, then became id in place: bash's records go first, as bash
    expect(child!.windows.map((w) => [w.exe, w.argv, w.files.map((f) => f.path), w.execs.map((e) => e.filename), Object.keys(w.syscalls).length > 0, w.exited])).toEqual([
      ['/bin/bash', ['bash', '-l'], ['/etc/motd'], [], false, false],
      ['/usr/bin/id', ['id'], ['/etc/group'], ['/usr/bin/id'], true, true],
    ]);
    expect(child!.windows[1]!.ancestry).toEqual(['/usr/sbin/sshd', '/usr/lib/systemd/systemd']);
  });

  it('keeps the records of a program that re-execs itself on its one image, as the agent does', () => {
    const t = parseTrace(
      [
        '200  execve("/usr/sbin/nginx", ["nginx"], 0x1 /* 3 vars */) = 0',
        '200  openat(AT_FDCWD, "/etc/nginx/nginx.conf", O_RDONLY) = 3',
        '200  execve("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"], 0x1 /* 3 vars */) = 0',
        '200  openat(AT_FDCWD, "/var/log/nginx/access.log", O_WRONLY|O_APPEND) = 4',
        '200  exit_group(0) = ?',
      ].join('\n'),
      'reexec',
    );
    const [nginx] = replayProcesses(t.processes, counter(), new SymbolTable(), { k: 3, windowCalls: 1000 });
    // the agent seals an earlier image only when the program changes: one window, under the latest argv
    expect(nginx!.windows.map((w) => [w.exe, w.argv, w.files.map((f) => f.path), w.execs.length])).toEqual([
      ['/usr/sbin/nginx', ['nginx', '-g', 'daemon off;'], ['/etc/nginx/nginx.conf', '/var/log/nginx/access.log'], 2],
    ]);
  });

  describe('a web server recorded with strace -f', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-identity-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const rules = loadRuleSet(RULES_DIR);

    /** One request: the server forks a handler that runs a CGI program (`cgi`: its path, argv and what it opens). */
    const recording = (seed: number, cgi: { exe: string; argv: string[]; opens: string[] }[]): string => {
      const server = 1000 + seed * 10;
      const lines = [`${server}  accept4(3, {sa_family=AF_INET, sin_port=htons(${40000 + seed}), sin_addr=inet_addr("192.0.2.${seed % 200}")}, [16], SOCK_CLOEXEC) = 4`];
      lines.push(`${server}  read(4, "GET / HTTP/1.0", 4096) = 14`);
      cgi.forEach((c, i) => {
        const pid = server + 1 + i;
        const parent = i === 0 ? server : pid - 1;
        lines.push(`${parent}  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = ${pid}`);
        lines.push(`${pid}  execve("${c.exe}", [${c.argv.map((a) => JSON.stringify(a)).join(', ')}], 0x1 /* 9 vars */) = 0`);
        for (const [j, path] of c.opens.entries()) {
          lines.push(`${pid}  openat(AT_FDCWD, "${path}", O_RDONLY|O_CLOEXEC) = ${3 + j}`);
          lines.push(`${pid}  read(${3 + j}, "x", 4096) = ${1 + ((seed + j) % 7)}`);
          lines.push(`${pid}  close(${3 + j}) = 0`);
        }
        lines.push(`${pid}  write(1, "ok", 2) = 2`, `${pid}  exit_group(0) = ?`, `${pid}  +++ exited with 0 +++`);
      });
      lines.push(`${server}  wait4(-1, NULL, 0, NULL) = ${server + 1}`, `${server}  write(4, "HTTP/1.0 200", 12) = 12`, `${server}  close(4) = 0`);
      return lines.join('\n') + '\n';
    };
    const date = { exe: '/usr/bin/date', argv: ['date', '+%s'], opens: ['/etc/localtime'] };
    const report = { exe: '/usr/bin/sqlite3', argv: ['sqlite3', '/srv/shop.db', 'select 1'], opens: ['/srv/shop.db'] };
    const train = join(dir, 'train');
    const test = join(dir, 'test');
    mkdirSync(train);
    mkdirSync(test);
    for (let s = 0; s < 40; s++) writeFileSync(join(train, `n${s}.strace`), recording(s, [s % 2 ? date : report]));
    for (let s = 40; s < 50; s++) writeFileSync(join(test, `normal-${s}.strace`), recording(s, [s % 2 ? date : report]));
    // a command injection: the handler runs a shell that reads the password hashes (same calls as a normal request)
    const shell = { exe: '/bin/sh', argv: ['sh', '-c', 'cat /etc/shadow'], opens: [] };
    const cat = { exe: '/usr/bin/cat', argv: ['cat', '/etc/shadow'], opens: ['/etc/shadow'] };
    for (let s = 50; s < 55; s++) writeFileSync(join(test, `attack-${s}.strace`), recording(s, [shell, cat]));

    it('ranks the injection above every normal request, by what the engine raises', () => {
      const report: BacktestReport = { formats: {}, skipped: [] };
      const scores = runBacktest(train, test, rules, undefined, { report });
      // 55 files: a server (its accept; never seen to exec: not named) and a handler (its exec, its open) each;
      // the 5 injections two handlers (the shell: an exec, no open; its cat: an exec and an open)
      expect(report.detail).toEqual({ processes: 115, named: 60, records: { net: 55, exec: 60, open: 55 } });
      const normals = scores.filter((s) => s.path.includes('/normal-')).map((s) => s.score);
      const attacks = scores.filter((s) => s.path.includes('/attack-')).map((s) => s.score);
      expect(attacks).toHaveLength(5);
      // an alert of medium or more on a file's processes is worth ALERT_SCORE per level above low
      expect(Math.min(...attacks)).toBeGreaterThanOrEqual(2_000);
      expect(Math.max(...normals)).toBeLessThan(1_000);
    });

    it('raises nothing on the injection from its call names alone', () => {
      // the same recordings, call names only (pid-call): without paths and programs no rule or first run can fire
      const names = (from: string, to: string): void => {
        mkdirSync(to);
        for (const f of listTraceFiles(from)) {
          const t = parseTrace(readFileSync(f, 'utf8'), f);
          writeFileSync(join(to, f.split('/').pop()!), t.processes.flatMap((p) => p.calls.map((c) => `${p.key} ${c}`)).join('\n') + '\n');
        }
      };
      names(train, join(dir, 'train-names'));
      names(test, join(dir, 'test-names'));
      const scores = runBacktest(join(dir, 'train-names'), join(dir, 'test-names'), rules);
      expect(scores).toHaveLength(15);
      expect(Math.max(...scores.map((s) => s.score))).toBeLessThan(1_000);
    });
  });
});

/** Engine pids 1, 2, … */
function counter(): () => number {
  let n = 0;
  return () => ++n;
}

describe('a recording larger than a string can hold', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-trace-slices-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads it a slice of lines at a time, exactly as it reads it whole, lines cut by a slice included', () => {
    // multi-byte paths, so that slices also cut UTF-8 sequences
    const strace = Array.from({ length: 300 }, (_, i) => `${100 + (i % 3)}  openat(AT_FDCWD, "/srv/données/é${i}.txt", O_RDONLY) = 3\n${100 + (i % 3)}  read(3, "x", 1) = 1`).join('\n') + '\n';
    const sc = Array.from({ length: 300 }, (_, i) => `${i} 33 7214 apache2 ${7214 + (i % 2)} openat > dirfd=-100(AT_FDCWD) name=/var/www/é${i} flags=1(O_RDONLY) mode=0\n${i} 33 7214 apache2 ${7214 + (i % 2)} openat < fd=3(<f>/var/www/é${i}) name=/var/www/é${i} flags=1(O_RDONLY) mode=0`).join('\n');
    const tokens = Array.from({ length: 3000 }, (_, i) => String(i % 17)).join(' ');
    for (const [name, text] of [['s.strace', strace], ['r.sc', sc], ['t.txt', tokens]] as const) {
      const p = join(dir, name);
      writeFileSync(p, text);
      const whole = readTrace(p);
      for (const slice of [97, 1000, 4096]) expect(readTrace(p, slice), `${name} in slices of ${slice}`).toEqual(whole);
    }
    expect(readTrace(join(dir, 'r.sc'), 97).processes[0]!.detail!.records).toHaveLength(300);
    // a zip entry too
    const z = join(dir, 'rec.zip');
    writeFileSync(z, zipSync({ 'rec/rec.sc': strToU8(sc), 'rec/rec.json': strToU8('{}') }));
    expect(readTrace(z, 97)).toEqual(readTrace(z));
  });

  it('refuses binary data in a later slice, naming where it is', () => {
    const p = join(dir, 'late-nul.txt');
    writeFileSync(p, Buffer.concat([Buffer.from('1 2 3 4 5\n'.repeat(50)), Buffer.from([0]), Buffer.from('6 7\n')]));
    expect(() => readTrace(p, 64)).toThrow(/late-nul\.txt: binary data \(a NUL byte\) at byte 500/);
  });
});

describe('a damaged recording', () => {
  it('reads any line of any shape without throwing: a cut or garbled line says less, nothing more', () => {
    expect(() => parseTrace('100  dup2() = 0\n100  openat() = 3\n100  connect(3) = 0\n100  execve() = 0\n100  listen() = 0\n', 'bare')).not.toThrow();
    const sc = ['1 33 7214 apache2 7214 openat > dirfd=-100(AT_FDCWD) name=/etc/x flags=1(O_RDONLY) mode=0', '2 33 7214 apache2 7214 openat < fd=3(<f>/etc/x) name=/etc/x flags=1(O_RDONLY)', '3 33 7214 apache2 7214 clone < res=7300 flags=0', '4 33 7300 sh 7300 execve < res=0 exe=sh args=-c.id.', '5 33 7214 apache2 7214 chmod < res=0 filename=/x mode=0(', '6 0 1 a 1 ptrace > request=( pid=', '7 0 1 a 1 connect < res=0 tuple=::'];
    const st = STRACE_F.split('\n');
    // seeded: cut lines short, insert brackets, quotes, escapes and separators at random
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const chars = '()[]{}"\\,= <>.:/x0-9\n';
    for (let i = 0; i < 400; i++) {
      const lines = (i % 2 ? st : sc).map((l) => {
        if (rnd() > 0.3) return l;
        const a = Math.floor(rnd() * l.length);
        const junk = Array.from({ length: Math.floor(rnd() * 5) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
        return rnd() < 0.5 ? l.slice(0, a) + junk + l.slice(a + Math.floor(rnd() * 8)) : l.slice(0, a);
      });
      let t: ReturnType<typeof parseTrace>;
      try {
        t = parseTrace(lines.join('\n'), `mutant ${i}`);
      } catch (e) {
        // the one refusal: text that begins like a document
        expect(e).toBeInstanceOf(TraceFormatError);
        continue;
      }
      expect(() => replayProcesses(t.processes, counter(), new SymbolTable(), { k: 3, windowCalls: 50 })).not.toThrow();
    }
  });
});
