import { describe, expect, it } from 'vitest';
import { childEnv, cliConfig, DEFAULT_APICURIO_VERSION } from './cli.config';

describe('cliConfig', () => {
  it('defaults to the local stack when nothing is set', () => {
    const c = cliConfig({});
    expect(c).toMatchObject({ kafkaPort: 9092, kafkaControllerPort: 9093, registryPort: 8081, postgresPort: 5432, apicurioVersion: DEFAULT_APICURIO_VERSION, databaseUrl: undefined, registryJavaHomes: [] });
    expect(c.gatewayTopic).toMatch(/^vigil\.telemetry\./);
  });

  it('takes overrides, the controller port following the Kafka port unless set', () => {
    const c = cliConfig({ VIGIL_KAFKA_PORT: '19092', VIGIL_DATABASE_URL: 'postgres://x@h/db', VIGIL_REGISTRY_JAVA_HOME: '/opt/j21', JAVA_HOME: '/opt/j17', VIGIL_GATEWAY_URL: '' });
    expect(c).toMatchObject({ kafkaPort: 19092, kafkaControllerPort: 19093, databaseUrl: 'postgres://x@h/db', registryJavaHomes: ['/opt/j21', '/opt/j17'] });
    expect(c.gatewayUrl).toBe('http://127.0.0.1:5001');
  });

  it('lists every malformed variable at once', () => {
    expect(() => cliConfig({ VIGIL_KAFKA_PORT: 'x', VIGIL_POSTGRES_PORT: '70000' })).toThrow(/VIGIL_KAFKA_PORT=x is not a TCP port; VIGIL_POSTGRES_PORT=70000 is not a TCP port/);
  });

  it('children inherit the environment with the extra variables on top', () => {
    const env = childEnv({ VIGIL_X: '1' });
    expect(env.VIGIL_X).toBe('1');
    expect(env.PATH).toBe(process.env.PATH);
  });
});
