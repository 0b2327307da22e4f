import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  signIn,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';

/** The details page's "Created by" line, read from its own description list entry. */
async function createdBy(page: Page): Promise<string> {
  const line = page
    .locator('.todo-header dt', { hasText: /^Created by$/ })
    .locator('xpath=following-sibling::dd[1]');
  await line.waitFor();
  return (await line.textContent()) ?? '';
}

// A day's work in the web app: the creator line names the person and the system the todo
// came from in one wording, whether it came through an API client or the web form; and
// opening the app logs no error.
describeBrowser('the creator line and a clean cold load', () => {
  let t: TestServer;
  let browser: Browser;
  let throughClient: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    // Seed 001's flow: a password grant, here through the ERP's API client.
    const grant = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'example@example.com',
        password: 'Ex@mpl3!',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    expect(grant.status, grant.text).toBe(200);
    const created = await t.request('POST', ADD_TASK, {
      token: grant.body.access_token,
      body: {
        todoType: 'INCIDENT',
        domain: 'IMP-NLD-EXA',
        workspace: 'SWA',
        title: 'Potential Customs claim',
        description: 'Operation started without proper approvals',
        status: 'IN PROGRESS',
        assignee: 'example@example.com',
        reporter: 'example@example.com',
      },
    });
    expect(created.status, created.text).toBe(201);
    throughClient = created.body.key;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('names the user, the API client and the API for a todo made by add-task', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/todo/${throughClient}`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('heading', { level: 1, name: 'Potential Customs claim' }).waitFor();
    await expect.poll(() => createdBy(w.page)).toBe('Example User via ERP (BzCtrl API)');
    const history = w.page.locator('.todo-history');
    await expect
      .poll(() => history.textContent())
      .toContain('Created by Example User via ERP (BzCtrl API)');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('says "web app" for a todo made in the web form', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/new?workspace=IMP-NLD-EXA-SWA&type=TASK`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('heading', { name: 'New task' }).waitFor();
    await w.page.getByLabel(/^Title( \*)?$/).fill('Check container seal');
    await w.page.getByLabel(/^Description( \*)?$/).fill('Seal number differs from the manifest');
    await w.page.getByLabel(/^Order ID( \*)?$/).fill('SO 86');
    await w.page.getByRole('button', { name: 'Create task' }).click();
    await w.page.waitForURL(/#\/todo\/IMP-NLD-EXA-SWA-\d+$/);
    await expect.poll(() => createdBy(w.page)).toBe('Example User via web app');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('logs no console error on a cold load, signed out or signed in', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/`);
    await w.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    // A reload with the session cookie finds the session at once.
    await w.page.reload();
    await w.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(w.rejected).toEqual([]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
