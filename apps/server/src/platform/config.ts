import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { corsOriginsOf } from './http/origins.ts';
import { isEmail } from './values/rules.ts';

/** Everything the server reads from its environment, checked once at start and frozen. */
export interface Config {
  readonly databaseUrl: string;
  /** PostgreSQL read replicas for lists, search, the dashboard and the feed; empty for none. */
  readonly databaseReplicaUrls: readonly string[];
  /** A replica further behind the primary than this (ms) is skipped. */
  readonly replicaMaxLagMs: number;
  readonly host: string;
  readonly port: number;
  /** Base of every link handed out, without a trailing slash. */
  readonly publicUrl: string;
  readonly provisionFile: string | undefined;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** IANA zone in which "the date of the transaction" (due dates) is taken. */
  readonly timeZone: string;
  readonly bodyLimitBytes: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly passwordGrantEnabled: boolean;
  /** Lifetime of a web-app session from sign-in (fixed, not sliding). */
  readonly sessionTtlSeconds: number;
  readonly requireClientAuth: boolean;
  readonly loginWindowSeconds: number;
  readonly loginMaxFailuresPerAccount: number;
  readonly loginMaxFailuresPerAddress: number;
  /** log2 of scrypt's N for new password hashes. */
  readonly scryptLogN: number;
  readonly sqliteSynchronous: 'FULL' | 'EXTRA' | 'NORMAL';
  readonly dbPoolSize: number;
  readonly trustProxy: boolean;
  /** `smtp://…` or `smtps://…`; without it, mails are written to the log instead. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** Whether `serve` runs the background jobs (reminders, expiry, mail). */
  readonly jobsEnabled: boolean;
  readonly jobIntervalSeconds: number;
  /** Days the change feed keeps events (SPEC §8: at least 30 by default). */
  readonly eventRetentionDays: number;
  /**
   * Webhook targets in private, loopback, link-local, unique-local, CGNAT or metadata
   * ranges are refused unless this is true (SPEC §8).
   */
  readonly webhookAllowPrivate: boolean;
  /** Hosts a webhook may reach over plain HTTP (besides loopback, when private is allowed). */
  readonly webhookHttpHosts: readonly string[];
  /** Milliseconds a webhook target has to answer (SPEC §8: 10 s). */
  readonly webhookTimeoutMs: number;
  /** The first retry's delay; each further one doubles it (with jitter), up to an hour. */
  readonly webhookBackoffMs: number;
  /** Hours a failing subscription keeps failing before it is disabled (SPEC §8: 24). */
  readonly webhookDisableAfterHours: number;
  /** Requests per minute per authenticated caller (or per address when anonymous). */
  readonly rateLimitPerMinute: number;
  /** Creates per minute through one exposed endpoint, and from one address. */
  readonly exposedRateLimitPerMinute: number;
  readonly exposedRateLimitPerAddress: number;
  /** How long an Idempotency-Key and its stored response are kept (at least 24 h). */
  readonly idempotencyTtlSeconds: number;
  /** The largest attachment upload accepted, in bytes (413 beyond). */
  readonly uploadLimitBytes: number;
  /** Seconds a request body may pause, and may take in all, before a 408 (http/body-limits.ts). */
  readonly bodyIdleTimeoutSeconds: number;
  readonly bodyTimeoutSeconds: number;
  /** Origins whose pages may call /api/v1 with a Bearer token (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /**
   * Server processes of `serve` sharing the port (`--workers`): one per core on
   * PostgreSQL, one on SQLite (one process per SQLite file).
   */
  readonly workers: number;
  /**
   * The key shared links are signed with (BZCTRL_SECRET_KEY); unset, the server generates
   * one and keeps it in the database. Changing it ends every shared link. Never logged.
   */
  readonly secretKey: string | undefined;
  /**
   * Seconds `serve` keeps serving after SIGTERM with /readyz answering 503, so a load
   * balancer stops sending it requests before it stops accepting them; 0 stops at once.
   */
  readonly drainSeconds: number;
  /**
   * `GET /metrics` answers loopback callers, and others only with this Bearer token
   * (SPEC §9); unset, only loopback. Never logged.
   */
  readonly metricsToken: string | undefined;
}

