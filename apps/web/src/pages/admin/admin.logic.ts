// The admin pages' pure logic: how a save's field errors find the field that shows them,
// choices for selects, list inputs read as lists, and an endpoint's defaults in words.

import { atField } from '@bzctrl/form-contract';
import type { components } from '@bzctrl/sdk';
import { LEVEL_LABEL, STATUS_LABEL, TYPE_LABEL } from '../../ui/format.ts';

/**
 * A failed save split for a form: errors of the fields the form shows (by name: `workspaces[1]`
 * counts for `workspaces`, `defaults.reporter` for `defaults.reporter`), and the rest in words
 * for the top of the form, so no message is lost because no field carries it.
 */
export interface FormFailure {
  fields: Record<string, string>;
  general: string[];
}

export const noFailure: FormFailure = { fields: {}, general: [] };

/**
 * Splits the API's field errors (JSON pointers or dotted paths) between the fields a form
 * shows, the first error of each as a sentence at its field, and the general messages.
 */
export function splitFieldErrors(
  errors: readonly { field: string; message: string }[],
  shown: readonly string[],
): FormFailure {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const e of errors) {
    const path = e.field.replace(/^\/+/, '').replace(/\//g, '.');
    const name = [path, path.replace(/\[\d+\]/g, ''), path.split(/[.[]/)[0] ?? path].find((n) =>
      shown.includes(n),
    );
    if (name) fields[name] ??= atField(e.message);
    else general.push(`${e.field}: ${e.message}`);
  }
  return { fields, general };
}

export interface Option<V extends string | number = string> {
  value: V;
  label: string;
}

/** The options with a first one for no choice (the empty value). */
export function withNone<V extends string | number>(
  label: string,
  options: readonly Option<V>[],
): Option<V | ''>[] {
  return [{ value: '', label }, ...options];
}

/** Things with a key and a name (domains, workspaces) as choices: "KEY · Name". */
export function keyOptions(items: readonly { key: string; name: string }[]): Option[] {
  return items.map((i) => ({ value: i.key, label: `${i.key} · ${i.name}` }));
}

/** Text split at `separator` into a list, trimmed, empty entries dropped. */
function listOf(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Lines of a textarea as a list (blank lines dropped). */
export const lines = (text: string) => listOf(text, '\n');

/** A comma-separated input as a list (tags). */
export const commaList = (text: string) => listOf(text, ',');

type Defaults = components['schemas']['ExposedEndpoint']['defaults'];

/** A short reading of an exposed endpoint's defaults for the list. */
export function describeDefaults(d: Defaults): string {
  const parts = [
    d.todoType && TYPE_LABEL[d.todoType],
    d.status && STATUS_LABEL[d.status],
    d.priority && `${LEVEL_LABEL[d.priority]} priority`,
    d.reporter && `reporter ${d.reporter}`,
    d.assignee && `assignee ${d.assignee}`,
    d.tags?.length ? `tags ${d.tags.join(', ')}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ') || '—';
}
