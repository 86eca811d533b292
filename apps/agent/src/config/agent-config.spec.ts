import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderAgentConfigText } from '@vigil/common';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../errors/agent-error';
import { configFileProblem, loadAgentConfig, parseAgentConfig } from './agent-config';

const VALID = ['# written by ./vigil endpoint add', 'api=http://127.0.0.1:5001/', 'key=k_abc=def', 'id=ep-1', 'name=web-1', 'batch_size=500', 'insecure_http=true', ''].join('\n');
const HTTPS = VALID.replace('api=http://127.0.0.1:5001/', 'api=https://gw.example:443').replace('insecure_http=true\n', '');

function problems(text: string): string {
  try {
    parseAgentConfig(text, 'agent.conf');
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('AGENT_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseAgentConfig', () => {
  it('parses the enrolment format with defaults for optional keys', () => {
    const c = parseAgentConfig(VALID);
    expect(c).toMatchObject({ api: 'http://127.0.0.1:5001', key: 'k_abc=def', id: 'ep-1', name: 'web-1', batchSize: 500, insecureHttp: true, ngramK: 3, tlsCa: undefined });
    expect(c.spoolDir).toBe('/var/lib/vigil/spool');
  });

  it('parses optional keys (sizes, durations, booleans)', () => {
    const c = parseAgentConfig(`${HTTPS}spool_dir=/tmp/s\nspool_max_bytes=64MiB\nwindow=5s\nngram_k=4\nringbuf_bytes=1MiB\nmetrics_port=9464\n`);
    expect(c).toMatchObject({ api: 'https://gw.example:443', spoolDir: '/tmp/s', spoolMaxBytes: 64 * 1024 * 1024, insecureHttp: false, windowMs: 5000, ngramK: 4, ringbufBytes: 1 << 20, metricsPort: 9464 });
  });

  it('names the line of an unknown key, and of renamed keys', () => {
    expect(problems(`${VALID}colour=blue\n`)).toContain('agent.conf:8: unknown key "colour"');
    expect(problems(`${VALID}ca_file=/x.pem\n`)).toContain('agent.conf:8: key "ca_file" was renamed: use tls_ca');
  });

  it('refuses plain http without insecure_http=true, naming the api line', () => {
    const msg = problems(VALID.replace('insecure_http=true\n', ''));
    expect(msg).toContain('agent.conf:2: api: plain http:// refused');
    expect(msg).toContain('insecure_http=true');
    expect(problems(VALID.replace('insecure_http=true', 'insecure_http=false'))).toContain('agent.conf:2: api: plain http:// refused');
  });

  it('reads tls_ca and names its line when the file is missing or holds no certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(problems(`${HTTPS}tls_ca=${join(dir, 'missing.pem')}\n`)).toMatch(/agent\.conf:7: tls_ca: cannot read CA file .*ENOENT/);
    expect(problems(`${HTTPS}tls_ca=${junk}\n`)).toContain('agent.conf:7: tls_ca: ');
    expect(problems(`${HTTPS}tls_ca=${junk}\n`)).toContain('holds no PEM certificate');
  });

  it('names every missing required key', () => {
    const msg = problems('api=http://x\n');
    for (const k of ['key', 'id', 'name', 'batch_size']) expect(msg).toContain(`missing required key "${k}"`);
    expect(msg).not.toContain('missing required key "api"');
  });

  it('names the line of malformed lines, bad values and duplicates — all at once', () => {
    const msg = problems(`${VALID}just text\nbatch_size=many\nngram_k=9\napi=ftp://x\nringbuf_bytes=3000\n`);
    expect(msg).toContain('agent.conf:8: expected key=value');
    expect(msg).toContain('agent.conf:9: duplicate key "batch_size" (first set on line 6)');
    expect(msg).toContain('agent.conf:10: ngram_k: must be between 0 and 5');
    expect(msg).toContain('agent.conf:11: duplicate key "api"');
    expect(msg).toContain('agent.conf:12: ringbuf_bytes: must be a power of two');
  });

  it('rejects bad values on a first occurrence with the line', () => {
    const msg = problems(VALID.replace('batch_size=500', 'batch_size=-1').replace('api=http://127.0.0.1:5001/', 'api=not a url'));
    expect(msg).toContain('agent.conf:2: api:');
    expect(msg).toContain('agent.conf:6: batch_size: not an integer');
  });
});

describe('the file enrolment writes (renderAgentConfigText in @vigil/common) is the file the agent reads', () => {
  const input = { origin: 'test', key: 'vgk_abc', id: 'ep-1', name: 'web-01', batchSize: 250, spoolDir: '/var/lib/vigil/spool', spoolMaxBytes: '64MiB' };

  it('every written setting reads back (loopback http, metrics port)', () => {
    const c = parseAgentConfig(renderAgentConfigText({ ...input, api: 'http://127.0.0.1:5001/', metricsPort: 5003 }));
    expect(c).toMatchObject({ api: 'http://127.0.0.1:5001', key: 'vgk_abc', id: 'ep-1', name: 'web-01', batchSize: 250, spoolDir: '/var/lib/vigil/spool', spoolMaxBytes: 64 * 1024 * 1024, insecureHttp: true, metricsPort: 5003 });
  });

  it('https without a CA bundle: the system store, no plain http', () => {
    const c = parseAgentConfig(renderAgentConfigText({ ...input, api: 'https://gw.example' }));
    expect(c).toMatchObject({ api: 'https://gw.example', insecureHttp: false, tlsCa: undefined });
  });
});

describe('loadAgentConfig refuses a file others could rewrite', () => {
  const file = (mode: number): string => {
    const p = join(mkdtempSync(join(tmpdir(), 'vigil-conf-')), 'agent.conf');
    writeFileSync(p, VALID);
    chmodSync(p, mode); // whatever the umask
    return p;
  };
  const refusal = (p: string): AgentError => {
    try {
      loadAgentConfig(p);
    } catch (err) {
      expect(err).toBeInstanceOf(AgentError);
      return err as AgentError;
    }
    throw new Error('expected the config file to be refused');
  };

  it('loads a 0600 or 0644 file owned by its reader', () => {
    expect(loadAgentConfig(file(0o600)).id).toBe('ep-1');
    expect(loadAgentConfig(file(0o644)).id).toBe('ep-1');
  });

  it('refuses a group- or world-writable file, naming the mode and the fix', () => {
    const world = refusal(file(0o666));
    expect(world.code).toBe('AGENT_CONFIG_UNSAFE');
    expect(world.message).toMatch(/writable by any user \(mode 0666\).*chmod 600/);
    expect(refusal(file(0o620)).message).toMatch(/writable by its group \(mode 0620\)/);
  });

  it('refuses a file owned by another user (pure check, any uid)', () => {
    expect(configFileProblem({ uid: 1234, mode: 0o100600 }, '/etc/vigil/agent.conf', 0)).toMatch(/owned by uid 1234, not by root or the agent's user \(uid 0\)/);
    expect(configFileProblem({ uid: 0, mode: 0o100600 }, '/etc/vigil/agent.conf', 999)).toBeUndefined();
    expect(configFileProblem({ uid: 999, mode: 0o100640 }, '/etc/vigil/agent.conf', 999)).toBeUndefined();
  });

  it('refuses a real file chowned to another user (the tests run as root)', () => {
    const p = file(0o600);
    chownSync(p, 4321, 4321);
    expect(refusal(p).message).toMatch(/owned by uid 4321/);
  });
});
