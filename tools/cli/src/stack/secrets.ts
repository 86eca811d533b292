import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STACK_DIR } from '../paths';

const SECRETS_FILE = join(STACK_DIR, 'secrets.json');

/** Generated local credentials (random per stack, never defaults); file mode 0600. */
export interface StackSecrets {
  postgresPassword: string;
}

/** Read the stack's secrets, generating them on first use. */
export function stackSecrets(): StackSecrets {
  if (existsSync(SECRETS_FILE)) return JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as StackSecrets;
  const secrets: StackSecrets = { postgresPassword: randomBytes(18).toString('base64url') };
  mkdirSync(dirname(SECRETS_FILE), { recursive: true });
  writeFileSync(SECRETS_FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
