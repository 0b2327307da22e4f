import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';

/** An RFC 6749 §5.2 error: rendered as `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'unsupported_grant_type'
      | 'invalid_scope'
      | 'unauthorized_client'
      | 'temporarily_unavailable',
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export interface OAuthDeps {
  db: Db;
  config: Config;
  now: Date;
  ip: string;
  log: Logger;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  jti: string;
}

/** Credentials a token request carries, from a Basic header and/or the body. */
export interface TokenRequest {
  basic?: { clientId: string; clientSecret: string; rawSecret?: string } | 'malformed';
  params: Record<string, string | undefined>;
}
