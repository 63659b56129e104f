import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Face suites load real weights and PGlite takes seconds to start: generous, but bounded.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: more parallel files only make each one slower and the wasm engine starve.
    maxWorkers: 2,
    pool: 'forks',
  },
});
