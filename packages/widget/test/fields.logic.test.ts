import { type JsonSchema, readContract } from '@bzctrl/form-contract';
import { describe, expect, it } from 'vitest';
import {
  bodyOf,
  check,
  errorAnnouncement,
  type Field,
  fieldsOf,
  normalizeAmount,
  readFailure,
  sourceOf,
  typeRuleOf,
  type Value,
} from '../src/fields.logic.ts';
import { wordsFor } from '../src/i18n.ts';

const en = wordsFor('en');
const nl = wordsFor('nl');

/** An exposed endpoint's form contract as the server publishes it (trimmed). */
const SCHEMA: JsonSchema = {
  required: ['todoType', 'title', 'description', 'customFields'],
  properties: {
    todoType: { type: 'string', const: 'INCIDENT' },
    title: { type: 'string', maxLength: 20, pattern: '\\S' },
    description: { type: 'string', pattern: '\\S' },
    result: { type: 'string' },
    financialImpact: {
      type: ['number', 'string'],
      pattern: '^\\s*\\+?\\d{1,13}(\\.\\d{0,2})?\\s*$',
    },
    impact: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    likelihood: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    priority: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'], default: 'MEDIUM' },
    status: { type: 'string', enum: ['INPROGRESS', 'DONE', 'CANCELLED'], default: 'INPROGRESS' },
    reminderDate: { type: 'string', format: 'date' },
    reporter: { type: 'string', format: 'email' },
    assignee: { type: 'string', format: 'email' },
    orderID: { type: 'string' },
    lrn: { type: 'string' },
    customFields: {
      type: 'object',
      required: ['Vessel'],
      properties: {
        Vessel: { type: 'string', title: 'Vessel' },
        Berths: { type: 'array', items: { type: 'integer', enum: [1, 2] } },
        Sealed: { type: 'boolean' },
        Boxes: { type: 'integer' },
      },
    },
  },
};
const contract = readContract(SCHEMA);

/** Reads values from a plain object, as the element reads them from its inputs. */
const from =
  (values: Record<string, Value>) =>
  (f: Field): Value | undefined =>
    values[f.key] ?? f.initial;

describe('fieldsOf', () => {
  it('shows the seed’s fields for an incident in order, then the custom fields', () => {
    const fields = fieldsOf(contract, 'INCIDENT', en, (k) => (k === 'lrn' ? 'L1' : undefined));
    expect(fields.map((f) => `${f.key}:${f.kind}`)).toEqual([
      'title:text',
      'description:textarea',
      'financialImpact:amount',
      'impact:select',
      'likelihood:select',
      'priority:select',
      'status:radio',
      'reminderDate:date',
      'reporter:email',
      'assignee:email',
      'orderID:text',
      'lrn:text',
      'customFields.Vessel:text',
      'customFields.Berths:multi',
      'customFields.Sealed:boolean',
      'customFields.Boxes:integer',
    ]);
    const byKey = new Map(fields.map((f) => [f.key, f]));
    expect(byKey.get('impact')?.options?.map((o) => o.value)).toEqual(['HIGH', 'MEDIUM', 'LOW']);
    expect(byKey.get('status')?.options?.map((o) => o.value)).toEqual(['INPROGRESS', 'DONE']);
    expect(byKey.get('priority')?.initial).toBe('MEDIUM');
    expect(byKey.get('lrn')?.initial).toBe('L1');
    expect(byKey.get('customFields.Vessel')?.required).toBe(true);
    expect(byKey.get('title')?.required).toBe(true);
    // Seed 001's marks: reporter, assignee, status and order ID are asked for.
    for (const key of ['reporter', 'assignee', 'status', 'orderID'])
      expect(byKey.get(key)?.required, key).toBe(true);
    expect(byKey.get('lrn')?.required).toBe(false);
    expect(byKey.get('status')?.initial).toBe('INPROGRESS');
  });

  it('shows the domain and workspace the contract is for, and the reporter as assignee', () => {
    const withWorkspace = readContract({
      ...SCHEMA,
      'x-workspace': {
        key: 'IMP-NLD-EXA-SWA',
        code: 'SWA',
        name: 'Inbound Control',
        domain: 'IMP-NLD-EXA',
        domainName: 'Example Import',
      },
    });
    const fields = fieldsOf(withWorkspace, 'INCIDENT', en, (k) =>
      k === 'reporter' ? 'ann@example.com' : undefined,
    );
    const byKey = new Map(fields.map((f) => [f.key, f]));
    expect(byKey.get('domain')).toMatchObject({
      kind: 'fixed',
      label: 'Domain',
      required: true,
      initial: 'IMP-NLD-EXA · Example Import',
    });
    expect(byKey.get('workspace')).toMatchObject({
      kind: 'fixed',
      label: 'Workspace',
      initial: 'SWA · Inbound Control',
    });
    expect(byKey.get('assignee')?.initial).toBe('ann@example.com');
    const body = bodyOf(withWorkspace, fields, from({}), 'INCIDENT');
    expect(body).not.toHaveProperty('domain');
    expect(body).not.toHaveProperty('workspace');
    expect(body).toMatchObject({ reporter: 'ann@example.com', assignee: 'ann@example.com' });
  });

  it('shows the result for a task and no incident assessment', () => {
    const keys = fieldsOf(contract, 'TASK', nl).map((f) => f.key);
    expect(keys).toContain('result');
    expect(keys).not.toContain('financialImpact');
    expect(keys).not.toContain('impact');
  });
});

