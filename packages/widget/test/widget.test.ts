import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateProvisionDoc } from '../../../apps/server/src/core/provisioning/provision.service.ts';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  type WatchedPage,
} from '../../../apps/server/test/support/browser.ts';
import {
  fixture,
  startTestServer,
  type TestServer,
} from '../../../apps/server/test/support/harness.ts';

// <bzctrl-todo-form> as an ERP developer uses it: the script and the element pasted into
// a page served from ANOTHER origin than BzCtrl (localhost:<p> vs 127.0.0.1:<q>), filled
// in like a user would. Browser suites run on SQLite only (the UI is dialect-independent).

const API = '/bzctrl-core-api/api/v1';
const EXPOSED = `${API}/task/add-exposed-task`;

const provision = validateProvisionDoc({
  ...fixture,
  customFields: [{ module: 'incident', name: 'Vessel', type: 1, required: true }],
});

interface Recorded {
  type: string;
  detail: Record<string, unknown>;
}

declare global {
  interface Window {
    bzEvents: Recorded[];
    bzToken?: string;
  }
}

/** An ERP-like screen around the form; `element` is the pasted snippet's second line. */
function erpPage(server: string, element: string, extraScript = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ERP · Service order SO 777</title>
<style>
  body { margin: 0; font: 14px/1.4 Arial, sans-serif; background: #eef1f5; color: #222; }
  header { background: #263445; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: center; }
  header b { font-size: 16px; } header span { opacity: .75; }
  main { display: grid; grid-template-columns: 300px 1fr; gap: 20px; padding: 20px; }
  .panel { background: #fff; border: 1px solid #d5dbe3; border-radius: 4px; padding: 14px 16px; }
  .panel h2 { font-size: 14px; margin: 0 0 10px; text-transform: uppercase; color: #5a6675; letter-spacing: .04em; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; margin: 0; }
  dt { color: #667; } dd { margin: 0; font-weight: bold; }
  bzctrl-todo-form { --bzctrl-primary: #c0392b; --bzctrl-radius: 4px; --bzctrl-font: Arial, sans-serif; }
</style>
<script>
  window.bzEvents = [];
  for (const type of ['bzctrl:created', 'bzctrl:error']) {
    document.addEventListener(type, (e) => window.bzEvents.push({ type, detail: e.detail }));
  }
  ${extraScript}
</script>
<script src="${server}/widget.js" defer></script>
</head><body>
<header><b>AcmeERP</b><span>Operations › Service orders › SO 777</span><span>Signed in: example@example.com</span></header>
<main>
  <section class="panel"><h2>Service order</h2><dl>
    <dt>Order</dt><dd>SO 777</dd><dt>Customer</dt><dd>Example Import NL</dd>
    <dt>Vessel</dt><dd>Ever Given</dd><dt>LRN</dt><dd>24NL0001234567890</dd>
    <dt>Status</dt><dd>Discharging</dd></dl></section>
  <section class="panel"><h2>Report an incident</h2>
    ${element}
  </section>
</main></body></html>`;
}

describeBrowser('the embeddable form <bzctrl-todo-form>', () => {
  let t: TestServer;
  let browser: Browser;
  let host: Server;
  /** The host page's origin (allowed) and the same pages on an origin that is not. */
  let hostOrigin: string;
  let otherOrigin: string;
  let admin: string;
  let endpointUrl: string;
  const pages = new Map<string, { html: string; csp?: string }>();

  const count = async () => {
    const res = await t.request(
      'GET',
      `${API}/todos?workspace=IMP-NLD-EXA-SWA&limit=1&total=true`,
      {
        token: admin,
      },
    );
    return res.body.total as number;
  };

  /** Serves `html` at `path` on the host server and opens it from `origin`. */
  const open = async (
    path: string,
    html: string,
    origin = hostOrigin,
    csp?: string,
  ): Promise<WatchedPage> => {
    pages.set(path, { html, csp });
    const w = await openPage(browser);
    await w.page.goto(`${origin}${path}`);
    return w;
  };
  const formOf = (page: Page) => page.locator('bzctrl-todo-form');
  /** What the form shows, without its screen-reader-only live regions. */
  const card = (page: Page) => formOf(page).locator('.card');
  const ready = (page: Page) =>
    formOf(page)
      .getByRole('button', { name: /^(Create|Incident aanmaken|Taak aanmaken)/ })
      .waitFor();
  const events = (page: Page) => page.evaluate(() => window.bzEvents);
  const waitForEvent = (page: Page, type: string, n = 1) =>
    page.waitForFunction(
      ([ty, k]) => window.bzEvents.filter((e) => e.type === ty).length >= (k as number),
      [type, n] as const,
    );
  const field = (page: Page, label: string | RegExp) => formOf(page).getByLabel(label);

  beforeAll(async () => {
    host = createServer((req, res) => {
      const page = pages.get((req.url ?? '/').split('?')[0] ?? '/');
      res.writeHead(page ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        ...(page?.csp ? { 'content-security-policy': page.csp } : {}),
      });
      res.end(page?.html ?? 'not found');
    });
    // Both stacks, so http://localhost:<p> works whichever address Chromium picks.
    await new Promise<void>((resolve) => host.listen(0, resolve));
    const port = (host.address() as AddressInfo).port;
    hostOrigin = `http://localhost:${port}`;
    otherOrigin = `http://127.0.0.1:${port}`;
    t = await startTestServer('sqlite', {
      provision,
      env: {
        BZCTRL_CORS_ORIGINS: hostOrigin,
        BZCTRL_EXPOSED_RATE_LIMIT: '1000',
        BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS: '1000',
      },
    });
    expect(new URL(t.url).origin).not.toBe(hostOrigin);
    admin = await t.login('admin@example.com');
    const ep = await t.request('POST', `${API}/admin/exposed-endpoints`, {
      token: admin,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        name: 'AcmeERP service orders',
        allowedOrigins: [hostOrigin],
      },
    });
    expect(ep.status).toBe(201);
    // The URL the admin is shown carries the public URL; this test server listens elsewhere.
    endpointUrl = `${t.url}${EXPOSED}/${ep.body.uuid}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => host?.close(resolve));
  });

  it('creates an incident with every field from a page on another origin', async () => {
    const w = await open(
      '/erp.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form endpoint="${endpointUrl}" reporter="example@example.com" order-id="SO 777" lrn="24NL0001234567890"></bzctrl-todo-form>`,
      ),
    );
    const { page } = w;
    const keys: string[] = [];
    page.on('request', (r) => {
      const k = r.headers()['idempotency-key'];
      if (r.method() === 'POST' && k) keys.push(k);
    });
    await ready(page);
    // Prefilled from the attributes, and the seed's defaults from the form contract.
    expect(await field(page, /^Reporter/).inputValue()).toBe('example@example.com');
    expect(await field(page, /^Order ID/).inputValue()).toBe('SO 777');
    expect(await field(page, /^LRN/).inputValue()).toBe('24NL0001234567890');
    expect(await field(page, 'In progress').isChecked()).toBe(true);
    expect(await formOf(page).getByText('€', { exact: true }).count()).toBe(1);
    // The workspace's custom field, from the contract.
    await field(page, /^Vessel/).waitFor();

    await field(page, /^Title/).fill('Seal broken on arrival');
    await field(page, /^Description/).fill('Container MSKU 123 arrived with a broken seal.');
    await field(page, /^Potential financial impact/).fill('1.250,50');
    await field(page, /^Impact/).selectOption({ label: 'High' });
    await field(page, /^Likelihood/).selectOption({ label: 'Medium' });
    await field(page, /^Priority/).selectOption({ label: 'Low' });
    await field(page, 'Done').check();
    // A reminder two days back (the browser's own calendar): warned at the field, still sent.
    const pastDay = await page.evaluate(() => {
      const d = new Date();
      d.setDate(d.getDate() - 2);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    });
    const reminder = field(page, /^Reminder date/);
    await reminder.fill(pastDay);
    const warningId = ((await reminder.getAttribute('aria-describedby')) ?? '')
      .split(' ')
      .find((id) => id.endsWith('-warning'));
    await expect
      .poll(() => formOf(page).locator(`[id="${warningId}"]`).textContent())
      .toBe('This date has passed: the reminder goes out as soon as the todo is sent.');
    await field(page, /^Assignee/).fill('username@example.com');
    await field(page, /^Vessel/).fill('Ever Given');
    await field(page, /^Vessel/).blur();
    await screenshot(page, 'widget');
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();

    await waitForEvent(page, 'bzctrl:created');
    const [created] = await events(page);
    expect(created?.type).toBe('bzctrl:created');
    const { key, taskLink } = (created?.detail ?? {}) as { key: string; taskLink: string };
    expect(key).toMatch(/^IMP-NLD-EXA-SWA-\d{2,}$/);
    expect(taskLink).toBe(`https://bzctrl.test/app/#/todo/${key}`);
    await card(page).getByText('was created.').waitFor();
    expect(
      await formOf(page)
        .getByRole('link', { name: `Open ${key} in BzCtrl` })
        .getAttribute('href'),
    ).toBe(taskLink);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const todo = (await t.request('GET', `${API}/todos/${key}`, { token: admin })).body;
    expect(todo).toMatchObject({
      todoType: 'INCIDENT',
      workspace: 'IMP-NLD-EXA-SWA',
      title: 'Seal broken on arrival',
      description: 'Container MSKU 123 arrived with a broken seal.',
      financialImpact: '1250.50',
      impact: 'HIGH',
      likelihood: 'MEDIUM',
      priority: 'LOW',
      status: 'DONE',
      reporter: 'example@example.com',
      assignee: 'username@example.com',
      orderID: 'SO 777',
      lrn: '24NL0001234567890',
      reminderDate: pastDay,
      customFields: { Vessel: 'Ever Given' },
      createdVia: 'exposed',
    });
    expect(todo.tags).toEqual(expect.arrayContaining(['SO 777', '24NL0001234567890']));
    expect(todo.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('checks fields before sending and shows the server field errors at their field', async () => {
    const w = await open(
      '/check.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form endpoint="${endpointUrl}" todo-type="INCIDENT"></bzctrl-todo-form>`,
      ),
    );
    const { page } = w;
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    await ready(page);
    // Fixed by the attribute: no type switch.
    expect(await formOf(page).getByRole('radio', { name: 'Task' }).count()).toBe(0);

    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    const title = field(page, /^Title/);
    await expect.poll(() => title.getAttribute('aria-invalid')).toBe('true');
    // The message is the field's description, and focus went to the first field in error.
    const describedBy = (await title.getAttribute('aria-describedby')) ?? '';
    const message = formOf(page).locator(`[id="${describedBy.split(' ').pop()}"]`);
    expect(await message.textContent()).toBe('Fill this in.');
    expect(
      await title.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    await expect
      .poll(() => formOf(page).getByRole('alert').textContent())
      .toMatch(/fields need your attention/);
    for (const label of [/^Description/, /^Reporter/, /^Vessel/]) {
      expect(await field(page, label).getAttribute('aria-invalid')).toBe('true');
    }

    await title.fill('Wrong assignee');
    await field(page, /^Description/).fill('The assignee has no access to this workspace.');
    await field(page, /^Reporter/).fill('not-an-email');
    // An address whose domain has no ending is said as such, in the server's words.
    await field(page, /^Assignee/).fill('gate.clerk@example');
    await field(page, /^Order ID/).fill('SO 4');
    await field(page, /^Potential financial impact/).fill('twelve');
    await field(page, /^Vessel/).fill('Ever Given');
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await expect.poll(() => field(page, /^Reporter/).getAttribute('aria-invalid')).toBe('true');
    await card(page).getByText('Enter an e-mail address, like name@example.com.').waitFor();
    await card(page)
      .getByText(
        'The domain has no ending such as .com: enter the full address, like name@example.com.',
      )
      .waitFor();
    await card(page)
      .getByText(/Enter an amount in euro/)
      .waitFor();
    expect(await title.getAttribute('aria-invalid')).toBeNull();
    expect(posts).toBe(0);
    await screenshot(page, 'widget-errors');

    // Valid in the browser, refused by the server: a user without access to the workspace.
    await field(page, /^Reporter/).fill('example@example.com');
    await field(page, /^Potential financial impact/).fill('');
    await field(page, /^Assignee/).fill('outsider@other.example');
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await waitForEvent(page, 'bzctrl:error');
    const assignee = field(page, /^Assignee/);
    expect(await assignee.getAttribute('aria-invalid')).toBe('true');
    const errorId = ((await assignee.getAttribute('aria-describedby')) ?? '').split(' ').pop();
    expect(await formOf(page).locator(`[id="${errorId}"]`).textContent()).toMatch(
      /outsider@other\.example/,
    );
    const [failed] = await events(page);
    expect(failed?.detail).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'assignee' }],
    });
    expect(posts).toBe(1);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('counts a title near its limit and keeps a pasted over-long one whole, saying so', async () => {
    const w = await open(
      '/lengths.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form endpoint="${endpointUrl}" reporter="example@example.com"></bzctrl-todo-form>`,
      ),
    );
    const { page } = w;
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    await ready(page);
    const title = field(page, /^Title/);
    // The limit, as the form states it once the title is past it.
    await title.fill('x'.repeat(1000));
    const said = await card(page)
      .getByText(/^1000 \/ \d+ characters$/)
      .textContent();
    const max = Number(/\/ (\d+) characters/.exec(said ?? '')?.[1]);
    expect(max).toBeGreaterThan(10);
    // Below 80% of the limit: no counter; near it: counted; past it: kept whole and said.
    await title.fill('x'.repeat(Math.floor(max * 0.5)));
    expect(
      await card(page)
        .getByText(/ characters$/)
        .count(),
    ).toBe(0);
    await title.fill('y'.repeat(max - 1));
    await card(page)
      .getByText(`${max - 1} / ${max} characters`, { exact: true })
      .waitFor();
    const pasted = 'z'.repeat(max + 25);
    await title.fill(pasted);
    expect(await title.inputValue()).toBe(pasted);
    const tooLong = card(page).getByText(`Too long by 25 characters: shorten it to ${max}.`, {
      exact: true,
    });
    await tooLong.waitFor();
    // Tied to the input for screen readers.
    const ids = ((await title.getAttribute('aria-describedby')) ?? '').split(' ');
    expect(ids).toContain(await tooLong.getAttribute('id'));
    // Sending is refused at the field, nothing is sent; the text is still whole.
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await card(page).getByText(`Use at most ${max} characters.`, { exact: true }).waitFor();
    expect(await title.inputValue()).toBe(pasted);
    expect(posts).toBe(0);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('creates one todo for a double click and for a retry after a lost answer', async () => {
    const w = await open(
      '/double.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form endpoint="${endpointUrl}" reporter="example@example.com"></bzctrl-todo-form>`,
      ),
    );
    const { page } = w;
    const keys: string[] = [];
    page.on('request', (r) => {
      const k = r.headers()['idempotency-key'];
      if (r.method() === 'POST' && k) keys.push(k);
    });
    await ready(page);
    const before = await count();
    const fill = async (title: string) => {
      await field(page, /^Title/).fill(title);
      await field(page, /^Description/).fill('Clicked twice');
      await field(page, /^Order ID/).fill('SO 1');
      await field(page, /^Vessel/).fill('Ever Given');
    };
    await fill('Double click');
    await formOf(page).getByRole('button', { name: 'Create incident' }).dblclick();
    await waitForEvent(page, 'bzctrl:created');
    expect(await count()).toBe(before + 1);

    // The answer is lost on the way back (the todo was stored): the user tries again.
    await formOf(page).getByRole('button', { name: 'Create another' }).click();
    expect(await field(page, /^Title/).inputValue()).toBe('');
    await fill('Lost answer');
    let lost = false;
    await page.route('**/add-exposed-task/**', async (route) => {
      if (route.request().method() !== 'POST' || lost) return route.continue();
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await waitForEvent(page, 'bzctrl:error');
    // The card and the screen-reader alert both say it: look in the card alone.
    await card(page)
      .getByText(/could not be reached/)
      .waitFor();
    await expect
      .poll(() => formOf(page).getByRole('alert').textContent())
      .toMatch(/could not be reached/);
    expect(await count()).toBe(before + 2);
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await waitForEvent(page, 'bzctrl:created', 2);
    expect(await count()).toBe(before + 2);

    const created = (await events(page)).filter((e) => e.type === 'bzctrl:created');
    expect(created).toHaveLength(2);
    expect(created[1]?.detail.key).not.toBe(created[0]?.detail.key);
    // First create, then the lost one and its retry under one key.
    expect(keys).toHaveLength(3);
    expect(keys[2]).toBe(keys[1]);
    expect(keys[1]).not.toBe(keys[0]);
    await w.context.close();
  });

  it('is refused on a page from an origin the endpoint does not allow', async () => {
    const w = await open(
      '/elsewhere.html',
      erpPage(t.url, `<bzctrl-todo-form endpoint="${endpointUrl}"></bzctrl-todo-form>`),
      otherOrigin,
    );
    const { page } = w;
    await waitForEvent(page, 'bzctrl:error');
    const [failed] = await events(page);
    expect(failed?.detail).toMatchObject({ status: 0, code: 'network_error' });
    await card(page)
      .getByText(/not allowed to use this form/)
      .waitFor();
    expect(await formOf(page).getByRole('button', { name: 'Try again' }).count()).toBe(1);
    expect(
      await formOf(page)
        .getByLabel(/^Title/)
        .count(),
    ).toBe(0);
    // What the browser was refused, the server refuses too.
    const direct = await t.request('POST', endpointUrl.slice(t.url.length), {
      headers: { origin: otherOrigin },
      body: { title: 'x', description: 'y', reporter: 'example@example.com' },
    });
    expect(direct.status).toBe(403);
    await w.context.close();
  });

  it('works under a strict Content-Security-Policy of the host page', async () => {
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict</title>
<script src="${t.url}/widget.js" defer></script></head><body>
<bzctrl-todo-form endpoint="${endpointUrl}"></bzctrl-todo-form></body></html>`;
    // No inline style or script anywhere: only BzCtrl's script and calls to BzCtrl.
    const csp = `default-src 'none'; script-src ${t.url}; connect-src ${t.url}; style-src 'none'`;
    const w = await open('/strict.html', html, hostOrigin, csp);
    const { page } = w;
    await ready(page);
    const button = formOf(page).getByRole('button', { name: 'Create incident' });
    // The form's own styles apply (a constructed sheet is not blocked as inline style).
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      'rgb(31, 95, 191)',
    );
    // A phone-wide or half-screen host: one column, nothing sticks out.
    for (const width of [380, 700]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('speaks Dutch with lang="nl" and switches to a task by keyboard', async () => {
    const w = await open(
      '/nl.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form lang="nl" endpoint="${endpointUrl}" reporter="example@example.com"></bzctrl-todo-form>`,
      ),
    );
    const { page } = w;
    await ready(page);
    for (const label of [
      /^Titel/,
      /^Omschrijving/,
      /^Mogelijke financiële impact/,
      /^Waarschijnlijkheid/,
      /^Melder/,
      /^Toegewezen aan/,
      /^Herinneringsdatum/,
    ]) {
      expect(await field(page, label).count(), String(label)).toBe(1);
    }
    expect(await field(page, 'In behandeling').isChecked()).toBe(true);
    await formOf(page).getByRole('button', { name: 'Incident aanmaken' }).click();
    await formOf(page).getByText('Dit veld is verplicht.').first().waitFor();

    // Keyboard only: the type switch is a radio group; arrows move within it.
    await formOf(page).getByRole('radio', { name: 'Incident' }).focus();
    await page.keyboard.press('ArrowRight');
    await formOf(page).getByRole('button', { name: 'Taak aanmaken' }).waitFor();
    expect(await field(page, /^Resultaat/).count()).toBe(1);
    expect(await field(page, /^Mogelijke financiële impact/).count()).toBe(0);
    expect(
      await formOf(page)
        .getByRole('radio', { name: 'Taak' })
        .evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    await field(page, /^Ordernummer/).fill('SO 3');
    await formOf(page).getByRole('radio', { name: 'Taak' }).focus();
    // Past the domain and workspace (read-only: the endpoint sets them) to the title.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Douanecontrole inplannen');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Container 40ft voor controle klaarzetten');
    await page.keyboard.press('Enter');
    await page.keyboard.type('.');
    await field(page, /^Titel/).press('Enter');
    await waitForEvent(page, 'bzctrl:created');
    const created = (await events(page)).find((e) => e.type === 'bzctrl:created');
    await card(page).getByText('is aangemaakt.').waitFor();
    const todo = (await t.request('GET', `${API}/todos/${created?.detail.key}`, { token: admin }))
      .body;
    expect(todo).toMatchObject({
      todoType: 'TASK',
      title: 'Douanecontrole inplannen',
      status: 'INPROGRESS',
      reporter: 'example@example.com',
    });
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('creates through the API with a Bearer token in token mode', async () => {
    const token = await t.login('example@example.com');
    const w = await open(
      '/token.html',
      erpPage(
        t.url,
        `<bzctrl-todo-form server="${t.url}" workspace="IMP-NLD-EXA-SWA" token-provider="bzGetToken" open-on-create></bzctrl-todo-form>`,
        `window.bzToken = ${JSON.stringify(token)};
         window.bzGetToken = async () => window.bzToken;
         window.bzOpened = [];
         window.open = (url) => { window.bzOpened.push(url); return null; };`,
      ),
    );
    const { page } = w;
    await ready(page);
    // The reporter defaults to the signed-in user, from the form contract.
    expect(await field(page, /^Reporter/).inputValue()).toBe('example@example.com');
    await field(page, /^Title/).fill('Created with a token');
    await field(page, /^Description/).fill('Token mode, cross-origin');
    await field(page, /^Order ID/).fill('SO 2');
    await field(page, /^Vessel/).fill('Ever Given');
    await formOf(page).getByRole('button', { name: 'Create incident' }).click();
    await waitForEvent(page, 'bzctrl:created');
    const created = (await events(page)).find((e) => e.type === 'bzctrl:created');
    const key = created?.detail.key as string;
    expect(
      await page.evaluate(() => (window as unknown as { bzOpened: string[] }).bzOpened),
    ).toEqual([created?.detail.taskLink]);
    const todo = (await t.request('GET', `${API}/todos/${key}`, { token: admin })).body;
    expect(todo).toMatchObject({
      todoType: 'INCIDENT',
      title: 'Created with a token',
      reporter: 'example@example.com',
      customFields: { Vessel: 'Ever Given' },
      createdVia: 'native',
    });
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
