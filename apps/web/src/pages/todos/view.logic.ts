// How the todo list is shown, apart from what it lists: the columns and density the user
// chose (kept in the browser's local settings), people by name, and the keyboard.

/** The list's columns, in order. Key and title are always shown: they name the todo. */
export const COLUMNS = [
  { id: 'key', label: 'Key', always: true },
  { id: 'type', label: 'Type' },
  { id: 'title', label: 'Title', always: true },
  { id: 'status', label: 'Status' },
  { id: 'priority', label: 'Priority' },
  { id: 'assignee', label: 'Assignee' },
  { id: 'reporter', label: 'Reporter', hidden: true },
  { id: 'workspace', label: 'Workspace' },
  { id: 'dueDate', label: 'Due' },
  { id: 'reminderDate', label: 'Reminder' },
  { id: 'updatedAt', label: 'Updated' },
  { id: 'createdAt', label: 'Created', hidden: true },
] as const satisfies readonly { id: string; label: string; always?: true; hidden?: true }[];
export type ColumnId = (typeof COLUMNS)[number]['id'];

/** Columns sorted by the date they show (the API's sort fields of the same name). */
export const SORTABLE: ReadonlySet<ColumnId> = new Set([
  'dueDate',
  'reminderDate',
  'updatedAt',
  'createdAt',
]);

export type Density = 'compact' | 'comfortable';

export interface ListView {
  density: Density;
  columns: ColumnId[];
}

export const DEFAULT_VIEW: ListView = {
  density: 'compact',
  columns: COLUMNS.filter((c) => !('hidden' in c)).map((c) => c.id),
};

/** Where the view is kept: per user, as drafts are. */
export function viewKey(user: string): string {
  return `bzctrl:list-view:${user.trim().toLowerCase()}`;
}

/**
 * The view stored in the browser, checked: unknown columns (from an older version) are
 * dropped, the always-shown ones put back, the order is the table's; anything unreadable
 * gives the default view.
 */
export function readView(stored: string | null | undefined): ListView {
  if (!stored) return DEFAULT_VIEW;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return DEFAULT_VIEW;
  }
  if (!parsed || typeof parsed !== 'object') return DEFAULT_VIEW;
  const { density, columns } = parsed as Record<string, unknown>;
  return {
    density: density === 'comfortable' ? 'comfortable' : 'compact',
    columns: Array.isArray(columns)
      ? COLUMNS.filter((c) => 'always' in c || columns.includes(c.id)).map((c) => c.id)
      : DEFAULT_VIEW.columns,
  };
}

/** The view with a column shown or hidden (the always-shown ones stay). */
export function toggleColumn(view: ListView, id: ColumnId, shown: boolean): ListView {
  const set = new Set(view.columns);
  if (shown) set.add(id);
  else set.delete(id);
  return {
    ...view,
    columns: COLUMNS.filter((c) => 'always' in c || set.has(c.id)).map((c) => c.id),
  };
}

/**
 * How a person reads in the list. The list API gives e-mails only: the signed-in user is
 * named by their own name (the session has it); anyone else by the e-mail's name part,
 * "gate.clerk@example.com" as "Gate Clerk", "rge@vtti.com" as "rge". The full e-mail goes
 * in the cell's title.
 */
export function personLabel(email: string, me: { email: string; name: string }): string {
  if (!email) return '—';
  if (email.toLowerCase() === me.email.toLowerCase()) return me.name || email;
  const local = email.split('@')[0] ?? email;
  const words = local.split(/[._-]+/).filter(Boolean);
  if (words.length < 2) return local || email;
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** What a key press on the list does, if anything. */
export type ListAction = 'next' | 'previous' | 'open' | 'search' | 'create';

/** Where a key press happened, as much as the shortcuts need to know. */
export interface KeyTarget {
  tagName: string;
  isContentEditable?: boolean;
  /** Inside the table of todos (arrow keys move there; elsewhere they scroll the page). */
  inTable?: boolean;
}

/** Whether keys typed there are text (an input, a text area, a select, an editor). */
export function isTyping(target: KeyTarget): boolean {
  const tag = target.tagName.toUpperCase();
  return (
    tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || Boolean(target.isContentEditable)
  );
}

/**
 * The list's shortcuts: j/k or ↓/↑ move between rows, Enter opens the row, `/` goes to
 * search, `c` creates. Never while typing, and never with Ctrl, Alt or ⌘ (the browser's).
 * Arrows move only from the table or the page itself, so they still scroll elsewhere;
 * Enter only there too, so it keeps working on buttons and links.
 */
export function listAction(
  event: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean },
  target: KeyTarget,
): ListAction | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return undefined;
  const onPage = target.inTable || ['BODY', 'MAIN', 'HTML'].includes(target.tagName.toUpperCase());
  switch (event.key) {
    case 'j':
      return 'next';
    case 'k':
      return 'previous';
    case 'ArrowDown':
      return onPage ? 'next' : undefined;
    case 'ArrowUp':
      return onPage ? 'previous' : undefined;
    case 'Enter':
      return onPage && !target.inTable ? 'open' : undefined;
    case '/':
      return 'search';
    case 'c':
      return 'create';
    default:
      return undefined;
  }
}

/** The row a move goes to: the first when none is chosen, never past either end. */
export function movedRow(current: number | undefined, count: number, action: 'next' | 'previous') {
  if (count === 0) return undefined;
  if (current === undefined) return action === 'next' ? 0 : count - 1;
  const next = action === 'next' ? current + 1 : current - 1;
  return Math.min(Math.max(next, 0), count - 1);
}
