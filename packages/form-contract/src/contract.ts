/**
 * Reading the form contract: the JSON Schema (draft 2020-12) the server publishes at
 * GET /bzctrl-core-api/api/v1/workspaces/{key}/form?type= and, for an exposed endpoint,
 * at GET …/task/add-exposed-task/{uuid}/form (apps/server/src/forms/form.service.ts).
 * Only the keywords the contract uses are read.
 */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  'x-users'?: string[];
  'x-field-type'?: number;
  'x-workspace'?: {
    key?: string;
    code?: string;
    name?: string;
    domain?: string;
    domainName?: string;
  };
}

export type ValueType = 'string' | 'integer' | 'number' | 'boolean' | 'array';
export type ItemType = 'string' | 'integer' | 'number';

/** One field of the contract, a body field or a custom field. */
export interface FieldRule {
  /** The body field, or `customFields.<name>`: also the field name the server's errors use. */
  key: string;
  /** The property name (a custom field's own name). */
  name: string;
  custom: boolean;
  /** The value's type; a field that takes a number or a string (the amount) is a string. */
  type: ValueType;
  /** For arrays: the items' type. */
  itemType?: ItemType;
  required: boolean;
  /** The allowed values as strings (an array's: its items' allowed values). */
  enum?: string[];
  pattern?: string;
  format?: string;
  maxLength?: number;
  maxItems?: number;
  default?: unknown;
  title?: string;
  /** The workspace's people (`x-users`), for suggestions. */
  users?: string[];
  /** The SPEC §5 custom field type (`x-field-type`): 10 is a long text. */
  fieldType?: number;
}

export interface Contract {
  title?: string;
  workspace?: JsonSchema['x-workspace'];
  /** Body fields first, in the contract's order, then custom fields. */
  fields: FieldRule[];
  /** Whether the contract has a `customFields` object (sent even empty, so required ones are checked). */
  hasCustomFields: boolean;
  /** Whether the body must carry `customFields` (some custom field is required). */
  requiresCustomFields: boolean;
}

const CUSTOM = 'customFields';

function typeOf(schema: JsonSchema): ValueType {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string')) return 'string';
  const t = types[0];
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' ? t : 'string';
}

function rule(name: string, schema: JsonSchema, required: boolean, custom: boolean): FieldRule {
  const type = typeOf(schema);
  const items = schema.items;
  const itemType = items ? typeOf(items) : undefined;
  const choices =
    type === 'array' ? items?.enum : schema.const !== undefined ? [schema.const] : schema.enum;
  const out: FieldRule = {
    key: custom ? `${CUSTOM}.${name}` : name,
    name,
    custom,
    type,
    required,
  };
  if (type === 'array')
    out.itemType = itemType === 'integer' || itemType === 'number' ? itemType : 'string';
  if (choices) out.enum = choices.map(String);
  if (schema.pattern !== undefined) out.pattern = schema.pattern;
  const format = type === 'array' ? items?.format : schema.format;
  if (format !== undefined) out.format = format;
  const maxLength = type === 'array' ? items?.maxLength : schema.maxLength;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (schema.maxItems !== undefined) out.maxItems = schema.maxItems;
  if (schema.default !== undefined) out.default = schema.default;
  if (schema.title !== undefined) out.title = schema.title;
  if (schema['x-users'] !== undefined) out.users = schema['x-users'];
  if (schema['x-field-type'] !== undefined) out.fieldType = schema['x-field-type'];
  return out;
}

/** The contract's fields and what each one takes. Anything not a schema reads as empty. */
export function readContract(schema: unknown): Contract {
  const s: JsonSchema = schema && typeof schema === 'object' ? (schema as JsonSchema) : {};
  const required = new Set(s.required ?? []);
  const fields: FieldRule[] = [];
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    if (name === CUSTOM) continue;
    fields.push(rule(name, p, required.has(name), false));
  }
  const custom = s.properties?.[CUSTOM];
  const needed = new Set(custom?.required ?? []);
  for (const [name, p] of Object.entries(custom?.properties ?? {}))
    fields.push(rule(name, p, needed.has(name), true));
  const out: Contract = {
    fields,
    hasCustomFields: custom !== undefined,
    requiresCustomFields: required.has(CUSTOM),
  };
  if (s.title !== undefined) out.title = s.title;
  if (s['x-workspace'] !== undefined) out.workspace = s['x-workspace'];
  return out;
}

/** The rule of one field by key (`title`, `customFields.Size`), if the contract has it. */
export function fieldOf(contract: Contract, key: string): FieldRule | undefined {
  return contract.fields.find((f) => f.key === key);
}

/** The contract's custom fields. */
export function customFields(contract: Contract): FieldRule[] {
  return contract.fields.filter((f) => f.custom);
}
