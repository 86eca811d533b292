import { describe, expect, it } from 'vitest';
import { readAgentConfigText, renderAgentConfigText, setAgentConfigValue, type AgentConfigTextInput } from './agent-config-text';

const INPUT: AgentConfigTextInput = {
  origin: 'test',
  api: 'http://127.0.0.1:5001/',
  key: 'vgk_abc',
  id: '7d0c5a52-3a53-4b43-9a3e-0c1f3b1f8a10',
  name: 'web-01',
  batchSize: 500,
  spoolDir: '/var/lib/vigil/spool',
  spoolMaxBytes: '256MiB',
};

describe('agent config text', () => {
  it('renders every setting once and reads back what it wrote', () => {
    const text = renderAgentConfigText({ ...INPUT, spoolDir: '/root/.vigil/agent/spool', metricsPort: 5003 });
    const settings = readAgentConfigText(text);
    expect(Object.fromEntries(settings)).toEqual({
      api: 'http://127.0.0.1:5001',
      id: INPUT.id,
      name: 'web-01',
      key: 'vgk_abc',
      insecure_http: 'true',
      batch_size: '500',
      spool_dir: '/root/.vigil/agent/spool',
      spool_max_bytes: '256MiB',
      metrics_port: '5003',
    });
    expect(readAgentConfigText(renderAgentConfigText(INPUT)).has('metrics_port')).toBe(false);
  });

  it('refuses values that are not what the agent accepts, listing every problem', () => {
    expect(() => renderAgentConfigText({ ...INPUT, spoolDir: 'spool', metricsPort: 70_000, batchSize: 0 })).toThrow(
      /batch_size: an integer from 1 to 1000000, got 0; spool_dir: not an absolute path: "spool"; metrics_port: an integer from 0 to 65535, got 70000/,
    );
    expect(() => renderAgentConfigText({ ...INPUT, spoolDir: '/x\napi=http://evil' })).toThrow(/spoolDir contains a control character/);
    expect(() => renderAgentConfigText({ ...INPUT, api: 'ftp://gw' })).toThrow(/api: not an http\(s\) URL/);
    expect(() => renderAgentConfigText({ ...INPUT, spoolMaxBytes: 'lots' })).toThrow(/spool_max_bytes: not a size/);
  });

  it('sets one value in place or appends it, keeping comments and other lines', () => {
    const text = renderAgentConfigText(INPUT);
    const replaced = setAgentConfigValue(text, 'batch_size', '100');
    expect(readAgentConfigText(replaced).get('batch_size')).toBe('100');
    expect(replaced.split('\n').length).toBe(text.split('\n').length);
    expect(replaced.replace('batch_size=100', 'batch_size=500')).toBe(text);
    const appended = setAgentConfigValue('api=https://gw\n# keep me\n', 'tls_ca', '/etc/vigil/ca.pem', 'private CA');
    expect(appended).toBe('api=https://gw\n# keep me\n# private CA\ntls_ca=/etc/vigil/ca.pem\n');
  });

  it('never lets a value or key add a line of its own', () => {
    expect(() => setAgentConfigValue('api=https://gw\n', 'spool_dir', '/x\nkey=stolen')).toThrow(/control character/);
    expect(() => setAgentConfigValue('api=https://gw\n', 'spool dir', '/x')).toThrow(/not a config key/);
    expect(() => setAgentConfigValue('not a config\n', 'spool_dir', '/x')).toThrow(/line 1: expected key=value/);
    expect(() => readAgentConfigText('id=1\nid=2\n')).toThrow(/line 2: id is set twice/);
  });
});
