import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';

/** Who is calling: a user (possibly through an API client) or an API client on its own. */
export interface Actor {
  readonly kind: 'user' | 'client';
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
  readonly tokenId: string;
}

/** Human-readable actor for the audit trail: survives renames and deletions. */
export function actorLabel(actor: Actor): string {
  if (actor.kind === 'client') return `client:${actor.clientId}`;
  return actor.clientId
    ? `user:${actor.userEmail} via client:${actor.clientId}`
    : `user:${actor.userEmail}`;
}

export function canUseWorkspace(actor: Actor, workspaceId: number): boolean {
  return actor.workspaceIds === null || actor.workspaceIds.has(workspaceId);
}

/** What every service call takes first. Time comes from `now` so tests can control it. */
export interface Ctx {
  readonly db: Db;
  readonly config: Config;
  readonly actor: Actor;
  readonly now: Date;
  readonly log: FastifyBaseLogger;
  readonly requestId: string;
  /** The wire dialect the call came through: bzctrl, short, itsm, native. */
  readonly dialect: string;
}

export const SCOPES = ['todo:read', 'todo:write', 'admin'] as const;
