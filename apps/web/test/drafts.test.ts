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

const API = '/bzctrl-core-api/api/v1';
const EMAIL = 'example@example.com';
const PASSWORD = 'Ex@mpl3!';

// Issue 16, item 1: nothing typed is lost. Drafts of comments and of the todo form are kept
// in the browser, offered back after a reload or a new sign-in, and sent only on request.
describeBrowser('web app: drafts', () => {
  let t: TestServer;
  let browser: Browser;
  let key: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    token = await t.login(EMAIL);
    const res = await t.request('POST', `${API}/todos`, {
      token,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'TASK',
        title: 'Seal number differs from the manifest',
        description: 'Container MSCU1234567',
        reporter: EMAIL,
      },
    });
    expect(res.status, res.text).toBe(201);
    key = res.body.key;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const comments = async () => {
    const res = await t.request('GET', `${API}/todos/${key}/comments`, { token });
    expect(res.status).toBe(200);
    return (res.body.items as { body: string }[]).map((c) => c.body);
  };
  const box = (page: Page) => page.getByLabel('Add a comment');
  const offer = (page: Page) => page.getByRole('status').filter({ hasText: 'You have an unsent' });
  const drafts = (page: Page) =>
    page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('bzctrl:draft:'))
        .map((k) => [k, localStorage.getItem(k) ?? '']),
    );
  const hhmm = /from \d{2}:\d{2}$|from \d{1,2} \w{3}, \d{2}:\d{2}$/;

  it('keeps a comment typed as the session ends, offers it after sign-in and sends it only when asked', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/todo/${key}`);
    await signIn(page, EMAIL, PASSWORD);
    await box(page).waitFor();

    // Signed out in another tab of the same browser.
    const other = await w.context.newPage();
    await other.goto(`${t.url}/app/#/`);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('heading', { name: 'Sign in' }).waitFor();
    await other.close();

    const text = 'Seal 449120 photographed; customs informed.';
    await box(page).fill(text);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText('Your session has ended. Sign in to continue.').waitFor();
    expect(await comments()).toEqual([]);
    // Kept per user and todo, holding the text and when, nothing more.
    const stored = await drafts(page);
    expect(stored.map(([k]) => k)).toEqual([`bzctrl:draft:${EMAIL}:comment:${key}`]);
    expect(Object.keys(JSON.parse(stored[0]?.[1] ?? '{}')).sort()).toEqual(['savedAt', 'value']);
    expect(stored[0]?.[1]).not.toContain(PASSWORD);

    await signIn(page, EMAIL, PASSWORD);
    await offer(page).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/todo/${key}`);
    expect(await offer(page).textContent()).toMatch(/^You have an unsent comment from /);
    expect((await offer(page).locator('span').first().textContent()) ?? '').toMatch(hhmm);
    // Offered, not sent, and not yet back in the box.
    expect(await comments()).toEqual([]);
    expect(await box(page).inputValue()).toBe('');

    await page.getByRole('button', { name: 'Restore' }).click();
    expect(await box(page).inputValue()).toBe(text);
    expect(await offer(page).count()).toBe(0);
    expect(await comments()).toEqual([]);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.locator('.todo-comment__body', { hasText: text }).waitFor();
    expect(await comments()).toEqual([text]);
    // Sent: the draft is gone, a reload offers nothing.
    await expect.poll(() => drafts(page)).toEqual([]);
    await page.reload();
    await box(page).waitFor();
    await page.locator('.todo-comment__body', { hasText: text }).waitFor();
    expect(await offer(page).count()).toBe(0);

    // Again, and this time discarded: nothing is posted and the offer is gone for good.
    await w.context.clearCookies();
    await box(page).fill('A second thought');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText('Your session has ended. Sign in to continue.').waitFor();
    await signIn(page, EMAIL, PASSWORD);
    await offer(page).waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await offer(page).count()).toBe(0);
    expect(await box(page).inputValue()).toBe('');
    expect(await drafts(page)).toEqual([]);
    await page.reload();
    await box(page).waitFor();
    await page.locator('.todo-comment__body', { hasText: text }).waitFor();
    expect(await offer(page).count()).toBe(0);
    expect(await comments()).toEqual([text]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it("never offers one user's draft to another", async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/todo/${key}`);
    await signIn(page, EMAIL, PASSWORD);
    await box(page).fill('Only mine');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, 'username@example.com', 'Username1!');
    await box(page).waitFor();
    expect(await offer(page).count()).toBe(0);
    expect(await box(page).inputValue()).toBe('');
    await w.context.close();
  });

  // A label reads "Title *" when the field is required.
  const label = (page: Page, name: string) => page.getByLabel(new RegExp(`^${name}( \\*)?$`));

  it('keeps a new todo typed in the form over a reload, offered back and restored', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/new?workspace=IMP-NLD-EXA-SWA&type=TASK`);
    await signIn(page, EMAIL, PASSWORD);
    await label(page, 'Title').fill('Reefer alarm at berth 7');
    await label(page, 'Description').fill('Temperature rose to -12 °C');
    await label(page, 'Priority').selectOption({ label: 'High' });
    await label(page, 'Order ID').fill('SO 7');
    await page.reload();
    const formOffer = page.getByRole('status').filter({ hasText: 'You have an unsaved new todo' });
    await formOffer.waitFor();
    expect(await label(page, 'Title').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Restore' }).click();
    expect(await label(page, 'Title').inputValue()).toBe('Reefer alarm at berth 7');
    expect(await label(page, 'Description').inputValue()).toBe('Temperature rose to -12 °C');
    expect(await label(page, 'Priority').inputValue()).toBe('HIGH');
    expect(await label(page, 'Order ID').inputValue()).toBe('SO 7');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/#\/todo\/IMP-NLD-EXA-SWA-\d+$/);
    // Created: the draft is gone.
    expect(await drafts(page)).toEqual([]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('keeps changes to an existing todo over a reload, without undoing changes made since', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/todo/${key}/edit`);
    await signIn(page, EMAIL, PASSWORD);
    await label(page, 'Title').fill('Seal number differs (checked twice)');
    // Meanwhile someone else sets the priority.
    const patch = await t.request('PATCH', `${API}/todos/${key}`, {
      token,
      body: { priority: 'LOW' },
    });
    expect(patch.status, patch.text).toBe(200);
    await page.reload();
    const editOffer = page
      .getByRole('status')
      .filter({ hasText: `You have unsaved changes to ${key}` });
    await editOffer.waitFor();
    await page.getByRole('button', { name: 'Restore' }).click();
    expect(await label(page, 'Title').inputValue()).toBe('Seal number differs (checked twice)');
    expect(await label(page, 'Priority').inputValue()).toBe('LOW');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`#/todo/${key}$`));
    const todo = await t.request('GET', `${API}/todos/${key}`, { token });
    expect(todo.body.title).toBe('Seal number differs (checked twice)');
    expect(todo.body.priority).toBe('LOW');
    expect(await drafts(page)).toEqual([]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
