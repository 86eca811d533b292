import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './gateway.config';

describe('loadGatewayConfig', () => {
  it('has the contract defaults', () => {
    const c = loadGatewayConfig({ VIGIL_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/vigil' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 5001, kafkaBrokers: ['127.0.0.1:9092'], schemaRegistryUrl: 'http://127.0.0.1:8081', telemetryTopic: 'vigil.telemetry.v1' });
    expect(c.keyCacheTtlMs).toBeLessThanOrEqual(10_000);
  });

  it('keeps a registry path prefix and lists every problem at once', () => {
    expect(loadGatewayConfig({ VIGIL_DATABASE_URL: 'postgres://x/y', VIGIL_SCHEMA_REGISTRY_URL: 'http://h:8080/apis/ccompat/v7' }).schemaRegistryUrl).toBe('http://h:8080/apis/ccompat/v7');
    expect(() => loadGatewayConfig({ VIGIL_GATEWAY_PORT: 'x', VIGIL_GATEWAY_KEY_CACHE_TTL: '30s', VIGIL_GATEWAY_MAX_BODY: 'big' })).toThrow(
      /VIGIL_GATEWAY_PORT[\s\S]*VIGIL_DATABASE_URL is required[\s\S]*VIGIL_GATEWAY_MAX_BODY[\s\S]*KEY_CACHE_TTL/,
    );
  });
});
