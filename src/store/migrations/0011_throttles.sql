-- Throttles and limits shared by every process of one database (issue 28, DESIGN §17): two
-- `serve` processes keeping their own counts in memory doubled the free guesses at case codes.
-- One row per throttle and key: `count` attempts in the window that began at `started_at`;
-- `last_at` is the latest counted attempt (the back-off waits from it). A row is dead from
-- `expires_at` on (its window over, or a back-off's quiet period passed) and is deleted by age.
-- `key` is a keyed hash of the client address or code prefix (src/access/throttles.ts): no
-- address, no part of a code is stored.
CREATE TABLE throttles (
  scope       text NOT NULL,
  key         text NOT NULL,
  count       integer NOT NULL CHECK (count >= 0),
  started_at  timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX throttles_expires_at_idx ON throttles (expires_at);
