import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

/**
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): ~25 ms per hash on this class of
 * machine, which bounds the cost of login floods on a 2-core host while staying memory-hard.
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  /** Verify; a malformed stored hash is a mismatch, never an exception. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spend the same time as a real verification (unknown usernames must not answer faster). */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummy ??= hash('vigil-dummy-password-for-timing', OPTIONS);
    await this.verify(await this.dummy, password);
    return false;
  }
}
