import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  signIn,
} from '../../server/test/support/browser.ts';
import { fixture, startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const API = '/bzctrl-core-api/api/v1';

// The todo form's hints that never block: a past reminder or due date is said at the field
// (the server takes it; the lifecycle then acts at once), and a chosen day reads in the
// app's own date format. Browser suites run on SQLite only (the UI is dialect-independent).
describeBrowser('web app: form hints', () => {
  let t: TestServer;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { provision: fixture });
    browser = await launchBrowser();
    token = await t.login('example@example.com');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const label = (page: Page, name: string) => page.getByLabel(new RegExp(`^${name}( \\*)?$`));
  /** A day `days` from today in the browser's own calendar, and how the app writes it. */
  const dayInBrowser = (page: Page, days: number) =>
    page.evaluate((n) => {
      const d = new Date();
      d.setDate(d.getDate() + n);
      const pad = (v: number) => String(v).padStart(2, '0');
      return {
        iso: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
        shown: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(d),
      };
    }, days);

  it('warns at a past due date without refusing it, and the todo is created', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/new`);
    await signIn(page, 'example@example.com', 'Ex@mpl3!');
    await page.getByRole('heading', { name: 'New incident' }).waitFor();
    await label(page, 'Domain').selectOption('VTT-NLD-TML');
    await label(page, 'Workspace').selectOption('VTT-NLD-TML-FIN');
    await label(page, 'Title').fill('Seal check with a passed due date');
    await label(page, 'Description').fill('The seal of the container is checked by then.');
    await label(page, 'Order ID').fill('SO 28');

    const due = label(page, 'Due date');
    const warning = 'This date has passed: the todo expires as soon as it is saved.';
    const future = await dayInBrowser(page, 3);
    await due.fill(future.iso);
    await page.getByText(`Chosen: ${future.shown}.`, { exact: true }).waitFor();
    expect(await page.getByText(warning, { exact: true }).count()).toBe(0);

    const past = await dayInBrowser(page, -2);
    await due.fill(past.iso);
    await page.getByText(warning, { exact: true }).waitFor();
    await page.getByText(`Chosen: ${past.shown}.`, { exact: true }).waitFor();
    // The warning is tied to the input for screen readers, and it is not an error.
    const describedBy = (await due.getAttribute('aria-describedby')) ?? '';
    const ids = describedBy.split(' ').filter(Boolean);
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(texts).toContain(warning);
    expect(await due.getAttribute('aria-invalid')).toBe('false');

    await page.getByRole('button', { name: 'Create incident' }).click();
    await page.waitForURL(/#\/todo\/VTT-NLD-TML-FIN-\d+$/);
    const key = /^#\/todo\/([^/?]+)$/.exec(new URL(page.url()).hash)?.[1];
    const res = await t.request('GET', `${API}/todos/${key}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: 'Seal check with a passed due date',
      dueDate: past.iso,
    });
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('counts a title near its limit and keeps a pasted over-long title whole, saying so', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/new`);
    await signIn(page, 'example@example.com', 'Ex@mpl3!');
    await page.getByRole('heading', { name: 'New incident' }).waitFor();
    const title = label(page, 'Title');
    // The limit as the form states it once the title is past it.
    await title.fill('x'.repeat(1000));
    const said = await page.getByText(/^1000 \/ \d+ characters$/).textContent();
    const max = Number(/\/ (\d+) characters/.exec(said ?? '')?.[1]);
    expect(max).toBeGreaterThan(10);
    // Below 80% of the limit: no counter.
    await title.fill('x'.repeat(Math.floor(max * 0.5)));
    expect(await page.getByText(`${Math.floor(max * 0.5)} / ${max} characters`).count()).toBe(0);
    // Near it: counted.
    await title.fill('y'.repeat(max - 1));
    await page.getByText(`${max - 1} / ${max} characters`, { exact: true }).waitFor();
    // Past it: kept whole (no silent cut), and said at the field.
    const pasted = 'z'.repeat(max + 25);
    await title.fill(pasted);
    expect(await title.inputValue()).toBe(pasted);
    await page
      .getByText(`Too long by 25 characters: shorten it to ${max}.`, { exact: true })
      .waitFor();
    // Saving is refused at the field, nothing is sent.
    await page.getByRole('button', { name: 'Create incident' }).click();
    await page.getByText(`Use at most ${max} characters.`, { exact: true }).waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/new/);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
