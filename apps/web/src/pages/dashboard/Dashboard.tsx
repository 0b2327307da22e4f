import type { components } from '@bzctrl/sdk';
import { raw } from '../../api.ts';
import { href, navigate, useRoute } from '../../router.ts';
import { ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import type { Dashboard } from './dashboard.logic.ts';
import { ExpiringSoon, PastDateLists } from './due-lists.tsx';
import { RiskMatrix } from './RiskMatrix.tsx';
import { Summary } from './Summary.tsx';
import { ByStatus, FinancialImpact } from './workspace-tables.tsx';
import './dashboard.css';

type Workspaces = components['schemas']['WorkspaceSummaryList'];

/**
 * The landing page: where the open work stands, over all the caller's workspaces or one
 * (`#/?workspace=KEY`). Every figure links to the list filtered to what it counts.
 */
export default function DashboardPage() {
  const { query } = useRoute();
  const workspace = query.get('workspace') ?? '';
  const figures = useAsync(
    () =>
      raw<Dashboard>((r) =>
        r.GET('/bzctrl-core-api/api/v1/dashboard', {
          params: { query: workspace ? { workspace } : {} },
        }),
      ),
    [workspace],
  );
  const workspaces = useAsync(
    () => raw<Workspaces>((r) => r.GET('/bzctrl-core-api/api/v1/workspaces')),
    [],
  );
  const choose = (key: string) => navigate(href('/', { workspace: key }), { replace: true });

  const data = figures.data;
  return (
    <div className="dash">
      <PageHeader title="Dashboard">
        <div className="dash-scope">
          <Field label="Workspace">
            {(props) => (
              <select {...props} value={workspace} onChange={(e) => choose(e.target.value)}>
                <option value="">All my workspaces</option>
                {/* The one in the URL stays selectable while the list loads. */}
                {workspace && !workspaces.data?.items.some((w) => w.key === workspace) && (
                  <option value={workspace}>{workspace}</option>
                )}
                {(workspaces.data?.items ?? []).map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.key} · {w.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </PageHeader>

      {figures.status === 'error' ? (
        <div className="dash-error">
          <ErrorNote error={figures.error} onRetry={figures.reload} />
          {workspace && (
            <button type="button" className="button button--link" onClick={() => choose('')}>
              Show all my workspaces
            </button>
          )}
        </div>
      ) : !data ? (
        <Loading label="Loading the figures…" />
      ) : (
        <div className="dash-body" aria-busy={figures.status === 'loading'}>
          <Summary data={data} />
          <div className="dash-grid">
            <RiskMatrix data={data} />
            <FinancialImpact data={data} />
          </div>
          <ByStatus data={data} />
          <div className="dash-grid">
            <PastDateLists data={data} />
            <ExpiringSoon data={data} />
          </div>
        </div>
      )}
    </div>
  );
}
