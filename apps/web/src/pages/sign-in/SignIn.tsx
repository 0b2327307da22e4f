import type { SessionInfo } from '@bzctrl/sdk';
import { type FormEvent, useState } from 'react';
import { bz, describeError } from '../../api.ts';
import { Field } from '../../ui/components.tsx';
import { checkSignIn, type SignInErrors, signInRefusal } from './sign-in.logic.ts';
import './sign-in.css';

/**
 * Sign-in with a BzCtrl user's e-mail and password. The hash is left alone, so the user
 * lands on the page they opened (a taskLink's todo) once signed in.
 */
export function SignIn({
  expired,
  onSignedIn,
}: {
  expired: boolean;
  onSignedIn: (session: SessionInfo) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<SignInErrors>({});
  const [busy, setBusy] = useState(false);
  const opening = window.location.hash.match(/^#\/todo\/([^/?]+)/)?.[1];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = checkSignIn(username, password);
    setErrors(problems);
    if (problems.username || problems.password) return;
    setBusy(true);
    try {
      onSignedIn(await bz.session.signIn(username.trim(), password));
    } catch (err) {
      // A wrong password, or the throttle with its wait, said at the password field.
      setErrors({ password: signInRefusal(err) ?? describeError(err) });
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div className="signin__brand">BzCtrl</div>
        <h1 id="signin-title">Sign in</h1>
        {expired && (
          <p className="notice notice--warning">Your session has ended. Sign in to continue.</p>
        )}
        {opening && !expired && (
          <p className="notice">Sign in to open {decodeURIComponent(opening)}.</p>
        )}
        <Field label="E-mail" required error={errors.username}>
          {(props) => (
            <input
              {...props}
              type="email"
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" required error={errors.password}>
          {(props) => (
            <input
              {...props}
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button" disabled={busy} style={{ width: '100%' }}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
