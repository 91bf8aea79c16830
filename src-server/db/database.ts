/**
 * The one database interface the server speaks: PostgreSQL through `pg`, or an embedded PGlite.
 * Everything above this file (migrations, repositories) uses only these three calls, so the two
 * implementations stay interchangeable. Rows come back with `bigint` columns as JS numbers in both.
 */
export type Row = Record<string, unknown>;

export type RemoteChange = 'changed' | 'lost' | 'back';

export interface Queryable {
  /** One statement with `$1…` parameters; answers its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements with no parameters (a migration file). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Hears changes other servers make to the same database (PostgreSQL only: a PGlite folder has one
   * server). `listener` gets 'changed' for each, 'lost' when they can no longer be heard and 'back'
   * when they can again. Answers a function that stops listening.
   */
  onRemoteChange?(listener: (event: RemoteChange) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
