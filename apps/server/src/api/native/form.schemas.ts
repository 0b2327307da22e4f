import { Type } from 'typebox';

export const WorkspaceSummarySchema = Type.Object(
  {
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA'] }),
    code: Type.String({ examples: ['SWA'] }),
    name: Type.String({ examples: ['Inbound Control'] }),
    domain: Type.String({ description: 'Domain code', examples: ['IMP-NLD-EXA'] }),
    domainName: Type.String(),
    default: Type.Boolean({
      description: 'The workspace a create that names no workspace goes to',
    }),
  },
  { $id: 'WorkspaceSummary' },
);

export const WorkspaceSummaryList = Type.Object(
  { items: Type.Array(Type.Ref('WorkspaceSummary'), { description: 'Sorted by key' }) },
  { $id: 'WorkspaceSummaryList' },
);

export const FormParams = Type.Object({
  key: Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] }),
});

export const FormQuery = Type.Object({
  type: Type.Optional(
    Type.String({
      description: 'TASK (default) or INCIDENT; case and spaces are forgiven',
      examples: ['TASK'],
    }),
  ),
});

/** The form is a JSON Schema document, which OpenAPI can only describe as an open object. */
export const FormSchema = Type.Object(
  {},
  {
    additionalProperties: true,
    $id: 'CreateTodoForm',
    description:
      'A JSON Schema (draft 2020-12) of the body that creates a todo in the workspace, with x-users, x-currency and x-workspace annotations',
  },
);

export const formSchemas = [WorkspaceSummarySchema, WorkspaceSummaryList, FormSchema];
