import type { components } from '@bzctrl/sdk';
import type { ReactNode } from 'react';
import { raw } from '../../api.ts';
import { href, navigate, todoHref, useRoute } from '../../router.ts';
import { Empty, ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import {
  formatDate,
  formatEur,
  LEVEL_LABEL,
  type Level,
  STATUS_LABEL,
  type Status,
} from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import './dashboard.css';

type Dashboard = components['schemas']['Dashboard'];
type DashboardTodo = components['schemas']['DashboardTodo'];
type Workspaces = components['schemas']['WorkspaceSummaryList'];

/** The list page reads the API's own parameter names; a comma joins a filter's values. */
const OPEN = 'TODO,INPROGRESS';
const IMPACT_ROWS: Level[] = ['HIGH', 'MEDIUM', 'LOW'];
const LIKELIHOOD_COLUMNS: Level[] = ['LOW', 'MEDIUM', 'HIGH'];
const SCORE: Record<Level, number> = { LOW: 1, MEDIUM: 2, HIGH: 3 };
const STATUS_COLUMNS: Status[] = ['TODO', 'INPROGRESS', 'DONE', 'EXPIRED'];

const todosHref = (query: Record<string, string | undefined>) => href('/todos', query);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

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
            <Overdue data={data} />
            <ExpiringSoon data={data} />
          </div>
        </div>
      )}
    </div>
  );
}

/** The scope's filter for every link: the workspace chosen, if any. */
function scopeOf(data: Dashboard) {
  return { workspace: data.workspace ?? undefined };
}

