import type { Database, Queryable } from '../../src/store/database.ts';

/**
 * A real database behind a switch: while `down`, every call fails the way pg fails when the
 * server is gone (ECONNREFUSED), as would a PostgreSQL outage. Used where no server can be
 * stopped (PGlite is in-process) to drive the code paths an outage takes.
 */
export interface SwitchableDatabase extends Database {
  down: boolean;
  /** Calls refused while down. */
  refused: number;
}

function refusal(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
  });
}

export function switchable(db: Database): SwitchableDatabase {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (s.down) {
        s.refused++;
        throw refusal();
      }
      return fn(...args);
    };
  const wrapTx = (tx: Queryable): Queryable => ({
    query: guard(tx.query.bind(tx)) as Queryable['query'],
    exec: guard(tx.exec.bind(tx)),
  });
  const s: SwitchableDatabase = {
    kind: db.kind,
    down: false,
    refused: 0,
    query: guard(db.query.bind(db)) as Database['query'],
    exec: guard(db.exec.bind(db)),
    transaction: guard((fn) => db.transaction((tx) => fn(wrapTx(tx)))) as Database['transaction'],
    exclusively: guard((key, fn) => db.exclusively(key, fn)) as Database['exclusively'],
    close: () => db.close(),
  };
  return s;
}
