import type { TokenSet } from '@bzctrl/sdk';
import { useState } from 'react';
import { API, raw } from '../../api.ts';
import { href, navigate } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { chooseWorkspace } from './console.logic.ts';
import { RequestStep } from './RequestStep.tsx';
import { TokenStep } from './TokenStep.tsx';
import './console.css';

/**
 * The API console (seed 000's "API auth" screen): get a token for yourself with the password
 * grant, see the add-task request for a workspace as curl, and try it from the browser.
 */
export default function ApiConsole({ query }: { query: URLSearchParams }) {
  const { session } = useSession();
  const email = session.user.email;
  const origin = window.location.origin;
  const workspaces = useAsync(() => raw((r) => r.GET(`${API}/workspaces`)), []);
  const items = workspaces.data?.items ?? [];
  const workspace = chooseWorkspace(items, query.get('workspace'));
  const [tokens, setTokens] = useState<TokenSet>();
  const [reveal, setReveal] = useState(false);

  return (
    <div className="console">
      <PageHeader title="API console" />
      <p className="console-intro">
        Create todos from another system over the BzCtrl REST API: get an access token, copy the
        add-task request for your workspace, and try it here first.
      </p>

      <section className="card console-step" aria-labelledby="console-workspace">
        <h2 id="console-workspace">
          <span className="console-step__number">1</span> Workspace
        </h2>
        {workspaces.status === 'loading' && !workspaces.data ? (
          <Loading />
        ) : workspaces.status === 'error' ? (
          <ErrorNote error={workspaces.error} onRetry={workspaces.reload} />
        ) : items.length === 0 ? (
          <p>You are not a member of any workspace yet; ask an administrator to add you.</p>
        ) : (
          <Field label="Workspace" hint="The todos you create go here (domainWorkSpace).">
            {(p) => (
              <select
                {...p}
                value={workspace}
                onChange={(e) =>
                  navigate(href('/console', { workspace: e.target.value }), { replace: true })
                }
              >
                {items.map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.key} · {w.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </section>

      <TokenStep
        email={email}
        origin={origin}
        tokens={tokens}
        onTokens={setTokens}
        reveal={reveal}
        onReveal={setReveal}
      />
      <RequestStep
        workspace={workspace}
        email={email}
        origin={origin}
        token={tokens?.accessToken}
        reveal={reveal}
      />
    </div>
  );
}
