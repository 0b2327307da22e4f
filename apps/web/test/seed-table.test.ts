import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SEED_TABLE, type SeedRow } from '@bzctrl/form-contract';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

// Seed 001's UI/UX table of the add-task form, walked row by row in both clients that
// render it: the web app's form (#/new) and <bzctrl-todo-form>. For each row: the label,
// the mandatory mark, the control's kind and the value a new form starts with.

const API = '/bzctrl-core-api/api/v1';
const REPORTER = 'example@example.com';

/** What a field shows, read in the page: found by its label's text without the mark. */
interface Shown {
  count: number;
  mark?: boolean;
  kind?: string;
  value?: string;
  readOnly?: boolean;
}

/** Reads the field labelled `wanted` inside `root` (the form, or the widget's shadow root). */
function readField(root: Element | ShadowRoot, wanted: string): Shown {
  const marks = '.mandatory, .mark';
  const heads = [...root.querySelectorAll('label, legend')].filter((head) => {
    const copy = head.cloneNode(true) as Element;
    for (const m of copy.querySelectorAll(marks)) m.remove();
    // A choice's own label (a radio's "Incident") is not a field's.
    if (
      head.tagName === 'LABEL' &&
      head.querySelector('input[type="radio"], input[type="checkbox"]')
    )
      return false;
    return copy.textContent?.trim() === wanted;
  });
  const head = heads[0];
  if (heads.length !== 1 || !head) return { count: heads.length };
  const mark = head.querySelector(marks) !== null;
  const controls =
    head.tagName === 'LEGEND'
      ? [...(head.parentElement?.querySelectorAll('input, select, textarea') ?? [])]
      : [root.querySelector(`[id="${(head as HTMLLabelElement).htmlFor}"]`)];
  const c = controls[0] as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
  if (!c) return { count: 1, mark };
  let kind = 'text';
  let value = c.value;
  if (c instanceof HTMLSelectElement) kind = 'choice';
  else if (c instanceof HTMLTextAreaElement) kind = 'long-text';
  else if (c.type === 'radio') {
    kind = 'choice';
    value = (controls as HTMLInputElement[]).find((r) => r.checked)?.value ?? '';
  } else if (c.type === 'email') kind = 'email';
  else if (c.type === 'date') kind = 'date';
  else if (c.inputMode === 'decimal' && c.parentElement?.textContent?.includes('€'))
    kind = 'amount';
  const readOnly = c instanceof HTMLInputElement && c.readOnly;
  return { count: 1, mark, kind, value, readOnly };
}

/** What a row's field must start with; `customer` is the embedding system's choice. */
function expectedStart(row: SeedRow, customer: Record<string, string>): string {
  if (row.initial === 'customer') return customer[row.key] ?? '';
  if (row.initial === 'reporter') return REPORTER;
  return row.initial ?? '';
}

function checkRow(row: SeedRow, shown: Shown, customer: Record<string, string>, fixed: boolean) {
  const name = `${row.key} (${row.label})`;
  expect(shown.count, `${name}: one field with this label`).toBe(1);
  expect(shown.mark, `${name}: mandatory mark`).toBe(row.mandatory);
  // Where the embedding system sets domain and workspace, the widget shows them read-only.
  if (fixed && row.initial === 'customer') {
    expect(shown.readOnly, `${name}: shown, set by the page`).toBe(true);
    expect(shown.value, `${name}: start value`).toContain(customer[row.key]);
    return;
  }
  expect(shown.kind, `${name}: control`).toBe(row.control);
  if (row.key === 'reporter') return; // the signed-in user, or the page's attribute
  expect(shown.value, `${name}: start value`).toBe(expectedStart(row, customer));
}

const rowsFor = (type: 'INCIDENT' | 'TASK') => SEED_TABLE.filter((r) => r.types.includes(type));

