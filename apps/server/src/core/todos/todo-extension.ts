import type { Executor } from '../../platform/db/executor.ts';

/** A todo as an extension sees it: which one, and in which workspace. */
export interface ExtendedTodo {
  id: number;
  workspaceId: number;
}

/** What a write changed, as the audit records it: `[old, new]` per field. */
export type FieldChanges = Record<string, [unknown, unknown]>;

/**
 * Data a wire format keeps beside a todo in a table of its own (the ITSM incident's
 * status string, urgency, requester name, …): the core knows no such field. It calls the
 * extension inside its own transaction, so the data is stored with the todo or not at
 * all, and records what the extension changed in the same audit event as `[old, new]`.
 * A wire format registers its extension once (`registerTodoExtension`) and names it in
 * a create or update command with its input.
 */
export interface TodoExtension<Input = unknown, Data = unknown> {
  /** The name a command gives the extension's input under. */
  readonly name: string;
  /** Stores the data of a new todo; returns what it stored, for the create's audit. */
  onCreate(trx: Executor, todo: ExtendedTodo, input: Input): Promise<Record<string, unknown>>;
  /** Applies `changes`; returns only what really changed (nothing: `{}`). */
  onUpdate(trx: Executor, todo: ExtendedTodo, changes: Input): Promise<FieldChanges>;
  /** The data of some todos, by id; a todo without any is left out. */
  load(db: Executor, ids: number[]): Promise<Map<number, Data>>;
}

/** Extension name → its input for one create or update. */
export type ExtensionInputs = Readonly<Record<string, unknown>>;

/** Extension name → the todo's data in it (not there: the extension has none). */
export type ExtensionData = Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: each extension types its own input and data
const extensions = new Map<string, TodoExtension<any, any>>();

/** Makes an extension known to the core; registering the same one again changes nothing. */
// biome-ignore lint/suspicious/noExplicitAny: each extension types its own input and data
export function registerTodoExtension(extension: TodoExtension<any, any>): void {
  const known = extensions.get(extension.name);
  if (known && known !== extension)
    throw new Error(`Another todo extension is named ${extension.name}`);
  extensions.set(extension.name, extension);
}

function extensionNamed(name: string) {
  const extension = extensions.get(name);
  if (!extension) throw new Error(`No todo extension named ${name} is registered`);
  return extension;
}

/** Runs the extensions named in a create; what they stored, for the audit. */
export async function createExtensions(
  trx: Executor,
  todo: ExtendedTodo,
  inputs: ExtensionInputs | undefined,
): Promise<Record<string, unknown>> {
  const stored: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(inputs ?? {})) {
    Object.assign(stored, await extensionNamed(name).onCreate(trx, todo, input));
  }
  return stored;
}

/** Runs the extensions named in an update; what they changed, for the audit. */
export async function updateExtensions(
  trx: Executor,
  todo: ExtendedTodo,
  inputs: ExtensionInputs | undefined,
): Promise<FieldChanges> {
  const changes: FieldChanges = {};
  for (const [name, input] of Object.entries(inputs ?? {})) {
    Object.assign(changes, await extensionNamed(name).onUpdate(trx, todo, input));
  }
  return changes;
}

/** Every registered extension's data for one todo, by extension name. */
export async function loadExtensions(db: Executor, todoId: number): Promise<ExtensionData> {
  const out: ExtensionData = {};
  for (const [name, extension] of extensions) {
    const data = (await extension.load(db, [todoId])).get(todoId);
    if (data !== undefined) out[name] = data;
  }
  return out;
}
