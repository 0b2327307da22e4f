import type { ReactNode } from 'react';
import { Empty } from '../../ui/components.tsx';
import { formatEur, STATUS_LABEL } from '../../ui/format.ts';
import {
  barWidth,
  countLabel,
  type Dashboard,
  hasTodos,
  largest,
  OPEN,
  STATUS_COLUMNS,
  todosHref,
} from './dashboard.logic.ts';
import { Section } from './Section.tsx';

/** The potential financial impact of open incidents, by workspace, with a bar each. */
export function FinancialImpact({ data }: { data: Dashboard }) {
  const { totalEur, byWorkspace } = data.financialImpact;
  const rows = byWorkspace.filter((w) => w.incidents > 0);
  const max = largest(rows.map((w) => Number(w.totalEur)));
  return (
    <Section id="dash-eur" title="Potential financial impact">
      {rows.length === 0 ? (
        <Empty title="No financial impact on open incidents">
          Amounts entered on open incidents add up here, in EUR.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="dash-eur">
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col" className="dash-num">
                  Incidents
                </th>
                <th scope="col" className="dash-num">
                  Amount (EUR)
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.workspace}>
                  <WorkspaceHeader
                    ws={w}
                    to={todosHref({ workspace: w.workspace, type: 'INCIDENT', status: OPEN })}
                  >
                    <span className="dash-bar" aria-hidden="true">
                      <span style={{ width: barWidth(w.totalEur, max) }} />
                    </span>
                  </WorkspaceHeader>
                  <td className="dash-num">{w.incidents}</td>
                  <td className="dash-num">{formatEur(w.totalEur)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="dash-num">{rows.reduce((n, w) => n + w.incidents, 0)}</td>
                <td className="dash-num" data-testid="dash-eur-total">
                  {formatEur(totalEur)}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Section>
  );
}

/** Every status's count by workspace, with the open ones (To do and In Progress) summed. */
export function ByStatus({ data }: { data: Dashboard }) {
  const rows = data.byStatus;
  const before = STATUS_COLUMNS.slice(0, 2);
  const after = STATUS_COLUMNS.slice(2);
  return (
    <Section id="dash-status" title="Todos by status and workspace" className="dash-status">
      {!hasTodos(rows) ? (
        <Empty title="No todos yet">
          <a href="#/new">Create the first todo</a>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                {before.map((s) => (
                  <th key={s} scope="col" className="dash-num">
                    {STATUS_LABEL[s]}
                  </th>
                ))}
                <th scope="col" className="dash-num">
                  Open
                </th>
                {after.map((s) => (
                  <th key={s} scope="col" className="dash-num">
                    {STATUS_LABEL[s]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.workspace}>
                  <WorkspaceHeader ws={w} to={todosHref({ workspace: w.workspace })} />
                  {before.map((s) => (
                    <CountCell
                      key={s}
                      n={w.counts[s]}
                      status={s}
                      ws={w}
                      label={`in ${STATUS_LABEL[s]}`}
                    />
                  ))}
                  <CountCell n={w.open} status={OPEN} ws={w} label="open" />
                  {after.map((s) => (
                    <CountCell
                      key={s}
                      n={w.counts[s]}
                      status={s}
                      ws={w}
                      label={STATUS_LABEL[s].toLowerCase()}
                    />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

type Ws = { workspace: string; workspaceName: string };

/** A row's header: the workspace's name, linking to its list, and its key. */
function WorkspaceHeader({ ws, to, children }: { ws: Ws; to: string; children?: ReactNode }) {
  return (
    <th scope="row">
      <a href={to}>{ws.workspaceName}</a>
      <span className="dash-key">{ws.workspace}</span>
      {children}
    </th>
  );
}

/** A count linking to the list of the todos it counts; a zero links nowhere. */
function CountCell({ n, status, ws, label }: { n: number; status: string; ws: Ws; label: string }) {
  return (
    <td className="dash-num">
      {n === 0 ? (
        <span className="dash-zero">0</span>
      ) : (
        <a
          href={todosHref({ workspace: ws.workspace, status })}
          aria-label={countLabel(n, label, ws.workspaceName)}
        >
          {n}
        </a>
      )}
    </td>
  );
}
