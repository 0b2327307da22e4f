import { checkEmail, MESSAGES } from '@bzctrl/form-contract';
import { BzCtrlError } from '@bzctrl/sdk';

/**
 * A wait in plain words: seconds under a minute, else whole minutes rounded up, so the
 * person never comes back too early ("45 seconds", "1 minute", "60 minutes").
 */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const minutes = Math.ceil(s / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * The sign-in throttle explained (a 429 with Retry-After on a password sign-in, be it the
 * web app's session or the password grant); undefined for any other failure.
 */
export function throttledSignIn(err: unknown): string | undefined {
  if (!(err instanceof BzCtrlError) || err.status !== 429) return undefined;
  const when = err.retryAfter === undefined ? 'later' : `in ${waitInWords(err.retryAfter)}`;
  return `Too many failed sign-ins. Try again ${when}.`;
}

/** What the sign-in form says when the server refused the password; undefined otherwise. */
export function signInRefusal(err: unknown): string | undefined {
  if (err instanceof BzCtrlError && err.status === 401)
    return 'The e-mail or password is not right.';
  return throttledSignIn(err);
}

export interface SignInErrors {
  username?: string;
  password?: string;
}

/** The sign-in form's own checks, in the words every form uses (the form contract's). */
export function checkSignIn(username: string, password: string): SignInErrors {
  const out: SignInErrors = {};
  const email = checkEmail(username);
  if (email) out.username = email;
  if (password === '') out.password = MESSAGES.required;
  return out;
}
