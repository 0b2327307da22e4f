import { type FieldRule, type JsonSchema, readContract } from '../src/index.ts';

/** A contract shaped as apps/server/src/forms/form.service.ts publishes it (trimmed). */
export const CONTRACT: JsonSchema = {
  title: 'New INCIDENT in IMP-NLD-EXA-SWA (Inbound Control)',
  type: 'object',
  required: ['todoType', 'title', 'description', 'reporter', 'customFields'],
  properties: {
    todoType: { type: 'string', const: 'INCIDENT', default: 'INCIDENT' },
    workspace: { type: 'string', const: 'IMP-NLD-EXA-SWA', default: 'IMP-NLD-EXA-SWA' },
    title: { type: 'string', minLength: 1, maxLength: 10, pattern: '\\S' },
    description: { type: 'string', minLength: 1, maxLength: 4000, pattern: '\\S' },
    financialImpact: {
      type: ['number', 'string'],
      minimum: 0,
      pattern: '^\\s*\\+?\\d{1,13}(\\.\\d{0,2})?\\s*$',
    } as JsonSchema,
    impact: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    status: { type: 'string', enum: ['INPROGRESS', 'DONE'], default: 'INPROGRESS' },
    reporter: {
      type: 'string',
      format: 'email',
      maxLength: 254,
      'x-users': ['ann@example.com', 'bob@example.com'],
      default: 'ann@example.com',
    },
    assignee: { type: 'string', format: 'email', maxLength: 254 },
    category: { type: 'array', items: { type: 'string', maxLength: 5 }, maxItems: 2 },
    reminderDate: { type: 'string', format: 'date' },
    customFields: {
      type: 'object',
      required: ['Gate'],
      properties: {
        Gate: { type: 'string', enum: ['A', 'B'], title: 'Gate', 'x-field-type': 1 },
        Pallets: { type: 'integer', title: 'Pallets', 'x-field-type': 2 },
        Weight: { type: 'number', title: 'Weight', 'x-field-type': 3 },
        Sealed: { type: 'boolean', title: 'Sealed', 'x-field-type': 4 },
        Docks: { type: 'array', items: { type: 'integer', enum: [1, 2, 3] }, 'x-field-type': 7 },
        Notes: { type: 'string', title: 'Notes', 'x-field-type': 10 },
      },
    },
  },
  'x-workspace': { key: 'IMP-NLD-EXA-SWA', name: 'Inbound Control' },
};

export const contract = readContract(CONTRACT);

/** The fixture's rule for one field. */
export function rule(key: string): FieldRule {
  const found = contract.fields.find((f) => f.key === key);
  if (!found) throw new Error(`no field ${key} in the fixture`);
  return found;
}
