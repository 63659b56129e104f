/**
 * The one database seam. Both implementations speak the same SQL; callers never learn which
 * one they hold except through `kind` (reported on /healthz).
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /**
   * Runs a script of several statements without parameters (migrations, pg-boss's own SQL);
   * resolves to the last statement's result.
   */
  exec(sql: string): Promise<QueryResult<Record<string, unknown>>>;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while this process holds the advisory lock `key` against every other process on
   * the same database. The lock is held on a connection of its own, so the transactions `fn`
   * runs start only once it is held: they see everything the previous holder committed. (A
   * transaction that waits for `pg_advisory_xact_lock` itself may go on using catalog entries it
   * cached before the wait: two starters then both "create" the same schema and one fails with
   * a duplicate key in pg_namespace.) `fn` needs a second connection: pools of at least two.
   */
  exclusively<T>(key: number, fn: () => Promise<T>): Promise<T>;
  /**
   * The embedded database's whole data directory as one gzip tarball, taken between two queries
   * (PGlite runs one at a time), after a checkpoint: what `kinfinder backup` stores. PostgreSQL
   * has no such method: its backups are pg_dump's (README).
   */
  snapshot?(): Promise<Uint8Array>;
  close(): Promise<void>;
}
