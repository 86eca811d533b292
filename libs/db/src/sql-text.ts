/** A role, table or database name as a quoted identifier; anything but a plain lower-case name is refused. */
export const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain role or table name: ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** A string as an SQL literal (single quotes doubled). */
export const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
