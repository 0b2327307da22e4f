import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database as the code sees it. Columns are snake_case in SQL; the CamelCasePlugin
 * converts them here, in this one place. Timestamps are ISO-8601 UTC strings, dates are
 * `YYYY-MM-DD` strings and money is integer cents on both engines; flags are 0/1.
 */
export interface Database {
  domains: DomainTable;
  workspaces: WorkspaceTable;
  users: UserTable;
  workspaceMembers: WorkspaceMemberTable;
  apiClients: ApiClientTable;
  apiClientWorkspaces: ApiClientWorkspaceTable;
  locations: LocationTable;
  customFields: CustomFieldTable;
  oauthTokens: OauthTokenTable;
  loginThrottle: LoginThrottleTable;
  todos: TodoTable;
  todoTags: TodoTagTable;
  todoCategories: TodoCategoryTable;
  auditEvents: AuditEventTable;
  todoComments: TodoCommentTable;
  todoWatchers: TodoWatcherTable;
  todoCustomValues: TodoCustomValueTable;
  idempotencyKeys: IdempotencyKeyTable;
  exposedEndpoints: ExposedEndpointTable;
  mailOutbox: MailOutboxTable;
  attachments: AttachmentTable;
  attachmentChunks: AttachmentChunkTable;
  sessions: SessionTable;
  itsmIncidents: ItsmIncidentTable;
  authGeneration: AuthGenerationTable;
  events: EventTable;
  eventFeedState: EventFeedStateTable;
  serverSecrets: ServerSecretTable;
  todoLinkGenerations: TodoLinkGenerationTable;
  webhookSubscriptions: WebhookSubscriptionTable;
  webhookDeliveries: WebhookDeliveryTable;
  rateLimitCounters: RateLimitCounterTable;
}

