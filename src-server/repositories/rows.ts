/** Column values as both drivers answer them, turned into wire values. */
export const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

/** A row that names another row no longer there (a project deleted meanwhile), from either driver. */
export const isForeignKeyViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23503';
