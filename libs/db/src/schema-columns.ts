import { MIGRATIONS_DIR, readMigrations } from './migrate';

/**
 * The columns of every table as the migrations leave them, read from the SQL text alone (no
 * database): `create table NAME (…)` column lists, then `alter table NAME add/drop/rename column`.
 * Unit tests compare what the apps map or type (the API's TypeORM entities, the row types below)
 * with it; an integration test (test/integration/db.integration-spec.ts) compares it with the real
 * migrated schema, so the reading itself cannot drift from PostgreSQL's.
 */
export function migratedColumns(dir: string = MIGRATIONS_DIR): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  for (const m of readMigrations(dir)) applyDdl(tables, stripComments(m.sql));
  return tables;
}

/** Words that open a table constraint rather than a column in a `create table` list. */
const CONSTRAINT = /^(constraint|primary|unique|check|foreign|exclude|like)\b/i;
const NAME = String.raw`"?([a-z_][a-z0-9_]*)"?`;
const CREATE = new RegExp(String.raw`\bcreate\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?(?:public\.)?${NAME}\s*\(`, 'gi');
const ALTER = new RegExp(String.raw`\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(?:public\.)?${NAME}\s+([^;]*)`, 'gi');
const COLUMN = new RegExp(`^${NAME}`, 'i');
const ADD = new RegExp(String.raw`^add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?${NAME}`, 'i');
const DROP = new RegExp(String.raw`^drop\s+(?:column\s+)?(?:if\s+exists\s+)?${NAME}`, 'i');
const RENAME = new RegExp(String.raw`^rename\s+(?:column\s+)?${NAME}\s+to\s+${NAME}`, 'i');

function applyDdl(tables: Map<string, string[]>, sql: string): void {
  const events: { at: number; apply: () => void }[] = [];
  for (const m of sql.matchAll(CREATE)) {
    const body = balanced(sql, m.index + m[0].length - 1);
    const columns = splitTopLevel(body)
      .map((part) => part.trim())
      .filter((part) => part && !CONSTRAINT.test(part))
      .map((part) => COLUMN.exec(part)![1]!.toLowerCase());
    const table = m[1]!.toLowerCase();
    events.push({ at: m.index, apply: () => tables.has(table) || tables.set(table, columns) });
  }
  for (const m of sql.matchAll(ALTER)) {
    const table = m[1]!.toLowerCase();
    events.push({ at: m.index, apply: () => alterTable(tables, table, m[2]!) });
  }
  for (const e of events.sort((a, b) => a.at - b.at)) e.apply();
}

function alterTable(tables: Map<string, string[]>, table: string, actions: string): void {
  const columns = tables.get(table);
  if (!columns) return; // `alter table … set (…)` of a table we do not know, or a partition
  for (const action of splitTopLevel(actions).map((a) => a.trim())) {
    let m: RegExpExecArray | null;
    if ((m = ADD.exec(action)) && !CONSTRAINT.test(m[1]!)) {
      if (!columns.includes(m[1]!.toLowerCase())) columns.push(m[1]!.toLowerCase());
    } else if ((m = DROP.exec(action)) && !/^constraint$/i.test(m[1]!)) {
      const i = columns.indexOf(m[1]!.toLowerCase());
      if (i >= 0) columns.splice(i, 1);
    } else if ((m = RENAME.exec(action))) {
      const i = columns.indexOf(m[1]!.toLowerCase());
      if (i >= 0) columns[i] = m[2]!.toLowerCase();
    }
  }
}

/** SQL without `--` and block comments (string literals with those characters do not occur in our DDL). */
function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

/** The text between the parenthesis at `open` and its match. */
function balanced(sql: string, open: number): string {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return sql.slice(open + 1, i);
  }
  throw new Error(`unbalanced parenthesis at ${open}`);
}

/** `text` split at the commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
