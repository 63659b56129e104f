import type { Context } from 'hono';
import type { FaceAnalyser } from '../src/face/index.ts';
import type { FaceTaskStats } from '../src/face/task-line.ts';
import type { ModelManifest } from '../src/face/manifest.ts';
import type { ImageLimits } from '../src/image/index.ts';
import type { EnqueueDeps } from '../src/ingest/enqueue.ts';
import type { Language } from '../src/i18n/languages.ts';
import type { Logger } from '../src/log.ts';
import type { Counters } from '../src/metrics.ts';
import type { BlobStore } from '../src/store/blobs.ts';
import type { BackoffOptions, WindowOptions } from '../src/access/throttles.ts';
import type { Database } from '../src/store/database.ts';
import type { OrganisationSettings } from '../src/i18n/organisation.ts';

export interface FaceInfo {
  backend: string;
  modelId: string;
  /** KINFINDER_RECOGNISER (DESIGN §19). */
  recogniser: string;
}

/** Everything the HTTP app needs, passed in explicitly by the entry point or a test. */
export interface AppDeps {
  db: Database;
  logger: Logger;
  /** The face engine in use, once started (absent while the engine is loading or not wired). */
  faceInfo?: () => FaceInfo | null;
  /** Where this process's face-engine tasks stand (/metrics), when it runs an engine pool. */
  faceTasks?: () => FaceTaskStats;
  /**
   * Who may read /metrics: with a token, its holders; without one, anybody only while the
   * server listens on loopback (`open`); otherwise nobody (set KINFINDER_METRICS_TOKEN).
   */
  metrics?: { token?: string | undefined; open: boolean };
  /** KINFINDER_DEFAULT_LANG: the language of a reader whose browser asks for none we have (en). */
  defaultLanguage?: Language;
  /** The rest is needed by the /api/v1 routes; the bare service shell runs without it. */
  api?: ApiDeps;
}

/** What the /api/v1 routes hand to the use cases; `db` is the app's own. */
export interface ApiDeps {
  db: Database;
  blobs: BlobStore;
  faces: FaceAnalyser;
  manifest: ModelManifest;
  limits: ImageLimits;
  /** Enqueues uploaded photos (the same path as `kinfinder ingest`). */
  queue: EnqueueDeps['queue'];
  confirmations: number;
  /** KINFINDER_REJECTIONS (default 2: one stray key must not hide a true match). */
  rejections?: number | undefined;
  /** KINFINDER_QUEUE_FPIR (src/match/bar.ts DEFAULT_QUEUE_FPIR when unset). */
  queueFpir?: number | undefined;
  /** KINFINDER_MAX_LEASES (src/review/lease.ts DEFAULT_MAX_LEASES when unset). */
  maxLeases?: number | undefined;
  /** The clock of the review rules (the 15-minute retract window); tests move it. */
  now?: (() => Date) | undefined;
  counters: Counters;
  /** KINFINDER_MAX_CSV_MB in bytes: the largest metadata CSV an upload may carry (default 20 MB). */
  maxCsvBytes?: number | undefined;
  /** KINFINDER_ADMIN_TOKEN: an admin that exists before any token does. */
  adminToken?: string | undefined;
  /** Failed sign-ins one address may make in a window before it is refused for the rest of it. */
  authThrottle?: WindowOptions;
  /** Uploads one client address may make without a staff token in a window (every request counts). */
  rateLimit?: WindowOptions;
  /** Back-off for wrong case codes per address and per code prefix (CODE_THROTTLE_DEFAULTS in api/app.ts). */
  codeThrottle?: Partial<Record<'address' | 'prefix', BackoffOptions>>;
  /** KINFINDER_MAX_ANON_UPLOAD_MB in bytes: the largest body of a request without a staff token. */
  maxAnonUploadBytes?: number | undefined;
  /** KINFINDER_TRUSTED_PROXIES: addresses and CIDRs whose X-Forwarded-For is believed (none when absent). */
  trustedProxies?: readonly string[] | undefined;
  /**
   * Who runs this service and how to reach them (KINFINDER_ORG_NAME, KINFINDER_CONTACT and their
   * _RU / _UK / _EN overrides), on every family page in the reader's language.
   */
  organisation?: OrganisationSettings;
  /** The caller's address for rate limiting; absent: the socket's, unless a trusted proxy says otherwise (tests set it). */
  clientAddress?: ((c: Context) => string) | undefined;
}
