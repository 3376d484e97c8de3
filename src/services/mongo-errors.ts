/** MongoDB's duplicate-key error, as the driver reports it for inserts, updates and findAndModify. */
export function duplicateKeyField(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as {
    code?: unknown;
    keyPattern?: Record<string, unknown>;
    writeErrors?: { code?: number }[];
  };
  if (e.code !== 11000) return null;
  const fields = Object.keys(e.keyPattern ?? {});
  return fields[0] ?? '';
}
