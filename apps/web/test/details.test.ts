import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
  todoProp,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';

/** A date as the page shows dates (en-GB, medium), in this machine's zone like the browser's. */
const shown = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(new Date(`${iso}T00:00:00`));
/**
 * The server's time zone (BZCTRL_TIMEZONE): a move to Done sets the due date to today
 * there, whatever the browser's day. Fourteen hours ahead of UTC, so on most hours of
 * any day it differs from the day of a machine in UTC or to the west of it.
 */
const SERVER_ZONE = 'Pacific/Kiritimati';
/** Today in the server's zone, YYYY-MM-DD. */
const todayIso = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: SERVER_ZONE }).format(new Date());

const prop = todoProp;

// The details page a taskLink opens: a todo created by an API client, read and worked on
// by a member of its workspace, hidden from a user of another workspace.
describeBrowser('todo details page', () => {
  let t: TestServer;
  let browser: Browser;
  let link: string;
  let key: string;
  /** The `erp` API client's token (client credentials). */
  let erp: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { BZCTRL_TIMEZONE: SERVER_ZONE } });
    browser = await launchBrowser();
    const token = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    expect(token.status).toBe(200);
    erp = token.body.access_token;
    const res = await t.request('POST', ADD, {
      token: erp,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Seal number differs from the manifest',
        description: 'Container MSCU1234567: seal 449120 found, manifest says 449210.',
        result: 'Awaiting customs inspection',
        financialImpact: '12500.5',
        impact: 'HIGH',
        likelihood: 'MEDIUM',
        priority: 'HIGH',
        status: 'INPROGRESS',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
        category: ['Customs', 'Seals'],
        subCategory: ['Import'],
        orderID: 'SO-4711',
        lrn: '24NL0000000000001',
        tags: ['urgent'],
        reminderDate: '2030-01-15',
        externalRef: { system: 'SAP-ERP', id: 'SO-4711' },
      },
    });
    expect(res.status, res.text).toBe(201);
    key = res.body.key;
    // The taskLink names BZCTRL_PUBLIC_URL; the test server's port is only known now.
    const url = new URL(res.body.taskLink);
    expect(url.hash).toBe(`#/todo/${key}`);
    link = `${t.url}${url.pathname}${url.hash}`;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens a taskLink after sign-in and shows every field, then works the todo', async () => {
    const w = await openPage(browser, { width: 1280, height: 800 });
    const { page } = w;
    await page.goto(link);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, 'example@example.com', 'Ex@mpl3!');

    // Lands on the todo the link named.
    await page
      .getByRole('heading', { level: 1, name: 'Seal number differs from the manifest' })
      .waitFor();
    expect(new URL(page.url()).hash).toBe(`#/todo/${key}`);
    const header = page.locator('.todo-header');
    await expect.poll(() => header.textContent()).toContain('ERP (API client) via BzCtrl API');
    const headerText = await header.textContent();
    for (const text of [
      key,
      'Task',
      'In Progress',
      'Inbound Control',
      'IMP-NLD-EXA-SWA',
      'Example Import NL',
      'SAP-ERP · SO-4711',
    ]) {
      expect(headerText).toContain(text);
    }

    const expected: Record<string, string> = {
      Description: 'Container MSCU1234567: seal 449120 found, manifest says 449210.',
      Result: 'Awaiting customs inspection',
      'Financial impact': '€12,500.50',
      Impact: 'High',
      Likelihood: 'Medium',
      Priority: 'High',
      Assignee: 'username@example.com',
      Reporter: 'example@example.com',
      Categories: 'CustomsSeals',
      'Sub-categories': 'Import',
      Tags: 'urgent',
      'Order ID': 'SO-4711',
      LRN: '24NL0000000000001',
      Location: '—',
      'Reminder date': shown('2030-01-15'),
      'Due date': '—',
    };
    for (const [label, value] of Object.entries(expected)) {
      expect(await prop(page, label).textContent(), label).toContain(value);
    }
    // Tags show orderID and LRN too (the server keeps them among the tags).
    expect(await prop(page, 'Tags').textContent()).toContain('SO-4711');

    // Done: the server sets the due date to today, and the page says so.
    const status = page.getByRole('group', { name: 'Status' });
    expect(await status.getByRole('button', { name: 'Expired' }).isDisabled()).toBe(true);
    const dayBefore = todayIso();
    await status.getByRole('button', { name: 'Done' }).click();
    const dueNotice = page.getByRole('status').filter({ hasText: 'Due date set to' });
    await dueNotice.waitFor();
    // The day the server saw: the one before the click, unless its midnight came between.
    const days = [...new Set([dayBefore, todayIso()])];
    expect(days.map((d) => `Due date set to ${shown(d)}`)).toContain(await dueNotice.textContent());
    await expect
      .poll(() => prop(page, 'Due date').locator('time').getAttribute('datetime'))
      .toBeOneOf(days);
    expect(await status.getByRole('button', { name: 'Done' }).getAttribute('aria-pressed')).toBe(
      'true',
    );

    // An inline change, and a field error shown at the field.
    await page.getByRole('button', { name: 'Edit assignee' }).click();
    await page.getByLabel('Assignee').fill('outsider@other.example');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.todo-prop .field__error').waitFor();
    expect(await page.getByLabel('Assignee').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Assignee').fill('example@example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => prop(page, 'Assignee').textContent()).toContain('example@example.com');

    // Someone else changes the todo meanwhile: the page's next change is refused (412,
    // If-Match), said in words, and the page shows the other change.
    const other = await t.request('PATCH', `/bzctrl-core-api/api/v1/todos/${key}`, {
      token: erp,
      body: { priority: 'LOW' },
    });
    expect(other.status, other.text).toBe(200);
    await page.getByRole('button', { name: 'Edit likelihood' }).click();
    await page.getByLabel('Likelihood').selectOption('HIGH');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Someone else changed this todo in the meantime').waitFor();
    await expect.poll(() => prop(page, 'Priority').textContent()).toContain('Low');
    // Saved again on the reloaded todo, it goes through.
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => prop(page, 'Likelihood').textContent()).toContain('High');

    // A comment.
    await page.getByLabel('Add a comment').fill('Customs released the container.');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page
      .locator('.todo-comment__body', { hasText: 'Customs released the container.' })
      .waitFor();

    // Watchers: two added, one removed again.
    const watchers = page.locator('.todo-watchers');
    for (const email of ['username@example.com', 'example@example.com']) {
      await page.getByLabel('Add a watcher').fill(email);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await watchers.getByText(email).waitFor();
    }
    expect(await watchers.textContent()).toContain('Seed User');
    await page.getByRole('button', { name: 'Stop example@example.com watching' }).click();
    await expect.poll(() => watchers.textContent()).not.toContain('example@example.com');

    // A file over the 25 MB limit: refused on the page, in megabytes, before any request.
    const uploads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/uploads')) uploads.push(r.url());
    });
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-big-'));
    try {
      const big = join(dir, 'scan of the container.pdf');
      writeFileSync(big, '');
      truncateSync(big, 25 * 1024 * 1024 + 1);
      await page.getByLabel('Attach a file').setInputFiles(big);
      await page
        .getByText(
          'scan of the container.pdf was not attached: it is larger than 25 MB, ' +
            'the largest file BzCtrl accepts',
          { exact: true },
        )
        .waitFor();
      const bigger = join(dir, 'video.mp4');
      writeFileSync(bigger, '');
      truncateSync(bigger, 30 * 1024 * 1024);
      await page.getByLabel('Attach a file').setInputFiles(bigger);
      await page
        .getByText(
          'video.mp4 was not attached: it is larger than 25 MB, the largest file BzCtrl accepts (30 MB)',
        )
        .waitFor();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(uploads).toEqual([]);
    expect(await page.getByRole('progressbar').count()).toBe(0);

    // A file: uploaded with progress, attached, then downloaded byte for byte.
    const bytes = Buffer.from(`%PDF-1.4\n${'inspection report '.repeat(4000)}\n%%EOF\n`);
    await page.getByLabel('Attach a file').setInputFiles({
      name: 'inspection report.pdf',
      mimeType: 'application/pdf',
      buffer: bytes,
    });
    await page.getByText('inspection report.pdf attached').waitFor();
    expect(uploads).toHaveLength(1);
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('100');
    const fileLink = page.getByRole('link', { name: 'inspection report.pdf' });
    await fileLink.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), fileLink.click()]);
    expect(download.suggestedFilename()).toBe('inspection report.pdf');
    const path = await download.path();
    expect(readFileSync(path).equals(bytes)).toBe(true);

    // The history has the status change, the comment and the file, by whom and how.
    const history = page.locator('.todo-history');
    await expect.poll(() => history.textContent()).toContain('inspection report.pdf');
    const historyText = (await history.textContent()) ?? '';
    expect(historyText).toMatch(/Status\s*In Progress → Done/);
    expect(historyText).toMatch(/Financial impact\s*€12,500.50/);
    expect(historyText).not.toContain('financialImpactCents');
    expect(historyText).toContain('Customs released the container.');
    expect(historyText).toContain('Attached a file by Example User via web app');
    expect(historyText).toContain('Created by ERP (API client) via BzCtrl API');
    expect(historyText).toContain('Added a watcher by Example User');
    expect(historyText).toContain('Removed a watcher by Example User');

    // Two columns at 1280 px: the properties beside the main content.
    const [mainBox, sideBox] = await Promise.all([
      page.locator('.todo-layout__main').boundingBox(),
      page.locator('.todo-layout__side').boundingBox(),
    ]);
    expect(sideBox?.x).toBeGreaterThan((mainBox?.x ?? 0) + (mainBox?.width ?? 0));

    // Full-page, from the top (the sticky top bar would otherwise sit mid-page).
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'details');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('is one column on a narrow screen', async () => {
    const w = await openPage(browser, { width: 700, height: 900 });
    await w.page.goto(link);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('heading', { level: 1 }).waitFor();
    await w.page.locator('.todo-layout aside').waitFor();
    const [main, side, activity] = await Promise.all([
      w.page.locator('.todo-layout__main').boundingBox(),
      w.page.locator('.todo-layout__side').boundingBox(),
      w.page.locator('.todo-layout__activity').boundingBox(),
    ]);
    // Details, then properties, then the activity, each below the one before.
    expect(side?.y).toBeGreaterThan((main?.y ?? 0) + (main?.height ?? 0) - 1);
    expect(activity?.y).toBeGreaterThan((side?.y ?? 0) + (side?.height ?? 0) - 1);
    // Nothing wider than the screen.
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      700,
    );
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('shows a user of another workspace the not-found state, not the todo', async () => {
    const w = await openPage(browser);
    await w.page.goto(link);
    await signIn(w.page, 'outsider@other.example', 'Outsider-1');
    await w.page.getByText('Not found, or not in a workspace you can use').waitFor();
    const body = (await w.page.locator('main').textContent()) ?? '';
    expect(body).not.toContain('Seal number differs');
    expect(body).not.toContain('SO-4711');
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
