import { Type } from 'typebox';
import { LIST_LIMIT, LIST_SORTS, type ListTodosParams } from '../../core/todos/todo-list.model.ts';
import type { Holds, Matches } from '../../platform/http/schema-match.ts';

// Multi-valued filters take repeated parameters (`status=TODO&status=DONE`) or commas
// (`status=TODO,DONE`). AJV's `coerceTypes: 'array'` turns a single value into a list.
const Many = (description: string) =>
  Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50, description });
const Text = (description: string, maxLength = 200) => Type.String({ description, maxLength });
const DateParam = (description: string) =>
  Text(`${description}: YYYY-MM-DD, or a date-time with an offset (2026-03-01T08:00:00Z)`, 40);
const DayParam = (description: string) => Text(`${description}: YYYY-MM-DD`, 40);

/**
 * `GET /todos`: every filter is optional and they combine with AND; the values of one
 * multi-valued filter combine with OR. Enum values forgive case, spaces and underscores
 * like create does ("in progress"), so they are strings here and checked by the service,
 * which names the parameter of a bad value.
 */
export const ListTodosQuery = Type.Object(
  {
    workspace: Type.Optional(Many('Workspace keys, e.g. IMP-NLD-EXA-SWA')),
    type: Type.Optional(Many('TASK, INCIDENT')),
    status: Type.Optional(Many('TODO, INPROGRESS, DONE, EXPIRED ("in progress" is accepted)')),
    priority: Type.Optional(Many('LOW, MEDIUM, HIGH')),
    impact: Type.Optional(Many('LOW, MEDIUM, HIGH')),
    likelihood: Type.Optional(Many('LOW, MEDIUM, HIGH')),
    assignee: Type.Optional(Many('E-mail addresses of assignees')),
    reporter: Type.Optional(Many('E-mail addresses of reporters')),
    tag: Type.Optional(Many('Tags (exact match); a todo with any of them matches')),
    category: Type.Optional(Many('Categories (exact match); a todo with any of them matches')),
    q: Type.Optional(
      Text(
        'Full text over title, description, result and tags: every word must occur, ' +
          'each as a word prefix ("contain" finds "container")',
      ),
    ),
    createdFrom: Type.Optional(DateParam('Created at or after')),
    createdTo: Type.Optional(DateParam('Created at or before (a date includes that whole day)')),
    updatedFrom: Type.Optional(DateParam('Last changed at or after')),
    updatedTo: Type.Optional(DateParam('Last changed at or before (a date includes that day)')),
    dueFrom: Type.Optional(DayParam('Due on or after')),
    dueTo: Type.Optional(DayParam('Due on or before')),
    reminderFrom: Type.Optional(DayParam('Reminder on or after')),
    reminderTo: Type.Optional(DayParam('Reminder on or before')),
    externalRef: Type.Optional(Text('The external reference as system:id, e.g. erp:SO-777', 500)),
    // One enum rather than a union of literals: a bad value gives one clear error.
    sort: Type.Optional(
      Type.Enum([...LIST_SORTS], {
        default: '-createdAt',
        description: 'Sort order; `-` is descending; todos without a date come last',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: LIST_LIMIT.max,
        default: LIST_LIMIT.default,
        description: 'Page size',
      }),
    ),
    cursor: Type.Optional(
      Text('The `nextCursor` of the previous page, as returned (opaque)', 1000),
    ),
    total: Type.Optional(
      Type.Boolean({ description: 'Also count every matching todo (costs a second query)' }),
    ),
  },
  // Unknown parameters are checked by the service, which names them (a typo such as
  // `stauts=DONE` must not silently list everything).
  { additionalProperties: true },
);

export const TodoListSchema = Type.Object(
  {
    items: Type.Array(Type.Ref('Todo')),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
    total: Type.Optional(
      Type.Integer({ description: 'Every todo matching the filters (only with total=true)' }),
    ),
  },
  { $id: 'TodoList' },
);

/** The query describes the core's list parameters exactly: a drift stops compiling. */
export type ListTodosQueryMatchesCore = Holds<Matches<typeof ListTodosQuery, ListTodosParams>>;
