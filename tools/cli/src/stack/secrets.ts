import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DbService } from '@vigil/db';
import { STACK_DIR } from '../paths';

const SECRETS_FILE = join(STACK_DIR, 'secrets.json');

/** Generated local credentials (random per stack, never defaults); file mode 0600. */
export interface StackSecrets {
  /** The owner role `vigil`: migrations, the CLI's admin commands and the test harness. */
  postgresPassword: string;
  /** One login role per service (docs/security.md); added to older files on first read. */
  servicePasswords: Record<DbService, string>;
}

const generate = (): string => randomBytes(18).toString('base64url');

/**
 * Write `text` to `path` readable by its owner only, whatever the umask and whatever mode an older
 * file had: a temp file created 0600, chmod'ed again (the umask can only remove bits, but say it),
 * then renamed over the old one.
 */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Read the stack's secrets, generating what is missing on first use. */
export function stackSecrets(): StackSecrets {
  const stored = existsSync(SECRETS_FILE) ? (JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as Partial<StackSecrets>) : {};
  const secrets: StackSecrets = {
    postgresPassword: stored.postgresPassword ?? generate(),
    servicePasswords: {
      gateway: stored.servicePasswords?.gateway ?? generate(),
      analyzer: stored.servicePasswords?.analyzer ?? generate(),
      api: stored.servicePasswords?.api ?? generate(),
    },
  };
  if (JSON.stringify(stored) !== JSON.stringify(secrets)) writePrivateFile(SECRETS_FILE, JSON.stringify(secrets, null, 2));
  else if ((statSync(SECRETS_FILE).mode & 0o777) !== 0o600) chmodSync(SECRETS_FILE, 0o600); // an older file, or a hand copy
  return secrets;
}
