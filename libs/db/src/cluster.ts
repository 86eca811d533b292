import type { Queryable } from './roles';
import { ident, literal } from './sql-text';

/**
 * Cluster-level set-up, run as a superuser before any migration: the owner role, the project's
 * database, TimescaleDB, and the throwaway databases of tests. Everything inside a database (tables,
 * functions, triggers, grants) belongs to the migrations and applyServiceGrants, not here.
 */

/**
 * Create the owner role (LOGIN, CREATEDB, `password`) when it is missing — an existing one keeps its
 * password — and make it a member of pg_signal_backend: it is no superuser, yet to drop a database the
 * services still hold connections to (tests' `drop database … with (force)`, an operator's reset) it
 * must end their backends. Returns whether the role was created.
 */
export async function ensureOwnerRole(admin: Queryable, name: string, password: string): Promise<boolean> {
  const created = (await admin.query('select 1 from pg_roles where rolname = $1', [name])).rowCount === 0;
  if (created) await admin.query(`create role ${ident(name)} login createdb password ${literal(password)}`);
  const signal = await admin.query("select pg_has_role($1, 'pg_signal_backend', 'member') as m", [name]);
  if (signal.rows[0]?.m !== true) await admin.query(`grant pg_signal_backend to ${ident(name)}`);
  return created;
}

/** Create database `name` owned by `owner` when it is missing; returns whether it was created. */
export async function ensureDatabase(admin: Queryable, name: string, owner: string): Promise<boolean> {
  const created = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 0;
  if (created) await admin.query(`create database ${ident(name)} owner ${ident(owner)}`);
  return created;
}

/** Create an empty database `name` (fails when it exists: a test's database is always new). */
export async function createDatabase(admin: Queryable, name: string): Promise<void> {
  await admin.query(`create database ${ident(name)}`);
}

/** Drop database `name` if it exists, ending the connections still open to it. */
export async function dropDatabase(admin: Queryable, name: string): Promise<void> {
  await admin.query(`drop database if exists ${ident(name)} with (force)`);
}

/** Drop role `name` if it exists (tests remove the service roles they created). */
export async function dropRole(admin: Queryable, name: string): Promise<void> {
  await admin.query(`drop role if exists ${ident(name)}`);
}

/** Enable TimescaleDB in the database `db` is connected to (a superuser: the extension is not trusted). */
export async function enableTimescale(db: Queryable): Promise<void> {
  await db.query('create extension if not exists timescaledb');
}
