/** Column values as both drivers answer them, turned into wire values. */
export const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());
