import { Type } from 'typebox';

const Level = Type.Union([
  Type.Literal('LOW'),
  Type.Literal('MEDIUM'),
  Type.Literal('HIGH'),
  Type.Null(),
]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

const externalRefFields = {
  system: Type.String({ minLength: 1, maxLength: 100, examples: ['SAP-ERP'] }),
  id: Type.String({ minLength: 1, maxLength: 200, examples: ['SO-4711'] }),
};
const externalRefDescription =
  'Creating again with the same reference in the workspace returns the existing todo';

/** The todo's identity in the system that created it; unique per workspace. */
export const ExternalRefSchema = Type.Object(externalRefFields, {
  additionalProperties: false,
  description: externalRefDescription,
});

/** The add-task dialect's externalRef: unknown fields in it are ignored, as in its body. */
const ExternalRefIgnoringUnknown = Type.Object(externalRefFields, {
  description: externalRefDescription,
});

/** A custom field's value, by field type: 1/10 text, 2/5/3 numbers, 4 boolean, 7/8 lists. */
const CustomValueSchema = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.Union([Type.String(), Type.Number()])),
]);

/** A todo as the native API returns it (the BzCtrl dialect's answer adds its aliases: api/bzctrl). */
export const TodoSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Numeric id (used by the ITSM dialect)' }),
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA-03'] }),
    todoType: Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]),
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
    externalRef: Nullable(ExternalRefSchema),
    location: Nullable(
      Type.String({
        description: 'Location name (an admin-managed location; set through the ITSM dialect)',
      }),
    ),
    customFields: Type.Record(Type.String(), CustomValueSchema, {
      description: 'Custom field name → value (the fields of module task or incident)',
    }),
    workspace: Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] }),
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
    externalRef: Type.Optional(ExternalRefIgnoringUnknown),
    attachments: Type.Optional(
      StringOrList('Upload references (POST /bzctrl-core-api/api/v1/uploads) to attach'),
    ),
  },
  { additionalProperties: true, $id: 'AddTaskBody' },
);

/**
 * What a dry run answers: the todo exactly as it would be stored, but nothing was stored,
 * so there is no id, key, link or timestamps yet.
 */
export const TodoPreviewSchema = Type.Object(
  {
    ...TodoSchema.properties,
    id: Type.Null(),
    key: Type.Null(),
    taskLink: Type.Null(),
    createdAt: Type.Null(),
    updatedAt: Type.Null(),
  },
  { $id: 'TodoPreview', description: 'A validated todo that was not stored (?dryRun=true)' },
);

/** `?dryRun=true` on every create: check everything, store nothing. */
export const DryRunQuery = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Validate fully and answer 200 with the todo as it would be; store nothing',
    }),
  ),
});

export const TodoRefParams = Type.Object({
  ref: Type.String({
    description:
      'Todo key (IMP-NLD-EXA-SWA-01) or numeric id. The example is the todo that the example ' +
      'of POST /todos creates first on a fresh `bzctrl serve --demo`',
    examples: ['IMP-NLD-EXA-SWA-01'],
  }),
});

const NullableText = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });
const NullableLevel = Type.Union([Type.String(), Type.Null()], {
  description: 'LOW, MEDIUM or HIGH (case and spaces forgiven); null clears',
});
const Amount = Type.Unknown({
  description: 'EUR amount as a number or numeric string: 123, "123", "1234.50"',
});
// Values are declared without a JSON type on purpose: coercion inside a union would turn
// 5 into "5" and [7] into "7" before the service could check them against the field type.
const CustomFieldsIn = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'Custom field name → value, checked against the custom fields of module task or incident ' +
    '(by todoType): type 1/10 text, 2/5 whole number, 3 number, 4 boolean, 7 list of whole ' +
    'numbers, 8 list of texts; options restrict the values; null removes a value',
});

