import type { Todo } from '@bzctrl/sdk';
import { describe, expect, it } from 'vitest';
import { formatDate, today } from '../../ui/format.ts';
import {
  CONFLICT_NOTICE,
  createdByText,
  customEdit,
  customFieldNames,
  customText,
  errorAtField,
  externalRefText,
  listOf,
  type Notice,
  noticeAfterSave,
  readForm,
  STATUSES,
  settable,
} from './details.logic.ts';
import type { HistoryEvent } from './labels.logic.ts';

function event(action: string, actor: HistoryEvent['actor'], dialect: string): HistoryEvent {
  return {
    id: 1,
    at: new Date().toISOString(),
    action,
    actor,
    dialect,
    requestId: null,
    changes: [],
  };
}

/** The todo a save answers, with the fields the notice reads. */
const saved = (over: Partial<Todo>) => ({ dueDate: null, ...over }) as Todo;

describe('readForm', () => {
  it('reads the users, the custom fields and the domain name of a form schema', () => {
    expect(
      readForm({
        properties: {
          assignee: { type: 'string', 'x-users': ['a@example.com', 7, 'b@example.com'] },
          customFields: { type: 'object', properties: { Terminal: {}, Containers: {} } },
        },
        'x-workspace': { key: 'WS', domainName: 'Imports' },
      }),
    ).toEqual({
      users: ['a@example.com', 'b@example.com'],
      customFields: ['Terminal', 'Containers'],
      customRules: [
        expect.objectContaining({ key: 'customFields.Terminal', name: 'Terminal', custom: true }),
        expect.objectContaining({ key: 'customFields.Containers', name: 'Containers' }),
      ],
      domainName: 'Imports',
    });
  });

  it('reads a schema without them as none', () => {
    expect(readForm({})).toEqual({
      users: [],
      customFields: [],
      customRules: [],
      domainName: undefined,
    });
    expect(readForm({ properties: { assignee: { 'x-users': 'a@example.com' } } }).users).toEqual(
      [],
    );
  });
});

describe('createdByText', () => {
  it('names who created the todo and through which API, from the history', () => {
    const history = [
      event('update', { type: 'system', label: 'system' }, 'system'),
      event('create', { type: 'user', label: 'user:ann', name: 'Ann de Vries' }, 'bzctrl'),
    ];
    expect(createdByText(history, 'native')).toBe('Ann de Vries via BzCtrl API');
    expect(
      createdByText(
        [event('create', { type: 'client', label: 'client:erp', clientId: 'erp' }, 'itsm')],
        'itsm',
      ),
    ).toBe('erp (API client) via ITSM API');
  });

  it('names only the API until the history is loaded, or when it has no create event', () => {
    expect(createdByText(undefined, 'short')).toBe('via short API');
    expect(createdByText([], 'exposed')).toBe('via exposed endpoint');
    expect(createdByText(undefined, 'carrier-pigeon')).toBe('via carrier-pigeon');
  });
});

describe('customFieldNames', () => {
  it("lists the form's fields first, then the todo's others, each once", () => {
    expect(
      customFieldNames(['Terminal', 'Containers'], { Seal: 'X1', Terminal: 'Botlek' }),
    ).toEqual(['Terminal', 'Containers', 'Seal']);
    expect(customFieldNames([], {})).toEqual([]);
  });
});

describe('customEdit', () => {
  const rule = (schema: Record<string, unknown>) =>
    readForm({ properties: { customFields: { type: 'object', properties: { F: schema } } } })
      .customRules[0] as Parameters<typeof customEdit>[0];

  it('types the value as the contract says and clears an emptied field', () => {
    expect(customEdit(rule({ type: 'integer' }), '42')).toEqual({ value: 42 });
    expect(customEdit(rule({ type: 'boolean' }), 'false')).toEqual({ value: false });
    expect(customEdit(rule({ type: 'array', items: { type: 'string' } }), 'a, b')).toEqual({
      value: ['a', 'b'],
    });
    expect(customEdit(rule({ type: 'string' }), '')).toEqual({ value: null });
  });

  it("refuses what the field's rule refuses, in the form's words", () => {
    expect(customEdit(rule({ type: 'integer' }), '4.5')).toEqual({
      problem: 'Enter a whole number.',
    });
    expect(customEdit(rule({ type: 'string', enum: ['Rotterdam'] }), 'Antwerp')).toEqual({
      problem: 'Choose one of the options.',
    });
  });

  it('starts the editor with the stored value as text', () => {
    expect(customText(['a', 'b'])).toBe('a, b');
    expect(customText(7)).toBe('7');
    expect(customText(null)).toBe('');
  });
});

describe('listOf', () => {
  it('reads comma-separated text as a list, trimmed, without empty entries', () => {
    expect(listOf(' seal, customs ,, late ')).toEqual(['seal', 'customs', 'late']);
    expect(listOf('')).toEqual([]);
    expect(listOf(' , ')).toEqual([]);
  });
});

describe('externalRefText', () => {
  it('shows the system and the id, or a dash', () => {
    expect(externalRefText({ system: 'ServiceNow', id: 'INC0012' })).toBe('ServiceNow · INC0012');
    expect(externalRefText(null)).toBe('—');
  });
});

describe('noticeAfterSave', () => {
  const dueNotice: Notice = { tone: 'success', text: 'Due date set to …' };

  it('says which due date a todo marked Done got', () => {
    const due = today();
    expect(noticeAfterSave('status', 'DONE', saved({ dueDate: due }), undefined)).toEqual({
      tone: 'success',
      text: `Due date set to ${formatDate(due)}`,
    });
  });

  it('clears the notice when the status changes otherwise', () => {
    expect(noticeAfterSave('status', 'TODO', saved({}), dueNotice)).toBeUndefined();
    expect(noticeAfterSave('status', 'DONE', saved({}), dueNotice)).toBeUndefined();
  });

  it('keeps the due-date notice over other changes, but drops a conflict warning', () => {
    expect(noticeAfterSave('title', 'New', saved({}), dueNotice)).toBe(dueNotice);
    expect(noticeAfterSave('title', 'New', saved({}), undefined)).toBeUndefined();
    expect(noticeAfterSave('title', 'New', saved({}), CONFLICT_NOTICE)).toBeUndefined();
  });
});

describe('errorAtField', () => {
  it("shows the field's own error, else the first the server named, else the fallback", () => {
    expect(errorAtField('title', { lrn: 'bad lrn', title: 'too long' }, 'x')).toBe('too long');
    expect(errorAtField('title', { lrn: 'bad lrn', tags: 'bad tag' }, 'x')).toBe('bad lrn');
    expect(errorAtField('title', {}, 'Network error')).toBe('Network error');
  });
});

describe('statuses', () => {
  it('shows every status in order and lets a user set all but Expired', () => {
    expect(STATUSES).toEqual(['TODO', 'INPROGRESS', 'DONE', 'EXPIRED']);
    expect(STATUSES.filter(settable)).toEqual(['TODO', 'INPROGRESS', 'DONE']);
  });
});
