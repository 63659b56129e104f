import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { KinfinderError } from './errors.ts';
import { estimateEntropyBits } from './secret-strength.ts';

const MIN_ADMIN_TOKEN_BITS = 128;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const numberFrom = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?(e\d+)?$/i, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min));

const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  // Several kinfinder installations (or test runs) can share one PostgreSQL database, each in
  // its own schema; pg-boss then lives in <schema>_pgboss.
  KINFINDER_DB_SCHEMA: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'must be a lower-case SQL identifier of at most 41 characters')
    .optional(),
  KINFINDER_DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: intFrom(0, 65535).default(3000),
  // Loopback by default: exposing a service full of photos of the dead is a deliberate act.
  KINFINDER_HOST: z.string().trim().min(1).default('127.0.0.1'),
  KINFINDER_CONCURRENCY: intFrom(1, 256).optional(),
  KINFINDER_MAX_UPLOAD_MB: numberFrom(0.001).default(20),
  KINFINDER_MAX_PIXELS: numberFrom(1).default(50e6),
  KINFINDER_CONFIRMATIONS: intFrom(1, 10).default(2),
  // The bootstrap token can mint every other token: a guessable one gives the whole archive away.
  KINFINDER_ADMIN_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters')
    .refine((t) => estimateEntropyBits(t) >= MIN_ADMIN_TOKEN_BITS, {
      message: `is too weak (estimated under ${MIN_ADMIN_TOKEN_BITS} bits: repeated characters, runs or words); generate one with \`openssl rand -hex 24\``,
    })
    .optional(),
  // Who may read /metrics when the service listens beyond loopback (it shows case counts).
  KINFINDER_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  // One attempt at one photo may take this long before it counts as lost and is retried.
  KINFINDER_JOB_TIMEOUT_SECONDS: intFrom(5, 3600).default(300),
  KINFINDER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  dbSchema: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  concurrency: number;
  maxUploadBytes: number;
  maxPixels: number;
  confirmations: number;
  adminToken: string | undefined;
  metricsToken: string | undefined;
  jobTimeoutSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/**
 * Parses the environment once. Empty strings count as unset so `PORT= npm start` behaves like
 * no PORT at all; anything else that does not parse stops start-up naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new KinfinderError('invalid_config', `invalid configuration: ${problems.join('; ')}`, { problems });
  }
  const c = parsed.data;
  return {
    databaseUrl: c.DATABASE_URL,
    dbSchema: c.KINFINDER_DB_SCHEMA,
    dataDir: path.resolve(c.KINFINDER_DATA_DIR),
    port: c.PORT,
    host: c.KINFINDER_HOST,
    concurrency: c.KINFINDER_CONCURRENCY ?? Math.max(1, os.availableParallelism()),
    maxUploadBytes: Math.round(c.KINFINDER_MAX_UPLOAD_MB * 1024 * 1024),
    maxPixels: Math.round(c.KINFINDER_MAX_PIXELS),
    confirmations: c.KINFINDER_CONFIRMATIONS,
    adminToken: c.KINFINDER_ADMIN_TOKEN,
    metricsToken: c.KINFINDER_METRICS_TOKEN,
    jobTimeoutSeconds: c.KINFINDER_JOB_TIMEOUT_SECONDS,
    logLevel: c.KINFINDER_LOG_LEVEL,
  };
}