describeBrowser('seed 001’s UI/UX table in both clients', () => {
  let t: TestServer;
  let browser: Browser;
  let host: Server;
  let hostOrigin: string;
  let endpointUrl: string;

  beforeAll(async () => {
    host = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ERP</title>
<script src="${t.url}/widget.js" defer></script></head><body>
<bzctrl-todo-form endpoint="${endpointUrl}" reporter="${REPORTER}"></bzctrl-todo-form>
</body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(0, resolve));
    hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
    t = await startTestServer('sqlite', { env: { BZCTRL_CORS_ORIGINS: hostOrigin } });
    const admin = await t.login('admin@example.com');
    const ep = await t.request('POST', `${API}/admin/exposed-endpoints`, {
      token: admin,
      body: { workspace: 'IMP-NLD-EXA-SWA', name: 'Seed table', allowedOrigins: [hostOrigin] },
    });
    expect(ep.status).toBe(201);
    endpointUrl = `${t.url}${API}/task/add-exposed-task/${ep.body.uuid}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => host?.close(resolve));
  });

  const walk = async (page: Page, root: Locator, type: 'INCIDENT' | 'TASK', fixed: boolean) => {
    const customer = fixed
      ? { domain: 'IMP-NLD-EXA', workspace: 'SWA' }
      : { domain: 'IMP-NLD-EXA', workspace: 'IMP-NLD-EXA-SWA' };
    for (const row of rowsFor(type)) {
      if (type === 'TASK' && row.key === 'todoType') continue; // switched to a task below
      const shown = await root.evaluate(
        (el, [fn, label]) => {
          const read = new Function(`return ${fn}`)() as typeof readField;
          return read(el.shadowRoot ?? el, label);
        },
        [readField.toString(), row.label] as const,
      );
      checkRow(row, shown, customer, fixed);
    }
    // A row for the other type only is not shown.
    for (const row of SEED_TABLE.filter((r) => !r.types.includes(type))) {
      const shown = await root.evaluate(
        (el, [fn, label]) =>
          (new Function(`return ${fn}`)() as typeof readField)(el.shadowRoot ?? el, label),
        [readField.toString(), row.label] as const,
      );
      expect(shown.count, `${row.key} is not a ${type.toLowerCase()}'s`).toBe(0);
    }
    void page;
  };

  describe('the web app’s form', () => {
    it('shows every row: label, mark, control and start value, for an incident and a task', async () => {
      const w = await openPage(browser, { width: 1280, height: 900 });
      const { page } = w;
      await page.goto(`${t.url}/app/#/new?workspace=IMP-NLD-EXA-SWA`);
      await signIn(page, REPORTER, 'Ex@mpl3!');
      await page.getByRole('heading', { name: 'New incident' }).waitFor();
      const form = page.locator('form.todo-form');
      // The contract has loaded once the reporter's mark is drawn.
      await form
        .locator('label', { hasText: /^Reporter/ })
        .locator('.mandatory')
        .waitFor();
      await walk(page, form, 'INCIDENT', false);
      await screenshot(page, 'form-seed-table');
      await page.getByRole('radio', { name: 'Task' }).check();
      await page.getByRole('heading', { name: 'New task' }).waitFor();
      await walk(page, form, 'TASK', false);
      expectNoConsoleErrors(w);
      await w.context.close();
    });
  });

  describe('<bzctrl-todo-form>', () => {
    it('shows every row: label, mark, control and start value, for an incident and a task', async () => {
      const w = await openPage(browser);
      const { page } = w;
      await page.goto(`${hostOrigin}/`);
      const form = page.locator('bzctrl-todo-form');
      await form.getByRole('button', { name: 'Create incident' }).waitFor();
      await walk(page, form, 'INCIDENT', true);
      await form.getByRole('radio', { name: 'Task' }).check();
      await form.getByRole('button', { name: 'Create task' }).waitFor();
      await walk(page, form, 'TASK', true);
      expectNoConsoleErrors(w);
      await w.context.close();
    });
  });
});
