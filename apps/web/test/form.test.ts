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
import { fixture, startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const API = '/bzctrl-core-api/api/v1';

// The create/edit form (#/new, #/todo/<key>/edit): the seed's UI/UX table, marks from the
// form contract, checks at the field, the server's field errors at theirs.
describeBrowser('web app: todo form', () => {
  let t: TestServer;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      provision: {
        ...fixture,
        customFields: [
          {
            module: 'incident',
            name: 'Terminal',
            type: 1,
            required: true,
            options: ['Botlek', 'Maasvlakte'],
          },
          { module: 'incident', name: 'Containers', type: 2 },
        ],
      },
    });
    browser = await launchBrowser();
    token = await t.login('example@example.com');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(hash: string) {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#${hash}`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    return w;
  }
  // A label reads "Title *" when the field is required.
  const label = (page: Page, name: string) => page.getByLabel(new RegExp(`^${name}( \\*)?$`));
  const keyInHash = (page: Page) => /^#\/todo\/([^/?]+)$/.exec(new URL(page.url()).hash)?.[1];

  it('creates an incident with every field and lands on its details page', async () => {
    const w = await open('/new');
    const { page } = w;
    await page.getByRole('heading', { name: 'New incident' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Incident' }).isChecked()).toBe(true);
    // Prefilled: the signed-in user reports and follows up, In Progress by default.
    expect(await label(page, 'Reporter').inputValue()).toBe('example@example.com');
    expect(await label(page, 'Assignee').inputValue()).toBe('example@example.com');
    expect(await label(page, 'Status').inputValue()).toBe('INPROGRESS');
    // Incidents have no result field.
    expect(await label(page, 'Result').count()).toBe(0);
    // Mandatory marks: the form contract's and seed 001's (reporter, order ID; LRN not).
    const mark = (name: string) =>
      page
        .locator('label', { hasText: new RegExp(`^${name}`) })
        .locator('.mandatory')
        .count();
    await expect.poll(() => mark('Reporter')).toBe(1);
    expect(await mark('Title')).toBe(1);
    expect(await mark('Order ID')).toBe(1);
    expect(await mark('LRN')).toBe(0);
    // The workspace's custom fields, one of them required.
    await expect.poll(() => mark('Terminal')).toBe(1);

    // Domain and workspace as the seed shows them: the workspaces are the domain's.
    await label(page, 'Domain').selectOption('VTT-NLD-TML');
    await label(page, 'Workspace').selectOption('VTT-NLD-TML-FIN');
    await label(page, 'Title').fill('Potential customs claim');
    await label(page, 'Description').fill('Operation started without proper approvals');
    const amount = label(page, 'Potential financial impact of the incident');
    await amount.fill('12500.50');
    // The amount is clearly in euro: a € sign before it and a hint that says so.
    expect(await page.locator('.input-affix > span').textContent()).toBe('€');
    expect(await amount.getAttribute('aria-describedby')).toBeTruthy();
    await page.getByText('In euro (EUR)').waitFor();
    await label(page, 'Impact').selectOption({ label: 'High' });
    await label(page, 'Likelihood').selectOption({ label: 'Medium' });
    await label(page, 'Priority').selectOption({ label: 'High' });
    await label(page, 'Status').selectOption({ label: 'To do' });
    await label(page, 'Assignee').fill('rge@vtti.com');
    await label(page, 'Order ID').fill('SO 777');
    await label(page, 'LRN').fill('LRN-2026-1');
    await label(page, 'Category').fill('Customs, Fetsa');
    await label(page, 'Tags').fill('urgent');
    await label(page, 'Reminder date').fill('2026-12-01');
    await label(page, 'Terminal').selectOption('Botlek');
    await label(page, 'Containers').fill('3');
    // The top bar is sticky: scrolled back up, a full-page shot shows it where it belongs.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'form');

    // A double click must not create two todos.
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`${API}/todos`)) posts.push(r.url());
    });
    await page.getByRole('button', { name: 'Create incident' }).dblclick();
    await page.waitForURL(/#\/todo\/VTT-NLD-TML-FIN-\d+$/);
    const key = keyInHash(page);
    expect(posts).toHaveLength(1);

    const res = await t.request('GET', `${API}/todos/${key}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      todoType: 'INCIDENT',
      workspace: 'VTT-NLD-TML-FIN',
      title: 'Potential customs claim',
      description: 'Operation started without proper approvals',
      result: null,
      financialImpact: '12500.50',
      financialImpactCurrency: 'EUR',
      impact: 'HIGH',
      likelihood: 'MEDIUM',
      priority: 'HIGH',
      status: 'TODO',
      assignee: 'rge@vtti.com',
      reporter: 'example@example.com',
      category: ['Customs', 'Fetsa'],
      orderID: 'SO 777',
      lrn: 'LRN-2026-1',
      reminderDate: '2026-12-01',
      customFields: { Terminal: 'Botlek', Containers: 3 },
    });
    expect([...res.body.tags].sort()).toEqual(['LRN-2026-1', 'SO 777', 'urgent']);
    const same = await t.request('GET', `${API}/todos?q=customs claim&total=true`, { token });
    expect(same.body.total).toBe(1);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('switches to a task: incident fields go, result comes', async () => {
    const w = await open('/new?workspace=IMP-NLD-EXA-SWA');
    const { page } = w;
    await page.getByRole('heading', { name: 'New incident' }).waitFor();
    await label(page, 'Potential financial impact of the incident').waitFor();
    await page.getByRole('radio', { name: 'Task' }).check();
    await page.getByRole('heading', { name: 'New task' }).waitFor();
    expect(await label(page, 'Potential financial impact of the incident').count()).toBe(0);
    expect(await label(page, 'Impact').count()).toBe(0);
    expect(await label(page, 'Likelihood').count()).toBe(0);
    // The incident's custom fields are not a task's.
    await expect.poll(() => label(page, 'Terminal').count()).toBe(0);
    expect(new URL(page.url()).hash).toBe('#/new?workspace=IMP-NLD-EXA-SWA&type=TASK');

    await label(page, 'Title').fill('Check container seal');
    await label(page, 'Description').fill('Seal number differs from the manifest');
    await label(page, 'Result').fill('Seal replaced, customs informed');
    await label(page, 'Order ID').fill('SO 31');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/#\/todo\/IMP-NLD-EXA-SWA-\d+$/);
    const res = await t.request('GET', `${API}/todos/${keyInHash(page)}`, { token });
    expect(res.body).toMatchObject({
      todoType: 'TASK',
      result: 'Seal replaced, customs informed',
      financialImpact: null,
      impact: null,
      status: 'INPROGRESS',
      assignee: 'example@example.com',
    });
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('checks fields before sending and shows the server’s field errors at their field', async () => {
    const w = await open('/new?workspace=IMP-NLD-EXA-SWA&type=INCIDENT');
    const { page } = w;
    await page.getByRole('heading', { name: 'New incident' }).waitFor();
    await label(page, 'Terminal').waitFor();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`${API}/todos`)) posts++;
    });

    // Nothing filled in: told at each field, the keyboard taken to the first, nothing sent.
    await label(page, 'Reporter').fill('');
    await label(page, 'Assignee').fill('not an e-mail');
    await label(page, 'Potential financial impact of the incident').fill('12,50');
    await page.getByRole('button', { name: 'Create incident' }).click();
    // Title, description, reporter, assignee, amount, order ID and the required custom field.
    await page.getByText('7 fields need your attention.').waitFor();
    expect(await label(page, 'Title').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('title');
    await page.getByText('Enter an e-mail address, like name@example.com').waitFor();
    await page.getByText('Use a dot for cents').waitFor();
    expect(await label(page, 'Reporter').getAttribute('aria-invalid')).toBe('true');
    expect(await label(page, 'Description').getAttribute('aria-invalid')).toBe('true');
    expect(posts).toBe(0);

    // Well-formed, but the assignee is another customer's user: only the server knows.
    await label(page, 'Title').fill('Damaged pallet');
    await label(page, 'Description').fill('Forklift damage at dock 4');
    await label(page, 'Reporter').fill('example@example.com');
    await label(page, 'Assignee').fill('outsider@other.example');
    await label(page, 'Order ID').fill('SO 9');
    await label(page, 'Potential financial impact of the incident').fill('250');
    await label(page, 'Terminal').selectOption('Maasvlakte');
    await page.getByRole('button', { name: 'Create incident' }).click();
    await page
      .getByText('no active user outsider@other.example with access to workspace IMP-NLD-EXA-SWA')
      .waitFor();
    expect(posts).toBe(1);
    const assignee = label(page, 'Assignee');
    expect(await assignee.getAttribute('aria-invalid')).toBe('true');
    const described = await assignee.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${described?.split(' ')[0]}"]`).textContent()).toMatch(
      /no active user .* with access/,
    );
    // Nothing typed is lost.
    expect(await label(page, 'Title').inputValue()).toBe('Damaged pallet');
    expect(await label(page, 'Potential financial impact of the incident').inputValue()).toBe(
      '250',
    );
    expect(await label(page, 'Terminal').inputValue()).toBe('Maasvlakte');

    // Corrected, it goes through.
    await assignee.fill('username@example.com');
    await page.getByRole('button', { name: 'Create incident' }).click();
    await page.waitForURL(/#\/todo\/IMP-NLD-EXA-SWA-\d+$/);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('edits a todo, sending only the field that changed', async () => {
    const created = await t.request('POST', `${API}/todos`, {
      token,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'INCIDENT',
        title: 'Seal broken',
        description: 'Found at gate 3',
        priority: 'HIGH',
        financialImpact: '99.90',
        orderID: 'SO 12',
        tags: ['gate'],
        reminderDate: '2026-12-24',
        customFields: { Terminal: 'Botlek' },
      },
    });
    expect(created.status, created.text).toBe(201);
    const key = created.body.key as string;

    const w = await open(`/todo/${key}/edit`);
    const { page } = w;
    await page.getByRole('heading', { name: `Edit ${key}` }).waitFor();
    expect(await label(page, 'Title').inputValue()).toBe('Seal broken');
    expect(await label(page, 'Potential financial impact of the incident').inputValue()).toBe(
      '99.90',
    );
    expect(await label(page, 'Order ID').inputValue()).toBe('SO 12');
    // orderID is a tag too, but shown in its own field only.
    expect(await label(page, 'Tags').inputValue()).toBe('gate');
    expect(await label(page, 'Reminder date').inputValue()).toBe('2026-12-24');
    await expect.poll(() => label(page, 'Terminal').inputValue()).toBe('Botlek');

    await label(page, 'Priority').selectOption({ label: 'Low' });
    const patch = page.waitForRequest((r) => r.method() === 'PATCH');
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect((await patch).postDataJSON()).toEqual({ priority: 'LOW' });
    await page.waitForURL(new RegExp(`#/todo/${key}$`));

    const after = await t.request('GET', `${API}/todos/${key}`, { token });
    expect(after.body).toMatchObject({
      priority: 'LOW',
      title: 'Seal broken',
      financialImpact: '99.90',
      orderID: 'SO 12',
      reminderDate: '2026-12-24',
      customFields: { Terminal: 'Botlek' },
    });
    expect([...after.body.tags].sort()).toEqual(['SO 12', 'gate']);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