/** The native create body: the add-task fields plus workspace, externalRef, dueDate, watchers, customFields. */
export const CreateTodoBody = Type.Object(
  {
    todoType: Type.String({ description: 'TASK or INCIDENT. Required.' }),
    workspace: Type.Optional(
      Text('Workspace key, e.g. IMP-NLD-EXA-SWA; optional when the caller has a default one'),
    ),
    title: Text('Required'),
    description: Text('Required'),
    result: Type.Optional(Text('Free text (tasks)')),
    financialImpact: Type.Optional(Amount),
    impact: Type.Optional(LevelIn),
    likelihood: Type.Optional(LevelIn),
    priority: Type.Optional(LevelIn),
    status: Type.Optional(Text('TODO, INPROGRESS (default) or DONE; DONE sets dueDate to today')),
    assignee: Type.Optional(
      Text('E-mail of a user with access to the workspace; defaults to reporter'),
    ),
    reporter: Type.Optional(
      Text('E-mail of a user with access to the workspace; defaults to the signed-in user'),
    ),
    category: Type.Optional(StringOrList('Categories; "" means none')),
    subCategory: Type.Optional(StringOrList('Sub-categories; "" means none')),
    orderID: Type.Optional(Text('Stored and added as a tag')),
    lrn: Type.Optional(Text('Stored and added as a tag')),
    tags: Type.Optional(Type.Array(Type.String())),
    reminderDate: Type.Optional(Text('YYYY-MM-DD; "" means none')),
    dueDate: Type.Optional(Text('YYYY-MM-DD; replaced by today when status is DONE')),
    externalRef: Type.Optional(ExternalRefSchema),
    watchers: Type.Optional(
      Type.Array(Type.String(), {
        description: 'E-mails of users with access to the workspace, notified of changes',
      }),
    ),
    customFields: Type.Optional(CustomFieldsIn),
  },
  { additionalProperties: false, $id: 'CreateTodoBody' },
);

/**
 * A partial update: only the fields sent change; null (or "") clears an optional one.
 * Read-only fields (workspace, key, id, createdAt, …) and unknown ones are refused, each named.
 */
export const PatchTodoBody = Type.Object(
  {
    todoType: Type.Optional(Type.String({ description: 'TASK or INCIDENT' })),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    result: Type.Optional(NullableText('Free text; null clears')),
    financialImpact: Type.Optional(Amount),
    impact: Type.Optional(NullableLevel),
    likelihood: Type.Optional(NullableLevel),
    priority: Type.Optional(NullableLevel),
    status: Type.Optional(
      Type.String({ description: 'TODO, INPROGRESS or DONE (DONE sets dueDate to today)' }),
    ),
    assignee: Type.Optional(NullableText('E-mail of a user with access; null: the reporter')),
    reporter: Type.Optional(Type.String({ description: 'E-mail of a user with access' })),
    category: Type.Optional(
      Type.Union([Type.Array(Type.String()), Type.String(), Type.Null()], {
        description: 'Replaces the categories; null or "" clears',
      }),
    ),
    subCategory: Type.Optional(
      Type.Union([Type.Array(Type.String()), Type.String(), Type.Null()], {
        description: 'Replaces the sub-categories; null or "" clears',
      }),
    ),
    orderID: Type.Optional(NullableText('Stored and kept among the tags; null clears')),
    lrn: Type.Optional(NullableText('Stored and kept among the tags; null clears')),
    tags: Type.Optional(
      Type.Union([Type.Array(Type.String()), Type.Null()], {
        description: 'Replaces the tags (orderID and lrn stay among them)',
      }),
    ),
    reminderDate: Type.Optional(
      NullableText('YYYY-MM-DD; null clears; a new date re-arms the reminder'),
    ),
    dueDate: Type.Optional(NullableText('YYYY-MM-DD; null clears')),
    externalRef: Type.Optional(Type.Union([ExternalRefSchema, Type.Null()])),
    customFields: Type.Optional(CustomFieldsIn),
  },
  { additionalProperties: false, $id: 'PatchTodoBody' },
);
