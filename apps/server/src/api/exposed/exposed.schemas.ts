import { Type } from 'typebox';
import { AddTaskBody, TodoSchema } from '../native/todos.schemas.ts';

const LevelDefault = Type.String({ description: 'LOW, MEDIUM or HIGH' });

/** Defaults as an admin sends them; values are checked and stored canonical by the service. */
const DefaultsIn = Type.Object(
  {
    todoType: Type.Optional(Type.String({ description: 'TASK or INCIDENT' })),
    reporter: Type.Optional(
      Type.String({ description: 'E-mail of an active user with access to the workspace' }),
    ),
    assignee: Type.Optional(
      Type.String({ description: 'E-mail of an active user with access to the workspace' }),
    ),
    status: Type.Optional(Type.String({ description: 'TODO, INPROGRESS or DONE' })),
    priority: Type.Optional(LevelDefault),
    impact: Type.Optional(LevelDefault),
    likelihood: Type.Optional(LevelDefault),
    tags: Type.Optional(
      Type.Array(Type.String(), { description: 'Added to the tags of every todo created' }),
    ),
    category: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'Fields applied when the body of a create leaves them out (the body wins)' },
);

const Level = Type.Union([Type.Literal('LOW'), Type.Literal('MEDIUM'), Type.Literal('HIGH')]);

/** Defaults as stored and shown: canonical values only. */
const Defaults = Type.Object({
  todoType: Type.Optional(Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')])),
  reporter: Type.Optional(Type.String()),
  assignee: Type.Optional(Type.String()),
  status: Type.Optional(
    Type.Union([Type.Literal('TODO'), Type.Literal('INPROGRESS'), Type.Literal('DONE')]),
  ),
  priority: Type.Optional(Level),
  impact: Type.Optional(Level),
  likelihood: Type.Optional(Level),
  tags: Type.Optional(Type.Array(Type.String())),
  category: Type.Optional(Type.Array(Type.String())),
});

const Origins = Type.Array(Type.String({ examples: ['https://erp.example.com'] }), {
  maxItems: 20,
  description:
    'Origins (scheme, host, optional port) whose web pages may call the endpoint; "*" is not accepted',
});

const endpointFields = {
  id: Type.Integer(),
  workspace: Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] }),
  workspaceName: Type.String(),
  name: Type.String(),
  defaults: Defaults,
  allowedOrigins: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  uuidHint: Type.String({ description: 'The last four characters of the UUID' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

/** An exposed endpoint as listed: never its UUID. */
export const ExposedEndpointSchema = Type.Object(endpointFields, { $id: 'ExposedEndpoint' });

/** The answer of create and rotate: the UUID and URL, shown this once only. */
export const ExposedEndpointWithUuidSchema = Type.Object(
  {
    ...endpointFields,
    uuid: Type.String({ format: 'uuid', description: 'The credential; shown only now' }),
    url: Type.String({ description: 'The URL to POST todos to; shown only now' }),
  },
  { $id: 'ExposedEndpointWithUuid' },
);

/** Like every admin body, it takes no unknown field (each is refused by name). */
export const CreateExposedEndpointBody = Type.Object(
  {
    workspace: Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    defaults: Type.Optional(DefaultsIn),
    allowedOrigins: Type.Optional(Origins),
  },
  { additionalProperties: false },
);

export const UpdateExposedEndpointBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    defaults: Type.Optional(DefaultsIn),
    allowedOrigins: Type.Optional(Origins),
    disabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'Only the fields sent change; defaults and allowedOrigins are replaced whole',
  },
);

export const EndpointIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const ListExposedEndpointsQuery = Type.Object({
  workspace: Type.Optional(Type.String({ description: 'Only this workspace (key)' })),
});

export const ExposedUuidParams = Type.Object({
  uuid: Type.String({ format: 'uuid', description: 'The endpoint UUID: the credential' }),
});

// Neither a workspace nor attachments: an exposed endpoint's caller has no uploads.
const {
  domainWorkSpace: _k,
  domain: _d,
  workspace: _w,
  attachments: _a,
  ...taskFields
} = AddTaskBody.properties;

/**
 * The add-task body without workspace fields: a todo lands in the endpoint's workspace,
 * whatever the body names. Required fields may come from the endpoint's defaults.
 */
export const AddExposedTaskBody = Type.Object(
  {
    ...taskFields,
    customFields: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Custom field name → value, as the endpoint form contract lists them; when sent, ' +
          'required custom fields must be present',
      }),
    ),
  },
  {
    additionalProperties: true,
    $id: 'AddExposedTaskBody',
    description:
      'The add-task fields; workspace fields are ignored (the endpoint decides). The endpoint fills in what the body leaves out.',
  },
);

/**
 * What the public create answers. Anyone who can read the page holding the UUID can call
 * it, so the answer names the todo and nothing about people, money or the workspace.
 */
const exposedTaskFields = {
  key: TodoSchema.properties.key,
  id: TodoSchema.properties.id,
  title: TodoSchema.properties.title,
  description: TodoSchema.properties.description,
  taskType: TodoSchema.properties.todoType,
  todoType: TodoSchema.properties.todoType,
  status: TodoSchema.properties.status,
  tags: TodoSchema.properties.tags,
  taskLink: TodoSchema.properties.taskLink,
  createdAt: TodoSchema.properties.createdAt,
};

export const ExposedTaskCreatedSchema = Type.Object(exposedTaskFields, {
  $id: 'ExposedTaskCreated',
  description: 'The todo created through an exposed endpoint (or the one holding its externalRef)',
});

/** The dry run's answer: nothing was stored, so no key, id, link or timestamp yet. */
export const ExposedTaskPreviewSchema = Type.Object(
  {
    ...exposedTaskFields,
    key: Type.Null(),
    id: Type.Null(),
    taskLink: Type.Null(),
    createdAt: Type.Null(),
  },
  {
    $id: 'ExposedTaskPreview',
    description: 'A validated todo that was not stored (?dryRun=true)',
  },
);
