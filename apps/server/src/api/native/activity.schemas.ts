import { Type } from 'typebox';
import { COMMENT_LIMITS } from '../../core/todos/comments.model.ts';
import { TodoRefParams } from './todos.schemas.ts';

export const WatcherParams = Type.Object({
  ref: TodoRefParams.properties.ref,
  email: Type.String({ description: 'E-mail of the user', examples: ['example@example.com'] }),
});

export const CommentAuthor = Type.Object(
  {
    type: Type.Union([Type.Literal('user'), Type.Literal('client'), Type.Literal('system')], {
      description:
        'A user (possibly through an API client), an API client on its own, or the system',
    }),
    label: Type.String({ description: "The user's or client's name" }),
    email: Type.Optional(Type.String({ description: 'Set when the author is a user' })),
  },
  { description: 'Who wrote the comment' },
);

export const CommentSchema = Type.Object(
  {
    id: Type.Integer(),
    body: Type.String(),
    author: CommentAuthor,
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Comment' },
);

export const CommentList = Type.Object(
  { items: Type.Array(Type.Ref('Comment'), { description: 'Oldest first' }) },
  { $id: 'CommentList' },
);

export const CreateCommentBody = Type.Object(
  {
    body: Type.String({
      minLength: 1,
      maxLength: COMMENT_LIMITS.body,
      description: `The comment, 1 to ${COMMENT_LIMITS.body} characters after trimming`,
    }),
  },
  {
    additionalProperties: false,
    examples: [{ body: 'Seals checked on the quay: **they match** the manifest.' }],
  },
);

export const WatcherSchema = Type.Object(
  {
    email: Type.String(),
    name: Type.String(),
    since: Type.String({ format: 'date-time', description: 'When the user started watching' }),
  },
  { $id: 'Watcher' },
);

export const WatcherList = Type.Object(
  { items: Type.Array(Type.Ref('Watcher'), { description: 'Sorted by e-mail' }) },
  { $id: 'WatcherList' },
);

export const HistoryActor = Type.Object(
  {
    type: Type.Union(
      [
        Type.Literal('user'),
        Type.Literal('client'),
        Type.Literal('endpoint'),
        Type.Literal('system'),
      ],
      { description: '`system` is a job of the server itself (e.g. expiry)' },
    ),
    label: Type.String({
      description: 'As recorded at the time, e.g. `user:a@b.nl via client:erp`',
    }),
    name: Type.Optional(
      Type.String({
        description: "The user's, API client's or exposed endpoint's name as it is now",
      }),
    ),
    email: Type.Optional(Type.String({ description: "The user's e-mail, if a user" })),
    clientId: Type.Optional(Type.String({ description: 'The API client, if one was used' })),
    clientName: Type.Optional(
      Type.String({
        description:
          "The name, as it is now, of the API client a user acted through (a password grant with the client's credentials)",
      }),
    ),
    endpointId: Type.Optional(Type.Integer({ description: 'The exposed endpoint, if one' })),
  },
  { description: 'Who or which system made the change' },
);

export const HistoryEvent = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    action: Type.String({
      description: 'create, update, delete, comment, watch, unwatch, expire, …',
    }),
    actor: HistoryActor,
    dialect: Type.String({
      description:
        'The API the change came through: native, bzctrl (add-task), short, itsm, exposed, ' +
        'web (the web app, signed in by its session), system',
    }),
    requestId: Type.Union([Type.String(), Type.Null()]),
    changes: Type.Array(
      Type.Object({
        field: Type.String(),
        old: Type.Unknown({ description: 'The value before; null when there was none' }),
        new: Type.Unknown({ description: 'The value after; null when removed' }),
      }),
    ),
  },
  { $id: 'HistoryEvent' },
);

export const TodoHistory = Type.Object(
  { items: Type.Array(Type.Ref('HistoryEvent'), { description: 'Oldest first' }) },
  { $id: 'TodoHistory' },
);

/** Registered once per scope; routes refer to them by `$id` (named types in the SDK). */
export const activitySchemas = [
  CommentSchema,
  CommentList,
  WatcherSchema,
  WatcherList,
  HistoryEvent,
  TodoHistory,
];
