import { todoHref } from '../../router.ts';
import { Empty } from '../../ui/components.tsx';
import { formatDate } from '../../ui/format.ts';
import {
  type Dashboard,
  type DashboardTodo,
  expiringHref,
  overdueHrefs,
  relativeDays,
  shownNote,
} from './dashboard.logic.ts';
import { Section } from './Section.tsx';

/** Open todos past their due or reminder date, earliest first. */
export function Overdue({ data }: { data: Dashboard }) {
  const { count, items } = data.overdue;
  const all = overdueHrefs(data);
  return (
    <Section id="dash-overdue" title={`Overdue (${count})`}>
      {count === 0 ? (
        <Empty title="Nothing overdue">Open todos past their due or reminder date show here.</Empty>
      ) : (
        <>
          <TodoLines items={items} today={data.today} />
          <Shown shown={items.length} count={count} />
          <p className="dash-links">
            See all past their <a href={all.reminder}>reminder date</a> or{' '}
            <a href={all.due}>due date</a>
          </p>
        </>
      )}
    </Section>
  );
}

/** Open todos due within the next 7 days, which the system marks Expired after. */
export function ExpiringSoon({ data }: { data: Dashboard }) {
  const { count, items, until } = data.expiringSoon;
  return (
    <Section
      id="dash-expiring"
      title={`Expiring in 7 days (${count})`}
      aside={count > 0 && <a href={expiringHref(data)}>See all</a>}
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

function Shown({ shown, count }: { shown: number; count: number }) {
  const note = shownNote(shown, count);
  return note ? <p className="dash-note">{note}</p> : null;
}
