import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openSignedIn,
  todoProp,
} from '../../server/test/support/browser.ts';
import { fixture, startTestServer, type TestServer } from '../../server/test/support/harness.ts';
import { SEED_001 } from '../../server/test/support/seed-bodies.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const API = '/bzctrl-core-api/api/v1';

const prop = todoProp;
// A form label reads "Title *" when the field is required.
const label = (page: Page, name: string) => page.getByLabel(new RegExp(`^${name}( \\*)?$`));

// Issue 16 item 6: the edit form and the details page show what the todo holds (seed 001's
// task body stores an impact, a likelihood, an amount and a sub-category), offer only the
// edits the form offers, and edit custom fields in place.
describeBrowser('web app: stored fields', () => {
  let t: TestServer;
  let browser: Browser;
  let token: string;
  let taskKey: string;
  let incidentKey: string;
  let bareIncidentKey: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      provision: {
        ...fixture,
        customFields: [
          { module: 'task', name: 'Vessel', type: 1 },
          { module: 'task', name: 'Containers', type: 2 },
        ],
      },
    });
    browser = await launchBrowser();
    token = await t.login('example@example.com');
    // Seed 001's sample body, verbatim (its workspace and users are in the fixture).
    const task = await t.request('POST', ADD, { token, body: SEED_001 });
    expect(task.status, task.text).toBe(201);
    taskKey = task.body.key;
    incidentKey = await createIncident('Seal broken at the gate', {
      result: 'Seal replaced, customs informed',
    });
    bareIncidentKey = await createIncident('Pallet damaged');
  });
  async function createIncident(title: string, more: Record<string, unknown> = {}) {
    const res = await t.request('POST', `${API}/todos`, {
      token,
      body: {
        todoType: 'INCIDENT',
        workspace: 'IMP-NLD-EXA-SWA',
        title,
        description: 'Found at the inbound gate.',
        reporter: 'example@example.com',
        ...more,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.key as string;
  }
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const open = (hash: string) =>
    openSignedIn(browser, `${t.url}/app/#${hash}`, 'example@example.com', 'Ex@mpl3!');

  it("shows a seed-001 task's stored impact, likelihood, amount and sub-category in the editor", async () => {
    const w = await open(`/todo/${taskKey}/edit`);
    const { page } = w;
    await page.getByRole('heading', { name: `Edit ${taskKey}` }).waitFor();
    await expect.poll(() => label(page, 'Impact').inputValue()).toBe('HIGH');
    expect(await label(page, 'Likelihood').inputValue()).toBe('MEDIUM');
    expect(await page.locator('input[name="financialImpact"]').inputValue()).toBe('123.00');
    expect(await label(page, 'Sub-category').inputValue()).toBe('high');
    expect(await label(page, 'Result').inputValue()).toBe('result');
    expect(await label(page, 'Category').inputValue()).toBe('Customs, Fetsa');

    // What is shown can be changed and is sent: the impact cleared, the sub-category added to.
    await label(page, 'Impact').selectOption('');
    await label(page, 'Sub-category').fill('high, seal');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'title' }).waitFor();
    const stored = await t.request('GET', `${API}/todos/${taskKey}`, { token });
    expect(stored.body).toMatchObject({
      impact: null,
      likelihood: 'MEDIUM',
      financialImpact: '123.00',
      subCategory: ['high', 'seal'],
    });
    // The impact, now empty on a task, is neither offered on the page nor in the form.
    expect(await prop(page, 'Impact').count()).toBe(0);
    await expect.poll(() => prop(page, 'Likelihood').textContent()).toContain('Medium');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it("shows an incident's stored result, and offers no result on an incident without one", async () => {
    const w = await open(`/todo/${incidentKey}/edit`);
    const { page } = w;
    await page.getByRole('heading', { name: `Edit ${incidentKey}` }).waitFor();
    await expect
      .poll(() => label(page, 'Result').inputValue())
      .toBe('Seal replaced, customs informed');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Seal broken at the gate' }).waitFor();
    await expect.poll(() => prop(page, 'Result').textContent()).toContain('Seal replaced');

    // An incident without a result: neither the details page nor the form offer one.
    await page.goto(`${t.url}/app/#/todo/${bareIncidentKey}`);
    await page.getByRole('heading', { level: 1, name: 'Pallet damaged' }).waitFor();
    await prop(page, 'Impact').waitFor();
    expect(await prop(page, 'Result').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit result' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Edit all fields' }).click();
    await page.getByRole('heading', { name: `Edit ${bareIncidentKey}` }).waitFor();
    await label(page, 'Impact').waitFor();
    expect(await label(page, 'Result').count()).toBe(0);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('edits a custom field in place, checked by its rule, kept after a reload and in the history', async () => {
    const w = await open(`/todo/${taskKey}`);
    const { page } = w;
    await page.getByRole('heading', { level: 1, name: 'title' }).waitFor();
    const section = page.locator('section', {
      has: page.getByRole('heading', { name: 'Custom fields' }),
    });
    await section.getByRole('button', { name: 'Edit containers' }).click();
    // A number field refuses a fraction at the field, sending nothing.
    await section.getByLabel('Containers').fill('2.5');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Enter a whole number.', { exact: true }).waitFor();
    expect(
      (await t.request('GET', `${API}/todos/${taskKey}`, { token })).body.customFields,
    ).toEqual({});
    await section.getByLabel('Containers').fill('12');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByRole('button', { name: 'Edit containers' }).waitFor();
    expect(await prop(page, 'Containers').textContent()).toContain('12');

    await section.getByRole('button', { name: 'Edit vessel' }).click();
    await section.getByLabel('Vessel').fill('MSC Oscar');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByRole('button', { name: 'Edit vessel' }).waitFor();

    const stored = await t.request('GET', `${API}/todos/${taskKey}`, { token });
    expect(stored.body.customFields).toEqual({ Containers: 12, Vessel: 'MSC Oscar' });

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'title' }).waitFor();
    await expect.poll(() => prop(page, 'Vessel').textContent()).toContain('MSC Oscar');
    expect(await prop(page, 'Containers').textContent()).toContain('12');
    const history = page.locator('section', {
      has: page.getByRole('heading', { name: 'History' }),
    });
    await expect.poll(() => history.textContent()).toContain('MSC Oscar');
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
