import { describe, expect, it } from 'vitest';
import { renderAgentConfig } from './agent-config';

describe('renderAgentConfig', () => {
  it('writes key=value lines with the contract keys and # comments', () => {
    const text = renderAgentConfig({ gatewayUrl: 'http://127.0.0.1:5001', id: 'id-1', name: 'web-01', key: 'k', batchSize: 500, spoolDir: '/var/lib/vigil/spool', spoolMaxBytes: '256MiB', generatedAt: new Date(0) });
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const map = Object.fromEntries(lines.map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(map).toEqual({ api: 'http://127.0.0.1:5001', id: 'id-1', name: 'web-01', key: 'k', batch_size: '500', spool_dir: '/var/lib/vigil/spool', spool_max_bytes: '256MiB', insecure_http: 'true' });
  });

  it('writes tls_ca as a comment for https and never opts into plain http for a remote gateway', () => {
    const base = { id: 'i', name: 'n', key: 'k', batchSize: 1, spoolDir: '/s', spoolMaxBytes: '1MiB', generatedAt: new Date(0) };
    expect(renderAgentConfig({ ...base, gatewayUrl: 'https://gw.example' })).toMatch(/^# tls_ca=/m);
    expect(renderAgentConfig({ ...base, gatewayUrl: 'https://gw.example' })).not.toMatch(/^insecure_http/m);
    expect(renderAgentConfig({ ...base, gatewayUrl: 'http://10.1.2.3:5001' })).not.toMatch(/^insecure_http/m);
  });

  it('refuses a name or value with a control character instead of writing it into the file', () => {
    const base = { gatewayUrl: 'http://127.0.0.1:5001', id: 'i', key: 'k', batchSize: 1, spoolDir: '/s', spoolMaxBytes: '1MiB', generatedAt: new Date(0) };
    expect(() => renderAgentConfig({ ...base, name: 'web-01\napi=http://evil.example' })).toThrow(/control character/);
    expect(() => renderAgentConfig({ ...base, name: 'web 01' })).toThrow(/letters, digits/);
    expect(() => renderAgentConfig({ ...base, name: 'web-01', spoolDir: '/s\u2028x' })).toThrow(/spoolDir contains a control character/);
  });
});
