import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgramBaseline } from '../baseline';
import { extractFeatures } from '../features';
import { DEFAULT_THRESHOLDS, type DetectionContext } from '../finding';
import { programIdentity } from '../identity';
import type { ProcessActivity } from '../telemetry';
import { batch, proc } from '../../testing/fixtures';
import { RuleFileError, RuleSet } from './rule-set';

const RULES_TEXT = readFileSync(join(__dirname, '..', '..', '..', 'rules', 'known-bad.yaml'), 'utf8');
const rules = RuleSet.parse(RULES_TEXT);

function ctx(p: ProcessActivity, baseline?: ProgramBaseline): DetectionContext {
  const program = programIdentity(p);
  const b = baseline ?? new ProgramBaseline(program);
  return { batch: batch(1000, [p]), process: p, program, features: extractFeatures(p), baseline: b, learning: !b.active, thresholds: DEFAULT_THRESHOLDS };
}

function activeBaseline(p: ProcessActivity): ProgramBaseline {
  const b = new ProgramBaseline(programIdentity(p));
  b.learn(extractFeatures(p), 'r1', 'ep-1', 0);
  b.updatePhase(10, 1);
  expect(b.active).toBe(true);
  return b;
}

const fired = (p: ProcessActivity, b?: ProgramBaseline): string[] => rules.evaluate(ctx(p, b)).map((f) => f.kind);

describe('known-bad rules file', () => {
  it('parses, validates and every rule names a MITRE technique', () => {
    expect(rules.ids.length).toBeGreaterThanOrEqual(12);
    for (const r of rules.evaluate(ctx(proc()))) expect(r.mitre).toMatch(/^T\d{4}/);
  });

  it('rejects invalid rules, listing every problem with its path', () => {
    const bad = `version: 1\nrules:\n  - id: Bad_ID\n    title: x\n    mitre: X1\n    severity: extreme\n    event: file\n    evidence: e\n  - id: ok\n    title: t\n    mitre: T1000\n    severity: low\n    event: security\n    security: { kind: [] }\n    evidence: e\n  - { id: nosection, title: t, mitre: T1000, severity: low, event: file, evidence: e }\n`;
    try {
      RuleSet.parse(bad);
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(RuleFileError);
      const problems = (err as RuleFileError).problems.join('\n');
      expect(problems).toMatch(/rules\.0\.id/);
      expect(problems).toMatch(/rules\.0\.mitre/);
      expect(problems).toMatch(/rules\.0\.severity/);
      expect(problems).toMatch(/rules\.2: event "file" needs a "file" section/);
      expect(problems).toMatch(/rules\.1\.security\.kind/);
    }
  });

  it('rejects YAML syntax errors and duplicate ids', () => {
    expect(() => RuleSet.parse('version: 1\nrules: [\n')).toThrow(RuleFileError);
    const one = `  - { id: a, title: t, mitre: T1000, severity: low, event: security, security: { kind: [x] }, evidence: e }\n`;
    expect(() => RuleSet.parse(`version: 1\nrules:\n${one}${one}`)).toThrow(/duplicate rule id "a"/);
  });
});

