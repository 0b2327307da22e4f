import { Type } from 'typebox';
import type { Client, ClientWithSecret, User } from '../../core/access/identities.model.ts';
import type { CustomField, Location } from '../../core/catalog/catalog.model.ts';
import {
  ClientId,
  CustomFieldType,
  DomainCode,
  Name,
  Password,
  WorkspaceCode,
} from '../../core/provisioning/provision.service.ts';
import type { Domain, Workspace } from '../../core/tenancy/tenancy.model.ts';
import type { Holds, Matches } from '../../platform/http/schema-match.ts';
import { EMAIL_MAX_LENGTH } from '../../platform/values/rules.ts';

/**
 * The admin API's shapes. Request bodies take no unknown field (a typo such as
 * `disable` must not pass silently on an administrator's change: validation refuses it
 * by name); responses are `$id`'d so the OpenAPI document and the SDK name them.
 */
const strict = { additionalProperties: false } as const;
const Timestamp = Type.String({ format: 'date-time' });
const WorkspaceKey = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'Workspace key',
  examples: ['IMP-NLD-EXA-SWA'],
});
// Enums rather than unions of literals: one error naming the allowed values, not one per branch.
const Role = Type.Enum(['admin', 'member']);
const Module = Type.Enum(['incident', 'task']);
const Options = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  description: 'Allowed values; only STRING (1) and the list types (7, 8) take them',
});

export const AdminDomain = Type.Object(
  {
    code: Type.String({ examples: ['IMP-NLD-EXA'] }),
    name: Type.String(),
    workspaces: Type.Array(Type.String(), { description: 'Keys of its workspaces' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'AdminDomain' },
);

export const AdminWorkspace = Type.Object(
  {
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA'] }),
    domain: Type.String({ description: 'Domain code' }),
    code: Type.String({ examples: ['SWA'] }),
    name: Type.String({ examples: ['Inbound Control'] }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'AdminWorkspace' },
);

export const AdminUser = Type.Object(
  {
    email: Type.String(),
    name: Type.String(),
    role: Role,
    disabled: Type.Boolean(),
    hasPassword: Type.Boolean({ description: 'Whether the user can sign in with a password' }),
    workspaces: Type.Array(Type.String(), {
      description: 'Keys of the workspaces it is a member of',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'AdminUser' },
);

const clientProperties = {
  clientId: Type.String({ examples: ['erp'] }),
  name: Type.String(),
  workspaces: Type.Array(Type.String(), { description: 'Keys of the workspaces it may use' }),
  defaultWorkspace: Type.Union([Type.String(), Type.Null()], {
    description: 'Used by dialects whose requests name no workspace',
  }),
  disabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const AdminClient = Type.Object(clientProperties, { $id: 'AdminClient' });

export const AdminClientWithSecret = Type.Object(
  {
    ...clientProperties,
    clientSecret: Type.String({
      description: 'Shown this once; only a hash is stored. Rotate it if it is lost.',
    }),
  },
  { $id: 'AdminClientWithSecret' },
);

export const AdminLocation = Type.Object(
  { id: Type.Integer(), name: Type.String(), createdAt: Timestamp },
  { $id: 'AdminLocation' },
);

export const AdminCustomField = Type.Object(
  {
    id: Type.Integer(),
    module: Module,
    name: Type.String(),
    type: Type.Integer({
      description:
        'STRING=1, INTEGER=2, DOUBLE=3, BOOLEAN=4, LONG=5, INTEGER LIST=7, STRING LIST=8, BIG STRING=10',
    }),
    required: Type.Boolean(),
    options: Type.Union([Type.Array(Type.String()), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'AdminCustomField' },
);

export const adminSchemas = [
  AdminDomain,
  AdminWorkspace,
  AdminUser,
  AdminClient,
  AdminClientWithSecret,
  AdminLocation,
  AdminCustomField,
];

/**
 * The response schemas serialize the core's models: should either drift (a field added
 * to one only), this stops compiling.
 */
export type ResponsesMatchCoreModels =
  | Holds<Matches<typeof AdminDomain, Domain>>
  | Holds<Matches<typeof AdminWorkspace, Workspace>>
  | Holds<Matches<typeof AdminUser, User>>
  | Holds<Matches<typeof AdminClient, Client>>
  | Holds<Matches<typeof AdminClientWithSecret, ClientWithSecret>>
  | Holds<Matches<typeof AdminLocation, Location>>
  | Holds<Matches<typeof AdminCustomField, CustomField>>;

/** `{ items: [...] }` of a `$id`'d schema. */
export const listOf = (id: string) => Type.Object({ items: Type.Array(Type.Ref(id)) });

export const CreateDomainBody = Type.Object({ code: DomainCode, name: Name }, strict);
export const PatchDomainBody = Type.Object(
  {
    name: Type.Optional(Name),
    code: Type.Optional(Type.String({ description: 'Cannot change: it is in every key' })),
  },
  strict,
);

export const CreateWorkspaceBody = Type.Object(
  { domain: Type.String({ description: 'Domain code' }), code: WorkspaceCode, name: Name },
  strict,
);
export const PatchWorkspaceBody = Type.Object(
  {
    name: Type.Optional(Name),
    code: Type.Optional(Type.String({ description: 'Cannot change: it is in every todo key' })),
  },
  strict,
);

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: EMAIL_MAX_LENGTH }),
    name: Name,
    password: Type.Optional(Password),
    role: Type.Optional(Role),
    workspaces: Type.Optional(Type.Array(WorkspaceKey)),
    disabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const PatchUserBody = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(Role),
    password: Type.Optional(Password),
    disabled: Type.Optional(Type.Boolean()),
    workspaces: Type.Optional(
      Type.Array(WorkspaceKey, { description: 'Replaces the memberships' }),
    ),
  },
  strict,
);

export const CreateClientBody = Type.Object(
  {
    clientId: Type.Optional(ClientId),
    name: Name,
    workspaces: Type.Array(WorkspaceKey),
    defaultWorkspace: Type.Optional(
      Type.String({ description: 'One of its workspaces; the first one when left out' }),
    ),
    disabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const PatchClientBody = Type.Object(
  {
    name: Type.Optional(Name),
    workspaces: Type.Optional(Type.Array(WorkspaceKey)),
    defaultWorkspace: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const LocationBody = Type.Object({ name: Name }, strict);

export const CreateCustomFieldBody = Type.Object(
  {
    module: Module,
    name: Name,
    type: CustomFieldType,
    required: Type.Optional(Type.Boolean()),
    options: Type.Optional(Options),
  },
  strict,
);
export const PatchCustomFieldBody = Type.Object(
  {
    module: Type.Optional(Module),
    name: Type.Optional(Name),
    type: Type.Optional(CustomFieldType),
    required: Type.Optional(Type.Boolean()),
    options: Type.Optional(Type.Union([Options, Type.Null()])),
  },
  strict,
);
