import { defineConfig } from 'vitest/config';
import { LongFirstSequencer } from './test/support/sequencer.ts';

/**
 * Four tiers (README "Tests"): `unit` needs no database, no face engine and no browser; `db` runs
 * on the database `KINFINDER_TEST_DB` names (PGlite or PostgreSQL) — CI runs it on both, since
 * only there does the SQL differ; `engine` runs the real face weights on real photos; `browser`
 * drives Chromium. `npm test` runs them all; `vitest run --project NAME` one.
 */
const tier = (name: string) => ({ extends: true as const, test: { name, include: [`test/${name}/**/*.test.ts`] } });

export default defineConfig({
  test: {
    projects: [tier('unit'), tier('db'), tier('engine'), tier('browser')],
    // Face suites load real weights and PGlite takes seconds to start: generous, but bounded.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: more parallel files only make each one slower and the wasm engine starve.
    maxWorkers: 2,
    pool: 'forks',
    sequence: { sequencer: LongFirstSequencer },
  },
});
