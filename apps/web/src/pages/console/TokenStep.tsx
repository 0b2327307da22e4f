import { BzCtrlClient, BzCtrlError, type TokenSet } from '@bzctrl/sdk';
import { useState } from 'react';
import { describeError } from '../../api.ts';
import { CopyButton, Field } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { throttledSignIn } from '../sign-in/sign-in.logic.ts';
import { tokenCurl, tokenRefusal } from './console.logic.ts';

export const TOKEN_PATH = '/bzctrl-core-api/oauth/token';

/** Step 2: a token for the signed-in user with the password grant, as an integrator gets one. */
export function TokenStep({
  email,
  origin,
  tokens,
  onTokens,
  reveal,
  onReveal,
}: {
  email: string;
  origin: string;
  tokens: TokenSet | undefined;
  onTokens: (tokens: TokenSet) => void;
  reveal: boolean;
  onReveal: (reveal: boolean) => void;
}) {
  const [password, setPassword] = useState('');
  const [tokenError, setTokenError] = useState<string>();
  const [gettingToken, setGettingToken] = useState(false);

  const getToken = async () => {
    setGettingToken(true);
    setTokenError(undefined);
    try {
      // The password grant, as an integrator would use it; not the app's session.
      const client = new BzCtrlClient({ baseUrl: origin, username: email, password, retries: 0 });
      onTokens(await client.signIn());
      setPassword('');
      onReveal(false);
    } catch (err) {
      // The password grant counts towards the same sign-in throttle as the sign-in page.
      const refusal = err instanceof BzCtrlError ? tokenRefusal(err.code, err.detail) : undefined;
      setTokenError(throttledSignIn(err) ?? refusal ?? describeError(err));
    } finally {
      setGettingToken(false);
    }
  };

  return (
    <section className="card console-step" aria-labelledby="console-token">
      <h2 id="console-token">
        <span className="console-step__number">2</span> Get a token for yourself
      </h2>
      <p className="console-muted">
        The OAuth token endpoint (<code>POST {TOKEN_PATH}</code>) gives an access token for{' '}
        <strong>{email}</strong> with the password grant. Re-enter your password to get one.
      </p>
      <form
        className="console-inline"
        onSubmit={(e) => {
          e.preventDefault();
          void getToken();
        }}
      >
        <Field label="Your password" required error={tokenError}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button" disabled={gettingToken || !password}>
          {gettingToken ? 'Getting a token…' : 'Get token'}
        </button>
      </form>
      {tokens && (
        <div className="console-token" aria-live="polite">
          <Field label="Access token">
            {(p) => (
              <input
                {...p}
                className="console-mono"
                type={reveal ? 'text' : 'password'}
                readOnly
                value={tokens.accessToken}
              />
            )}
          </Field>
          <div className="console-token__actions">
            <button
              type="button"
              className="button button--secondary"
              aria-pressed={reveal}
              onClick={() => onReveal(!reveal)}
            >
              {reveal ? 'Hide token' : 'Show token'}
            </button>
            <CopyButton value={tokens.accessToken} label="Copy token" />
          </div>
          <p className="console-muted">
            {tokens.expiresAt
              ? `Valid until ${formatDateTime(new Date(tokens.expiresAt).toISOString())}.`
              : 'Valid until it is revoked.'}{' '}
            Send it as <code>Authorization: Bearer …</code>. Anyone holding it acts as you: do not
            share it.
          </p>
        </div>
      )}
      <details className="console-details">
        <summary>The token request as curl</summary>
        <pre>{tokenCurl(`${origin}${TOKEN_PATH}`, email)}</pre>
      </details>
    </section>
  );
}
