import type { ApiClientRow, OauthTokenTable, UserRow } from '../../platform/db/tables.ts';
import { addSeconds } from '../../platform/values/dates.ts';
import {
  newToken,
  randomUUID,
  tokenDigest,
  verifyAgainstDummy,
  verifySecret,
} from '../../platform/values/secrets.ts';
import { authChangeTransaction } from './actor-cache.ts';
import { findClientByClientId } from './clients.repository.ts';
import {
  type OAuthDeps,
  OAuthError,
  type TokenRequest,
  type TokenResponse,
} from './oauth.model.ts';
import {
  accountKey,
  addressKey,
  checkThrottle,
  releaseAttempt,
  reserveAttempt,
} from './sign-in-throttle.ts';
import {
  findTokenByDigest,
  insertTokens,
  markRotated,
  revokeFamily,
  revokeToken as revokeTokenRow,
} from './tokens.repository.ts';
import { findUserByEmail } from './users.repository.ts';

const USER_SCOPES = ['todo:read', 'todo:write'];
const ADMIN_SCOPES = [...USER_SCOPES, 'admin'];
const CLIENT_SCOPES = ['todo:read', 'todo:write'];

const invalidClient = (description: string) =>
  new OAuthError('invalid_client', description, 401, {
    'WWW-Authenticate': 'Basic realm="bzctrl", charset="UTF-8"',
  });

/** The token endpoint: authenticates the client if any, then runs the grant. */
export async function exchangeToken(deps: OAuthDeps, req: TokenRequest): Promise<TokenResponse> {
  const { params } = req;
  await checkThrottle(deps, [addressKey(deps.ip)]);
  const client = await authenticateClient(deps, req);
  if (!client && deps.config.requireClientAuth) {
    throw invalidClient('Client authentication is required (HTTP Basic client_id:client_secret)');
  }
  const grantType = params.grant_type;
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  switch (grantType) {
    case 'password': {
      if (!deps.config.passwordGrantEnabled) {
        throw new OAuthError(
          'unsupported_grant_type',
          'The password grant is disabled on this server',
        );
      }
      const user = await checkPassword(deps, params.username, params.password);
      const allowed = user.role === 'admin' ? ADMIN_SCOPES : USER_SCOPES;
      return issueTokens(deps, {
        userId: user.id,
        apiClientId: client?.id ?? null,
        scope: narrowScope(params.scope, allowed),
        refresh: true,
      });
    }
    case 'client_credentials': {
      if (!client) throw invalidClient('client_credentials needs client authentication');
      return issueTokens(deps, {
        userId: null,
        apiClientId: client.id,
        scope: narrowScope(params.scope, CLIENT_SCOPES),
        refresh: false,
      });
    }
    case 'refresh_token':
      return refresh(deps, params.refresh_token, client, params.scope);
    default:
      throw new OAuthError(
        'unsupported_grant_type',
        `grant_type "${grantType}" is not supported; use password, refresh_token or client_credentials`,
      );
  }
}

/**
 * RFC 7009 token revocation. The client authenticates as at the token endpoint; a token
 * issued to a client may only be revoked by that client. A refresh token ends its whole
 * sign-in (every access and refresh token of the family, RFC 7009 §2.1's SHOULD); an
 * access token ends only itself. An unknown, expired or already revoked token is not an
 * error: the answer is the same as for a revoked one.
 */
