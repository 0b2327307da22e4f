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

const SWA = 'IMP-NLD-EXA-SWA';
const FIN = 'VTT-NLD-TML-FIN';
const OPS = 'OTH-BEL-ANT-OPS';
const STATUSES = ['TODO', 'INPROGRESS', 'DONE'] as const;
const LEVELS = ['HIGH', 'MEDIUM', 'LOW'] as const;

/** What the seeding created, to compare the page with. */
interface Seeded {
  key: string;
  workspace: string;
  status: string;
  title: string;
}

// The todo lists (#/todos): filters, search, sort, pages and counts, all kept in the URL.
describeBrowser('web app: todo lists', () => {
  let t: TestServer;
  let browser: Browser;
  const seeded: Seeded[] = [];

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    // 18 todos in SWA and 12 in FIN for the member, 2 in a workspace they cannot see.
    const member = await t.login('example@example.com');
    for (let i = 0; i < 30; i++) {
      const workspace = i % 5 < 3 ? SWA : FIN;
      const status = STATUSES[i % 3] ?? 'TODO';
      const title = i % 7 === 0 ? `Container seal mismatch ${i}` : `Routine check ${i}`;
      const res = await t.request('POST', '/bzctrl-core-api/api/v1/todos', {
        token: member,
        body: {
          workspace,
          todoType: i % 2 === 0 ? 'INCIDENT' : 'TASK',
          title,
          description: `Seeded todo number ${i}`,
          status,
          priority: LEVELS[i % 3],
          reporter: 'example@example.com',
          dueDate: `2026-04-${String((i % 28) + 1).padStart(2, '0')}`,
        },
      });
      expect(res.status, res.text).toBe(201);
      seeded.push({ key: res.body.key, workspace, status, title });
    }
    const outsider = await t.login('outsider@other.example');
    for (const n of [1, 2]) {
      const res = await t.request('POST', '/bzctrl-core-api/api/v1/todos', {
        token: outsider,
        body: {
          workspace: OPS,
          todoType: 'TASK',
          title: `Container seal mismatch elsewhere ${n}`,
          description: 'Not for the member',
          reporter: 'outsider@other.example',
        },
      });
      expect(res.status, res.text).toBe(201);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rows = (page: Page) => page.locator('tbody tr');
  const firstKey = (page: Page) => rows(page).first().locator('.todos-table__key').textContent();
  const hashParams = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1]);

  async function openAs(email: string, password: string, hash: string) {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#${hash}`);
    await signIn(w.page, email, password);
    await w.page.getByRole('heading', { name: 'Todos' }).waitFor();
    return w;
  }

  it('counts, pages forward and back, and a reload keeps the page', async () => {
    // The API's own order (newest first, ties by id): creation order would assume a clock
    // that never steps back between two creates.
    const member = await t.login('example@example.com');
    const api = await t.request('GET', '/bzctrl-core-api/api/v1/todos?limit=100', {
      token: member,
    });
    const order: string[] = api.body.items.map((x: { key: string }) => x.key);
    expect(order).toHaveLength(30);
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos?limit=10');
    const { page } = w;
    // The member's 30, not the other customer's 2.
    await page.getByText('30 todos', { exact: true }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(10);
    // Newest first, page by page as the API orders them.
    expect(await firstKey(page)).toBe(order[0]);
    await page.getByText('showing 1–10').waitFor();
    expect(await page.getByRole('button', { name: /Previous/ }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: /Next/ }).click();
    await page.getByText('showing 11–20').waitFor();
    expect(await firstKey(page)).toBe(order[10]);
    await page.getByRole('button', { name: /Next/ }).click();
    await page.getByText('showing 21–30').waitFor();
    expect(await firstKey(page)).toBe(order[20]);
    expect(await page.getByRole('button', { name: /Next/ }).isDisabled()).toBe(true);
    expect(await page.getByText('Page 3').count()).toBe(1);

    await page.getByRole('button', { name: /Previous/ }).click();
    await page.getByText('showing 11–20').waitFor();
    // The cursors are in the URL: a reload shows the same page.
    expect(hashParams(page).get('pages')).toBeTruthy();
    await page.reload();
    await page.getByText('showing 11–20').waitFor();
    expect(await firstKey(page)).toBe(order[10]);

    // Keyboard: the page's controls are reachable and work with the keyboard alone.
    await page.getByRole('button', { name: /Previous/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('showing 1–10').waitFor();
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('filters by workspace and status, searches and sorts, all kept in the URL', async () => {
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos');
    const { page } = w;
    await page.getByText('30 todos', { exact: true }).waitFor();
    // Only the member's workspaces are offered.
    const options = await page.getByLabel('Workspace').locator('option').allTextContents();
    expect(options.some((o) => o.startsWith(FIN))).toBe(true);
    expect(options.some((o) => o.startsWith(OPS))).toBe(false);

    await page.getByLabel('Workspace').selectOption(FIN);
    const inFin = seeded.filter((s) => s.workspace === FIN);
    await page.getByText(`${inFin.length} todos`, { exact: true }).waitFor();
    await page.getByLabel('Status').selectOption('DONE');
    const finDone = inFin.filter((s) => s.status === 'DONE');
    await page.getByText(`${finDone.length} todos`, { exact: true }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(finDone.length);
    for (const cell of await rows(page).locator('.todos-table__workspace').allTextContents()) {
      expect(cell).toBe(FIN);
    }
    expect(hashParams(page).get('workspace')).toBe(FIN);
    expect(hashParams(page).get('status')).toBe('DONE');

    // A reload (or a bookmark) restores the view.
    await page.reload();
    await page.getByText(`${finDone.length} todos`, { exact: true }).waitFor();
    expect(await page.getByLabel('Workspace').inputValue()).toBe(FIN);
    expect(await page.getByLabel('Status').inputValue()).toBe('DONE');

    // Search by a word (prefix), over every workspace and status again.
    await page.getByLabel('Workspace').selectOption('');
    await page.getByLabel('Status').selectOption('');
    await page.getByText('30 todos', { exact: true }).waitFor();
    await page.getByLabel('Search').fill('contain');
    const sealed = seeded.filter((s) => s.title.startsWith('Container'));
    await page.getByText(`${sealed.length} todos`, { exact: true }).waitFor();
    expect(hashParams(page).get('q')).toBe('contain');
    const titles = await rows(page).locator('.todos-table__title').allTextContents();
    expect(titles.sort()).toEqual(sealed.map((s) => s.title).sort());

    // Sort: oldest first puts the first one created on top.
    await page.getByLabel('Sort by').selectOption('createdAt');
    await expect.poll(() => firstKey(page)).toBe(sealed[0]?.key);
    expect(hashParams(page).get('sort')).toBe('createdAt');
    // The column header sorts too, and says how.
    await page.getByRole('button', { name: 'Updated' }).click();
    await expect
      .poll(() => page.getByRole('columnheader', { name: 'Updated' }).getAttribute('aria-sort'))
      .toBe('ascending');
    expect(hashParams(page).get('sort')).toBe('updatedAt');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'list');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('shows an empty state that clears the filters', async () => {
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos?q=zebrafish&priority=HIGH');
    const { page } = w;
    await page.getByText('No todos match these filters').waitFor();
    expect(await page.getByLabel('Search').inputValue()).toBe('zebrafish');
    await page.getByRole('main').getByRole('button', { name: 'Clear filters' }).last().click();
    await page.getByText('30 todos', { exact: true }).waitFor();
    expect(hashParams(page).get('q')).toBeNull();
    expect(hashParams(page).get('priority')).toBeNull();
    expect(await page.getByLabel('Search').inputValue()).toBe('');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it("shows another customer's user only their own workspace's todos", async () => {
    const w = await openAs('outsider@other.example', 'Outsider-1', '/todos?q=container');
    const { page } = w;
    await page.getByText('2 todos', { exact: true }).waitFor();
    const workspaces = await rows(page).locator('.todos-table__workspace').allTextContents();
    expect(workspaces).toEqual([OPS, OPS]);
    const options = await page.getByLabel('Workspace').locator('option').allTextContents();
    expect(options).toEqual(['All my workspaces', `${OPS} · Operations`]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  // Issue 16, item 2: the list as a working tool. Runs last: it adds a todo.
  it('is dense: 25 rows on a 1280×800 screen, one line each, people by name', async () => {
    const member = await t.login('example@example.com');
    const long = `Container MSCU1000028 seal check ${'and re-check of the manifest '.repeat(12)}`
      .slice(0, 300)
      .trim();
    const res = await t.request('POST', '/bzctrl-core-api/api/v1/todos', {
      token: member,
      body: {
        workspace: SWA,
        todoType: 'TASK',
        title: long,
        description: 'A long title',
        reporter: 'example@example.com',
        assignee: 'username@example.com',
      },
    });
    expect(res.status, res.text).toBe(201);
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos');
    const { page } = w;
    await page.getByText('31 todos', { exact: true }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(25);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);

    // Every row of the page is fully on the screen, below the table's header, unscrolled.
    const boxes = await rows(page).evaluateAll((trs) =>
      trs.map((tr) => {
        const r = tr.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, height: r.height };
      }),
    );
    const head = await page.locator('thead').evaluate((el) => el.getBoundingClientRect().bottom);
    const visible = boxes.filter((b) => b.top >= head - 0.5 && b.bottom <= 800 + 0.5);
    expect(visible.length).toBeGreaterThanOrEqual(25);

    // The 300-character title (the newest: first) stays on one line like every other row.
    const first = rows(page).first();
    expect(await first.locator('.todos-table__key').textContent()).toBe(res.body.key);
    const heights = new Set(boxes.map((b) => Math.round(b.height)));
    expect([...heights]).toHaveLength(1);
    const titleLink = first.locator('.todos-table__title a');
    expect(await titleLink.getAttribute('title')).toBe(long);
    expect(await page.getByRole('link', { name: long, exact: true }).count()).toBe(1);
    // People by name, the e-mail on hover: the user's own name, another's e-mail name part.
    const assignee = first.locator('.todos-table__person');
    expect(await assignee.getAttribute('title')).toBe('username@example.com');
    expect(await assignee.evaluate((td) => td.firstChild?.textContent)).toBe('username');
    const mine = rows(page).nth(1).locator('.todos-table__person');
    expect(await mine.getAttribute('title')).toBe('example@example.com');
    expect(await mine.evaluate((td) => td.firstChild?.textContent)).toBe('Example User');
    await screenshot(page, 'list-dense');
    // With more rows than the screen holds, the header sticks under the top bar.
    await page.getByLabel('Per page').selectOption('50');
    await expect.poll(() => rows(page).count()).toBe(31);
    await page.mouse.move(640, 500);
    await page.mouse.wheel(0, 400);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
    const stuck = await page
      .locator('thead th')
      .first()
      .evaluate((th) => th.getBoundingClientRect().top);
    expect(Math.round(stuck)).toBe(56);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('moves with j/k and the arrows, opens with Enter, searches with / and creates with c', async () => {
    const member = await t.login('example@example.com');
    const api = await t.request('GET', '/bzctrl-core-api/api/v1/todos?limit=5', { token: member });
    const order: string[] = api.body.items.map((x: { key: string }) => x.key);
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos');
    const { page } = w;
    await expect.poll(() => rows(page).count()).toBe(25);
    const focusedKey = () =>
      page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-key'));
    const activeKey = () => page.locator('tbody tr.is-active').getAttribute('data-key');

    await page.keyboard.press('j');
    await expect.poll(focusedKey).toBe(order[0]);
    expect(await activeKey()).toBe(order[0]);
    // The first (the 300-character title) was cut: with the keyboard on it, it shows in full.
    const tip = page.locator('tbody tr.is-active .todos-table__title');
    expect(await tip.getAttribute('data-truncated')).toBe('');
    expect(
      await tip.evaluate((td) => getComputedStyle(td, '::after').content.length),
    ).toBeGreaterThan(300);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect.poll(focusedKey).toBe(order[2]);
    await page.keyboard.press('k');
    await expect.poll(focusedKey).toBe(order[1]);
    await page.keyboard.press('ArrowDown');
    await expect.poll(focusedKey).toBe(order[2]);
    await page.keyboard.press('ArrowUp');
    await expect.poll(focusedKey).toBe(order[1]);
    expect(await activeKey()).toBe(order[1]);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/todo/${order[1]}$`));

    await page.goBack();
    await expect.poll(() => rows(page).count()).toBe(25);
    await page.keyboard.press('/');
    const search = page.getByLabel('Search');
    await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true);
    // Typing in the search box types: no row moves, no new todo.
    const before = await page.locator('tbody tr.is-active').count();
    await page.keyboard.type('jc');
    expect(await search.inputValue()).toBe('jc');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(new URL(page.url()).hash).toMatch(/^#\/todos/);
    expect(await page.locator('tbody tr.is-active').count()).toBe(before);
    await search.fill('');
    await search.blur();
    await page.keyboard.press('c');
    await page.waitForURL(/#\/new/);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('keeps the density and the columns chosen over a reload', async () => {
    const w = await openAs('example@example.com', 'Ex@mpl3!', '/todos');
    const { page } = w;
    await expect.poll(() => rows(page).count()).toBe(25);
    const table = page.locator('table.todos-table');
    expect(await table.getAttribute('class')).toContain('todos-table--compact');
    const compact = await rows(page)
      .first()
      .evaluate((tr) => tr.getBoundingClientRect().height);

    await page.getByText('View', { exact: true }).click();
    await page.getByRole('radio', { name: 'Comfortable' }).check();
    await page.getByRole('checkbox', { name: 'Workspace' }).uncheck();
    await page.getByRole('checkbox', { name: 'Reporter' }).check();
    expect(await table.getAttribute('class')).toContain('todos-table--comfortable');

    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(25);
    expect(await table.getAttribute('class')).toContain('todos-table--comfortable');
    const comfortable = await rows(page)
      .first()
      .evaluate((tr) => tr.getBoundingClientRect().height);
    expect(comfortable).toBeGreaterThan(compact + 4);
    expect(await page.getByRole('columnheader', { name: 'Workspace' }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Reporter' }).count()).toBe(1);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
