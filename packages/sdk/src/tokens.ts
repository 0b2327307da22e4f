import { BzCtrlError, describeFailure } from './errors.ts';
import type { Signer } from './transport.ts';

export const TOKEN_PATH = '/bzctrl-core-api/oauth/token';

/** The tokens a client holds; hand them to a new client to resume without a password. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string | undefined;
  /** When the access token expires, in ms since the epoch (unknown: used until a 401). */
  expiresAt?: number | undefined;
  scope?: string | undefined;
}

export interface Credentials {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

// A token this close to its expiry is renewed first, so it cannot lapse on the way.
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Holds the access token and renews it: by refresh token when there is one (the server
 * rotates it), else by the password or client-credentials grant. Concurrent calls share
 * one renewal.
 */
export class TokenManager implements Signer {
  private tokens: TokenSet | undefined;
  private renewing: Promise<string> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly credentials: Credentials,
    private readonly fetchFn: typeof fetch,
    initial: TokenSet | undefined,
    private readonly onTokens: ((tokens: TokenSet) => void) | undefined,
  ) {
    this.tokens = initial;
  }

  get current(): TokenSet | undefined {
    return this.tokens;
  }

  /** Whether a rejected token can be replaced (by refresh or by credentials). */
  get canRenew(): boolean {
    return Boolean(this.tokens?.refreshToken) || this.hasGrant();
  }

  /** A usable access token, renewed first when it is missing or about to expire. */
  async accessToken(now = Date.now()): Promise<string> {
    const t = this.tokens;
    if (t && (t.expiresAt === undefined || t.expiresAt - EXPIRY_MARGIN_MS > now)) {
      return t.accessToken;
    }
    return this.renew();
  }

  async sign(headers: Headers): Promise<string> {
    const token = await this.accessToken();
    headers.set('authorization', `Bearer ${token}`);
    return token;
  }

  /** Called after a 401 with `rejected`: the next call renews unless another already did. */
  invalidate(rejected: string): void {
    if (this.tokens?.accessToken === rejected) this.tokens = { ...this.tokens, expiresAt: 0 };
  }

  /** Obtains new tokens now (one renewal at a time). */
  renew(): Promise<string> {
    this.renewing ??= this.obtain().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private hasGrant(): boolean {
    const c = this.credentials;
    return Boolean((c.username && c.password) || (c.clientId && c.clientSecret));
  }

  private async obtain(): Promise<string> {
    const c = this.credentials;
    const refreshToken = this.tokens?.refreshToken;
    if (refreshToken) {
      try {
        return await this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken });
      } catch (err) {
        // An expired or already rotated refresh token: sign in again when we can.
        if (!(err instanceof BzCtrlError && err.code === 'invalid_grant' && this.hasGrant())) {
          throw err;
        }
      }
    }
    if (c.username && c.password) {
      return this.grant({ grant_type: 'password', username: c.username, password: c.password });
    }
    if (c.clientId && c.clientSecret) return this.grant({ grant_type: 'client_credentials' });
    throw new BzCtrlError(
      401,
      'no_credentials',
      this.tokens
        ? 'The access token is no longer valid and there is nothing to renew it with; sign in again'
        : 'No credentials: give an accessToken, a refreshToken, username and password, or clientId and clientSecret',
    );
  }

  private async grant(params: Record<string, string>): Promise<string> {
    const c = this.credentials;
    const form = new URLSearchParams(params);
    if (c.clientId) form.set('client_id', c.clientId);
    if (c.clientSecret) form.set('client_secret', c.clientSecret);
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
      });
    } catch (err) {
      throw new BzCtrlError(
        0,
        'network_error',
        `Cannot reach ${this.baseUrl}: ${describeFailure(err)}`,
      );
    }
    if (!response.ok) throw await BzCtrlError.fromResponse(response);
    const body = (await response.json()) as {
      access_token: string;
      refresh_token?: string;
      expires_in?: number;
      scope?: string;
    };
    this.tokens = {
      accessToken: body.access_token,
      // A client-credentials answer has no refresh token: keep none rather than a stale one.
      refreshToken: body.refresh_token,
      expiresAt:
        typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : undefined,
      scope: body.scope,
    };
    this.onTokens?.(this.tokens);
    return body.access_token;
  }
}

/** What a browser session answers: who is signed in, and the token its writes must carry. */
export interface SessionInfo {
  user: { email: string; name: string; role: string };
  csrfToken: string;
  expiresAt: string;
}

/**
 * The web app's credentials: the browser sends the HttpOnly session cookie by itself;
 * writes add the session's CSRF token, which the server checks against the cookie.
 */
export class SessionSigner implements Signer {
  csrfToken: string | undefined;
  readonly canRenew = false;

  async sign(headers: Headers, method: string): Promise<string> {
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) {
      headers.set('x-csrf-token', this.csrfToken);
    }
    return '';
  }

  invalidate(): void {
    this.csrfToken = undefined;
  }
}
