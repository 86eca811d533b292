import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APICURIO_ALL_TARGZ_SHA512, ChecksumMismatchError, DEFAULT_KAFKA_VERSION, KAFKA_CLASSPATH_SHA512, verifyKafkaClasspath, verifySha512 } from './index';

const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');

describe('pinned checksums', () => {
  it('pin the default Kafka version (every jar, SHA-512 hex) and the Apicurio tarball', () => {
    const pins = KAFKA_CLASSPATH_SHA512[DEFAULT_KAFKA_VERSION]!;
    expect(Object.keys(pins)).toContain(`kafka_2.13-${DEFAULT_KAFKA_VERSION}.jar`);
    for (const h of [...Object.values(pins), ...Object.values(APICURIO_ALL_TARGZ_SHA512)]) expect(h).toMatch(/^[0-9a-f]{128}$/);
  });

  it('accept the pinned bytes and refuse others, naming both hashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sum-'));
    writeFileSync(join(dir, 'a.jar'), 'real');
    await expect(verifySha512(join(dir, 'a.jar'), sha512('real'))).resolves.toBeUndefined();
    const err = await verifySha512(join(dir, 'a.jar'), sha512('other')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain(`SHA-512 ${sha512('real')}, pinned ${sha512('other')}`);
  });

  it('refuse a classpath with a jar too many or too few; an unpinned version is reported, not passed silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cp-'));
    writeFileSync(join(dir, 'a.jar'), 'a');
    writeFileSync(join(dir, 'evil.jar'), 'x');
    await expect(verifyKafkaClasspath(dir, 'v', { 'a.jar': sha512('a'), 'b.jar': sha512('b') })).rejects.toThrow(/not pinned: evil\.jar; missing: b\.jar;/);
    expect(await verifyKafkaClasspath(dir, '0.0.0-unpinned')).toBe(false);
  });
});
