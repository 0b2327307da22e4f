import type {
  BzCtrlClient,
  CreateTodoBody,
  ListTodosQuery,
  Todo,
  UpdateTodoBody,
} from '@bzctrl/sdk';
import { common, flag, help, parse, runSubcommand, type Subcommand } from './args.ts';
import { printJson, printTodo, printTodoTable, UsageError } from './output.ts';

export const TODO_USAGE = `Usage: bzctrl todo <command> [options]

Commands:
  add       create a todo
  get       show one todo
  list      list and search todos
  update    change fields of a todo
  comment   add a comment to a todo

Every command takes --json (print the API's objects) and --help.`;

const ADD_USAGE = `Usage: bzctrl todo add --type TASK|INCIDENT --title TEXT --description TEXT [options]

Options:
  --workspace KEY        workspace key, e.g. IMP-NLD-EXA-SWA (default: your default workspace)
  --reporter E-MAIL      who reports it (default: you)
  --assignee E-MAIL      who follows it up (default: the reporter)
  --priority, --impact, --likelihood LOW|MEDIUM|HIGH
  --status TODO|INPROGRESS|DONE
  --result TEXT          result text (tasks)
  --tag TAG              a tag; repeat for more
  --category NAME        a category; repeat for more
  --reminder-date DATE   YYYY-MM-DD
  --due-date DATE        YYYY-MM-DD
  --dry-run              check and show what would be created; store nothing
  --json                 print the created todo as JSON`;

const GET_USAGE = `Usage: bzctrl todo get <key-or-id> [--json]`;

const LIST_USAGE = `Usage: bzctrl todo list [options]

Options:
  --workspace KEY     only this workspace (repeat for more)
  --status STATUS     TODO, INPROGRESS, DONE or EXPIRED (repeat for more)
  --type TYPE         TASK or INCIDENT
  --priority LEVEL    LOW, MEDIUM or HIGH
  --assignee E-MAIL   assigned to this user
  --tag TAG           carrying this tag
  --q TEXT            full-text search in title, description, result and tags
  --limit N           todos per page
  --cursor CURSOR     the page after the one that printed this cursor
  --all               every page
  --json              print the API's page ({items, nextCursor}) as JSON`;

const UPDATE_USAGE = `Usage: bzctrl todo update <key-or-id> [options]

Options (at least one field):
  --status TODO|INPROGRESS|DONE
  --title TEXT, --description TEXT, --result TEXT
  --assignee E-MAIL
  --priority, --impact, --likelihood LOW|MEDIUM|HIGH
  --tag TAG              the new tags (replaces them); repeat for more
  --reminder-date DATE, --due-date DATE   YYYY-MM-DD ("" clears)
  --json                 print the updated todo as JSON`;

const COMMENT_USAGE = `Usage: bzctrl todo comment <key-or-id> <text> [--json]`;

const text = { type: 'string' } as const;
const list = { type: 'string', multiple: true } as const;
const levels = { priority: text, impact: text, likelihood: text } as const;

/** Copies the given options into a body under their API names, leaving out the unset. */
function fieldsOf(values: Record<string, unknown>, names: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const [option, field] of Object.entries(names)) {
    if (values[option] !== undefined) out[field] = values[option];
  }
  return out;
}

const SHARED_FIELDS = {
  title: 'title',
  description: 'description',
  result: 'result',
  status: 'status',
  assignee: 'assignee',
  priority: 'priority',
  impact: 'impact',
  likelihood: 'likelihood',
  tag: 'tags',
  'reminder-date': 'reminderDate',
  'due-date': 'dueDate',
};

