import type { JsonSchema } from '@bzctrl/form-contract';
import type { Todo } from '@bzctrl/sdk';
import { describe, expect, it } from 'vitest';
import {
  allPlaced,
  blankValues,
  changes,
  check,
  contractOf,
  createBody,
  shown,
  startType,
  startWorkspace,
  valuesOf,
} from './form.logic.ts';

/** The parts of a workspace form contract (GET /workspaces/{key}/form) the form reads. */
const SCHEMA: JsonSchema = {
  required: ['todoType', 'title', 'description', 'reporter', 'customFields'],
  properties: {
    todoType: { type: 'string', const: 'INCIDENT' },
    workspace: { type: 'string', const: 'WS' },
    title: { type: 'string', maxLength: 200, pattern: '\\S' },
    description: { type: 'string', pattern: '\\S' },
    result: { type: 'string' },
    financialImpact: {
      type: ['number', 'string'],
      pattern: '^\\s*\\+?\\d{1,13}(\\.\\d{0,2})?\\s*$',
    },
    impact: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    likelihood: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    priority: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    status: { type: 'string', enum: ['INPROGRESS', 'DONE'] },
    reporter: { type: 'string', format: 'email' },
    assignee: { type: 'string', format: 'email' },
    category: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    orderID: { type: 'string' },
    lrn: { type: 'string' },
    reminderDate: { type: 'string', format: 'date' },
    dueDate: { type: 'string', format: 'date' },
    customFields: {
      type: 'object',
      required: ['Terminal'],
      properties: {
        Terminal: { type: 'string', enum: ['Botlek', 'Maasvlakte'] },
        Containers: { type: 'integer' },
      },
    },
  },
};
const contract = contractOf(SCHEMA, false);

const filled = () => ({
  ...blankValues('WS', 'INCIDENT', 'ann@example.com'),
  title: 'Damaged pallet',
  description: 'Forklift damage',
  orderID: 'SO 1',
  custom: { Terminal: 'Botlek' },
});

describe('check', () => {
  it('names each field in error in the form’s words, the amount by what is wrong with it', () => {
    const values = {
      ...filled(),
      title: ' ',
      reporter: '',
      assignee: 'not an e-mail',
      financialImpact: '12,50',
      custom: { Containers: 'many' },
    };
    expect(check(contract, values)).toEqual({
      title: 'Fill this in.',
      reporter: 'Fill this in.',
      assignee: 'Enter an e-mail address, like name@example.com.',
      financialImpact: 'Use a dot for cents and no thousands separators, e.g. 1250.50.',
      'customFields.Terminal': 'Fill this in.',
      'customFields.Containers': 'Enter a whole number.',
    });
    expect(check(contract, { ...filled(), financialImpact: '1.005' })).toEqual({
      financialImpact: 'Enter an amount in euro, e.g. 1250.50 (at most 2 decimals).',
    });
  });

  it('takes "12." as the contract’s amount pattern does', () => {
    expect(check(contract, { ...filled(), financialImpact: '12.' })).toEqual({});
  });

  it('does not check fields hidden for the type', () => {
    expect(check(contract, { ...filled(), todoType: 'TASK', financialImpact: 'lots' })).toEqual({});
  });

  it('checks, when editing, only what changed (an expired status stays as it is)', () => {
    const before = { ...filled(), status: 'EXPIRED', assignee: 'old' };
    expect(check(contract, { ...before, title: 'New title' }, before)).toEqual({});
    expect(check(contract, { ...before, assignee: 'still not' }, before)).toEqual({
      assignee: 'Enter an e-mail address, like name@example.com.',
    });
  });

  it('requires the seed’s fields when the contract cannot be read, and none while it loads', () => {
    const blank = blankValues('WS', 'INCIDENT', '');
    expect(Object.keys(check(contractOf(undefined, true), blank)).sort()).toEqual([
      'assignee',
      'description',
      'orderID',
      'reporter',
      'title',
    ]);
    expect(check(contractOf(undefined, false), blank)).toEqual({});
  });
});

