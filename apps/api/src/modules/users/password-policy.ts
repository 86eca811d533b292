import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted (argon2 input is bounded; nobody types more). */
export const MAX_PASSWORD_LENGTH = 256;

/** apps/api/assets/common-passwords.txt — same relative place from src/ (tests) and dist/ (runtime). */
const LIST_PATH = join(__dirname, '..', '..', '..', 'assets', 'common-passwords.txt');

let common: Set<string> | undefined;

/** Keyboard rows and alphabetic/numeric runs: any stretch of these (or of their reverse) is a walk, not a password. */
const SEQUENCES = ['qwertyuiopasdfghjklzxcvbnm', 'qwertzuiopasdfghjklyxcvbnm', 'azertyuiopqsdfghjklmwxcvbn', 'abcdefghijklmnopqrstuvwxyz', '12345678901234567890', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'];

function isKeyboardOrSequenceWalk(lower: string): boolean {
  return SEQUENCES.some((seq) => seq.includes(lower) || [...seq].reverse().join('').includes(lower));
}

/** The shipped common-password list (lower-cased), loaded once. */
export function commonPasswords(): Set<string> {
  if (!common) {
    const lines = readFileSync(LIST_PATH, 'utf8').split('\n');
    common = new Set(lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  }
  return common;
}

/**
 * Why `password` is refused, or `undefined` when it is acceptable: at least 12 characters, not on the
 * common-password list (also after stripping trailing digits and symbols, as in "password1234!"),
 * not a keyboard or alphabet run, not containing the username, not a handful of characters repeated.
 */
export function passwordProblem(password: string, username?: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters (it has ${length})`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  const list = commonPasswords();
  if (list.has(lower)) return 'the password is on the list of commonly used passwords';
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (stem.length > 0 && stem !== lower && list.has(stem)) return 'the password is a commonly used password with digits or symbols appended';
  if (isKeyboardOrSequenceWalk(lower)) return 'the password is a keyboard or alphabet sequence';
  if (username && lower.includes(username.toLowerCase())) return 'the password must not contain the username';
  if (new Set(lower).size < 4) return 'the password uses too few distinct characters';
  return undefined;
}
