// The details page's pure logic: what it reads of the workspace's form, who created the
// todo, which custom fields it lists, how a list field's text is read, and which notice
// or error a save leaves.

import {
  checkValue,
  customFields,
  type FieldRule,
  readContract,
  toApiValue,
} from '@bzctrl/form-contract';
import type { Todo, UpdateTodoBody } from '@bzctrl/sdk';
import { formatDate, SETTABLE_STATUSES, type Status } from '../../ui/format.ts';
import { message } from '../form/form.logic.ts';
import { byText, dialectLabel, type HistoryEvent } from './labels.logic.ts';

export type Notice = { tone: 'success' | 'warning'; text: string };

export interface FormFacts {
  /** The workspace's users, suggested for the people fields. */
  users: string[];
  /** The type's custom fields, listed even when the todo leaves them empty. */
  customFields: string[];
  /** Their rules from the form contract: how each is edited in place and checked. */
  customRules: FieldRule[];
  domainName: string | undefined;
}

/** What the page uses of the workspace's form schema (a JSON Schema with x- annotations). */
export function readForm(schema: Record<string, unknown>): FormFacts {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const users = props.assignee?.['x-users'];
  const rules = customFields(readContract(schema));
  const ws = schema['x-workspace'] as { domainName?: string } | undefined;
  return {
    users: Array.isArray(users) ? users.filter((u): u is string => typeof u === 'string') : [],
    customFields: rules.map((r) => r.name),
    customRules: rules,
    domainName: ws?.domainName,
  };
}

/** A custom field's stored value as its in-place editor starts with it. */
export function customText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/**
 * A custom field's in-place edit, checked by its contract rule as the form checks it:
 * the problem in the form's words, or the value to save (null clears it).
 */
export function customEdit(
  rule: FieldRule,
  text: string,
): { problem: string } | { value: unknown } {
  const problem = checkValue(rule, text);
  if (problem) return { problem: message(rule.key, problem, text) };
  return { value: toApiValue(rule, text) ?? null };
}

/**
 * Who created the todo and through which API: from the history's create event once it is
 * loaded, else only the API the todo records.
 */
export function createdByText(history: HistoryEvent[] | undefined, createdVia: string): string {
  const created = history?.find((e) => e.action === 'create');
  return created ? byText(created.actor, created.dialect) : `via ${dialectLabel(createdVia)}`;
}

/** The custom fields to list: the form's, then any other the todo has a value for. */
export function customFieldNames(formFields: string[], values: Record<string, unknown>): string[] {
  return [...new Set([...formFields, ...Object.keys(values)])];
}

/** A list field's text ("a, b ,, c") as the list it saves. */
export function listOf(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An external reference as the header shows it. */
export function externalRefText(ref: Todo['externalRef']): string {
  return ref ? `${ref.system} · ${ref.id}` : '—';
}

/**
 * The notice after a change went through: marking a todo Done says which due date it got;
 * the due-date notice stays until the status changes again; a conflict warning goes once
 * a change went through; any other notice stays.
 */
export function noticeAfterSave(
  field: keyof UpdateTodoBody,
  value: unknown,
  saved: Todo,
  notice: Notice | undefined,
): Notice | undefined {
  if (field === 'status' && value === 'DONE' && saved.dueDate) {
    return { tone: 'success', text: `Due date set to ${formatDate(saved.dueDate)}` };
  }
  if (field === 'status' || notice?.tone === 'warning') return undefined;
  return notice;
}

/** The notice and the field's error when someone else changed the todo first. */
export const CONFLICT_NOTICE: Notice = {
  tone: 'warning',
  text: 'Someone else changed this todo in the meantime. It has been reloaded: check the values and try again.',
};
export const CONFLICT_ERROR =
  'Not saved: someone else changed this todo. Check the reloaded values and try again.';

/** The error to show at a field: its own, else the first the server named, else `fallback`. */
export function errorAtField(
  field: string,
  errors: Record<string, string>,
  fallback: string,
): string {
  return errors[field] ?? Object.values(errors)[0] ?? fallback;
}

/** The statuses in their order; Expired is the system's, shown but never set by a click. */
export const STATUSES: Status[] = ['TODO', 'INPROGRESS', 'DONE', 'EXPIRED'];
export const settable = (status: Status) => SETTABLE_STATUSES.includes(status);