describe('known-bad rules', () => {
  const nginx = proc(); // accepts inet connections: network-facing

  it('shell spawned by a network-facing service (T1059.004)', () => {
    const p = proc({ execs: [{ time: 1, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ret: 0 }] });
    const f = rules.evaluate(ctx(p));
    expect(f.map((x) => x.kind)).toContain('shell-from-network-service');
    expect(f.find((x) => x.kind === 'shell-from-network-service')!.mitre).toBe('T1059.004');
    // a shell started by a program that does not serve the network is not this rule
    expect(fired(proc({ exe: '/usr/bin/make', network: [], execs: p.execs }))).not.toContain('shell-from-network-service');
  });

  it('credential file read only when the active baseline never read it, and not by login programs', () => {
    const shadow = { path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: 0 };
    const p = proc({ files: [shadow] });
    expect(fired(p)).not.toContain('credential-file-read'); // learning baseline: cannot say "never"
    const f = rules.evaluate(ctx(p, activeBaseline(nginx)));
    expect(f.map((x) => x.kind)).toContain('credential-file-read');
    expect(f.find((x) => x.kind === 'credential-file-read')!.evidence).toContain('/etc/shadow');
    expect(fired(p, activeBaseline(p))).not.toContain('credential-file-read'); // reads it normally
    const sshd = proc({ exe: '/usr/sbin/sshd', files: [shadow] });
    expect(fired(sshd, activeBaseline(proc({ exe: '/usr/sbin/sshd' })))).not.toContain('credential-file-read');
  });

  it('ptrace attach (T1055.008), except debuggers', () => {
    const sec = [{ time: 1, kind: 'ptrace', ret: 0, args: { request: 'PTRACE_ATTACH', pid: '42' } }];
    const f = rules.evaluate(ctx(proc({ security: sec })));
    expect(f.map((x) => x.kind)).toContain('ptrace-attach');
    expect(f[0]!.evidence).toContain('pid 42');
    expect(fired(proc({ security: [{ ...sec[0]!, args: { request: 'PTRACE_TRACEME' } }] }))).not.toContain('ptrace-attach');
    expect(fired(proc({ exe: '/usr/bin/gdb', security: sec }))).not.toContain('ptrace-attach');
  });

  it('writable+executable memory only when never seen for the program', () => {
    const p = proc({ security: [{ time: 1, kind: 'mprotect_exec', ret: 0, args: { prot: 'RWX' } }] });
    expect(fired(p, activeBaseline(nginx))).toContain('writable-executable-memory');
    expect(fired(p, activeBaseline(p))).not.toContain('writable-executable-memory');
  });

  it('memfd execution, kernel module load', () => {
    expect(fired(proc({ execs: [{ time: 1, filename: '/memfd:payload (deleted)', argv: ['x'], ret: 0 }] }))).toContain('memfd-execution');
    expect(fired(proc({ execs: [{ time: 1, filename: '/proc/self/fd/5', argv: ['x'], ret: 0 }] }))).toContain('memfd-execution');
    expect(fired(proc({ security: [{ time: 1, kind: 'finit_module', ret: 0, args: { name: 'rootkit' } }] }))).toContain('kernel-module-load');
    expect(fired(proc({ exe: '/usr/sbin/modprobe', security: [{ time: 1, kind: 'finit_module', ret: 0, args: {} }] }))).not.toContain('kernel-module-load');
  });

  it('persistence writes: cron, systemd, authorized_keys (reads do not count)', () => {
    const w = (path: string) => proc({ files: [{ path, flags: 0o1101, ret: 0, count: 1, firstSeen: 0 }] });
    expect(fired(w('/etc/cron.d/backdoor'))).toContain('cron-persistence-write');
    expect(fired(w('/var/spool/cron/crontabs/root'))).toContain('cron-persistence-write');
    expect(fired(w('/etc/systemd/system/evil.service'))).toContain('systemd-persistence-write');
    expect(fired(w('/home/bob/.ssh/authorized_keys'))).toContain('ssh-authorized-keys-write');
    expect(fired(proc({ files: [{ path: '/etc/cron.d/backdoor', flags: 0, ret: 0, count: 1, firstSeen: 0 }] }))).not.toContain('cron-persistence-write');
    expect(fired(proc({ exe: '/usr/bin/dpkg', files: w('/etc/cron.d/x').files }))).not.toContain('cron-persistence-write');
  });

  it('socket wired to a shell’s stdin/stdout', () => {
    const sh = proc({ exe: '/bin/bash', network: [], security: [{ time: 1, kind: 'stdio_socket', ret: 0, args: { peer: '1.2.3.4:4444' } }] });
    const f = rules.evaluate(ctx(sh));
    expect(f.map((x) => x.kind)).toContain('socket-wired-to-shell');
    expect(f.find((x) => x.kind === 'socket-wired-to-shell')!.severity).toBe('critical');
    const py = proc({ exe: '/usr/bin/python3', network: [], security: sh.security, execs: [{ time: 1, filename: '/bin/sh', argv: ['sh', '-i'], ret: 0 }] });
    expect(fired(py)).toContain('stdio-socket-exec-shell');
  });

  it('normal activity fires nothing', () => {
    expect(fired(nginx)).toEqual([]);
  });
});
