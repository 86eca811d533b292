import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { childEnv } from '@vigil/testing';

// There is no Docker engine here: Debian's docker-compose validates and resolves the file (`config`)
// without one. Both profiles are checked on the resolved configuration, not on the source text.
const composeDir = resolve(__dirname, '../../../../deploy/compose');
const compose = (envFile: string, args: string[]) =>
  // Compose lets the caller's environment override the env file: run it without this shell's VIGIL_*
  // variables (`./vigil test` exports the local stack's addresses) so only the generated file counts.
  spawnSync('docker-compose', ['-f', join(composeDir, 'docker-compose.yml'), '--env-file', envFile, ...args], {
    encoding: 'utf8',
    env: Object.fromEntries(Object.entries(childEnv()).filter(([k]) => !k.startsWith('VIGIL_'))),
  });

interface Service {
  image?: string;
  profiles?: string[];
  container_name?: string;
  ports?: unknown[];
  restart?: string;
  healthcheck?: { test: unknown };
  deploy?: { resources?: { limits?: { cpus?: unknown; memory?: unknown } } };
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target?: string; type?: string })[];
  depends_on?: Record<string, { condition: string }>;
}

function envFile(args: string[]): { file: string; vars: Map<string, string> } {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-compose-')), '.env');
  const text = execFileSync(join(composeDir, 'gen-env.sh'), args, { encoding: 'utf8' });
  writeFileSync(file, text, { mode: 0o600 });
  const vars = new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
  return { file, vars };
}

