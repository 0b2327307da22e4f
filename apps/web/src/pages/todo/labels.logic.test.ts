import { describe, expect, it } from 'vitest';
import { formatDate, formatEur, today } from '../../ui/format.ts';
import {
  actionLabel,
  actorText,
  byText,
  dialectLabel,
  fieldLabel,
  formatSize,
  valueText,
} from './labels.logic.ts';

describe('fieldLabel', () => {
  it('names a field in words, a custom field by its own name, an unknown one as it is', () => {
    expect(fieldLabel('orderID')).toBe('Order ID');
    expect(fieldLabel('subCategory')).toBe('Sub-categories');
    expect(fieldLabel('customFields.Terminal')).toBe('Terminal');
    expect(fieldLabel('somethingNew')).toBe('somethingNew');
  });
});

describe('dialectLabel and actionLabel', () => {
  it('names the APIs as integrators know them, an unknown one as it is', () => {
    expect(dialectLabel('bzctrl')).toBe('BzCtrl API');
    expect(dialectLabel('web')).toBe('web app');
    expect(dialectLabel('system')).toBe('scheduled job');
    expect(dialectLabel('fax')).toBe('fax');
  });

  it('starts a sentence for each action, capitalising an unknown one', () => {
    expect(actionLabel('attach')).toBe('Attached a file');
    expect(actionLabel('remind')).toBe('Sent a reminder');
    expect(actionLabel('merge')).toBe('Merge');
  });
});

describe('actorText', () => {
  it('names a user by name, else e-mail, else the label, and the API client they used', () => {
    expect(actorText({ type: 'user', label: 'user:ann@example.com', name: 'Ann' })).toBe('Ann');
    expect(actorText({ type: 'user', label: 'user:x', email: 'ann@example.com' })).toBe(
      'ann@example.com',
    );
    expect(actorText({ type: 'user', label: 'user:ann@example.com via erp' })).toBe(
      'ann@example.com',
    );
    expect(actorText({ type: 'user', label: 'user:ann', name: 'Ann', clientId: 'erp' })).toBe(
      'Ann',
    );
  });

  it('names clients, endpoints and the system as such', () => {
    expect(actorText({ type: 'client', label: 'client:erp', name: 'ERP' })).toBe(
      'ERP (API client)',
    );
    expect(actorText({ type: 'client', label: 'client:erp' })).toBe('erp (API client)');
    expect(actorText({ type: 'endpoint', label: 'endpoint:Web form' })).toBe('Web form');
    expect(actorText({ type: 'system', label: 'system' })).toBe('BzCtrl');
  });
});

describe('byText', () => {
  it('names the person, then the API client they signed in through and the API', () => {
    const ann = { type: 'user' as const, label: 'user:ann', name: 'Ann' };
    expect(byText({ ...ann, clientId: 'erp', clientName: 'ERP connector' }, 'bzctrl')).toBe(
      'Ann via ERP connector (BzCtrl API)',
    );
    expect(byText({ ...ann, clientId: 'erp' }, 'itsm')).toBe('Ann via erp (ITSM API)');
    expect(byText(ann, 'bzctrl')).toBe('Ann via BzCtrl API');
    expect(byText(ann, 'web')).toBe('Ann via web app');
    expect(byText(ann, 'native')).toBe('Ann via native API');
  });

  it('names a client, an endpoint and the system with the same wording', () => {
    expect(byText({ type: 'client', label: 'client:erp', name: 'ERP' }, 'short')).toBe(
      'ERP (API client) via short API',
    );
    expect(byText({ type: 'endpoint', label: 'endpoint:Web form' }, 'exposed')).toBe(
      'Web form via exposed endpoint',
    );
    expect(byText({ type: 'system', label: 'system' }, 'system')).toBe('BzCtrl via scheduled job');
  });
});

describe('valueText', () => {
  it('shows nothing as a dash', () => {
    for (const none of [null, undefined, '', []]) expect(valueText('title', none)).toBe('—');
  });

  it('shows codes by their labels and an unknown code as it is', () => {
    expect(valueText('status', 'INPROGRESS')).toBe('In Progress');
    expect(valueText('todoType', 'INCIDENT')).toBe('Incident');
    expect(valueText('priority', 'HIGH')).toBe('High');
    expect(valueText('likelihood', 'LOW')).toBe('Low');
    expect(valueText('status', 'ARCHIVED')).toBe('ARCHIVED');
    expect(valueText('createdVia', 'itsm')).toBe('ITSM API');
  });

  it('shows amounts in EUR, dates as the calendar reads them, lists joined, yes and no', () => {
    expect(valueText('financialImpact', '12500.5')).toBe(formatEur('12500.5'));
    const day = today();
    expect(valueText('dueDate', day)).toBe(formatDate(day));
    expect(valueText('tags', ['seal', 'late'])).toBe('seal, late');
    expect(valueText('spam', true)).toBe('Yes');
    expect(valueText('spam', false)).toBe('No');
    expect(valueText('title', 42)).toBe('42');
  });

  it('shows an external reference as system and id, another object as JSON', () => {
    expect(valueText('externalRef', { system: 'ServiceNow', id: 'INC1' })).toBe('ServiceNow INC1');
    expect(valueText('customFields.Terminal', { a: 1 })).toBe('{"a":1}');
  });
});

describe('formatSize', () => {
  it('shows bytes, KB and MB', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1.0 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(25 * 1024 * 1024)).toBe('25.0 MB');
  });
});
