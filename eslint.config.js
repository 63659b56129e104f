import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

const SCRIPT_BANS = ['**/bin/**', '**/api/**', '**/workers/**', '**/bot/**', '**/test/*', '!**/test/support'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'scratch/**', 'data/**', 'dist/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Prettier wraps code at 120 columns (.prettierrc.json) but never splits a string, a template
    // literal or a comment. This is the hard cap for those: split the literal into a concatenation
    // (its content unchanged), reflow the comment. Only a URL or a regular expression may run over.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': [
        'error',
        {
          code: 160,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignoreStrings: false,
          ignoreTemplateLiterals: false,
          ignoreComments: false,
        },
      ],
    },
  },
  {
    // Type-aware rules need the TypeScript program: .ts files only (tsconfig.json holds every one
    // of them). The browser scripts under api/pages/assets and the .mjs entry points are plain
    // JavaScript outside it and keep the rules above.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and
      // its order (a query still running after its transaction committed). Where fire-and-forget is meant,
      // `void` says so, with a comment saying why.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (an event handler, forEach, a timer) drops
      // its rejection the same way; a promise in a condition is always true.
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The dependency rule: the domain core never reaches into the edges.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/**', '**/workers/**', '**/bot/**', '**/test/**', '**/bin/**'],
              message: 'src must not import api, workers, bot, test or bin',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/workers/**', '**/bot/**', '**/bin/**'], message: 'api must not import workers, bot or bin' },
          ],
        },
      ],
    },
  },
  {
    // The Telegram bot is an adapter like the HTTP API: it builds on src alone.
    files: ['bot/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '**/workers/**', '**/bin/**'], message: 'bot must not import api, workers or bin' },
          ],
        },
      ],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '**/bot/**', '**/bin/**'], message: 'workers must not import api, bot or bin' },
          ],
        },
      ],
    },
  },
  {
    // Scripts (benchmarks, accuracy tools) build on src as the adapters do, and may borrow the
    // tests' helpers (test/support: an S3 server on loopback); never the command line, the HTTP
    // API or the workers, whose rules they would otherwise copy or bypass.
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SCRIPT_BANS,
              message: 'scripts may import src and test/support, not bin, api, workers or other test files',
            },
          ],
        },
      ],
    },
  },
  {
    // The two deployment benchmarks measure an adapter itself, each named here alone: the embedded
    // deployment's job runner (workers/main.ts:startWorkers) and the server's HTTP API
    // (api/app.ts:createApp). Copying their wiring into the script would measure something else.
    files: ['scripts/bench/ingest.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SCRIPT_BANS.filter((g) => g !== '**/workers/**'),
              message: 'bench:ingest may import src, test/support and workers, not bin or api',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/bench/ingest-api.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SCRIPT_BANS.filter((g) => g !== '**/api/**'),
              message: 'the API ingest bench may import src, test/support and api, not bin or workers',
            },
          ],
        },
      ],
    },
  },
);
