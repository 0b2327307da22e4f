import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const TODOS = '/bzctrl-core-api/api/v1/todos';

/** Editable controls: a read-only page has none of these. */
const EDITABLE = 'button, input, textarea, select, [contenteditable="true"]';

// A shared link's page: the todo alone, read-only, for a browser that never signed in.
describeBrowser('shared link page', () => {
  let t: TestServer;
  let browser: Browser;
  let member: string;
  let key: string;

  /** The link's URL on the test server (the link names BZCTRL_PUBLIC_URL). */
  const onServer = (url: string) => {
    const u = new URL(url);
    expect(u.hash).toMatch(/^#\/shared\/[^/]+$/);
    return `${t.url}${u.pathname}${u.hash}`;
  };

  /** Waits until the shared todo is shown, and checks it is read-only. */
  const expectReadOnlyTodo = async (page: Page) => {
    await page.getByRole('heading', { level: 1, name: 'Broken seal on MSCU1234567' }).waitFor();
    expect(await page.locator(EDITABLE).count()).toBe(0);
    expect(await page.getByText(/edit/i).count()).toBe(0);
    // Nothing leads elsewhere in the app (no other todo, no navigation).
    expect(await page.locator('a[href]').count()).toBe(0);
    expect(new URL(page.url()).hash).toMatch(/^#\/shared\//);
  };

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    member = await t.login('example@example.com');
    const res = await t.request('POST', TODOS, {
      token: member,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'INCIDENT',
        title: 'Broken seal on MSCU1234567',
        description: 'Found at gate 3 by the clerk',
        priority: 'HIGH',
        tags: ['seal'],
      },
    });
    expect(res.status, res.text).toBe(201);
    key = res.body.key;
    const done = await t.request('PATCH', `${TODOS}/${key}`, {
      token: member,
      body: { status: 'DONE' },
    });
    expect(done.status, done.text).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the todo, its status and status history without a sign-in, and nothing to edit', async () => {
    const link = await t.request('POST', `${TODOS}/${key}/links`, {
      token: member,
      body: { expiresIn: 600 },
    });
    expect(link.status, link.text).toBe(201);
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(onServer(link.body.url));
    await expectReadOnlyTodo(page);
    const header = page.locator('.todo-header');
    expect(await header.textContent()).toContain(key);
    const status = header.locator('dt', { hasText: /^Status$/ }).locator('xpath=../dd');
    expect(await status.textContent()).toBe('Done');
    const history = page.getByRole('region', { name: 'Status history' });
    expect(await history.locator('li').allTextContents()).toEqual([
      expect.stringContaining('In Progress → Done'),
      expect.stringContaining('Created as In Progress'),
    ]);
    // Never the sign-in form, nor the app's session.
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    await screenshot(page, 'shared');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('says so when the link is revoked', async () => {
    const link = await t.request('POST', `${TODOS}/${key}/links`, { token: member, body: {} });
    const revoke = await t.request('DELETE', `${TODOS}/${key}/links`, { token: member });
    expect(revoke.status).toBe(204);
    const w = await openPage(browser);
    await w.page.goto(onServer(link.body.url));
    await w.page.getByText('This link does not work').waitFor();
    expect(await w.page.getByText('Broken seal on MSCU1234567').count()).toBe(0);
    expect(await w.page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    await w.context.close();
  });

  it('makes a link from the details page that opens the read-only page', async () => {
    const w = await openPage(browser);
    const { page, context } = w;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await page.goto(`${t.url}/app/#/todo/${key}`);
    await signIn(page, 'example@example.com', 'Ex@mpl3!');
    await page.getByRole('heading', { level: 1, name: 'Broken seal on MSCU1234567' }).waitFor();

    await page.getByRole('button', { name: 'Share read-only link' }).click();
    const panel = page.getByRole('region', { name: 'Share read-only link' });
    await panel.getByLabel('Link works for').selectOption({ label: '1 hour' });
    await panel.getByRole('button', { name: 'Create link' }).click();
    const url = await panel.getByRole('textbox', { name: 'Read-only link' }).inputValue();
    expect(url).toMatch(/^https:\/\/bzctrl\.test\/app\/#\/shared\/.+/);
    await screenshot(page, 'share-link');
    await panel.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    // One hour, as chosen.
    const expires = await panel.locator('time').getAttribute('datetime');
    expect(Math.abs(Date.parse(expires ?? '') - Date.now() - 3_600_000)).toBeLessThan(60_000);
    expectNoConsoleErrors(w);
    await context.close();

    // A browser that never signed in opens it.
    const other = await openPage(browser);
    await other.page.goto(onServer(url));
    await expectReadOnlyTodo(other.page);
    expectNoConsoleErrors(other);
    await other.context.close();
  });
});
