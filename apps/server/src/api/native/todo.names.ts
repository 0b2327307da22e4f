import { PATCHABLE_FIELDS as CORE_PATCHABLE_FIELDS } from '../../core/todos/todo-fields.ts';

/**
 * The native API's own field vocabulary: the name it gives the order id (`orderID`), what
 * a PATCH may carry and why a field is refused. The core speaks its own names
 * (`orderId`); these routes translate in both directions, errors included.
 */

/** Core name → native name, where they differ. */
export const NATIVE_NAMES: Partial<Record<string, string>> = { orderId: 'orderID' };

/** A native body in the core's names: `orderID` becomes `orderId`. */
export function coreInputOf<T extends { orderID?: unknown }>(
  body: T,
): Omit<T, 'orderID'> & { orderId?: unknown } {
  const { orderID, ...rest } = body;
  return orderID === undefined ? rest : { ...rest, orderId: orderID };
}

/** What a PATCH may change, by its name on the native API. */
export const PATCHABLE_FIELDS: readonly string[] = CORE_PATCHABLE_FIELDS.map(
  (name) => NATIVE_NAMES[name] ?? name,
);

/** Fields a todo shows but a caller may not change, with the reason given back. */
const READ_ONLY_FIELDS: Record<string, string> = {
  workspace: 'may not be changed: a todo stays in the workspace it was created in',
  domainWorkSpace: 'may not be changed: a todo stays in the workspace it was created in',
  workspaceName: 'may not be changed: a todo stays in the workspace it was created in',
  domain: 'may not be changed: a todo stays in the workspace it was created in',
  key: 'may not be changed: keys are given by the system',
  id: 'may not be changed: ids are given by the system',
  createdAt: 'may not be changed: set by the system',
  updatedAt: 'may not be changed: set by the system',
  createdVia: 'may not be changed: set by the system',
  taskLink: 'may not be changed: set by the system',
  creator: 'may not be changed: set by the system',
  taskType: 'may not be changed directly: it is a copy of todoType; change todoType',
  financialImpactCurrency: 'may not be changed: amounts are in EUR',
  location: 'may not be changed here: set it through the ITSM API (locationName)',
};

/**
 * Why a PATCH may not carry a field, or undefined when it may. Each refused field is
 * named (a silently ignored change would look applied to the caller).
 */
export function patchFieldProblem(name: string): string | undefined {
  if (PATCHABLE_FIELDS.includes(name)) return undefined;
  return (
    READ_ONLY_FIELDS[name] ?? `is not a field of a todo (known: ${PATCHABLE_FIELDS.join(', ')})`
  );
}

/** Why the native create body may not carry a field (it is strict: a typo is named). */
export function createFieldProblem(name: string): string {
  const hints: Record<string, string> = {
    domainWorkSpace: 'use workspace (the workspace key, e.g. IMP-NLD-EXA-SWA)',
    domain: 'use workspace (the workspace key, e.g. IMP-NLD-EXA-SWA)',
    LRN: 'use lrn',
    orderId: 'use orderID',
    type: 'use todoType',
    taskType: 'use todoType',
  };
  if (hints[name]) return `is not a field of the native API: ${hints[name]}`;
  if (READ_ONLY_FIELDS[name]) return 'is set by the system';
  return 'is not a field of a todo';
}
