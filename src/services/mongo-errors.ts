/**
 * The field behind MongoDB's duplicate-key error (E11000), as the driver reports it for inserts, updates and
 * findAndModify; null for any other error, '' when the field cannot be told.
 */
export function duplicateKeyField(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as {
    code?: unknown;
    keyPattern?: Record<string, unknown>;
    keyValue?: Record<string, unknown>;
    errmsg?: unknown;
    message?: unknown;
    writeErrors?: { code?: number; errmsg?: string }[];
  };
  const code = e.code ?? e.writeErrors?.[0]?.code;
  if (code !== 11000) return null;
  const fields = Object.keys(e.keyPattern ?? e.keyValue ?? {});
  if (fields[0] !== undefined) return fields[0];
  // Servers before 4.2 (and some proxies) name only the index, as `index: <field>_1 dup key`.
  const text = [e.errmsg, e.message, e.writeErrors?.[0]?.errmsg].find((m) => typeof m === 'string');
  const index = typeof text === 'string' ? /index: (?:\S+\.\$)?([A-Za-z0-9_.]+?)_-?1\b/.exec(text) : null;
  return index?.[1] ?? '';
}
