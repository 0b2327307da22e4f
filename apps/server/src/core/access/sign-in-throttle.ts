import type { Config } from '../../platform/config.ts';
import { addSeconds } from '../../platform/values/dates.ts';
import { type OAuthDeps, OAuthError } from './oauth.model.ts';
import {
  clearFailures,
  countAttempt,
  currentFailures,
  uncountAttempt,
} from './throttle.repository.ts';

/**
 * The sign-in throttle: failed attempts counted per client address and per account in a
 * window (config.loginWindowSeconds), refused with 429 and Retry-After once a key is over
 * its cap. Every secret-checking grant goes through it.
 */

/** The throttle's key for a client address. */
export const addressKey = (ip: string) => `address:${ip}`;
/** The throttle's key for an account, however its name is spelt. */
export const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;

const limitOf = (config: Config, key: string) =>
  key.startsWith('address:')
    ? config.loginMaxFailuresPerAddress
    : config.loginMaxFailuresPerAccount;

function throttled(deps: OAuthDeps, windowStart: string): OAuthError {
  const reopens = addSeconds(new Date(windowStart), deps.config.loginWindowSeconds);
  const left = Math.ceil((reopens.getTime() - deps.now.getTime()) / 1000);
  // A parallel request may have opened the window a moment after this one began.
  const retryAfter = Math.min(deps.config.loginWindowSeconds, Math.max(1, left));
  return new OAuthError(
    'temporarily_unavailable',
    `Too many failed sign-in attempts; try again in ${retryAfter} seconds`,
    429,
    { 'Retry-After': String(retryAfter) },
  );
}

/** Refuses at once when a key has used up its failures in the current window. */
export async function checkThrottle(deps: OAuthDeps, keys: string[]): Promise<void> {
  const windowStartAfter = addSeconds(deps.now, -deps.config.loginWindowSeconds).toISOString();
  for (const key of keys) {
    const state = await currentFailures(deps.db.kysely, key, windowStartAfter);
    if (state && state.failures >= limitOf(deps.config, key)) {
      throw throttled(deps, state.windowStart);
    }
  }
}

/**
 * Counts the attempt as a failure *before* the secret is checked, and refuses it when that
 * takes a key over its cap; a success then takes the count back. Counting first, in one
 * atomic statement, is what stops parallel guesses from all passing a check made before
 * any of them had failed.
 */
export async function reserveAttempt(deps: OAuthDeps, keys: string[]): Promise<void> {
  const now = deps.now.toISOString();
  const windowStartAfter = addSeconds(deps.now, -deps.config.loginWindowSeconds).toISOString();
  for (const key of keys) {
    const state = await countAttempt(deps.db.kysely, key, now, windowStartAfter);
    if (state.failures > limitOf(deps.config, key)) throw throttled(deps, state.windowStart);
  }
}

/**
 * A secret that proved right takes its attempt back: the address's count goes down and
 * the account, if any, starts afresh.
 */
export async function releaseAttempt(
  deps: OAuthDeps,
  keys: { address: string; account?: string },
): Promise<void> {
  if (keys.account !== undefined) await clearFailures(deps.db.kysely, keys.account);
  await uncountAttempt(deps.db.kysely, keys.address);
}