describe('check', () => {
  const fields = fieldsOf(contract, 'INCIDENT', en);

  it('accepts "12." and "1.250,50" as amounts, as the contract’s pattern does', () => {
    const base = {
      title: 't',
      description: 'd',
      reporter: 'ann@example.com',
      assignee: 'ann@example.com',
      orderID: 'SO 1',
      'customFields.Vessel': 'v',
    };
    for (const amount of ['12.', '1.250,50', '1250,50', '€ 3'])
      expect(check(fields, from({ ...base, financialImpact: amount }), en).size, amount).toBe(0);
  });

  it('names each problem in the form’s language', () => {
    const values = {
      title: 'x'.repeat(21),
      description: '',
      reporter: 'nobody',
      assignee: 'gate.clerk@example',
      orderID: 'SO 1',
      financialImpact: '1.005',
      'customFields.Boxes': '2.5',
    };
    expect(Object.fromEntries(check(fields, from(values), en))).toEqual({
      title: 'Use at most 20 characters.',
      description: 'Fill this in.',
      reporter: en.errEmail,
      assignee:
        'The domain has no ending such as .com: enter the full address, like name@example.com.',
      financialImpact: en.errAmount,
      'customFields.Vessel': en.errRequired,
      'customFields.Boxes': en.errInteger,
    });
    expect(check(fields, from(values), nl).get('description')).toBe(nl.errRequired);
  });

  it('announces the count, then each field with its label', () => {
    const errors = new Map([['title', en.errRequired]]);
    expect(errorAnnouncement(fields, errors, en)).toBe(
      `1 field needs your attention. Title: ${en.errRequired}`,
    );
  });
});

describe('bodyOf', () => {
  it('sends the type, the workspace in token mode and what was filled in, typed', () => {
    const fields = fieldsOf(contract, 'INCIDENT', en);
    const values = {
      title: 'Seal',
      description: 'Broken',
      financialImpact: '1.250,50',
      'customFields.Vessel': 'Ever Given',
      'customFields.Berths': ['2'],
      'customFields.Sealed': false,
      'customFields.Boxes': '4',
    };
    expect(bodyOf(contract, fields, from(values), 'INCIDENT', 'WS')).toEqual({
      todoType: 'INCIDENT',
      workspace: 'WS',
      title: 'Seal',
      description: 'Broken',
      financialImpact: '1250.50',
      priority: 'MEDIUM',
      status: 'INPROGRESS',
      customFields: { Vessel: 'Ever Given', Berths: [2], Sealed: false, Boxes: 4 },
    });
  });
});

describe('normalizeAmount', () => {
  it('takes the last separator as the decimal one', () => {
    expect(normalizeAmount('1.250,50')).toBe('1250.50');
    expect(normalizeAmount('1,250.50')).toBe('1250.50');
    expect(normalizeAmount('€ 12')).toBe('12');
  });
});

describe('readFailure', () => {
  const fields = fieldsOf(contract, 'INCIDENT', en);

  it('places field errors at their field and the rest over the form', () => {
    const res = {
      status: 400,
      data: {
        code: 'validation_failed',
        detail: 'Invalid body',
        errors: [
          { field: 'assignee', message: 'no access' },
          { field: 'LRN', message: 'Use at most 100 characters.' },
          { field: 'title', message: 'is required' },
          { field: 'watchers', message: 'unknown' },
        ],
      },
    };
    const read = readFailure(res, fields, en);
    // As sentences at the field: the server's plain ones as they are, a fragment finished.
    expect(Object.fromEntries(read.errors)).toEqual({
      assignee: 'No access.',
      lrn: 'Use at most 100 characters.',
      title: 'Fill this in.',
    });
    expect(read.failure).toEqual({ message: 'Invalid body', list: ['watchers: unknown'] });
    expect(read.detail).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'Invalid body',
      errors: res.data.errors,
    });
  });

  it('says what a status means when there is no field to show', () => {
    expect(readFailure({ status: 0, data: undefined }, null, en).detail).toMatchObject({
      code: 'network_error',
      message: en.errNetwork,
    });
    expect(readFailure({ status: 403, data: {} }, null, nl).failure.message).toBe(nl.errForbidden);
    const placedOnly = readFailure(
      { status: 400, data: { errors: [{ field: 'title', message: 'bad' }] } },
      fields,
      en,
    );
    expect(placedOnly.failure.message).toBe('1 field needs your attention.');
  });
});

describe('sourceOf', () => {
  it('reads the endpoint mode, then the token mode, else nothing', () => {
    expect(sourceOf({ endpoint: 'https://b.example/x/uuid/' }, false, 'TASK')).toEqual({
      form: 'https://b.example/x/uuid/form?type=TASK',
      submit: 'https://b.example/x/uuid',
    });
    expect(sourceOf({ server: 'https://b.example/', workspace: 'WS' }, true, 'INCIDENT')).toEqual({
      form: 'https://b.example/bzctrl-core-api/api/v1/workspaces/WS/form?type=INCIDENT',
      submit: 'https://b.example/bzctrl-core-api/api/v1/todos',
      workspace: 'WS',
    });
    expect(sourceOf({ server: 'https://b.example', workspace: 'WS' }, false, 'TASK')).toBeNull();
  });
});

describe('typeRuleOf', () => {
  it('starts as an incident, fixes a given type unless switching is allowed', () => {
    expect(typeRuleOf(null, false)).toEqual({ type: 'INCIDENT', fixed: false });
    expect(typeRuleOf(' task ', false)).toEqual({ type: 'TASK', fixed: true });
    expect(typeRuleOf('TASK', true)).toEqual({ type: 'TASK', fixed: false });
  });
});
