/** What listing todos takes: its parameters, sort orders and page sizes. */

/** The sort orders a list can take; `-` means descending. The id breaks ties. */
export const LIST_SORTS = [
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
  'dueDate',
  '-dueDate',
  'reminderDate',
  '-reminderDate',
] as const;
export type ListSort = (typeof LIST_SORTS)[number];

export const LIST_LIMIT = { default: 50, max: 200 } as const;

/**
 * The list's parameters. Filters are optional and combine with AND; the values of a
 * multi-valued one combine with OR. Enum values are still as sent (the service forgives
 * case and spaces), dates as text: the service checks them and names a bad parameter.
 */
export interface ListTodosParams {
  workspace?: string[];
  type?: string[];
  status?: string[];
  priority?: string[];
  impact?: string[];
  likelihood?: string[];
  assignee?: string[];
  reporter?: string[];
  tag?: string[];
  category?: string[];
  q?: string;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  dueFrom?: string;
  dueTo?: string;
  reminderFrom?: string;
  reminderTo?: string;
  /** `system:id`. */
  externalRef?: string;
  sort?: ListSort;
  limit?: number;
  /** The `nextCursor` of the previous page, as returned. */
  cursor?: string;
  /** Also count every matching todo. */
  total?: boolean;
}

/** Every parameter the list knows, each once (the type says so); any other is refused by name. */
const KNOWN: Record<keyof ListTodosParams, true> = {
  workspace: true,
  type: true,
  status: true,
  priority: true,
  impact: true,
  likelihood: true,
  assignee: true,
  reporter: true,
  tag: true,
  category: true,
  q: true,
  createdFrom: true,
  createdTo: true,
  updatedFrom: true,
  updatedTo: true,
  dueFrom: true,
  dueTo: true,
  reminderFrom: true,
  reminderTo: true,
  externalRef: true,
  sort: true,
  limit: true,
  cursor: true,
  total: true,
};
export const LIST_PARAMS = Object.keys(KNOWN) as (keyof ListTodosParams)[];
