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

/**
 * The lists of open todos past a date, earliest first: past the due date (overdue, which
 * the expiry job marks Expired next) and past the reminder date (due or not).
 */
const PAST_LISTS = [
  {
    id: 'dash-overdue',
    title: 'Overdue',
    list: 'overdue',
    link: 'due',
    empty: ['Nothing overdue', 'Open todos past their due date show here.'],
  },
  {
    id: 'dash-reminders',
    title: 'Reminder passed',
    list: 'remindersPassed',
    link: 'reminder',
    empty: ['No reminder passed', 'Open todos past their reminder date show here.'],
  },
] as const;

/** The overdue and reminder-passed cards. */
export function PastDateLists({ data }: { data: Dashboard }) {
  const links = overdueHrefs(data);
  return PAST_LISTS.map((p) => (
    <PastDateList
      key={p.id}
      id={p.id}
      title={p.title}
      list={data[p.list]}
      all={links[p.link]}
      today={data.today}
      empty={p.empty}
    />
  ));
}

function PastDateList(props: {
  id: string;
  title: string;
  list: Dashboard['overdue'];
  all: string;
  today: string;
  empty: readonly [title: string, text: string];
}) {
  const { count, items } = props.list;
  return (
    <Section
      id={props.id}
      title={`${props.title} (${count})`}
      aside={count > 0 && <a href={props.all}>See all</a>}
    >
      {count === 0 ? (
        <Empty title={props.empty[0]}>{props.empty[1]}</Empty>
      ) : (
        <>
          <TodoLines items={items} today={props.today} />
          <Shown shown={items.length} count={count} />
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
