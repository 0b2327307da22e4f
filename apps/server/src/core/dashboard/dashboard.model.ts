import type { Level, Status, TodoType } from '../todos/todo-fields.ts';

/** The parameters the dashboard takes; any other one is refused by name. */
export const DASHBOARD_PARAMS = ['workspace'] as const;

export interface DashboardParams {
  /** A workspace key; all the caller's workspaces when left out. */
  workspace?: string;
}

/** A todo in one of the dashboard's short lists. */
export interface DashboardTodo {
  key: string;
  title: string;
  todoType: TodoType;
  status: Status;
  /** The date that puts the todo in this list. */
  date: string;
  /** Which of the todo's dates `date` is. */
  dateField: 'dueDate' | 'reminderDate';
  workspace: string;
  workspaceName: string;
}

export interface TodoShortList {
  /** Every todo in the list. */
  count: number;
  /** The first few, earliest date first. */
  items: DashboardTodo[];
}

/** Open todos due from today to `until`. */
export interface ExpiringList extends TodoShortList {
  until: string;
}

export interface Dashboard {
  /** Today in the deployment's time zone. */
  today: string;
  /** The workspace the figures are limited to; null: all the caller's. */
  workspace: string | null;
  /** Open incidents by impact and likelihood. */
  riskMatrix: {
    cells: { impact: Level; likelihood: Level; count: number }[];
    unrated: number;
    total: number;
  };
  byStatus: {
    workspace: string;
    workspaceName: string;
    counts: Record<Status, number>;
    open: number;
  }[];
  /** EUR amounts as decimal strings, exact to the cent. */
  financialImpact: {
    totalEur: string;
    byWorkspace: {
      workspace: string;
      workspaceName: string;
      totalEur: string;
      incidents: number;
    }[];
  };
  /** Open todos whose due date passed. */
  overdue: TodoShortList;
  /** Open todos whose reminder date passed, due or not. */
  remindersPassed: TodoShortList;
  expiringSoon: ExpiringList;
}
