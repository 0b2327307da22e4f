import type { FieldChanges, TodoExtension } from '../../core/todos/todo-extension.ts';
import { registerTodoExtension } from '../../core/todos/todo-extension.ts';
import { findIncidents, type IncidentData, upsertIncident } from './itsm.repository.ts';

/** What a create or update sets of an incident's own data; left out is left as is. */
export type IncidentInput = Partial<IncidentData>;

const NOTHING: IncidentData = {
  itsmStatus: null,
  itsmImpact: null,
  itsmPriority: null,
  urgency: null,
  requesterName: null,
  categoryName: null,
  spam: 0,
};

/** Only the fields `input` sets. */
const setIn = (input: IncidentInput) =>
  Object.entries(input).filter(([, v]) => v !== undefined) as [keyof IncidentData, unknown][];

/**
 * The ITSM incident's own data (its status string, impact, priority and urgency scales,
 * requester name, category name, spam flag), kept in `itsm_incidents` so a caller reads
 * back what it set. The core stores and audits it inside its transaction.
 */
export const itsmIncidents: TodoExtension<IncidentInput, IncidentData> = {
  name: 'itsm',
  async onCreate(trx, todo, input) {
    const stored = Object.fromEntries(setIn(input));
    await upsertIncident(trx, todo.id, stored);
    return stored;
  },
  async onUpdate(trx, todo, input) {
    const old = (await findIncidents(trx, [todo.id])).get(todo.id) ?? NOTHING;
    const changes: FieldChanges = {};
    for (const [field, value] of setIn(input)) {
      if (old[field] !== value) changes[field] = [old[field], value];
    }
    const changed = Object.fromEntries(Object.entries(changes).map(([k, [, v]]) => [k, v]));
    if (Object.keys(changed).length > 0) await upsertIncident(trx, todo.id, changed);
    return changes;
  },
  load: findIncidents,
};

registerTodoExtension(itsmIncidents);

/** An incident's data as the core hands it to an update (none stored: nothing set). */
export function incidentDataOf(extensionData: Record<string, unknown>): IncidentData {
  return (extensionData[itsmIncidents.name] as IncidentData | undefined) ?? NOTHING;
}
