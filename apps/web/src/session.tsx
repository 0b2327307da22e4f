import type { SessionInfo } from '@bzctrl/sdk';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { bz, onSignedOut } from './api.ts';

type SessionState =
  | { state: 'loading' }
  | { state: 'signed-out'; expired: boolean }
  | { state: 'signed-in'; session: SessionInfo };

interface SessionContextValue {
  session: SessionInfo;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/** The signed-in user and sign-out; only rendered inside a live session. */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

/**
 * Shows `signIn` until there is a session, then `children`. The URL (hash) is left as it
 * is while signed out, so after sign-in the user lands on the page they asked for, e.g.
 * the todo of a taskLink. A call that finds the session gone brings sign-in back.
 */
export function SessionGate({
  signIn,
  children,
}: {
  signIn: (props: { expired: boolean; onSignedIn: (s: SessionInfo) => void }) => ReactNode;
  children: ReactNode;
}) {
  const [state, setState] = useState<SessionState>({ state: 'loading' });

  useEffect(() => {
    let live = true;
    // Asked as optional: no session is a 204, not a 401 the browser logs as an error.
    bz.session.find().then(
      (session) =>
        live &&
        setState(
          session ? { state: 'signed-in', session } : { state: 'signed-out', expired: false },
        ),
      // No server: sign-in shows the error when the user tries.
      () => live && setState({ state: 'signed-out', expired: false }),
    );
    const off = onSignedOut(() => setState({ state: 'signed-out', expired: true }));
    return () => {
      live = false;
      off();
    };
  }, []);

  const signOut = useCallback(async () => {
    try {
      await bz.session.signOut();
    } finally {
      setState({ state: 'signed-out', expired: false });
    }
  }, []);

  if (state.state === 'loading') {
    return (
      <div className="boot" role="status">
        Loading BzCtrl…
      </div>
    );
  }
  if (state.state === 'signed-out') {
    return signIn({
      expired: state.expired,
      onSignedIn: (session) => setState({ state: 'signed-in', session }),
    });
  }
  return (
    <SessionContext.Provider value={{ session: state.session, signOut }}>
      {children}
    </SessionContext.Provider>
  );
}