const mountsOf = (s: Service): string[] => (s.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}${(v as { read_only?: boolean }).read_only ? ':ro' : ''}`));

function resolved(file: string): Record<string, Service> {
  const out = compose(file, ['config']);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return (YAML.parse(out.stdout) as { services: Record<string, Service> }).services;
}

const LONG_RUNNING = ['kafka', 'schema-registry', 'timescaledb', 'ingest-gateway', 'stream-analyzer', 'api', 'caddy'];
const SCALABLE = ['ingest-gateway', 'stream-analyzer'];

describe('deploy/compose', () => {
  it.each([
    { profile: 'small', nodes: ['kafka'], rf: '1', minIsr: '1' },
    { profile: 'scale', nodes: ['kafka', 'kafka-2', 'kafka-3'], rf: '3', minIsr: '2' },
  ])('the $profile profile validates: $nodes.length KRaft node(s), RF $rf, min.insync.replicas $minIsr', ({ profile, nodes, rf, minIsr }) => {
    const { file, vars } = envFile(['--profile', profile]);
    expect(vars.get('COMPOSE_PROFILES')).toBe(profile === 'scale' ? 'scale' : undefined);
    const services = resolved(file);
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'caddy', 'db-migrate', 'ingest-gateway', 'kafka', 'kafka-2', 'kafka-3', 'kafka-init', 'kafka-tls', 'schema-registry', 'stream-analyzer', 'timescaledb'].sort(),
    );
    // Brokers 2 and 3 exist only in the scale profile; node 1 in both.
    expect(services.kafka!.profiles).toBeUndefined();
    expect(services['kafka-2']!.profiles).toEqual(['scale']);
    expect(services['kafka-3']!.profiles).toEqual(['scale']);
    const voters = nodes.map((n, i) => `${i + 1}@${n}:9093`).join(',');
    for (const [i, n] of nodes.entries()) {
      const env = services[n]!.environment!;
      expect(String(env.KAFKA_NODE_ID)).toBe(String(i + 1));
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(voters);
      expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`CLIENT://${n}:9092,BROKER://${n}:9094`);
      // Clients SASL/SCRAM; brokers and controllers mutual TLS; deny unless an ACL allows.
      expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:SASL_PLAINTEXT,CONTROLLER:SSL,BROKER:SSL');
      expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('BROKER');
      expect(env.KAFKA_SSL_CLIENT_AUTH).toBe('required');
      expect(String(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND)).toBe('false');
      expect(env.KAFKA_SSL_KEYSTORE_PASSWORD).toBe(vars.get('KAFKA_TLS_PASSWORD'));
      expect(mountsOf(services[n]!)).toContain('kafka-tls:/etc/kafka/tls:ro');
      expect(services[n]!.depends_on?.['kafka-tls']?.condition).toBe('service_completed_successfully');
      expect(String(env.KAFKA_DEFAULT_REPLICATION_FACTOR)).toBe(rf);
      expect(String(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR)).toBe(rf);
      expect(String(env.KAFKA_MIN_INSYNC_REPLICAS)).toBe(minIsr);
      expect(String(env.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE)).toBe('false');
      expect(env.CLUSTER_ID).toBe(vars.get('KAFKA_CLUSTER_ID'));
    }
    expect(String(services['kafka-init']!.environment!.RF)).toBe(rf);
    expect(String(services['kafka-init']!.environment!.MIN_ISR)).toBe(minIsr);
    expect(services['schema-registry']!.environment!.KARAPACE_COMPATIBILITY).toBe('BACKWARD_TRANSITIVE');
    // Least privilege: each service its own role; only the one-shot db-migrate has the owner's password.
    for (const [app, role, secret] of [
      ['ingest-gateway', 'vigil_gateway', 'POSTGRES_GATEWAY_PASSWORD'],
      ['stream-analyzer', 'vigil_analyzer', 'POSTGRES_ANALYZER_PASSWORD'],
      ['api', 'vigil_api', 'POSTGRES_API_PASSWORD'],
    ] as const) {
      const env = services[app]!.environment!;
      expect(env.VIGIL_KAFKA_BROKERS).toBe(nodes.map((n) => `${n}:9092`).join(','));
      expect(env.VIGIL_DATABASE_URL).toBe(`postgres://${role}:${vars.get(secret)}@timescaledb:5432/vigil`);
      expect(Object.values(env).join('\n')).not.toContain(vars.get('POSTGRES_PASSWORD'));
      expect(services[app]!.depends_on?.['db-migrate']?.condition).toBe('service_completed_successfully');
    }
    expect(services['db-migrate']!.environment!.VIGIL_DATABASE_URL).toBe(`postgres://vigil:${vars.get('POSTGRES_PASSWORD')}@timescaledb:5432/vigil`);
    // Kafka and registry: each client service its own users; no service sees another's passwords.
    const kafkaSecrets = ['KAFKA_GATEWAY_PASSWORD', 'KAFKA_ANALYZER_PASSWORD', 'KAFKA_REGISTRY_PASSWORD', 'REGISTRY_ADMIN_PASSWORD', 'REGISTRY_GATEWAY_PASSWORD', 'REGISTRY_ANALYZER_PASSWORD', 'KAFKA_TLS_PASSWORD'];
    for (const [app, user] of [
      ['ingest-gateway', 'gateway'],
      ['stream-analyzer', 'analyzer'],
    ] as const) {
      const env = services[app]!.environment!;
      expect(env.VIGIL_KAFKA_USERNAME).toBe(user);
      expect(env.VIGIL_KAFKA_PASSWORD).toBe(vars.get(`KAFKA_${user.toUpperCase()}_PASSWORD`));
      expect(env.VIGIL_SCHEMA_REGISTRY_USERNAME).toBe(user);
      expect(env.VIGIL_SCHEMA_REGISTRY_PASSWORD).toBe(vars.get(`REGISTRY_${user.toUpperCase()}_PASSWORD`));
      const others = kafkaSecrets.filter((k) => k !== `KAFKA_${user.toUpperCase()}_PASSWORD` && k !== `REGISTRY_${user.toUpperCase()}_PASSWORD`);
      for (const k of others) expect(Object.values(env).join('\n'), `${app} holds ${k}`).not.toContain(vars.get(k));
    }
    expect(services.api!.environment!.VIGIL_TOTP_KEY).toBe(vars.get('VIGIL_TOTP_KEY'));
    expect(Buffer.from(vars.get('VIGIL_TOTP_KEY')!, 'base64')).toHaveLength(32);
    for (const k of kafkaSecrets) expect(Object.values(services.api!.environment!).join('\n'), `api holds ${k}`).not.toContain(vars.get(k));
    const registry = services['schema-registry']!.environment!;
    expect(registry.KARAPACE_SECURITY_PROTOCOL).toBe('SASL_PLAINTEXT');
    expect(registry.KARAPACE_SASL_PLAIN_USERNAME).toBe('registry');
    expect(registry.KARAPACE_REGISTRY_AUTHFILE).toBeTruthy();
    expect(services['kafka-init']!.environment!.BOOTSTRAP).toBe(nodes.map((n) => `${n}:9094`).join(','));
    expect(services['db-migrate']!.restart).toBe('no');
  });

  it('gives every long-running service a health check, a restart policy and resource limits; volumes for state', () => {
    const services = resolved(envFile(['--profile', 'scale']).file);
    for (const name of [...LONG_RUNNING, 'kafka-2', 'kafka-3']) {
      const s = services[name]!;
      expect(s.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(s.restart, `${name} restart`).toBe('unless-stopped');
      expect(s.deploy?.resources?.limits?.cpus, `${name} cpu limit`).toBeDefined();
      expect(s.deploy?.resources?.limits?.memory, `${name} memory limit`).toBeDefined();
    }
    const mounts = (name: string): string[] => (services[name]!.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    for (const [name, target] of [
      ['kafka', '/var/lib/kafka/data'],
      ['kafka-2', '/var/lib/kafka/data'],
      ['kafka-3', '/var/lib/kafka/data'],
      ['timescaledb', '/var/lib/postgresql/data'],
      ['caddy', '/data'],
    ] as const)
      expect(mounts(name).some((m) => m.endsWith(`:${target}`) || m.endsWith(`:${target}:rw`)), `${name} volume at ${target}`).toBe(true);
    expect(services.timescaledb!.image).toMatch(/^timescale\/timescaledb:/);
    expect(services['schema-registry']!.image).toMatch(/karapace/);
  });

  it('scales the gateway and the analyzer (no container names, no host ports); only Caddy publishes ports and mounts the Caddyfile', () => {
    const services = resolved(envFile([]).file);
    for (const name of SCALABLE) {
      expect(services[name]!.container_name, name).toBeUndefined();
      expect(services[name]!.ports, name).toBeUndefined();
    }
    for (const [name, s] of Object.entries(services)) if (name !== 'caddy') expect(s.ports, `${name} publishes no host port`).toBeUndefined();
    const caddy = services.caddy!;
    expect(caddy.ports?.length).toBeGreaterThanOrEqual(2);
    const caddyfile = (caddy.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`)).find((m) => m.includes('/etc/caddy/Caddyfile'));
    expect(caddyfile).toContain(join(composeDir, 'Caddyfile'));
    // The variables the Caddyfile reads are set (agent-ingest's deploy/compose/Caddyfile).
    for (const v of ['VIGIL_GATEWAY_SITE', 'VIGIL_UI_SITE', 'VIGIL_TLS_MODE', 'VIGIL_GATEWAY_UPSTREAM', 'VIGIL_API_UPSTREAM']) expect(caddy.environment?.[v], v).toBeTruthy();
    expect(services.api!.environment!.VIGIL_GATEWAY_URL).toBe('https://ingest.localhost');
    expect(services.api!.environment!.VIGIL_API_COOKIE_SECURE).toBe('true');
    // The API believes forwarded addresses from Caddy only, at its fixed address.
    const caddyAddress = (caddy as { networks?: Record<string, { ipv4_address?: string }> }).networks?.default?.ipv4_address;
    expect(caddyAddress).toBe('172.30.66.2');
    expect(services.api!.environment!.VIGIL_TRUSTED_PROXIES).toBe(caddyAddress);
    expect(services.api!.environment!.VIGIL_API_TRUST_PROXY).toBeUndefined();
  });

  it('refuses to run without generated secrets (no default passwords)', () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'vigil-compose-')), '.env');
    writeFileSync(empty, '');
    const check = compose(empty, ['config', '-q']);
    expect(check.status).not.toBe(0);
    expect(check.stderr).toMatch(/(POSTGRES_PASSWORD|KAFKA_CLUSTER_ID|VIGIL_KAFKA_\w+|VIGIL_\w+_SITE) must be set/);
    // Removing only the database password is enough to refuse.
    const { file } = envFile([]);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^POSTGRES_PASSWORD=.*$/m, ''));
    const noPassword = compose(file, ['config', '-q']);
    expect(noPassword.status).not.toBe(0);
    expect(noPassword.stderr).toMatch(/POSTGRES_PASSWORD must be set/);
  });

  it('gen-env.sh -o writes the secrets 0600 whatever the umask and never overwrites them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-compose-')), '.env');
    const first = spawnSync('sh', ['-c', 'umask 000; exec "$0" -o "$1"', join(composeDir, 'gen-env.sh'), file], { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^POSTGRES_API_PASSWORD=[A-Za-z0-9]{32}$/m);
    const again = spawnSync(join(composeDir, 'gen-env.sh'), ['-o', file], { encoding: 'utf8' });
    expect(again.status).toBe(73);
    expect(again.stderr).toMatch(/exists: not overwriting/);
  });

  it('generates different secrets every time and refuses an unknown profile', () => {
    const a = envFile([]).vars;
    const b = envFile([]).vars;
    expect(a.get('POSTGRES_PASSWORD')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a.get('POSTGRES_PASSWORD')).not.toBe(b.get('POSTGRES_PASSWORD'));
    expect(Buffer.from(a.get('KAFKA_CLUSTER_ID')!, 'base64url')).toHaveLength(16);
    expect(a.get('KAFKA_CLUSTER_ID')).not.toBe(b.get('KAFKA_CLUSTER_ID'));
    const bad = spawnSync(join(composeDir, 'gen-env.sh'), ['--profile', 'huge'], { encoding: 'utf8' });
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/small or scale/);
  });

  it('kafka-tls.sh makes the brokers a CA-signed certificate for every broker name, owner-only, once', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'vigil-kafka-tls-')), 'tls');
    const env = childEnv({ KAFKA_TLS_PASSWORD: 'test-store-password' });
    const first = spawnSync(join(composeDir, 'kafka-tls.sh'), [dir], { encoding: 'utf8', env });
    expect(first.status, first.stderr).toBe(0);
    for (const f of ['broker.p12', 'truststore.p12', 'ca.pem', 'client.properties']) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    const list = execFileSync('keytool', ['-list', '-v', '-keystore', join(dir, 'broker.p12'), '-storepass', 'test-store-password'], { encoding: 'utf8' });
    expect(list).toMatch(/Certificate chain length: 2/);
    expect(list).toMatch(/Owner: CN=kafka-broker[\s\S]*Issuer: CN=vigil-kafka-ca/);
    for (const name of ['kafka', 'kafka-2', 'kafka-3', 'localhost']) expect(list).toContain(`DNSName: ${name}`);
    expect(readFileSync(join(dir, 'client.properties'), 'utf8')).toMatch(/^security\.protocol=SSL$/m);
    const before = readFileSync(join(dir, 'broker.p12'));
    const again = spawnSync(join(composeDir, 'kafka-tls.sh'), [dir], { encoding: 'utf8', env });
    expect(again.stdout).toMatch(/already in/);
    expect(readFileSync(join(dir, 'broker.p12')).equals(before)).toBe(true);
  });
});