export interface DomainTable {
  id: Generated<number>;
  code: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface WorkspaceTable {
  id: Generated<number>;
  domainId: number;
  code: string;
  name: string;
  /** `<domain code>-<workspace code>`, unique. */
  key: string;
  /** The last todo sequence number handed out in this workspace. */
  todoSeq: Generated<number>;
  createdAt: string;
  updatedAt: string;
}

export type UserRole = 'admin' | 'member';

export interface UserTable {
  id: Generated<number>;
  /** Lower-cased. */
  email: string;
  name: string;
  role: UserRole;
  passwordHash: string | null;
  disabled: Generated<number>;
  createdAt: string;
  updatedAt: string;
}

export interface WorkspaceMemberTable {
  userId: number;
  workspaceId: number;
}

export interface ApiClientTable {
  id: Generated<number>;
  clientId: string;
  name: string;
  secretHash: string;
  defaultWorkspaceId: number | null;
  disabled: Generated<number>;
  createdAt: string;
  updatedAt: string;
}

export interface ApiClientWorkspaceTable {
  apiClientId: number;
  workspaceId: number;
}

export interface LocationTable {
  id: Generated<number>;
  name: string;
  createdAt: string;
}

export interface CustomFieldTable {
  id: Generated<number>;
  module: string;
  name: string;
  type: number;
  required: number;
  /** JSON array of allowed values, or null. */
  options: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OauthTokenTable {
  /** The token's `jti`. */
  id: string;
  kind: 'access' | 'refresh';
  /** SHA-256 of the token, base64url. The token itself is never stored. */
  tokenHash: string;
  /** All tokens descending from one grant share a family; reuse revokes the family. */
  familyId: string;
  userId: number | null;
  apiClientId: number | null;
  scope: string;
  expiresAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface LoginThrottleTable {
  key: string;
  windowStart: string;
  failures: number;
}

export interface TodoTable {
  id: Generated<number>;
  workspaceId: number;
  seq: number;
  key: string;
  todoType: string;
  title: string;
  description: string;
  result: string | null;
  financialImpactCents: number | null;
  impact: string | null;
  likelihood: string | null;
  priority: string | null;
  status: string;
  assigneeId: number;
  reporterId: number;
  orderId: string | null;
  lrn: string | null;
  reminderDate: string | null;
  dueDate: string | null;
  createdVia: string;
  createdByUserId: number | null;
  createdByClientId: number | null;
  createdByEndpointId: Generated<number | null>;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** `externalRef.system` / `.id`: unique per workspace when both are set. */
  externalSystem: Generated<string | null>;
  externalId: Generated<string | null>;
  /** The tags joined by spaces, for the full-text index (kept by the service). */
  tagsText: Generated<string | null>;
  /** The reminder date a reminder was sent for; a changed reminder date re-arms it. */
  reminderSentFor: Generated<string | null>;
  /** Where it happened: an admin-managed location (migration 003; the ITSM dialect sets it). */
  locationId: Generated<number | null>;
  /** 1 while the due date is the one moving to DONE set (migration 006); reopening undoes it. */
  dueDateByDone: Generated<number>;
  /** The due date the todo had before DONE set one, restored on reopen if not passed. */
  dueDateBeforeDone: Generated<string | null>;
}

/**
 * What only the ITSM incident dialect keeps for a todo (migration 007, before that
 * columns of todos), read back as the client set it; no row reads as nothing set.
 */
export interface ItsmIncidentTable {
  todoId: number;
  itsmStatus: string | null;
  itsmImpact: string | null;
  itsmPriority: string | null;
  urgency: string | null;
  requesterName: string | null;
  categoryName: string | null;
  /** 0 or 1. */
  spam: Generated<number>;
}

export interface TodoTagTable {
  todoId: number;
  position: number;
  tag: string;
}

export interface TodoCategoryTable {
  todoId: number;
  kind: 'category' | 'subCategory';
  position: number;
  value: string;
}

export interface AuditEventTable {
  id: Generated<number>;
  occurredAt: string;
  actorUserId: number | null;
  actorClientId: number | null;
  /** Human-readable actor, kept even if the user or client is later removed. */
  actorLabel: string;
  dialect: string;
  requestId: string | null;
  entityType: string;
  entityId: number;
  workspaceId: number | null;
  action: string;
  /** JSON: `{ field: [old, new] }`. */
  changes: string;
  actorEndpointId: Generated<number | null>;
}

export interface TodoCommentTable {
  id: Generated<number>;
  todoId: number;
  authorUserId: number | null;
  authorClientId: number | null;
  authorLabel: string;
  body: string;
  createdAt: string;
}

export interface TodoWatcherTable {
  todoId: number;
  userId: number;
  createdAt: string;
}

export interface TodoCustomValueTable {
  todoId: number;
  fieldId: number;
  /** JSON text of the value. */
  value: string;
}

export interface IdempotencyKeyTable {
  /** `user:<id>`, `client:<id>`, `user:<id>/client:<id>` or `endpoint:<id>`. */
  caller: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  /** Null while the first request is in flight. */
  statusCode: number | null;
  /** JSON object of the headers to replay. */
  responseHeaders: string | null;
  responseBody: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface ExposedEndpointTable {
  id: Generated<number>;
  workspaceId: number;
  name: string;
  /** SHA-256 of the UUID, base64url; the UUID itself is never stored. */
  uuidHash: string;
  uuidHint: string;
  /** JSON object of default fields. */
  defaults: string;
  /** JSON array of origins. */
  allowedOrigins: string;
  disabled: Generated<number>;
  createdByUserId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface MailOutboxTable {
  id: Generated<number>;
  toAddress: string;
  subject: string;
  bodyText: string;
  /** `reminder`, `watch`, … */
  kind: string;
  todoId: number | null;
  attempts: Generated<number>;
  nextAttemptAt: string;
  lockedUntil: string | null;
  sentAt: string | null;
  lastError: string | null;
  createdAt: string;
}

/** An uploaded file; unattached (todoId null) it is private to `uploader` (a callerKey). */
export interface AttachmentTable {
  id: Generated<number>;
  ref: string;
  uploader: string;
  uploadedBy: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  /** Where the bytes are: 'file' in the data directory, or 'database' (PostgreSQL). */
  storage: ColumnType<StorageKind, StorageKind | undefined, StorageKind>;
  /** 'file': relative to the data directory; 'database': the key of its chunks. */
  storagePath: string;
  createdAt: string;
  todoId: number | null;
  workspaceId: number | null;
  attachedAt: string | null;
}

export type StorageKind = 'file' | 'database';

/** PostgreSQL: a slice of an attachment's bytes; seq 0, 1, … in order. */
export interface AttachmentChunkTable {
  storagePath: string;
  seq: number;
  data: Buffer;
  createdAt: string;
}

export type WorkspaceRow = Selectable<WorkspaceTable>;
export type UserRow = Selectable<UserTable>;
export type ApiClientRow = Selectable<ApiClientTable>;
export type TodoRow = Selectable<TodoTable>;
export type NewTodo = Insertable<TodoTable>;
export type TodoUpdate = Updateable<TodoTable>;
export type OauthTokenRow = Selectable<OauthTokenTable>;

/** A browser session of the web app; the cookie value itself is never stored. */
export interface SessionTable {
  /** SHA-256 of the session cookie value, base64url. */
  tokenHash: string;
  userId: number;
  createdAt: string;
  expiresAt: string;
}

/**
 * One row (id 1): how many changes to access there have been, so every process can tell
 * cheaply whether its cache of tokens and sessions is still good (migration 008).
 */
export interface AuthGenerationTable {
  id: number;
  value: number;
  /** A random id given by the migration: which database this counter belongs to. */
  databaseId: string;
}

/** One event of a todo change (SPEC §8), written with the change (migration 009). */
export interface EventTable {
  id: Generated<number>;
  /** The feed's order: null until sequenced on PostgreSQL, always null on SQLite (the id is). */
  position: number | null;
  /** `todo.created`, `todo.updated`, … */
  type: string;
  occurredAt: string;
  workspaceId: number;
  workspaceKey: string;
  todoId: number;
  todoKey: string;
  todoType: string;
  todoTitle: string;
  /** The todo's status right after the change. */
  todoStatus: string;
  /** JSON: each changed field, in the API's names, as `[old, new]`. */
  changes: string;
  /** `user`, `client`, `endpoint` or `system`. */
  actorType: string;
  actorName: string;
  actorUserId: number | null;
  /** The API client the change came through (a client's own token, or a user's via it). */
  actorClientId: number | null;
  actorClientKey: string | null;
  actorEndpointId: number | null;
  dialect: string;
  requestId: string | null;
}

export type EventRow = Selectable<EventTable>;

/** One row: the highest event position the retention sweep has deleted. */
export interface EventFeedStateTable {
  id: number;
  sweptThrough: number;
}

/** A secret of the server itself, by name (migration 010); never logged, never sent. */
export interface ServerSecretTable {
  /** `shared-links`: the key shared links are signed with, unless BZCTRL_SECRET_KEY is set. */
  name: string;
  /** 32 random bytes, base64url. */
  value: string;
  createdAt: string;
}

/**
 * The generation a todo's shared links must carry (migration 010); no row reads as 0.
 * Revoking the todo's links moves it on.
 */
export interface TodoLinkGenerationTable {
  todoId: number;
  generation: number;
  /** When the links were last revoked. */
  revokedAt: string;
}
/** A webhook subscription (SPEC §8, migration 011). */
export interface WebhookSubscriptionTable {
  id: Generated<number>;
  url: string;
  /** JSON array: `todo.*` or event types. */
  events: string;
  /** JSON array of workspace ids, or null for every workspace the owner may use. */
  workspaceIds: string | null;
  includeOwn: number;
  ownerUserId: number | null;
  ownerClientId: number | null;
  /** `whsec_…`: kept as is, since every delivery is signed with it. */
  secret: string;
  /** The secret before the last rotation, still signing until `previousSecretUntil`. */
  previousSecret: string | null;
  previousSecretUntil: string | null;
  /** `active` or `disabled`. */
  status: string;
  disabledAt: string | null;
  disabledReason: string | null;
  /** When the current run of failed attempts began; null while deliveries succeed. */
  failingSince: string | null;
  /** The last event position the fan-out has considered for this subscription. */
  position: number;
  createdAt: string;
  updatedAt: string;
}

/** One message to one subscription, kept before it is attempted (at least once). */
export interface WebhookDeliveryTable {
  id: Generated<number>;
  subscriptionId: number;
  /** The event it carries; null for a test ping. */
  eventId: number | null;
  /** The todo, for the order per todo; null for a ping. */
  todoId: number | null;
  eventType: string;
  /** The `webhook-id`: the same on every attempt and replay of the message. */
  messageId: string;
  /** The exact JSON body sent. */
  payload: string;
  /** The delivery this one replays, if it is a replay. */
  replayOf: number | null;
  /** `pending`, `delivered` or `failed` (given up). */
  status: string;
  attempts: number;
  nextAttemptAt: string;
  /** A claimed delivery's lease: another worker may take it after this. */
  lockedUntil: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  /** The first bytes (≤ 1 KB) of the last answer. */
  lastBody: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

/**
 * A rate-limit counter shared by the server processes on PostgreSQL (migration 013):
 * how many requests under `key` the processes counted in the minute from `windowStart`.
 */
export interface RateLimitCounterTable {
  key: string;
  /** Milliseconds since the epoch: the start of the counted minute. */
  windowStart: number;
  count: number;
}
