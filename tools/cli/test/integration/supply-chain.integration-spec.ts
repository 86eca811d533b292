import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APICURIO_ALL_TARGZ_SHA512, ChecksumMismatchError, DEFAULT_KAFKA_VERSION, kafkaLibDir, verifyKafkaClasspath, verifySha512 } from '@vigil/kafka-server';
import { CACHE_DIR } from '../../src/paths';
import { APICURIO_VERSION } from '../../src/stack/registry';

const repo = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'vigil-supply-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('supply chain', () => {
  it('the agent .deb is reproducible: two builds (other umask, a source touched in between) are byte-identical, with a checksum file that verifies', () => {
    const build = (out: string, umask: string): string =>
      execFileSync('sh', ['-c', `umask ${umask}; exec "$0" "$1"`, join(repo, 'deploy/agent/build-deb.sh'), join(work, out)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const first = build('a', '077');
    const now = new Date();
    utimesSync(join(repo, 'deploy/agent/install.sh'), now, now);
    const second = build('b', '002');
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    for (const deb of [first, second]) {
      const check = spawnSync('sha256sum', ['-c', `${deb.split('/').pop()}.sha256`], { cwd: join(deb, '..'), encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout).toMatch(/: OK$/m);
    }
    // Fixed owners and times inside: root/root, one mtime for every entry.
    const listing = execFileSync('dpkg-deb', ['--contents', first], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.every((l) => / root\/root /.test(l))).toBe(true);
    expect(new Set(listing.map((l) => l.split(/\s+/).slice(3, 5).join(' '))).size).toBe(1);
  }, 600_000);

  it('the cached Kafka classpath matches every pinned SHA-512; one changed byte in one jar is refused, naming it', async () => {
    const lib = kafkaLibDir(CACHE_DIR, DEFAULT_KAFKA_VERSION);
    expect(await verifyKafkaClasspath(lib, DEFAULT_KAFKA_VERSION)).toBe(true);
    const copy = join(work, 'lib');
    mkdirSync(copy);
    for (const j of readdirSync(lib).filter((f) => f.endsWith('.jar'))) copyFileSync(join(lib, j), join(copy, j));
    appendFileSync(join(copy, `kafka-clients-${DEFAULT_KAFKA_VERSION}.jar`), Buffer.from([0]));
    const err = await verifyKafkaClasspath(copy, DEFAULT_KAFKA_VERSION).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toMatch(new RegExp(`checksum mismatch for .*kafka-clients-${DEFAULT_KAFKA_VERSION.replace(/\./g, '\\.')}\\.jar: SHA-512 [0-9a-f]{128}, pinned [0-9a-f]{128}`));
  });

  it('the cached Apicurio tarball matches its pinned SHA-512', async () => {
    const tarball = join(CACHE_DIR, 'm2', 'io', 'apicurio', 'apicurio-registry-app', APICURIO_VERSION, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
    await expect(verifySha512(tarball, APICURIO_ALL_TARGZ_SHA512[APICURIO_VERSION]!)).resolves.toBeUndefined();
  });

  it('pin-digests.sh lists the Compose images not pinned by digest; pinning either pins them all or, without registry access, writes nothing', () => {
    // On a copy: a machine with registry access must not rewrite the checkout during a test.
    const dir = join(work, 'compose');
    mkdirSync(dir);
    for (const f of ['pin-digests.sh', 'docker-compose.yml', 'Dockerfile']) copyFileSync(join(repo, 'deploy/compose', f), join(dir, f));
    const script = join(dir, 'pin-digests.sh');
    const check = spawnSync(script, ['--check'], { encoding: 'utf8' });
    const unpinned = check.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    if (check.status === 0) expect(check.stdout).toMatch(/every image is pinned by digest/);
    else expect(unpinned.length).toBeGreaterThan(0);
    const before = readFileSync(join(dir, 'docker-compose.yml'));
    const pin = spawnSync(script, [], { encoding: 'utf8', timeout: 120_000 });
    if (pin.status === 0) {
      expect(spawnSync(script, ['--check'], { encoding: 'utf8' }).status).toBe(0);
    } else {
      expect(pin.status).toBe(69);
      expect(pin.stderr).toMatch(/cannot resolve .*: nothing written/);
      expect(readFileSync(join(dir, 'docker-compose.yml')).equals(before)).toBe(true);
    }
  }, 180_000);
});