async function add(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...common,
      ...levels,
      type: text,
      title: text,
      description: text,
      result: text,
      status: text,
      workspace: text,
      reporter: text,
      assignee: text,
      tag: list,
      category: list,
      'reminder-date': text,
      'due-date': text,
      'dry-run': flag,
    },
    ADD_USAGE,
  );
  if (values.help) return help(ADD_USAGE);
  if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`, ADD_USAGE);
  const body = {
    ...fieldsOf(values, { type: 'todoType', workspace: 'workspace', reporter: 'reporter' }),
    ...fieldsOf(values, { ...SHARED_FIELDS, category: 'category' }),
  } as CreateTodoBody;
  const dryRun = values['dry-run'];
  const todo = await bz().todos.create(body, { dryRun });
  if (values.json) printJson(todo);
  else {
    console.log(dryRun ? 'Dry run: valid, nothing was stored' : `Created ${todo.key}`);
    printTodo(todo);
  }
  return 0;
}

async function get(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(args, common, GET_USAGE);
  if (values.help) return help(GET_USAGE);
  const ref = oneRef(positionals, GET_USAGE);
  const todo = await bz().todos.get(ref);
  if (values.json) printJson(todo);
  else printTodo(todo);
  return 0;
}

async function listTodos(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...common,
      workspace: list,
      status: list,
      type: text,
      priority: text,
      assignee: text,
      tag: list,
      q: text,
      limit: text,
      cursor: text,
      all: flag,
    },
    LIST_USAGE,
  );
  if (values.help) return help(LIST_USAGE);
  if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`, LIST_USAGE);
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) {
    throw new UsageError(`--limit must be a whole number (got "${values.limit}")`, LIST_USAGE);
  }
  const query = fieldsOf(values, {
    workspace: 'workspace',
    status: 'status',
    type: 'type',
    priority: 'priority',
    assignee: 'assignee',
    tag: 'tag',
    q: 'q',
    cursor: 'cursor',
  }) as ListTodosQuery;
  if (values.limit !== undefined) Object.assign(query, { limit: Number(values.limit) });
  if (values.all) {
    const items: Todo[] = [];
    for await (const todo of bz().todos.all(query)) items.push(todo);
    if (values.json) printJson({ items, nextCursor: null });
    else printTodoTable(items);
    return 0;
  }
  const page = (await bz().todos.list(query)) as { items: Todo[]; nextCursor?: string | null };
  if (values.json) printJson(page);
  else {
    printTodoTable(page.items);
    if (page.nextCursor) console.log(`More: add --cursor ${page.nextCursor} (or --all)`);
  }
  return 0;
}

async function update(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...common,
      ...levels,
      status: text,
      title: text,
      description: text,
      result: text,
      assignee: text,
      tag: list,
      'reminder-date': text,
      'due-date': text,
    },
    UPDATE_USAGE,
  );
  if (values.help) return help(UPDATE_USAGE);
  const ref = oneRef(positionals, UPDATE_USAGE);
  const patch = fieldsOf(values, SHARED_FIELDS);
  // An empty date clears it, as in the API.
  for (const f of ['reminderDate', 'dueDate']) if (patch[f] === '') patch[f] = null;
  if (Object.keys(patch).length === 0) {
    throw new UsageError('name at least one field to change, e.g. --status DONE', UPDATE_USAGE);
  }
  const todo = await bz().todos.update(ref, patch as UpdateTodoBody);
  if (values.json) printJson(todo);
  else {
    console.log(`Updated ${todo.key}`);
    printTodo(todo);
  }
  return 0;
}

async function comment(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(args, common, COMMENT_USAGE);
  if (values.help) return help(COMMENT_USAGE);
  const [ref, ...words] = positionals;
  if (!ref || words.length === 0) {
    throw new UsageError('name the todo and the comment text', COMMENT_USAGE);
  }
  const created = await bz().todos.comment(ref, words.join(' '));
  if (values.json) printJson(created);
  else console.log(`Commented on ${ref}`);
  return 0;
}

function oneRef(positionals: string[], usage: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `expected one todo, got ${positionals.length}`
        : 'name the todo (key or id)',
      usage,
    );
  }
  return positionals[0] as string;
}

const COMMANDS: Record<string, Subcommand> = {
  add,
  get,
  list: listTodos,
  update,
  comment,
};

/** `bzctrl todo <command> …` on the session `bzctrl login` stored. */
export function runTodo(argv: string[]): Promise<number> {
  return runSubcommand('todo', TODO_USAGE, COMMANDS, argv);
}
