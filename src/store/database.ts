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
  close(): Promise<void>;
}
