import { Type } from 'typebox';
import type {
  Dashboard,
  DashboardParams,
  DashboardTodo,
} from '../../core/dashboard/dashboard.model.ts';
import { refTo } from '../../platform/http/problem.ts';
import type { Holds, Matches } from '../../platform/http/schema-match.ts';

const LevelSchema = Type.Union([Type.Literal('LOW'), Type.Literal('MEDIUM'), Type.Literal('HIGH')]);
const StatusSchema = Type.Union([
  Type.Literal('TODO'),
  Type.Literal('INPROGRESS'),
  Type.Literal('DONE'),
  Type.Literal('EXPIRED'),
]);
const Count = (description?: string) =>
  Type.Integer(description ? { minimum: 0, description } : { minimum: 0 });
const Eur = (description: string) =>
  Type.String({ description: `${description}; EUR, exact to the cent`, examples: ['1234.50'] });
const Day = (description: string) => Type.String({ format: 'date', description });
const WorkspaceKey = Type.String({ description: 'Workspace key', examples: ['IMP-NLD-EXA-SWA'] });

/**
 * `GET /dashboard`: one optional workspace. Unknown parameters are checked by the
 * service, which names them (as the list does), so the object stays open here.
 */
export const DashboardQuery = Type.Object(
  {
    workspace: Type.Optional(
      Type.String({
        maxLength: 200,
        description: "A workspace key; all the caller's workspaces when left out",
      }),
    ),
  },
  { additionalProperties: true },
);

/** A todo in one of the dashboard's short lists. */
export const DashboardTodoSchema = Type.Object(
  {
    key: Type.String({ examples: ['IMP-NLD-EXA-SWA-03'] }),
    title: Type.String(),
    todoType: Type.Union([Type.Literal('TASK'), Type.Literal('INCIDENT')]),
    status: StatusSchema,
    date: Day('The date that puts the todo in this list'),
    dateField: Type.Union([Type.Literal('dueDate'), Type.Literal('reminderDate')], {
      description: 'Which of the todo’s dates `date` is',
    }),
    workspace: WorkspaceKey,
    workspaceName: Type.String(),
  },
  { $id: 'DashboardTodo' },
);

const TodoShortList = {
  count: Count('Every todo in the list'),
  items: Type.Array(refTo(DashboardTodoSchema), {
    maxItems: 10,
    description: 'The first 10, earliest date first',
  }),
};

export const DashboardSchema = Type.Object(
  {
    today: Day("Today in the deployment's time zone: the date the figures were taken on"),
    workspace: Type.Union([WorkspaceKey, Type.Null()], {
      description: 'The workspace the figures are limited to; null: all the caller’s',
    }),
    riskMatrix: Type.Object(
      {
        cells: Type.Array(
          Type.Object({ impact: LevelSchema, likelihood: LevelSchema, count: Count() }),
          {
            description:
              'All nine impact × likelihood pairs, zeros included: impact HIGH to LOW, then ' +
              'likelihood LOW to HIGH',
          },
        ),
        unrated: Count('Open incidents without an impact or a likelihood'),
        total: Count('Every open incident (the cells plus unrated)'),
      },
      { description: 'Open incidents (status TODO or INPROGRESS) by impact and likelihood' },
    ),
    byStatus: Type.Array(
      Type.Object({
        workspace: WorkspaceKey,
        workspaceName: Type.String(),
        counts: Type.Object({
          TODO: Count(),
          INPROGRESS: Count(),
          DONE: Count(),
          EXPIRED: Count(),
        }),
        open: Count('TODO plus INPROGRESS'),
      }),
      { description: 'Todos (tasks and incidents) by workspace and status, workspaces by key' },
    ),
    financialImpact: Type.Object(
      {
        totalEur: Eur('Sum over the workspaces'),
        byWorkspace: Type.Array(
          Type.Object({
            workspace: WorkspaceKey,
            workspaceName: Type.String(),
            totalEur: Eur('Sum of the financial impact of the open incidents'),
            incidents: Count('Open incidents with a financial impact'),
          }),
        ),
      },
      { description: 'Potential financial impact of the open incidents' },
    ),
    overdue: Type.Object(TodoShortList, {
      description:
        'Open todos whose due date is before today. An open todo past its due date is only ' +
        'here until the expiry job marks it EXPIRED. A passed reminder date alone does not ' +
        'make a todo overdue: see `remindersPassed`.',
    }),
    remindersPassed: Type.Object(TodoShortList, {
      description:
        'Open todos whose reminder date is before today, with or without a due date ' +
        '(add-task sets the reminder date; it sets the due date only on DONE). A todo can be ' +
        'in both lists.',
    }),
    expiringSoon: Type.Object(
      { ...TodoShortList, until: Day('Today plus 7 days, inclusive') },
      {
        description:
          'Open todos the expiry job will mark EXPIRED within 7 days: due from today to `until`',
      },
    ),
  },
  { $id: 'Dashboard' },
);

export const dashboardSchemas = [DashboardTodoSchema, DashboardSchema];

/** The schemas describe the core's models exactly: a drift on either side stops compiling. */
export type DashboardSchemasMatchCore =
  | Holds<Matches<typeof DashboardQuery, DashboardParams>>
  | Holds<Matches<typeof DashboardTodoSchema, DashboardTodo>>
  | Holds<Matches<typeof DashboardSchema, Dashboard>>;