export async function revokeToken(deps: OAuthDeps, req: TokenRequest): Promise<void> {
  await checkThrottle(deps, [addressKey(deps.ip)]);
  const client = await authenticateClient(deps, req);
  if (!client && deps.config.requireClientAuth) {
    throw invalidClient('Client authentication is required (HTTP Basic client_id:client_secret)');
  }
  const presented = req.params.token;
  if (!presented) throw new OAuthError('invalid_request', 'token is required');
  // The hint is where to look first; an unknown or wrong hint only costs a second look.
  const order: ('access' | 'refresh')[] =
    req.params.token_type_hint === 'refresh_token' ? ['refresh', 'access'] : ['access', 'refresh'];
  const digest = tokenDigest(presented);
  const { db, now } = deps;
  for (const kind of order) {
    const row = await findTokenByDigest(db.kysely, digest, kind);
    if (!row) continue;
    if (row.apiClientId !== null && Number(row.apiClientId) !== client?.id) {
      throw new OAuthError('unauthorized_client', 'The token was issued to another client');
    }
    if (row.revokedAt !== null) return;
    // In one transaction with the generation, so every process's cache lets go of it.
    await authChangeTransaction(db.kysely, (trx) =>
      kind === 'refresh'
        ? revokeFamily(trx, row.familyId, now.toISOString())
        : revokeTokenRow(trx, row.id, now.toISOString()),
    );
    return;
  }
}

/** For `POST /api/authenticate`: a password login without a client. */
export async function authenticatePassword(
  deps: OAuthDeps,
  username: string | undefined,
  password: string | undefined,
): Promise<TokenResponse> {
  await checkThrottle(deps, [addressKey(deps.ip)]);
  if (!deps.config.passwordGrantEnabled) {
    throw new OAuthError('unsupported_grant_type', 'Password sign-in is disabled on this server');
  }
  // This route has no client; where clients must authenticate it would be a way around that.
  if (deps.config.requireClientAuth) {
    throw invalidClient(
      'This server requires client authentication: use /api/oauth/token with HTTP Basic client credentials',
    );
  }
  const user = await checkPassword(deps, username, password);
  return issueTokens(deps, {
    userId: user.id,
    apiClientId: null,
    scope: (user.role === 'admin' ? ADMIN_SCOPES : USER_SCOPES).join(' '),
    refresh: true,
  });
}

/**
 * The web app's sign-in (sessions): the same password check and throttle as the
 * password grant, without a client; returns the user.
 */
export async function verifyUserPassword(
  deps: OAuthDeps,
  username: string | undefined,
  password: string | undefined,
): Promise<UserRow> {
  await checkThrottle(deps, [addressKey(deps.ip)]);
  return checkPassword(deps, username, password);
}

async function authenticateClient(
  deps: OAuthDeps,
  req: TokenRequest,
): Promise<ApiClientRow | null> {
  const { basic, params } = req;
  if (basic === 'malformed')
    throw invalidClient('The Authorization header is not valid HTTP Basic');
  // Empty fields (a form with an unfilled client box) mean "no client".
  const bodyId = params.client_id || undefined;
  const bodySecret = params.client_secret || undefined;
  if (basic && bodySecret !== undefined) {
    throw new OAuthError('invalid_request', 'Use one client authentication method, not two');
  }
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id differs from the authenticated client');
  }
  const creds =
    basic ?? (bodyId !== undefined ? { clientId: bodyId, clientSecret: bodySecret } : null);
  if (!creds) return null;
  if (creds.clientSecret === undefined || creds.clientSecret === '') {
    throw invalidClient('client_secret is required');
  }
  const address = addressKey(deps.ip);
  await reserveAttempt(deps, [address]);
  const client = await findClientByClientId(deps.db.kysely, creds.clientId);
  const rawSecret = basic?.rawSecret;
  const ok = client
    ? client.disabled === 0 &&
      ((await verifySecret(creds.clientSecret, client.secretHash)) ||
        (rawSecret !== undefined && (await verifySecret(rawSecret, client.secretHash))))
    : await verifyAgainstDummy(creds.clientSecret, deps.config.scryptLogN);
  if (!client || !ok) throw invalidClient('Unknown client or wrong client secret');
  await releaseAttempt(deps, { address });
  return { ...client, id: Number(client.id) };
}

