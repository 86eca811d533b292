import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { cliConfig } from './config/cli.config';

/** Repository root (tools/cli/dist/paths.js → ../../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/**
 * Project-local state (gitignored). `cache/` keeps downloads across `stack reset`;
 * `stack/` holds data, logs, pid files and generated secrets and is wiped by reset.
 */
const home = cliConfig().home;
export const VIGIL_HOME = home ? resolve(home) : join(REPO_ROOT, '.vigil');
export const CACHE_DIR = join(VIGIL_HOME, 'cache');
export const STACK_DIR = join(VIGIL_HOME, 'stack');
export const RUN_DIR = join(VIGIL_HOME, 'run');
export const LOG_DIR = join(VIGIL_HOME, 'logs');

export const componentDir = (name: string): string => join(STACK_DIR, name);
export const logFile = (name: string): string => join(LOG_DIR, `${name}.log`);
export const pidFile = (name: string): string => join(RUN_DIR, `${name}.pid`);

/** Vigil's version (root package.json): every part of one checkout reports the same. */
export const VIGIL_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
