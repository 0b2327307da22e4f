import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { Actor, Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { addSeconds } from '../../platform/values/dates.ts';
import { newToken, tokenDigest } from '../../platform/values/secrets.ts';
import { authChangeTransaction, credentialCacheOf } from './actor-cache.ts';
import { OAuthError } from './oauth.model.ts';
import { verifyUserPassword } from './oauth.service.ts';
import { deleteSession, findLiveSession, insertSession } from './sessions.repository.ts';
import { listMemberWorkspaceIds } from './users.repository.ts';

export const SESSION_COOKIE = 'bzctrl_session';

export interface SessionView {
  user: { email: string; name: string; role: 'admin' | 'member' };
  csrfToken: string;
  expiresAt: string;
}

export interface SessionDeps {
  db: Db;
  config: Config;
  now: Date;
  ip: string;
  log: Logger;
}

/**
 * The CSRF token of a session, derived from the session id rather than stored: only a
 * holder of the (HttpOnly) cookie value can compute it, and the stored digest of the id
 * does not reveal it, since the two hashes differ by their prefix.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`bzctrl-csrf:${sessionId}`).digest('base64url');
}

/** Constant-time check of a presented X-CSRF-Token. */
export function csrfMatches(sessionId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const want = Buffer.from(csrfTokenOf(sessionId));
  const got = Buffer.from(presented);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The password check's OAuth errors in problem-details terms. */
function asAppError(err: unknown): unknown {
  if (!(err instanceof OAuthError)) return err;
  if (err.error === 'invalid_request') {
    const field = /password/.test(err.description) ? 'password' : 'username';
    return validationError([{ field, message: 'is required' }]);
  }
  if (err.error === 'temporarily_unavailable') {
    return new AppError('too_many_requests', err.description, [], err.headers);
  }
  return new AppError('unauthorized', err.description);
}

/**
 * Signs a user in with a password: the token endpoint's own check and throttle (so
 * failures here and there count together). Independent of BZCTRL_PASSWORD_GRANT and
 * client authentication, which govern API clients handling passwords, not the web app.
 */
export async function signIn(
  deps: SessionDeps,
  username: string,
  password: string,
  previousSessionId: string | undefined,
): Promise<{ sessionId: string; view: SessionView }> {
  let user: Awaited<ReturnType<typeof verifyUserPassword>>;
  try {
    user = await verifyUserPassword(deps, username, password);
  } catch (err) {
    throw asAppError(err);
  }
  // Signing in again from the same browser replaces its session, never stacks them.
  if (previousSessionId) await signOut(deps.db, previousSessionId);
  const sessionId = newToken();
  const expiresAt = addSeconds(deps.now, deps.config.sessionTtlSeconds).toISOString();
  await insertSession(deps.db.kysely, {
    tokenHash: tokenDigest(sessionId),
    userId: user.id,
    createdAt: deps.now.toISOString(),
    expiresAt,
  });
  return {
    sessionId,
    view: {
      user: { email: user.email, name: user.name, role: user.role },
      csrfToken: csrfTokenOf(sessionId),
      expiresAt,
    },
  };
}

/**
 * The user behind a session cookie, as the same Actor a password-grant token of that
 * user yields; undefined when the session is unknown, expired, or its user disabled.
 * Fixed expiry: a session ends `sessionTtlSeconds` after sign-in, used or not, so the
 * process's credential cache (actor-cache.ts) may keep it until then; sign-out and
 * every change to its user bump the generation that empties the cache.
 */
export async function resolveSession(
  db: Db,
  sessionId: string,
  now: Date,
): Promise<{ actor: Actor; view: SessionView } | undefined> {
  const digest = tokenDigest(sessionId);
  return credentialCacheOf(db.kysely).get(`session:${digest}`, now.getTime(), async () => {
    const row = await findLiveSession(db.kysely, digest, now.toISOString());
    if (row?.disabled !== 0) return undefined;
    const userId = Number(row.userId);
    const isAdmin = row.role === 'admin';
    const actor: Actor = {
      kind: 'user',
      userId,
      userEmail: row.email,
      apiClientId: null,
      clientId: null,
      isAdmin,
      workspaceIds: isAdmin ? null : new Set(await listMemberWorkspaceIds(db.kysely, userId)),
      defaultWorkspaceId: null,
      scopes: new Set(isAdmin ? ['todo:read', 'todo:write', 'admin'] : ['todo:read', 'todo:write']),
      // No access token behind a session.
      tokenId: '',
    };
    const expiresAt = new Date(row.expiresAt);
    const view: SessionView = {
      user: { email: row.email, name: row.name, role: row.role },
      csrfToken: csrfTokenOf(sessionId),
      expiresAt: expiresAt.toISOString(),
    };
    return { value: { actor, view }, expiresAtMs: expiresAt.getTime() };
  });
}

/** Ends a session, in every process (the cache's generation moves with it). */
export async function signOut(db: Db, sessionId: string): Promise<void> {
  await authChangeTransaction(db.kysely, (trx) => deleteSession(trx, tokenDigest(sessionId)));
}

/** The session id from a Cookie header, if any. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      // newToken() is base64url; anything else cannot be one of ours.
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}
