import { Type } from 'typebox';

const Level = Type.Union([
  Type.Literal('LOW'),
  Type.Literal('MEDIUM'),
  Type.Literal('HIGH'),
  Type.Null(),
]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

/** A todo as the API returns it (the BzCtrl dialect adds `taskType`, a copy of `todoType`). */
export const TodoSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Numeric id (used by the ITSM dialect)' }),
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA-03'] }),
    todoType: Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]),
    taskType: Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]),
    title: Type.String(),
    description: Type.String(),
    result: Nullable(Type.String()),
    financialImpact: Nullable(
      Type.String({
        description: 'EUR, exact to the cent, always two decimals',
        examples: ['1234.50'],
      }),
    ),
    financialImpactCurrency: Type.Literal('EUR'),
    impact: Level,
    likelihood: Level,
    priority: Level,
    status: Type.Union([
      Type.Literal('TODO'),
      Type.Literal('INPROGRESS'),
      Type.Literal('DONE'),
      Type.Literal('EXPIRED'),
    ]),
    assignee: Type.String(),
    reporter: Type.String(),
    category: Type.Array(Type.String()),
    subCategory: Type.Array(Type.String()),
    orderID: Nullable(Type.String()),
    lrn: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    reminderDate: Nullable(Type.String({ format: 'date' })),
    dueDate: Nullable(
      Type.String({
        format: 'date',
        description: 'Set to the transaction date when the todo is created as or moved to DONE',
      }),
    ),
    workspace: Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] }),
    domainWorkSpace: Type.String({ description: 'Workspace key (same as workspace)' }),
    workspaceName: Type.String(),
    domain: Type.String(),
    taskLink: Type.String({ description: 'The details page in the BzCtrl web app' }),
    createdVia: Type.String({ description: 'The API dialect the todo was created through' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Todo' },
);

const Text = (description: string) => Type.String({ description });
const LevelIn = Type.String({
  description: 'LOW, MEDIUM or HIGH (case and spaces forgiven: "High")',
});
const StringOrList = (description: string) =>
  Type.Union([Type.Array(Type.String()), Type.String()], { description });

/**
 * The add-task body (seeds 000, 001, 002). Unknown fields are ignored. Required fields are
 * checked by the service, so one answer lists every problem at once.
 */
export const AddTaskBody = Type.Object(
  {
    todoType: Type.Optional(Type.String({ description: 'TASK or INCIDENT. Required.' })),
    domainWorkSpace: Type.Optional(Text('Workspace key, e.g. VTT-NLD-TML-FIN')),
    domain: Type.Optional(Text('Domain code (IMP-NLD-EXA) or workspace key (IMP-NLD-EXA-SWA)')),
    workspace: Type.Optional(
      Text('Workspace code (SWA), or alone: code or display name ("Inbound Control")'),
    ),
    title: Type.Optional(Text('Required')),
    description: Type.Optional(Text('Required')),
    result: Type.Optional(Text('Free text (tasks)')),
    // Declared without a JSON type on purpose: schema coercion would turn "1e3" into 1000;
    // the service parses the amount exactly and names the field when it is not one.
    financialImpact: Type.Optional(
      Type.Unknown({
        description: 'EUR amount as a number or numeric string: 123, "123", "1234.50"',
      }),
    ),
    impact: Type.Optional(LevelIn),
    likelihood: Type.Optional(LevelIn),
    priority: Type.Optional(LevelIn),
    status: Type.Optional(Text('TODO, INPROGRESS (default) or DONE; "In Progress" is accepted')),
    assignee: Type.Optional(
      Text('E-mail of a user with access to the workspace; defaults to reporter'),
    ),
    reporter: Type.Optional(Text('E-mail of a user with access to the workspace. Required.')),
    category: Type.Optional(StringOrList('Categories; "" means none')),
    subCategory: Type.Optional(StringOrList('Sub-categories; "" means none')),
    orderID: Type.Optional(Text('Stored and added as a tag')),
    lrn: Type.Optional(Text('Stored and added as a tag (LRN is accepted too)')),
    tags: Type.Optional(Type.Array(Type.String())),
    reminderDate: Type.Optional(Text('YYYY-MM-DD; "" means none')),
  },
  { additionalProperties: true, $id: 'AddTaskBody' },
);
