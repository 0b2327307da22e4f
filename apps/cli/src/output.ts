import type { Todo, TodoPreview } from '@bzctrl/sdk';

/** Thrown for a command-line mistake: told with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

const show = (v: unknown) =>
  v === null || v === undefined || v === '' ? '-' : Array.isArray(v) ? v.join(', ') || '-' : `${v}`;

/** A todo as label: value lines, the fields people look at first. */
export function printTodo(todo: Todo | TodoPreview): void {
  const rows: [string, unknown][] = [
    ['Key', todo.key],
    ['Type', todo.todoType],
    ['Status', todo.status],
    ['Title', todo.title],
    ['Description', todo.description],
    ['Workspace', `${todo.workspace} (${todo.workspaceName})`],
    ['Assignee', todo.assignee],
    ['Reporter', todo.reporter],
    ['Priority', todo.priority],
    ['Impact', todo.impact],
    ['Likelihood', todo.likelihood],
    ['Tags', todo.tags],
    ['Reminder date', todo.reminderDate],
    ['Due date', todo.dueDate],
    ['Updated', todo.updatedAt],
    ['Link', todo.taskLink],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  for (const [label, value] of rows) console.log(`${`${label}:`.padEnd(width)}${show(value)}`);
}

/** Todos as a table with one line each; long titles are cut to keep a line a line. */
export function printTodoTable(todos: Todo[]): void {
  if (todos.length === 0) {
    console.log('No todos found');
    return;
  }
  const head = ['KEY', 'TYPE', 'STATUS', 'PRIORITY', 'ASSIGNEE', 'TITLE'];
  const rows = todos.map((t) => [
    t.key,
    t.todoType,
    t.status,
    show(t.priority),
    t.assignee,
    t.title.length > 60 ? `${t.title.slice(0, 59)}…` : t.title,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...rows]) {
    console.log(
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    );
  }
}
