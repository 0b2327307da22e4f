import type { TestProject } from 'vitest/node';
import { startPgCluster } from './postgres-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the suites create their databases on; '' when skipped. */
    postgresUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: BZCTRL_TEST_POSTGRES_URL when given, otherwise a
 * throwaway cluster started here and removed afterwards. BZCTRL_TEST_DIALECTS=sqlite
 * skips PostgreSQL (the suites say so); the default and CI run both.
 */
export default async function setup(project: TestProject) {
  const dialects = (process.env.BZCTRL_TEST_DIALECTS ?? 'sqlite,postgres').split(',');
  if (!dialects.includes('postgres')) {
    project.provide('postgresUrl', '');
    return;
  }
  if (process.env.BZCTRL_TEST_POSTGRES_URL) {
    project.provide('postgresUrl', process.env.BZCTRL_TEST_POSTGRES_URL);
    return;
  }
  const cluster = await startPgCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
