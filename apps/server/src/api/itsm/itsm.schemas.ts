import { type TSchema, Type } from 'typebox';
import { IMPACTS, PRIORITIES, STATUSES } from './itsm.mapping.ts';

/** SPEC §5's envelope: every ITSM answer but GET is one of these two. */
export const ItsmSuccess = Type.Object(
  {
    returnCode: Type.Literal('SUCCESS'),
    status: Type.Literal(0),
    userMessage: Type.Null(),
    id: Type.Integer({ description: 'The incident (todo) id' }),
  },
  { $id: 'ItsmSuccess' },
);

export const ItsmFailure = Type.Object(
  {
    returnCode: Type.Literal('FAILURE'),
    status: Type.Integer({ description: 'Non-zero: the HTTP status' }),
    userMessage: Type.String({ description: 'What is wrong, naming the field' }),
  },
  { $id: 'ItsmFailure' },
);

export const itsmFailures = {
  '4xx': Type.Ref('ItsmFailure'),
  '5xx': Type.Ref('ItsmFailure'),
} as const;

export const CustomFieldValue = Type.Object(
  {
    type: Type.Integer({
      description:
        'STRING=1, INTEGER=2, DOUBLE=3, BOOLEAN=4, LONG=5, INTEGER LIST=7, STRING LIST=8, BIG STRING=10',
    }),
    // Untyped on purpose: AJV's type coercion would turn null into "" or false into null,
    // and round a big LONG; the values are checked against the field's definition instead.
    stringValue: Type.Optional(
      Type.Unknown({ description: 'STRING and BIG STRING: text or null' }),
    ),
    integerValue: Type.Optional(Type.Unknown({ description: 'INTEGER: a whole number or null' })),
    doubleValue: Type.Optional(Type.Unknown({ description: 'DOUBLE: a number or null' })),
    booleanValue: Type.Optional(Type.Unknown({ description: 'BOOLEAN: true, false or null' })),
    longValue: Type.Optional(
      Type.Unknown({
        description:
          'LONG: a whole number (exact up to 64 bits; beyond 2^53 read as its digits) or null',
      }),
    ),
    integerListValue: Type.Optional(
      Type.Unknown({ description: 'INTEGER LIST: an array of whole numbers or null' }),
    ),
    stringListValue: Type.Optional(
      Type.Unknown({ description: 'STRING LIST: an array of strings or null' }),
    ),
  },
  { $id: 'ItsmCustomFieldValue' },
);

const CustomFieldValues = Type.Record(Type.String(), Type.Ref('ItsmCustomFieldValue'), {
  description: 'Custom field id → value; see GET /api/ususer/form/{module}',
});

const text = (description: string) => Type.String({ description });
const nullableText = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });
const list = (description: string) => Type.Array(Type.String(), { description });
// Null first: AJV's type coercion would otherwise turn null into [""], an unknown reference.
const attachments = Type.Union([Type.Null(), Type.Array(Type.String())], {
  description: 'File references from POST /api/oprfile; null or [] attaches nothing',
});

/** Values are matched case-insensitively; unknown ones are refused, naming the field. */
const incidentFields = {
  description: Type.Optional(text('Optional on create (stored as "")')),
  categoryName: Type.Optional(
    text('"Service Request" (default, a TASK), "Incident" (an INCIDENT) or any name (a TASK)'),
  ),
  requesterName: Type.Optional(nullableText('Stored and read back')),
  tags: Type.Optional(list('Tags')),
  impact: Type.Optional(text(IMPACTS.join(', '))),
  priority: Type.Optional(text(PRIORITIES.join(', '))),
  urgency: Type.Optional(text(PRIORITIES.join(', '))),
  status: Type.Optional(text(STATUSES.join(', '))),
  spam: Type.Optional(Type.Boolean()),
  locationName: Type.Optional(
    nullableText('An admin-managed location, matched case-insensitively'),
  ),
  attachmentsRefNames: Type.Optional(attachments),
  customFieldValueDetails: Type.Optional(CustomFieldValues),
};

export const CreateIncidentBody = Type.Object(
  {
    subject: text('The todo title. Required'),
    requesterEmail: text('The reporter: a user with access to the workspace. Required'),
    ccEmailSet: Type.Optional(list('Watchers: users with access to the workspace')),
    ...incidentFields,
  },
  { $id: 'ItsmCreateIncident', additionalProperties: false },
);

export const UpdateIncidentBody = Type.Object(
  {
    subject: Type.Optional(text('The todo title')),
    requesterEmail: Type.Optional(text('The reporter')),
    ...incidentFields,
  },
  { $id: 'ItsmUpdateIncident', additionalProperties: false },
);

/** Seed 003's file shape: `POST /api/oprfile`'s answer, and an incident's attached file. */
export function itsmFile<L extends TSchema>(link: L, $id: string) {
  return Type.Object(
    {
      refFileName: Type.String({
        description: 'The upload reference, as passed in attachmentsRefNames',
      }),
      realName: Type.String({ description: 'The original file name, cleaned' }),
      link,
    },
    { $id },
  );
}

export const FileAttachment = itsmFile(
  Type.String({
    description:
      'The download URL: GET /bzctrl-core-api/api/v1/todos/{key}/attachments/{id}, with a token',
  }),
  'ItsmFileAttachment',
);

export const Incident = Type.Object(
  {
    requesterEmail: Type.String(),
    requesterName: Type.Union([Type.String(), Type.Null()]),
    ccEmailSet: Type.Array(Type.String()),
    subject: Type.String(),
    description: Type.String(),
    categoryName: Type.String(),
    status: Type.String(),
    impact: Type.String(),
    priority: Type.String(),
    urgency: Type.String(),
    locationName: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    spam: Type.Boolean(),
    fileAttachments: Type.Union([Type.Array(Type.Ref('ItsmFileAttachment')), Type.Null()], {
      description: 'The attached files, oldest first; null when there are none (seed 003)',
    }),
    customFieldValueDetails: CustomFieldValues,
  },
  { $id: 'ItsmIncident' },
);

export const CustomFieldForm = Type.Object(
  {
    module: Type.String(),
    fields: Type.Array(
      Type.Object({
        id: Type.Integer(),
        name: Type.String(),
        type: Type.Integer(),
        typeName: Type.String(),
        valueKey: Type.String({ description: 'The key its value travels under' }),
        required: Type.Boolean(),
        options: Type.Union([Type.Array(Type.String()), Type.Null()]),
      }),
    ),
  },
  { $id: 'ItsmCustomFieldForm' },
);

export const IncidentParams = Type.Object({ id: Type.String({ description: 'The incident id' }) });