/** The most worker processes `serve --workers` starts. */
export const MAX_WORKERS = 64;

/** Whether `raw` is a worker count `--workers` takes: a whole number from 1 to MAX_WORKERS. */
export function isWorkerCount(raw: string): boolean {
  return /^\d+$/.test(raw.trim()) && Number(raw) >= 1 && Number(raw) <= MAX_WORKERS;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Loads `.env` from the working directory when present (real environment variables win),
 * then reads the configuration. Call once, at start.
 */
export function loadEnvFile(cwd = process.cwd()): void {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return;
  const before = { ...process.env };
  process.loadEnvFile(file);
  Object.assign(process.env, before);
}

/** Reads and checks the configuration; every problem is reported at once. */
export function readConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => {
    const v = env[name]?.trim();
    return v ? v : fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    // Digits only: Number() would also take "0x1F", "1e3" or "  ".
    const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!hit) problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return hit ?? fallback;
  };

  const databaseUrl = str('BZCTRL_DATABASE_URL', 'sqlite:./data/bzctrl.db');
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push(
      'BZCTRL_DATABASE_URL must be sqlite:<path> or postgres://user:password@host:port/database',
    );
  }
  const host = str('BZCTRL_HOST', '127.0.0.1');
  const port = int('BZCTRL_PORT', 8080, 0, 65535);
  const publicUrl = str(
    'BZCTRL_PUBLIC_URL',
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
  );
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    problems.push(`BZCTRL_PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);
  }
  const adminEmail = env.BZCTRL_ADMIN_EMAIL?.trim() || undefined;
  const adminPassword = env.BZCTRL_ADMIN_PASSWORD || undefined;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    problems.push('BZCTRL_ADMIN_EMAIL and BZCTRL_ADMIN_PASSWORD must be set together');
  }
  // Checked as provisioning checks it, so the first administrator cannot fail later.
  if (adminEmail !== undefined && !isEmail(adminEmail)) {
    problems.push(`BZCTRL_ADMIN_EMAIL must be an e-mail address (got "${adminEmail}")`);
  }
  // The same bounds a provisioning file puts on a password.
  if (adminPassword !== undefined && (adminPassword.length < 8 || adminPassword.length > 200)) {
    problems.push('BZCTRL_ADMIN_PASSWORD must be 8 to 200 characters');
  }
  const timeZone = str('BZCTRL_TIMEZONE', 'UTC');
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
  } catch {
    problems.push(
      `BZCTRL_TIMEZONE must be an IANA time zone such as Europe/Amsterdam (got "${timeZone}")`,
    );
  }

  const smtpUrl = env.BZCTRL_SMTP_URL?.trim() || undefined;
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    problems.push('BZCTRL_SMTP_URL must be smtp://[user:password@]host:port or smtps://…');
  }

  const secretKey = env.BZCTRL_SECRET_KEY?.trim() || undefined;
  // Said without the value: a secret does not belong in a start-up error either.
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push('BZCTRL_SECRET_KEY must be at least 32 characters (e.g. openssl rand -hex 32)');
  }

  const metricsToken = env.BZCTRL_METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    problems.push('BZCTRL_METRICS_TOKEN must be at least 16 characters');
  }

  const onSqlite = databaseUrl.startsWith('sqlite:');
  const workers = int(
    'BZCTRL_WORKERS',
    onSqlite ? 1 : Math.min(availableParallelism(), MAX_WORKERS),
    1,
    MAX_WORKERS,
  );
  if (onSqlite && workers > 1) {
    problems.push(
      `BZCTRL_WORKERS (or serve --workers) above 1 needs PostgreSQL: SQLite takes one server process per database file (got ${workers})`,
    );
  }

  const databaseReplicaUrls = (env.BZCTRL_DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (databaseReplicaUrls.length > 0 && onSqlite) {
    problems.push(
      'BZCTRL_DATABASE_REPLICA_URLS needs a PostgreSQL BZCTRL_DATABASE_URL: SQLite has no replicas (its heavy reads already run on read-only connections of their own)',
    );
  }
  databaseReplicaUrls.forEach((u, i) => {
    if (!/^postgres(ql)?:\/\/.+$/.test(u)) {
      problems.push(
        `BZCTRL_DATABASE_REPLICA_URLS: entry ${i + 1} must be postgres://user:password@host:port/database`,
      );
    }
  });

  const config: Config = {
    databaseUrl,
    databaseReplicaUrls,
    replicaMaxLagMs: int('BZCTRL_REPLICA_MAX_LAG_MS', 2000, 100, 600_000),
    host,
    port,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    provisionFile: env.BZCTRL_PROVISION?.trim() || undefined,
    adminEmail,
    adminPassword,
    dataDir: str('BZCTRL_DATA_DIR', './data'),
    logLevel: oneOf('BZCTRL_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    timeZone,
    bodyLimitBytes: int('BZCTRL_BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
    accessTokenTtlSeconds: int('BZCTRL_ACCESS_TOKEN_TTL', 3600, 60, 86400),
    refreshTokenTtlSeconds: int('BZCTRL_REFRESH_TOKEN_TTL', 30 * 86400, 300, 365 * 86400),
    passwordGrantEnabled: bool('BZCTRL_PASSWORD_GRANT', true),
    sessionTtlSeconds: int('BZCTRL_SESSION_TTL', 12 * 3600, 300, 30 * 86400),
    requireClientAuth: bool('BZCTRL_REQUIRE_CLIENT_AUTH', false),
    loginWindowSeconds: int('BZCTRL_LOGIN_WINDOW', 3600, 60, 86400),
    loginMaxFailuresPerAccount: int('BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT', 20, 1, 100),
    loginMaxFailuresPerAddress: int('BZCTRL_LOGIN_MAX_FAILURES_PER_ADDRESS', 100, 1, 100000),
    scryptLogN: int('BZCTRL_SCRYPT_LOG_N', 15, 14, 20),
    sqliteSynchronous: oneOf('BZCTRL_SQLITE_SYNCHRONOUS', 'FULL', [
      'FULL',
      'EXTRA',
      'NORMAL',
    ] as const),
    dbPoolSize: int('BZCTRL_DB_POOL_SIZE', 10, 1, 200),
    trustProxy: bool('BZCTRL_TRUST_PROXY', false),
    smtpUrl,
    mailFrom: str('BZCTRL_MAIL_FROM', 'BzCtrl <bzctrl@localhost>'),
    jobsEnabled: bool('BZCTRL_JOBS', true),
    jobIntervalSeconds: int('BZCTRL_JOB_INTERVAL', 60, 1, 3600),
    eventRetentionDays: int('BZCTRL_EVENT_RETENTION_DAYS', 30, 1, 3650),
    webhookAllowPrivate: bool('BZCTRL_WEBHOOK_ALLOW_PRIVATE', false),
    webhookHttpHosts: (env.BZCTRL_WEBHOOK_HTTP_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    webhookTimeoutMs: int('BZCTRL_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookBackoffMs: int('BZCTRL_WEBHOOK_BACKOFF_MS', 5_000, 10, 30_000),
    webhookDisableAfterHours: int('BZCTRL_WEBHOOK_DISABLE_AFTER_HOURS', 24, 1, 720),
    rateLimitPerMinute: int('BZCTRL_RATE_LIMIT', 1200, 1, 1_000_000),
    exposedRateLimitPerMinute: int('BZCTRL_EXPOSED_RATE_LIMIT', 60, 1, 1_000_000),
    exposedRateLimitPerAddress: int('BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
    idempotencyTtlSeconds: int('BZCTRL_IDEMPOTENCY_TTL', 86400, 86400, 30 * 86400),
    uploadLimitBytes: int('BZCTRL_UPLOAD_LIMIT', 25 * 1024 * 1024, 1, 10 * 1024 * 1024 * 1024),
    bodyIdleTimeoutSeconds: int('BZCTRL_BODY_IDLE_TIMEOUT', 30, 1, 3600),
    bodyTimeoutSeconds: int('BZCTRL_BODY_TIMEOUT', 300, 1, 86400),
    corsOrigins: corsOriginsOf(env.BZCTRL_CORS_ORIGINS, problems),
    workers,
    secretKey,
    drainSeconds: int('BZCTRL_DRAIN_SECONDS', 10, 0, 3600),
    metricsToken,
    ...overrides,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
