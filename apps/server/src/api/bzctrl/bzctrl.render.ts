import type { FastifyInstance } from 'fastify';
import { type TProperties, Type } from 'typebox';
import type { Todo, TodoPreview } from '../../core/todos/todo.model.ts';
import { type RenderedTodo, renderTodo } from '../native/todo.render.ts';
import { TodoPreviewSchema, TodoSchema } from '../native/todos.schemas.ts';

/**
 * The BzCtrl dialect answers with its own names beside the native ones: `taskType` (seed
 * 001's answer names the type so) and `domainWorkSpace` (the name add-task takes the
 * workspace by). The native `Todo` carries neither (docs/decisions.md, "BzCtrl aliases").
 */
function withAliases(properties: TProperties): TProperties {
  const out: TProperties = {};
  for (const [name, schema] of Object.entries(properties)) {
    out[name] = schema;
    if (name === 'todoType')
      out.taskType = Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]);
    if (name === 'workspace') {
      out.domainWorkSpace = Type.String({ description: 'Workspace key (same as workspace)' });
    }
  }
  return out;
}

export const BzctrlTaskSchema = Type.Object(withAliases(TodoSchema.properties), {
  $id: 'BzctrlTask',
  description:
    'A todo as the BzCtrl dialect answers it: the native Todo with taskType and domainWorkSpace',
});

export const BzctrlTaskPreviewSchema = Type.Object(withAliases(TodoPreviewSchema.properties), {
  $id: 'BzctrlTaskPreview',
  description: 'A validated todo that was not stored (?dryRun=true), with the BzCtrl aliases',
});

/** Adds the two schemas once, whichever module registers first (add-task, exposed). */
export function addBzctrlTaskSchemas(app: FastifyInstance): void {
  if (!app.getSchema('BzctrlTask')) app.addSchema(BzctrlTaskSchema);
  if (!app.getSchema('BzctrlTaskPreview')) app.addSchema(BzctrlTaskPreviewSchema);
}

/**
 * A todo as the BzCtrl dialect's `BzctrlTask` schema shows it. The aliases are added to
 * the rendered todo rather than spread into a copy: a spread of its 31 fields took ~9 µs
 * of a get by key (issue 13).
 */
export function renderBzctrlTask<T extends Todo | TodoPreview>(todo: T) {
  const out: RenderedTodo<T> & { taskType?: T['todoType']; domainWorkSpace?: string } =
    renderTodo(todo);
  out.taskType = todo.todoType;
  out.domainWorkSpace = todo.workspace;
  return out as RenderedTodo<T> & { taskType: T['todoType']; domainWorkSpace: string };
}