async function checkPassword(
  deps: OAuthDeps,
  username: string | undefined,
  password: string | undefined,
): Promise<UserRow> {
  if (!username) throw new OAuthError('invalid_request', 'username is required');
  if (password === undefined || password === '') {
    throw new OAuthError('invalid_request', 'password is required');
  }
  const address = addressKey(deps.ip);
  const account = accountKey(username);
  await reserveAttempt(deps, [address, account]);
  const user = await findUserByEmail(deps.db.kysely, username.trim());
  // An unknown or disabled account costs the same time and gets the same answer.
  const ok =
    user?.passwordHash && user.disabled === 0
      ? await verifySecret(password, user.passwordHash)
      : await verifyAgainstDummy(password, deps.config.scryptLogN);
  if (!user || !ok) throw new OAuthError('invalid_grant', 'Invalid username or password');
  await releaseAttempt(deps, { address, account });
  return { ...user, id: Number(user.id) };
}

async function refresh(
  deps: OAuthDeps,
  presented: string | undefined,
  client: ApiClientRow | null,
  requestedScope: string | undefined,
): Promise<TokenResponse> {
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');
  const { db, now } = deps;
  const row = await findTokenByDigest(db.kysely, tokenDigest(presented), 'refresh');
  const nowIso = now.toISOString();
  if (!row || row.revokedAt !== null || row.expiresAt <= nowIso) {
    throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  }
  if (row.apiClientId !== null && Number(row.apiClientId) !== client?.id) {
    throw new OAuthError('invalid_grant', 'The refresh token was issued to another client');
  }
  // A used refresh token presented again means it leaked: end the whole family.
  const rotated = await markRotated(db.kysely, row.id, nowIso);
  if (!rotated) {
    await authChangeTransaction(db.kysely, (trx) => revokeFamily(trx, row.familyId, nowIso));
    deps.log.warn({ familyId: row.familyId }, 'refresh token reuse detected; token family revoked');
    throw new OAuthError('invalid_grant', 'The refresh token was already used; sign in again');
  }
  if (row.userId !== null) {
    const user = await db.kysely
      .selectFrom('users')
      .select('disabled')
      .where('id', '=', row.userId)
      .executeTakeFirst();
    if (user?.disabled !== 0) {
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
    }
  }
  return issueTokens(deps, {
    userId: row.userId === null ? null : Number(row.userId),
    apiClientId: row.apiClientId === null ? null : Number(row.apiClientId),
    scope: narrowScope(requestedScope, row.scope.split(' ')),
    refresh: true,
    familyId: row.familyId,
  });
}

async function issueTokens(
  deps: OAuthDeps,
  grant: {
    userId: number | null;
    apiClientId: number | null;
    scope: string;
    refresh: boolean;
    familyId?: string;
  },
): Promise<TokenResponse> {
  const { config, now } = deps;
  const familyId = grant.familyId ?? randomUUID();
  const access = newToken();
  const jti = randomUUID();
  const base = {
    familyId,
    userId: grant.userId,
    apiClientId: grant.apiClientId,
    scope: grant.scope,
    rotatedAt: null,
    revokedAt: null,
    createdAt: now.toISOString(),
  };
  const rows: OauthTokenTable[] = [
    {
      ...base,
      id: jti,
      kind: 'access',
      tokenHash: tokenDigest(access),
      expiresAt: addSeconds(now, config.accessTokenTtlSeconds).toISOString(),
    },
  ];
  let refreshToken: string | undefined;
  if (grant.refresh) {
    refreshToken = newToken();
    rows.push({
      ...base,
      id: randomUUID(),
      kind: 'refresh',
      tokenHash: tokenDigest(refreshToken),
      expiresAt: addSeconds(now, config.refreshTokenTtlSeconds).toISOString(),
    });
  }
  await insertTokens(deps.db.kysely, rows);
  return {
    access_token: access,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    token_type: 'Bearer',
    expires_in: config.accessTokenTtlSeconds,
    scope: grant.scope,
    jti,
  };
}

function narrowScope(requested: string | undefined, allowed: string[]): string {
  if (!requested?.trim()) return allowed.join(' ');
  const wanted = requested.trim().split(/\s+/);
  if (wanted.length === 1 && wanted[0] === '*') return allowed.join(' ');
  const unknown = wanted.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) {
    throw new OAuthError('invalid_scope', `Scope not available: ${unknown.join(' ')}`);
  }
  return [...new Set(wanted)].join(' ');
}
