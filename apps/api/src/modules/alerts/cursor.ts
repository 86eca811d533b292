/** Position in the newest-first alert list: (time, id) of the last row of a page. */
export interface AlertCursor {
  time: string;
  id: string;
}

/** Opaque, URL-safe cursor text. */
export function encodeCursor(c: AlertCursor): string {
  return Buffer.from(JSON.stringify([c.time, c.id]), 'utf8').toString('base64url');
}

/** The cursor, or `undefined` when the text is not one of ours. */
export function decodeCursor(text: string): AlertCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [time, id] = value as unknown[];
    if (typeof time !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(time))) return undefined;
    return { time, id };
  } catch {
    return undefined;
  }
}
