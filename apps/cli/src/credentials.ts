import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BzCtrlClient, type TokenSet } from '@bzctrl/sdk';

/** What `bzctrl login` keeps between commands. */
export interface StoredCredentials {
  url: string;
  accessToken: string;
  refreshToken?: string | undefined;
  expiresAt?: number | undefined;
  /** Kept for the client-credentials grant, which has no refresh token. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
}

/** `$BZCTRL_CONFIG_DIR`, else `$XDG_CONFIG_HOME/bzctrl`, else `~/.config/bzctrl`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BZCTRL_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'bzctrl');
}

const file = () => join(configDir(), 'credentials.json');

export class NotLoggedIn extends Error {
  constructor() {
    super('not logged in: run `bzctrl login --url <server> --username <e-mail>` first');
  }
}

export function readCredentials(): StoredCredentials {
  let text: string;
  try {
    text = readFileSync(file(), 'utf8');
  } catch {
    throw new NotLoggedIn();
  }
  const parsed = JSON.parse(text) as StoredCredentials;
  if (typeof parsed.url !== 'string' || typeof parsed.accessToken !== 'string') {
    throw new NotLoggedIn();
  }
  return parsed;
}

/** Writes the file readable by its owner only: it holds tokens. */
export function writeCredentials(creds: StoredCredentials): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  writeFileSync(file(), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file is tightened too.
  chmodSync(file(), 0o600);
}

/** A client on the stored session; rotated tokens are written back as they arrive. */
export function clientFromCredentials(): BzCtrlClient {
  const creds = readCredentials();
  return new BzCtrlClient({
    baseUrl: creds.url,
    accessToken: creds.accessToken,
    refreshToken: creds.refreshToken,
    accessTokenExpiresAt: creds.expiresAt,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    onTokens: (t: TokenSet) => writeCredentials(merge(creds, t)),
  });
}

export function merge(creds: Omit<StoredCredentials, 'accessToken'>, t: TokenSet) {
  return {
    ...creds,
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: t.expiresAt,
  };
}
