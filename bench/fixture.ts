import { validateProvisionDoc } from '../apps/server/src/core/provisioning/provision.service.ts';

/** What the create benchmarks provision and send: seed 001's world and request. */

export const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';

export const REPORTER = { email: 'user@vtti.com', password: 'Bench-reporter-1' };

export const provisioning = validateProvisionDoc({
  domains: [
    { code: 'VTT-NLD-TML', name: 'Bench Terminal', workspaces: [{ code: 'FIN', name: 'Finance' }] },
  ],
  users: [
    {
      email: REPORTER.email,
      name: 'Bench Reporter',
      password: REPORTER.password,
      role: 'member',
      workspaces: ['VTT-NLD-TML-FIN'],
    },
    {
      email: 'rge@vtti.com',
      name: 'Bench Assignee',
      role: 'member',
      workspaces: ['VTT-NLD-TML-FIN'],
    },
  ],
});

/** Seed 001's request, filled in the way an integrating system would. */
export const body = JSON.stringify({
  todoType: 'TASK',
  domainWorkSpace: 'VTT-NLD-TML-FIN',
  title: 'Tank 12 inlet valve leaking during discharge',
  description:
    'Operator reported a slow leak at the inlet valve of tank 12 while discharging vessel ' +
    'MT Example. Discharge paused; maintenance to inspect the seal before restart.',
  financialImpact: '1234.50',
  impact: 'HIGH',
  likelihood: 'MEDIUM',
  priority: 'HIGH',
  status: 'TODO',
  assignee: 'rge@vtti.com',
  reporter: REPORTER.email,
  category: ['Customs', 'Fetsa'],
  orderID: 'SO 777',
  lrn: '24NL0000000000001',
  reminderDate: '2024-09-27',
});