describe('createBody', () => {
  it('sends the fields shown for the type, typed by the contract, empty ones left out', () => {
    const body = createBody(contract, {
      ...filled(),
      result: 'only for tasks',
      financialImpact: '250',
      category: 'damage, dock',
      custom: { Terminal: 'Botlek', Containers: '3' },
    });
    expect(body).toEqual({
      workspace: 'WS',
      todoType: 'INCIDENT',
      title: 'Damaged pallet',
      description: 'Forklift damage',
      financialImpact: '250',
      status: 'INPROGRESS',
      assignee: 'ann@example.com',
      reporter: 'ann@example.com',
      category: ['damage', 'dock'],
      orderID: 'SO 1',
      customFields: { Terminal: 'Botlek', Containers: 3 },
    });
  });

  it('still sends the form’s fields when the contract cannot be read', () => {
    const body = createBody(contractOf(undefined, true), { ...filled(), tags: 'a, b' });
    expect(body).toMatchObject({ title: 'Damaged pallet', tags: ['a', 'b'] });
    expect(body).not.toHaveProperty('customFields');
  });
});

describe('changes', () => {
  const before = { ...filled(), priority: 'HIGH', orderID: 'SO 12', tags: 'gate' };

  it('sends only what changed', () => {
    expect(changes(contract, before, { ...before, priority: 'LOW' })).toEqual({ priority: 'LOW' });
    expect(changes(contract, before, { ...before, tags: ' gate ' })).toEqual({});
  });

  it('sends a cleared optional field as null and a changed type first', () => {
    const withLrn = { ...before, lrn: 'LRN 7' };
    expect(changes(contract, withLrn, { ...withLrn, lrn: '', todoType: 'TASK' })).toEqual({
      todoType: 'TASK',
      lrn: null,
    });
  });

  it('asks for what seed 001 marks mandatory, though the API would take it empty', () => {
    expect(check(contract, { ...before, orderID: '' }, before)).toEqual({
      orderID: 'Fill this in.',
    });
    expect(check(contract, { ...filled(), assignee: '', status: '' })).toEqual({
      assignee: 'Fill this in.',
      status: 'Fill this in.',
    });
  });
});

describe('shown', () => {
  it('follows the seed’s table for the type, but never hides a stored value', () => {
    const task = { ...filled(), todoType: 'TASK' as const };
    expect(shown('impact', 'TASK')).toBe(false);
    expect(shown('result', 'INCIDENT')).toBe(false);
    expect(shown('result', 'TASK')).toBe(true);
    expect(shown('impact', 'TASK', task)).toBe(false);
    expect(shown('impact', 'TASK', { ...task, impact: 'HIGH' })).toBe(true);
    expect(shown('result', 'INCIDENT', { ...filled(), result: 'Cleared' })).toBe(true);
  });

  it('checks and sends a stored off-type field the user changed', () => {
    const task = { ...filled(), todoType: 'TASK' as const, impact: 'HIGH', likelihood: 'LOW' };
    expect(changes(contract, task, { ...task, impact: '' })).toEqual({ impact: null });
    expect(check(contract, { ...task, impact: 'HUGE' }, task)).toEqual({
      impact: 'Choose one of the options.',
    });
  });
});

describe('the page’s start', () => {
  const items = [
    { key: 'A', name: 'A', domain: 'D', domainName: 'D', default: false },
    { key: 'B', name: 'B', domain: 'D', domainName: 'D', default: true },
  ];

  it('starts in the workspace asked for, else the default one, and as an incident by default', () => {
    expect(startWorkspace(items, 'a')?.key).toBe('A');
    expect(startWorkspace(items, null)?.key).toBe('B');
    expect(startWorkspace([], null)).toBeUndefined();
    expect(startType('task')).toBe('TASK');
    expect(startType(null)).toBe('INCIDENT');
  });

  it('shows an existing todo with its order ID and LRN apart from its tags', () => {
    const todo = {
      workspace: 'WS',
      todoType: 'TASK',
      title: 't',
      description: 'd',
      status: 'DONE',
      assignee: 'a@example.com',
      reporter: 'r@example.com',
      category: ['x', 'y'],
      subCategory: ['high'],
      orderID: 'SO 1',
      lrn: 'L1',
      tags: ['SO 1', 'L1', 'gate'],
      customFields: { Containers: 3, Sealed: true, Docks: [1, 2] },
    } as unknown as Todo;
    expect(valuesOf(todo)).toMatchObject({
      category: 'x, y',
      subCategory: 'high',
      tags: 'gate',
      financialImpact: '',
      custom: { Containers: '3', Sealed: true, Docks: ['1', '2'] },
    });
  });

  it('says a server error is placed only when every one names a field of the form', () => {
    expect(allPlaced({ assignee: 'no access', 'customFields.Terminal': 'x' })).toBe(true);
    expect(allPlaced({ body: 'too deep' })).toBe(false);
    expect(allPlaced({})).toBe(false);
  });
});
