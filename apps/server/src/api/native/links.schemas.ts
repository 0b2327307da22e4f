import { Type } from 'typebox';
import { DEFAULT_LINK_SECONDS, MAX_LINK_SECONDS } from '../../core/links/links.service.ts';

const Level = Type.Union([
  Type.Literal('LOW'),
  Type.Literal('MEDIUM'),
  Type.Literal('HIGH'),
  Type.Null(),
]);
const Status = Type.Union([
  Type.Literal('TODO'),
  Type.Literal('INPROGRESS'),
  Type.Literal('DONE'),
  Type.Literal('EXPIRED'),
]);

export const CreateSharedLinkBody = Type.Object(
  {
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LINK_SECONDS,
        default: DEFAULT_LINK_SECONDS,
        description: 'Seconds the link works, at most a day',
        examples: [3600],
      }),
    ),
  },
  { $id: 'CreateSharedLinkBody', additionalProperties: false },
);

export const SharedLinkSchema = Type.Object(
  {
    url: Type.String({
      description: 'Opens the todo read-only in the web app, without signing in',
      examples: ['https://bzctrl.example.com/app/#/shared/2s.0.lz1k2q.lqz8x9e8.<signature>'],
    }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SharedLink' },
);

export const SharedTokenParams = Type.Object({
  token: Type.String({ description: 'The part of a shared link after `#/shared/`' }),
});

/** What a shared link shows: no people, no amounts, no comments, files or references. */
export const SharedTodoSchema = Type.Object(
  {
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA-03'] }),
    todoType: Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]),
    title: Type.String(),
    description: Type.String(),
    result: Type.Union([Type.String(), Type.Null()]),
    status: Status,
    priority: Level,
    impact: Level,
    likelihood: Level,
    category: Type.Array(Type.String()),
    subCategory: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    dueDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    reminderDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    workspace: Type.String(),
    workspaceName: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    statusHistory: Type.Array(
      Type.Object({
        at: Type.String({ format: 'date-time' }),
        from: Type.Union([Status, Type.Null()], { description: 'Null when the todo was created' }),
        to: Status,
      }),
      { description: 'Every change of status, oldest first' },
    ),
    linkExpiresAt: Type.String({
      format: 'date-time',
      description: 'When this link stops working',
    }),
  },
  { $id: 'SharedTodo', description: 'A todo as a shared link shows it, read-only' },
);
