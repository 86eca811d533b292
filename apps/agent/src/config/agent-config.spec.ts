import { describe, expect, it } from 'vitest';
import { AgentError } from '../errors/agent-error';
import { parseAgentConfig } from './agent-config';

const VALID = ['# written by ./vigil endpoint add', 'api=http://127.0.0.1:5001/', 'key=k_abc=def', 'id=ep-1', 'name=web-1', 'batch_size=500', ''].join('\n');

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
    expect(c).toMatchObject({ api: 'http://127.0.0.1:5001', key: 'k_abc=def', id: 'ep-1', name: 'web-1', batchSize: 500, insecure: false, ngramK: 3 });
    expect(c.spoolDir).toBe('/var/lib/vigil/spool');
  });

  it('parses optional keys (sizes, durations, booleans)', () => {
    const c = parseAgentConfig(`${VALID}spool_dir=/tmp/s\nspool_max_bytes=64MiB\nca_file=/etc/ca.pem\ninsecure=true\nwindow=5s\nngram_k=4\nringbuf_bytes=1MiB\nmetrics_port=9464\n`);
    expect(c).toMatchObject({ spoolDir: '/tmp/s', spoolMaxBytes: 64 * 1024 * 1024, caFile: '/etc/ca.pem', insecure: true, windowMs: 5000, ngramK: 4, ringbufBytes: 1 << 20, metricsPort: 9464 });
  });

  it('names the line of an unknown key', () => {
    expect(problems(`${VALID}colour=blue\n`)).toContain('agent.conf:7: unknown key "colour"');
  });

  it('names every missing required key', () => {
    const msg = problems('api=http://x\n');
    for (const k of ['key', 'id', 'name', 'batch_size']) expect(msg).toContain(`missing required key "${k}"`);
    expect(msg).not.toContain('missing required key "api"');
  });

  it('names the line of malformed lines, bad values and duplicates — all at once', () => {
    const msg = problems(`${VALID}just text\nbatch_size=many\nngram_k=9\napi=ftp://x\nringbuf_bytes=3000\n`);
    expect(msg).toContain('agent.conf:7: expected key=value');
    expect(msg).toContain('agent.conf:8: duplicate key "batch_size" (first set on line 6)');
    expect(msg).toContain('agent.conf:9: ngram_k: must be between 0 and 5');
    expect(msg).toContain('agent.conf:10: duplicate key "api"');
    expect(msg).toContain('agent.conf:11: ringbuf_bytes: must be a power of two');
  });

  it('rejects bad values on a first occurrence with the line', () => {
    const msg = problems(VALID.replace('batch_size=500', 'batch_size=-1').replace('api=http://127.0.0.1:5001/', 'api=not a url'));
    expect(msg).toContain('agent.conf:2: api:');
    expect(msg).toContain('agent.conf:6: batch_size: not an integer');
  });
});