function Summary({ data }: { data: Dashboard }) {
  const scope = scopeOf(data);
  const open = data.byStatus.reduce((n, w) => n + w.open, 0);
  const tiles: { label: string; value: string; to: string; tone?: string }[] = [
    { label: 'Open todos', value: String(open), to: todosHref({ ...scope, status: OPEN }) },
    {
      label: 'Open incidents',
      value: String(data.riskMatrix.total),
      to: todosHref({ ...scope, type: 'INCIDENT', status: OPEN }),
    },
    {
      label: 'Potential impact',
      value: formatEur(data.financialImpact.totalEur),
      to: todosHref({ ...scope, type: 'INCIDENT', status: OPEN }),
    },
    {
      label: 'Overdue',
      value: String(data.overdue.count),
      to: '#dash-overdue',
      tone: data.overdue.count > 0 ? 'danger' : undefined,
    },
    {
      label: 'Expiring in 7 days',
      value: String(data.expiringSoon.count),
      to: '#dash-expiring',
      tone: data.expiringSoon.count > 0 ? 'warning' : undefined,
    },
  ];
  return (
    <ul className="dash-summary" aria-label="Summary">
      {tiles.map((t) => (
        <li key={t.label} className={`dash-tile${t.tone ? ` dash-tile--${t.tone}` : ''}`}>
          {t.to.startsWith('#dash-') ? (
            // In-page jump: the hash is the route, so scroll instead of following it.
            <button type="button" onClick={() => jumpTo(t.to.slice(1))}>
              <TileContent label={t.label} value={t.value} />
            </button>
          ) : (
            <a href={t.to}>
              <TileContent label={t.label} value={t.value} />
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

function TileContent({ label, value }: { label: string; value: string }) {
  return (
    <>
      <span className="dash-tile__value">{value}</span>
      <span className="dash-tile__label">{label}</span>
    </>
  );
}

function jumpTo(id: string) {
  const target = document.getElementById(id);
  target?.scrollIntoView({ block: 'start' });
  target?.focus({ preventScroll: true });
}

function Section({
  id,
  title,
  aside,
  children,
  className = '',
}: {
  id: string;
  title: string;
  aside?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card dash-card ${className}`} aria-labelledby={id}>
      <div className="dash-card__head">
        <h2 id={id} tabIndex={-1}>
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** Risk level of a cell, as a risk register reads impact × likelihood. */
function riskLevel(impact: Level, likelihood: Level): 'low' | 'medium' | 'high' {
  const score = SCORE[impact] * SCORE[likelihood];
  return score >= 6 ? 'high' : score >= 3 ? 'medium' : 'low';
}

/**
 * 0 for an empty cell, then 1–4 by the cell's share of the fullest cell, one step deeper
 * for a high-risk cell so that risk, not only volume, stands out.
 */
function intensity(count: number, max: number, level: 'low' | 'medium' | 'high'): number {
  if (count === 0 || max === 0) return 0;
  return Math.min(4, Math.ceil((count / max) * 4) + (level === 'high' ? 1 : 0));
}

function RiskMatrix({ data }: { data: Dashboard }) {
  const { cells, unrated, total } = data.riskMatrix;
  const scope = scopeOf(data);
  const max = Math.max(0, ...cells.map((c) => c.count));
  const count = (impact: Level, likelihood: Level) =>
    cells.find((c) => c.impact === impact && c.likelihood === likelihood)?.count ?? 0;
  return (
    <Section
      id="dash-risk"
      title="Risk matrix"
      aside={
        total > 0 && (
          <a href={todosHref({ ...scope, type: 'INCIDENT', status: OPEN })}>
            All {plural(total, 'open incident')}
          </a>
        )
      }
    >
      {total === 0 ? (
        <Empty title="No open incidents">Incidents in To do or In Progress are counted here.</Empty>
      ) : (
        <>
          <table className="dash-matrix">
            <caption className="visually-hidden">
              Open incidents by impact (rows) and likelihood (columns)
            </caption>
            <thead>
              <tr>
                <td className="dash-matrix__corner">
                  <span>Impact</span> ↓ / <span>Likelihood</span> →
                </td>
                {LIKELIHOOD_COLUMNS.map((l) => (
                  <th key={l} scope="col">
                    {LEVEL_LABEL[l]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {IMPACT_ROWS.map((impact) => (
                <tr key={impact}>
                  <th scope="row">{LEVEL_LABEL[impact]}</th>
                  {LIKELIHOOD_COLUMNS.map((likelihood) => {
                    const n = count(impact, likelihood);
                    const level = riskLevel(impact, likelihood);
                    return (
                      <td
                        key={likelihood}
                        className={`dash-cell dash-cell--${level} dash-cell--i${intensity(n, max, level)}`}
                      >
                        <a
                          href={todosHref({
                            ...scope,
                            type: 'INCIDENT',
                            impact,
                            likelihood,
                            status: OPEN,
                          })}
                          aria-label={`${plural(n, 'open incident')}, impact ${LEVEL_LABEL[impact]}, likelihood ${LEVEL_LABEL[likelihood]}`}
                        >
                          {n}
                        </a>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="dash-legend">
            Risk (impact × likelihood):
            {(['low', 'medium', 'high'] as const).map((level) => (
              <span key={level} className={`dash-swatch dash-swatch--${level}`}>
                {LEVEL_LABEL[level.toUpperCase() as Level]}
              </span>
            ))}
            <span className="dash-legend__depth">deeper colour: more incidents</span>
          </p>
          <p className="dash-note">
            {unrated > 0
              ? `${plural(unrated, 'open incident')} without impact or likelihood ${unrated === 1 ? 'is' : 'are'} not in the matrix.`
              : 'Every open incident has an impact and a likelihood.'}
          </p>
        </>
      )}
    </Section>
  );
}

function FinancialImpact({ data }: { data: Dashboard }) {
  const { totalEur, byWorkspace } = data.financialImpact;
  const rows = byWorkspace.filter((w) => w.incidents > 0);
  const max = Math.max(0, ...rows.map((w) => Number(w.totalEur)));
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
                  <th scope="row">
                    <a href={todosHref({ workspace: w.workspace, type: 'INCIDENT', status: OPEN })}>
                      {w.workspaceName}
                    </a>
                    <span className="dash-key">{w.workspace}</span>
                    <span className="dash-bar" aria-hidden="true">
                      <span
                        style={{ width: `${max > 0 ? (Number(w.totalEur) / max) * 100 : 0}%` }}
                      />
                    </span>
                  </th>
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

function ByStatus({ data }: { data: Dashboard }) {
  const rows = data.byStatus;
  const any = rows.some((w) => STATUS_COLUMNS.some((s) => w.counts[s] > 0));
  return (
    <Section id="dash-status" title="Todos by status and workspace" className="dash-status">
      {!any ? (
        <Empty title="No todos yet">
          <a href="#/new">Create the first todo</a>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                {STATUS_COLUMNS.slice(0, 2).map((s) => (
                  <th key={s} scope="col" className="dash-num">
                    {STATUS_LABEL[s]}
                  </th>
                ))}
                <th scope="col" className="dash-num">
                  Open
                </th>
                {STATUS_COLUMNS.slice(2).map((s) => (
                  <th key={s} scope="col" className="dash-num">
                    {STATUS_LABEL[s]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.workspace}>
                  <th scope="row">
                    <a href={todosHref({ workspace: w.workspace })}>{w.workspaceName}</a>
                    <span className="dash-key">{w.workspace}</span>
                  </th>
                  {STATUS_COLUMNS.slice(0, 2).map((s) => (
                    <CountCell
                      key={s}
                      n={w.counts[s]}
                      status={s}
                      ws={w}
                      label={`in ${STATUS_LABEL[s]}`}
                    />
                  ))}
                  <CountCell n={w.open} status={OPEN} ws={w} label="open" />
                  {STATUS_COLUMNS.slice(2).map((s) => (
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

/** A count linking to the list of the todos it counts; a zero links nowhere. */
function CountCell({
  n,
  status,
  ws,
  label,
}: {
  n: number;
  status: string;
  ws: { workspace: string; workspaceName: string };
  label: string;
}) {
  return (
    <td className="dash-num">
      {n === 0 ? (
        <span className="dash-zero">0</span>
      ) : (
        <a
          href={todosHref({ workspace: ws.workspace, status })}
          aria-label={`${plural(n, 'todo')} ${label} in ${ws.workspaceName}`}
        >
          {n}
        </a>
      )}
    </td>
  );
}

function TodoLines({ items, today }: { items: DashboardTodo[]; today: string }) {
  return (
    <ul className="dash-todos">
      {items.map((t) => (
        <li key={t.key}>
          <a href={todoHref(t.key)} className="dash-todos__title">
            <span className="dash-todos__key">{t.key}</span> {t.title}
          </a>
          <span className="dash-todos__meta">
            {t.dateField === 'dueDate' ? 'Due' : 'Reminder'} {formatDate(t.date)}
            <span className="dash-todos__rel"> · {relativeDays(t.date, today)}</span>
            <span className="dash-todos__ws" title={t.workspace}>
              {t.workspaceName}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** "3 days ago", "today", "in 2 days": calendar days between two `YYYY-MM-DD` dates. */
function relativeDays(date: string, today: string): string {
  const days = Math.round((Date.parse(date) - Date.parse(today)) / 86_400_000);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days < 0 ? `${-days} days ago` : `in ${days} days`;
}

function Shown({ shown, count }: { shown: number; count: number }) {
  return count > shown ? (
    <p className="dash-note">
      The first {shown} of {count}, earliest first.
    </p>
  ) : null;
}

function Overdue({ data }: { data: Dashboard }) {
  const { count, items } = data.overdue;
  const yesterday = addDays(data.today, -1);
  const scope = scopeOf(data);
  return (
    <Section id="dash-overdue" title={`Overdue (${count})`}>
      {count === 0 ? (
        <Empty title="Nothing overdue">Open todos past their due or reminder date show here.</Empty>
      ) : (
        <>
          <TodoLines items={items} today={data.today} />
          <Shown shown={items.length} count={count} />
          <p className="dash-links">
            See all past their{' '}
            <a
              href={todosHref({
                ...scope,
                status: OPEN,
                reminderTo: yesterday,
                sort: 'reminderDate',
              })}
            >
              reminder date
            </a>{' '}
            or{' '}
            <a href={todosHref({ ...scope, status: OPEN, dueTo: yesterday, sort: 'dueDate' })}>
              due date
            </a>
          </p>
        </>
      )}
    </Section>
  );
}

function ExpiringSoon({ data }: { data: Dashboard }) {
  const { count, items, until } = data.expiringSoon;
  const all = todosHref({
    ...scopeOf(data),
    status: OPEN,
    dueFrom: data.today,
    dueTo: until,
    sort: 'dueDate',
  });
  return (
    <Section
      id="dash-expiring"
      title={`Expiring in 7 days (${count})`}
      aside={count > 0 && <a href={all}>See all</a>}
    >
      {count === 0 ? (
        <Empty title="Nothing expires in the next 7 days">
          Open todos due by {formatDate(until)} show here.
        </Empty>
      ) : (
        <>
          <TodoLines items={items} today={data.today} />
          <Shown shown={items.length} count={count} />
          <p className="dash-note">Open todos are marked Expired the day after their due date.</p>
        </>
      )}
    </Section>
  );
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
