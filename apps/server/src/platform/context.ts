import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import type { KeyedRequest } from './idempotency/keyed-write.ts';
import type { Metrics } from './metrics/metrics.ts';

/** The logger every layer writes to (the request's, or the server's for jobs). */
export type Logger = FastifyBaseLogger;

/**
 * Who is calling: a user (possibly through an API client), an API client on its own, or
 * an exposed endpoint (SPEC §4: the endpoint's UUID is the credential).
 */
export interface Actor {
  readonly kind: 'user' | 'client' | 'endpoint';
  readonly userId: number | null;
  readonly userEmail: string | null;
  /** Internal id of the API client the token was issued to, if any. */
  readonly apiClientId: number | null;
  readonly clientId: string | null;
  readonly isAdmin: boolean;
  /** Workspace ids the actor may use; null means every workspace. */
  readonly workspaceIds: ReadonlySet<number> | null;
  /** The client's default workspace, used by dialects that name none. */
  readonly defaultWorkspaceId: number | null;
  readonly scopes: ReadonlySet<string>;
  /** The access token's jti; empty for an exposed endpoint. */
  readonly tokenId: string;
  /** The exposed endpoint's id and name when `kind` is `endpoint`. */
  readonly endpointId?: number | null;
  readonly endpointName?: string | null;
}

/** What every service call takes first. Time comes from `now` so tests can control it. */
export interface Ctx {
  readonly db: Db;
  readonly config: Config;
  readonly actor: Actor;
  readonly now: Date;
  readonly log: Logger;
  readonly requestId: string;
  /** The wire format the call came through: bzctrl, short, itsm, native, exposed, web. */
  readonly via: string;
  /** The request's Idempotency-Key, which its write commits with (see writeTransaction). */
  readonly keyed?: KeyedRequest | null;
  /** Counts what the service did (creates by dialect); absent outside a request. */
  readonly metrics?: Pick<Metrics, 'todoCreated'>;
}

/** The idempotency and rate-limit identity of a caller: stable across its tokens. */
export function callerKey(actor: Actor): string {
  if (actor.kind === 'endpoint') return `endpoint:${actor.endpointId}`;
  if (actor.kind === 'client') return `client:${actor.apiClientId}`;
  return actor.apiClientId === null
    ? `user:${actor.userId}`
    : `user:${actor.userId}/client:${actor.apiClientId}`;
}
