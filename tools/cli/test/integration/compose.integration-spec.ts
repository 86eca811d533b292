import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// There is no Docker engine here: Debian's docker-compose validates the file (`config`) without one.
const composeDir = resolve(__dirname, '../../../../deploy/compose');
const compose = (args: string[]) => spawnSync('docker-compose', ['-f', join(composeDir, 'docker-compose.yml'), ...args], { encoding: 'utf8' });

describe('deploy/compose', () => {
  it('is a valid Compose file with generated secrets and every service', () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'vigil-compose-')), '.env');
    writeFileSync(envFile, execFileSync(join(composeDir, 'gen-env.sh'), { encoding: 'utf8' }));
    const check = compose(['--env-file', envFile, 'config', '-q']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const services = compose(['--env-file', envFile, 'config', '--services']).stdout.trim().split('\n').sort();
    expect(services).toEqual(['api', 'ingest-gateway', 'kafka', 'kafka-init', 'schema-registry', 'stream-analyzer', 'timescaledb']);
  });

  it('refuses to run without generated secrets (no default passwords)', () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'vigil-compose-')), '.env');
    writeFileSync(envFile, '');
    const check = compose(['--env-file', envFile, 'config', '-q']);
    expect(check.status).not.toBe(0);
    expect(check.stderr).toMatch(/(POSTGRES_PASSWORD|KAFKA_CLUSTER_ID) must be set/);
  });
});
