import pgvector from 'pgvector';

/** Vectors cross the driver boundary as pgvector's text form, on both implementations. */
export const toVector = (v: ArrayLike<number>): string => pgvector.toSql(Array.from(v));
export const fromVector = (v: unknown): number[] => (Array.isArray(v) ? v : pgvector.fromSql(String(v)));
