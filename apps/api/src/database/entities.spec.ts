import { migratedColumns } from '@vigil/db';
import { getMetadataArgsStorage } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AlertEntity } from '../modules/alerts/alert.entity';
import { ENTITIES } from './entities';

/**
 * The entities only map tables whose DDL is libs/db's SQL migrations (TypeORM never creates or
 * alters them): every column an entity maps must be one the migrations create, under the same name,
 * or TypeORM's SQL fails at run time. Read from the decorators' metadata and the migration files:
 * no database needed.
 */
const TABLES = migratedColumns();
const storage = getMetadataArgsStorage();
/** Columns an entity leaves to raw SQL on purpose (the database default fills them on insert). */
const UNMAPPED: Record<string, string[]> = {
  // set by the default now() at login and by the re-authentication update; read by SessionsRepository's join
  sessions: ['authenticated_at'],
};

describe('TypeORM entities ~ libs/db migrations', () => {
  it.each([...ENTITIES, AlertEntity].map((e) => [e.name, e] as const))('%s maps the columns of its migrated table', (_name, entity) => {
    const table = storage.tables.find((t) => t.target === entity)?.name;
    expect(table, `${entity.name} has no @Entity({ name })`).toBeDefined();
    const migrated = TABLES.get(table!);
    expect(migrated, `no migration creates table ${table}`).toBeDefined();
    const mapped = storage.columns.filter((c) => c.target === entity).map((c) => c.options.name ?? c.propertyName);
    expect(mapped.length).toBeGreaterThan(0);
    expect({ notInTable: mapped.filter((c) => !migrated!.includes(c)), notMapped: migrated!.filter((c) => !mapped.includes(c)) }).toEqual({
      notInTable: [],
      notMapped: UNMAPPED[table!] ?? [],
    });
  });
});
