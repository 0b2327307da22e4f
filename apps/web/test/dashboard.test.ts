import type { Browser } from 'playwright-core';
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

const API = '/bzctrl-core-api/api/v1';

const day = (days: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

// The landing page over data seeded through the API: heat map counts, the EUR total, the
// links into the list, the workspace choice in the URL, and the empty and error states.
describeBrowser('dashboard page', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    const token = await t.login('example@example.com');
    const SWA = 'IMP-NLD-EXA-SWA';
    const FIN = 'VTT-NLD-TML-FIN';
    const todos: Array<Record<string, unknown>> = [
      {
        workspace: SWA,
        impact: 'HIGH',
        likelihood: 'HIGH',
        financialImpact: '0.10',
        title: 'Seal broken on container MSCU 123456-7',
      },
      {
        workspace: SWA,
        impact: 'HIGH',
        likelihood: 'HIGH',
        financialImpact: '0.20',
        title: 'Customs hold on inbound shipment',
      },
      {
        workspace: SWA,
        impact: 'HIGH',
        likelihood: 'LOW',
        financialImpact: '1000',
        title: 'Possible duty underpayment',
      },
      { workspace: SWA, impact: 'MEDIUM', likelihood: 'MEDIUM', title: 'Missing T1 document' },
      {
        workspace: SWA,
        impact: 'MEDIUM',
        likelihood: 'MEDIUM',
        title: 'Late arrival notification',
      },
      {
        workspace: SWA,
        impact: 'MEDIUM',
        likelihood: 'MEDIUM',
        title: 'Manifest mismatch',
        reminderDate: day(-2),
      },
      {
        workspace: SWA,
        impact: 'LOW',
        likelihood: 'LOW',
        title: 'Label misprint',
        dueDate: day(3),
      },
      { workspace: SWA, impact: 'LOW', title: 'Unrated deviation' },
      {
        workspace: FIN,
        impact: 'MEDIUM',
        likelihood: 'HIGH',
        financialImpact: '250.55',
        title: 'Invoice discrepancy',
      },
      { workspace: FIN, impact: 'LOW', likelihood: 'HIGH', title: 'Bank detail change request' },
    ];
    for (const body of todos) {
      const res = await t.request('POST', `${API}/todos`, {
        token,
        body: {
          todoType: 'INCIDENT',
          description: 'Seeded for the dashboard',
          status: 'TODO',
          ...body,
        },
      });
      expect(res.status, res.text).toBe(201);
    }
    const task = await t.request('POST', `${API}/todos`, {
      token,
      body: {
        todoType: 'TASK',
        workspace: SWA,
        title: 'Renew AEO certificate',
        description: 'x',
        dueDate: day(5),
      },
    });
    expect(task.status, task.text).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the heat map, the EUR total and the lists, and links a cell to the filtered list', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    const matrix = w.page.getByRole('table', { name: /open incidents by impact/i });
    await matrix.waitFor();
    // Real table headers: three likelihood columns and three impact rows.
    expect(await matrix.getByRole('columnheader').allTextContents()).toEqual([
      'Low',
      'Medium',
      'High',
    ]);
    expect(await matrix.getByRole('rowheader').allTextContents()).toEqual([
      'High',
      'Medium',
      'Low',
    ]);

    const cell = (n: number, impact: string, likelihood: string) =>
      w.page.getByRole('link', {
        name: `${n} open incident${n === 1 ? '' : 's'}, impact ${impact}, likelihood ${likelihood}`,
        exact: true,
      });
    expect(await cell(2, 'High', 'High').textContent()).toBe('2');
    expect(await cell(1, 'High', 'Low').textContent()).toBe('1');
    expect(await cell(3, 'Medium', 'Medium').textContent()).toBe('3');
    expect(await cell(1, 'Medium', 'High').textContent()).toBe('1');
    expect(await cell(0, 'Low', 'Medium').textContent()).toBe('0');
    await w.page
      .getByText('1 open incident without impact or likelihood is not in the matrix.')
      .waitFor();

    // 0.10 + 0.20 + 1000 + 250.55, summed exactly by the server.
    expect(await w.page.getByTestId('dash-eur-total').textContent()).toBe('€1,250.85');
    // A passed reminder without a due date is not overdue: it counts as a reminder passed.
    const overdue = w.page.getByRole('region', { name: 'Overdue (0)' });
    await overdue.getByText('Nothing overdue').waitFor();
    const reminders = w.page.getByRole('region', { name: 'Reminder passed (1)' });
    expect(await reminders.getByRole('listitem').count()).toBe(1);
    expect(await reminders.getByRole('link', { name: /Manifest mismatch/ }).textContent()).toMatch(
      /Manifest mismatch/,
    );
    const summary = w.page.getByRole('list', { name: 'Summary' });
    expect(await summary.getByRole('button', { name: /Overdue/ }).textContent()).toBe('0Overdue');
    expect(await summary.getByRole('button', { name: /Reminder passed/ }).textContent()).toBe(
      '1Reminder passed',
    );
    const expiring = w.page.getByRole('region', { name: 'Expiring in 7 days (2)' });
    expect(await expiring.getByRole('listitem').count()).toBe(2);
    const status = w.page.getByRole('region', { name: 'Todos by status and workspace' });
    await status.getByRole('link', { name: '8 todos in To do in Inbound Control' }).waitFor();
    await screenshot(w.page, 'dashboard');
    expectNoConsoleErrors(w);

    await cell(2, 'High', 'High').click();
    await expect.poll(() => new URL(w.page.url()).hash).toMatch(/^#\/todos\?/);
    const query = new URLSearchParams(new URL(w.page.url()).hash.split('?')[1]);
    expect(Object.fromEntries(query)).toEqual({
      type: 'INCIDENT',
      impact: 'HIGH',
      likelihood: 'HIGH',
      status: 'TODO,INPROGRESS',
    });
    await w.context.close();
  });

  it('keeps the chosen workspace in the URL and narrows the figures to it', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('table', { name: /open incidents by impact/i }).waitFor();
    await w.page.getByRole('combobox', { name: 'Workspace' }).selectOption('VTT-NLD-TML-FIN');
    await expect.poll(() => new URL(w.page.url()).hash).toBe('#/?workspace=VTT-NLD-TML-FIN');
    await w.page.getByTestId('dash-eur-total').filter({ hasText: '€250.55' }).waitFor();
    await w.page
      .getByRole('link', { name: '1 open incident, impact Medium, likelihood High', exact: true })
      .waitFor();
    expect(
      await w.page.getByRole('link', { name: /impact High, likelihood High/ }).textContent(),
    ).toBe('0');
    await w.page.getByText('Nothing overdue').waitFor();

    // A reload keeps the choice; the cell links carry the workspace.
    await w.page.reload();
    await w.page.getByTestId('dash-eur-total').filter({ hasText: '€250.55' }).waitFor();
    expect(await w.page.getByRole('combobox', { name: 'Workspace' }).inputValue()).toBe(
      'VTT-NLD-TML-FIN',
    );
    const link = await w.page
      .getByRole('link', { name: '1 open incident, impact Medium, likelihood High', exact: true })
      .getAttribute('href');
    expect(new URLSearchParams(link?.split('?')[1]).get('workspace')).toBe('VTT-NLD-TML-FIN');

    // Half a laptop screen: nothing overflows sideways.
    await w.page.setViewportSize({ width: 700, height: 800 });
    await screenshot(w.page, 'dashboard-narrow');
    expect(
      await w.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('says so when there is nothing, and when a workspace is not yours', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/?workspace=IMP-NLD-EXA-SWA`);
    await signIn(w.page, 'outsider@other.example', 'Outsider-1');
    await w.page.getByText('Not found, or not in a workspace you can use.').waitFor();
    await w.page.getByRole('button', { name: 'Show all my workspaces' }).click();
    await expect.poll(() => new URL(w.page.url()).hash).toBe('#/');
    await w.page.getByText('No open incidents').waitFor();
    await w.page.getByText('No todos yet').waitFor();
    await w.page.getByText('Nothing overdue').waitFor();
    await w.page.getByText('No reminder passed').waitFor();
    await w.page.getByText('Nothing expires in the next 7 days').waitFor();
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
