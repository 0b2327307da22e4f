// Request bodies from the seeds, verbatim, shared by the tests that send them.

/** Seed 001's sample request body, verbatim (its users exist in the fixture). */
export const SEED_001 = {
  todoType: 'TASK',
  domainWorkSpace: 'VTT-NLD-TML-FIN',
  title: 'title',
  description: 'description',
  result: 'result',
  financialImpact: '123',
  impact: 'HIGH',
  likelihood: 'MEDIUM',
  status: 'TODO',
  priority: 'HIGH',
  assignee: 'rge@vtti.com',
  reporter: 'user@vtti.com',
  category: ['Customs', 'Fetsa'],
  subCategory: ['high'],
  lrn: 'test',
  orderID: 'tag',
  reminderDate: '2024-09-27',
};
