// <bzctrl-todo-form>: the embeddable form that creates BzCtrl incidents and tasks from any
// page (docs/widget.md). Plain DOM in a shadow root, no framework: the whole thing is one
// small classic script the server hands out at /widget.js.
// Only the key function: the SDK's client is not bundled (the build keeps what is used).
import { newIdempotencyKey } from '@bzctrl/sdk';
import { fill, type Words, wordsFor } from './i18n.ts';
import { STYLES } from './styles.ts';

/** The parts of the form contract (a JSON Schema) the form reads. */
interface Schema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  maxLength?: number;
  title?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  'x-users'?: string[];
  'x-workspace'?: { key?: string; name?: string };
}

type TodoType = 'INCIDENT' | 'TASK';
type Kind =
  | 'text'
  | 'textarea'
  | 'email'
  | 'amount'
  | 'select'
  | 'radio'
  | 'date'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'multi'
  | 'list';
type Value = string | boolean | string[];

interface Field {
  /** The body field, or `customFields.<name>`: also the name server errors use. */
  key: string;
  kind: Kind;
  label: string;
  required: boolean;
  wide?: boolean;
  options?: { value: string; label: string }[];
  hint?: string;
  maxLength?: number;
  users?: string[];
  initial?: Value;
  /** Whole numbers in a list (custom field type 7). */
  integerItems?: boolean;
}

export interface CreatedDetail {
  key: string;
  taskLink: string;
}

export interface ErrorDetail {
  /** HTTP status; 0 when BzCtrl could not be reached or the browser refused the answer (CORS). */
  status: number;
  code: string;
  message: string;
  errors: { field: string; message: string }[];
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server, read field by field
  data: any;
}

const API = '/bzctrl-core-api/api/v1';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const AMOUNT = /^\+?\d{1,13}(\.\d{1,2})?$/;
const LEVEL_ORDER = ['HIGH', 'MEDIUM', 'LOW'];
/** The seed's form offers In Progress (the default) with Done as the option. */
const OFFERED_STATUSES = ['INPROGRESS', 'DONE'];
/** Attributes that prefill a field, by field. */
const PREFILL: Record<string, string> = {
  title: 'todo-title',
  description: 'todo-description',
  reporter: 'reporter',
  assignee: 'assignee',
  orderID: 'order-id',
  lrn: 'lrn',
};
const SOURCE_ATTRIBUTES = ['endpoint', 'server', 'workspace', 'token-provider'];

type Child = Node | string | null | undefined | false;

/** Creates an element: children first, so a select's value can be set after its options. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as never);
    else if (k === 'value' || k === 'checked') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

/** "1.250,50", "1,250.50" and "1250,50" all mean 1250.50: the last separator is the decimal one. */
function normalizeAmount(raw: string): string {
  const s = raw.replace(/[\s€]/g, '');
  const comma = s.lastIndexOf(',');
  const dot = s.lastIndexOf('.');
  if (comma > dot) return s.replaceAll('.', '').replace(',', '.');
  return s.replaceAll(',', '');
}

const isEmpty = (v: Value | undefined) =>
  v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

export class BzCtrlTodoForm extends HTMLElement {
  static get observedAttributes() {
    return [
      ...SOURCE_ATTRIBUTES,
      'todo-type',
      'allow-type-change',
      'lang',
      ...Object.values(PREFILL),
    ];
  }

  #tokenProvider: (() => string | Promise<string>) | null = null;

  readonly #root: ShadowRoot;
  readonly #view: HTMLElement;
  readonly #polite: HTMLElement;
  readonly #alert: HTMLElement;
  #type: TodoType = 'INCIDENT';
  #typeChosen = false;
  #forms = new Map<string, Schema>();
  #form: Schema | null = null;
  #fields: Field[] = [];
  #values = new Map<string, Value>();
  #errors = new Map<string, string>();
  #state: 'loading' | 'ready' | 'failed' | 'done' = 'loading';
  /** A message over the whole form (not one field's), with unplaced server errors. */
  #failure: { message: string; list: string[] } | null = null;
  #created: CreatedDetail | null = null;
  /** The key of the last body sent: the same body again (a retry) reuses it. */
  #pending: { body: string; key: string } | null = null;
  #busy = false;
  #queued = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    // A constructed sheet is not inline style, so a host page's strict CSP (no
    // 'unsafe-inline' styles) does not block it; older browsers get a <style>.
    if (
      'adoptedStyleSheets' in this.#root &&
      typeof CSSStyleSheet.prototype.replaceSync === 'function'
    ) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      this.#root.adoptedStyleSheets = [sheet];
    } else {
      const style = h('style');
      style.textContent = STYLES;
      this.#root.append(style);
    }
    this.#view = h('div', { class: 'card', part: 'card' });
    this.#polite = h('div', { class: 'sr', role: 'status', 'aria-live': 'polite' });
    this.#alert = h('div', { class: 'sr', role: 'alert', 'aria-live': 'assertive' });
    this.#root.append(this.#view, this.#polite, this.#alert);
  }

  /** Token mode: returns a Bearer token for the BzCtrl API (called before each call). */
  get tokenProvider(): (() => string | Promise<string>) | null {
    return this.#tokenProvider;
  }

  set tokenProvider(fn: (() => string | Promise<string>) | null) {
    this.#tokenProvider = fn;
    this.#forms.clear();
    if (this.isConnected) this.#schedule();
  }

  connectedCallback() {
    // Set on the element before this script defined it: an own property hides the setter.
    if (Object.hasOwn(this, 'tokenProvider')) {
      const fn = (this as unknown as Record<string, unknown>).tokenProvider;
      delete (this as unknown as Record<string, unknown>).tokenProvider;
      this.tokenProvider = typeof fn === 'function' ? (fn as () => string) : null;
    }
    this.#schedule();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null) {
    if (old === value) return;
    if (SOURCE_ATTRIBUTES.includes(name)) this.#forms.clear();
    if (name === 'todo-type' || name === 'allow-type-change') this.#typeChosen = false;
    const field = Object.keys(PREFILL).find((k) => PREFILL[k] === name);
    if (field) this.#values.delete(field);
    if (this.isConnected) this.#schedule();
  }

  /** Empties the form for a new todo (the prefill attributes apply again). */
  reset() {
    this.#values.clear();
    this.#errors.clear();
    this.#failure = null;
    this.#created = null;
    this.#pending = null;
    this.#state = this.#form ? 'ready' : 'loading';
    this.#render();
  }

  get #w(): Words {
    const lang = this.getAttribute('lang') || document.documentElement.lang || 'en';
    return wordsFor(lang);
  }

  /** The type the attributes ask for, and whether the user may switch it. */
  get #typeRule(): { type: TodoType; fixed: boolean } {
    const given = (this.getAttribute('todo-type') ?? '').trim().toUpperCase();
    const type: TodoType = given === 'TASK' ? 'TASK' : 'INCIDENT';
    return { type, fixed: given !== '' && !this.hasAttribute('allow-type-change') };
  }

  #provider(): (() => string | Promise<string>) | null {
    if (this.#tokenProvider) return this.#tokenProvider;
    const name = this.getAttribute('token-provider');
    const fn = name ? (window as unknown as Record<string, unknown>)[name] : undefined;
    return typeof fn === 'function' ? (fn as () => string | Promise<string>) : null;
  }

  /** Where the form contract comes from and where todos go, by mode. */
  #source(): { form: string; submit: string; workspace?: string } | null {
    const type = encodeURIComponent(this.#type);
    const endpoint = this.getAttribute('endpoint')?.trim().replace(/\/+$/, '');
    if (endpoint) return { form: `${endpoint}/form?type=${type}`, submit: endpoint };
    const server = this.getAttribute('server')?.trim().replace(/\/+$/, '');
    const workspace = this.getAttribute('workspace')?.trim();
    if (!server || !workspace || !this.#provider()) return null;
    return {
      form: `${server}${API}/workspaces/${encodeURIComponent(workspace)}/form?type=${type}`,
      // The native create: it takes everything the contract lists, custom fields included.
      submit: `${server}${API}/todos`,
      workspace,
    };
  }

  #schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      void this.#load();
    });
  }

  async #call(method: string, url: string, body?: string, key?: string): Promise<Answer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
    const provider = this.getAttribute('endpoint') ? null : this.#provider();
    const send = async () => {
      if (provider) headers.Authorization = `Bearer ${await provider()}`;
      // No cookies ever: the endpoint UUID or the Bearer token is the credential.
      const res = await fetch(url, { method, headers, body, credentials: 'omit', mode: 'cors' });
      const text = await res.text();
      let data: unknown;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = undefined;
      }
      return { status: res.status, data };
    };
    try {
      const first = await send();
      // A token that expired between the provider's call and ours: one fresh try.
      return first.status === 401 && provider ? await send() : first;
    } catch {
      return { status: 0, data: undefined };
    }
  }

  async #load() {
    if (!this.#typeChosen) this.#type = this.#typeRule.type;
    const source = this.#source();
    this.#collect();
    if (!source) {
      this.#fail({ status: 0, data: { code: 'not_configured' } }, this.#w.errConfig);
      return;
    }
    let form = this.#forms.get(this.#type);
    if (!form) {
      if (!this.#form) {
        this.#state = 'loading';
        this.#render();
      }
      const res = await this.#call('GET', source.form);
      if (res.status !== 200 || typeof res.data !== 'object') {
        this.#form = null;
        this.#fields = [];
        this.#fail(res);
        return;
      }
      form = res.data as Schema;
      this.#forms.set(this.#type, form);
    }
    this.#form = form;
    this.#fields = this.#fieldsOf(form);
    if (this.#state !== 'done') this.#state = 'ready';
    this.#failure = null;
    this.#render();
    this.#emit('bzctrl:ready', { todoType: this.#type });
  }

  /** The fields to show, from the form contract, in the seed's order and type rules. */
  #fieldsOf(form: Schema): Field[] {
    const w = this.#w;
    const p = form.properties ?? {};
    const required = new Set(form.required ?? []);
    const out: Field[] = [];
    const attr = (key: string) => {
      const name = PREFILL[key];
      return name ? (this.getAttribute(name) ?? undefined) : undefined;
    };
    const add = (key: string, kind: Kind, extra: Partial<Field> = {}) => {
      const s = p[key];
      if (!s) return;
      out.push({
        key,
        kind,
        label: (w as unknown as Record<string, string>)[key] ?? key,
        required: required.has(key),
        maxLength: s.maxLength,
        initial: attr(key) ?? (typeof s.default === 'string' ? s.default : undefined),
        ...extra,
      });
    };
    const options = (s: Schema | undefined, order: string[], offered?: string[]) => {
      let values = (s?.enum ?? []).map(String);
      if (offered && values.some((v) => offered.includes(v)))
        values = values.filter((v) => offered.includes(v));
      values.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
      return values.map((v) => ({
        value: v,
        label: (w as unknown as Record<string, string>)[v] ?? v,
      }));
    };
    add('title', 'text', { wide: true });
    add('description', 'textarea', { wide: true });
    if (this.#type === 'TASK') add('result', 'textarea', { wide: true });
    if (this.#type === 'INCIDENT') {
      add('financialImpact', 'amount', { hint: w.financialImpactHint });
      add('impact', 'select', { options: options(p.impact, LEVEL_ORDER) });
      add('likelihood', 'select', { options: options(p.likelihood, LEVEL_ORDER) });
    }
    add('priority', 'select', { options: options(p.priority, LEVEL_ORDER) });
    add('status', 'radio', {
      options: options(p.status, OFFERED_STATUSES, OFFERED_STATUSES),
    });
    add('reminderDate', 'date');
    add('reporter', 'email', { users: p.reporter?.['x-users'] });
    add('assignee', 'email', { users: p.assignee?.['x-users'], hint: w.assigneeHint });
    add('orderID', 'text');
    add('lrn', 'text');

    const custom = p.customFields;
    const needed = new Set(custom?.required ?? []);
    for (const [name, s] of Object.entries(custom?.properties ?? {})) {
      const type = Array.isArray(s.type) ? s.type[0] : s.type;
      const items = s.items;
      const enumOf = (e: unknown[] | undefined) =>
        e?.map((v) => ({ value: String(v), label: String(v) }));
      const field: Field = {
        key: `customFields.${name}`,
        kind: 'text',
        label: s.title ?? name,
        required: needed.has(name),
      };
      if (type === 'integer') field.kind = 'integer';
      else if (type === 'number') field.kind = 'number';
      else if (type === 'boolean') field.kind = 'boolean';
      else if (type === 'array') {
        field.integerItems = items?.type === 'integer';
        field.options = enumOf(items?.enum);
        field.kind = field.options ? 'multi' : 'list';
        if (!field.options) field.hint = w.listHint;
      } else if (s.enum) {
        field.kind = 'select';
        field.options = enumOf(s.enum);
      }
      out.push(field);
    }
    return out;
  }

  /** Reads what the user entered into #values (before a re-render, a check or a send). */
  #collect() {
    for (const f of this.#fields) {
      const els = [...this.#view.querySelectorAll<HTMLInputElement>('[name]')].filter(
        (el) => el.name === f.key,
      );
      if (els.length === 0) continue;
      if (f.kind === 'radio') this.#values.set(f.key, els.find((e) => e.checked)?.value ?? '');
      else if (f.kind === 'multi')
        this.#values.set(
          f.key,
          els.filter((e) => e.checked).map((e) => e.value),
        );
      else if (f.kind === 'boolean') this.#values.set(f.key, els[0]?.checked ?? false);
      else this.#values.set(f.key, els[0]?.value ?? '');
    }
  }

  #value(f: Field): Value | undefined {
    const v = this.#values.get(f.key) ?? f.initial;
    return typeof v === 'string' ? v.trim() : v;
  }

  #check(): Map<string, string> {
    const w = this.#w;
    const errors = new Map<string, string>();
    for (const f of this.#fields) {
      const v = this.#value(f);
      if (isEmpty(v)) {
        if (f.required && f.kind !== 'boolean') errors.set(f.key, w.errRequired);
        continue;
      }
      if (typeof v !== 'string') continue;
      let problem: string | undefined;
      if (f.kind === 'email' && !EMAIL.test(v)) problem = w.errEmail;
      else if (f.kind === 'amount' && !AMOUNT.test(normalizeAmount(v))) problem = w.errAmount;
      else if (f.kind === 'integer' && !/^[-+]?\d+$/.test(v)) problem = w.errInteger;
      else if (f.kind === 'number' && !Number.isFinite(Number(v.replace(',', '.'))))
        problem = w.errNumber;
      else if (f.kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) problem = w.errDate;
      else if (f.maxLength !== undefined && v.length > f.maxLength)
        problem = fill(w.errTooLong, { n: f.maxLength });
      if (problem) errors.set(f.key, problem);
    }
    return errors;
  }

  /** The request body: what was filled in, typed as the contract asks. */
  #body(): Record<string, unknown> {
    const body: Record<string, unknown> = { todoType: this.#type };
    const workspace = this.#source()?.workspace;
    if (workspace) body.workspace = workspace;
    const custom: Record<string, unknown> = {};
    for (const f of this.#fields) {
      const v = this.#value(f);
      const isCustom = f.key.startsWith('customFields.');
      if (isEmpty(v) && !(isCustom && f.kind === 'boolean')) continue;
      let out: unknown = v;
      if (typeof v === 'string') {
        if (f.kind === 'amount') out = normalizeAmount(v);
        else if (f.kind === 'integer') out = Number.parseInt(v, 10);
        else if (f.kind === 'number') out = Number(v.replace(',', '.'));
        else if (f.kind === 'list')
          out = v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      }
      if (Array.isArray(out) && f.integerItems) out = out.map(Number);
      if (isCustom) custom[f.key.slice('customFields.'.length)] = out;
      else body[f.key] = out;
    }
    // Sent whenever the contract has custom fields, so required ones are checked.
    if (this.#form?.properties?.customFields) body.customFields = custom;
    return body;
  }

  async #submit(event: Event) {
    event.preventDefault();
    // A double click or a second Enter while one is on its way sends nothing more.
    if (this.#busy || this.#state !== 'ready') return;
    this.#collect();
    this.#failure = null;
    this.#errors = this.#check();
    if (this.#errors.size > 0) {
      this.#render();
      this.#announceErrors();
      this.#focusFirstError();
      return;
    }
    const source = this.#source();
    if (!source) return;
    const body = JSON.stringify(this.#body());
    // One key per filled-in form: the same body again is a retry and reuses it; an edited
    // body is another request and gets a new one (the old key would be refused as reused).
    if (this.#pending?.body !== body) this.#pending = { body, key: newIdempotencyKey() };
    this.#setBusy(true);
    const res = await this.#call('POST', source.submit, body, this.#pending.key);
    this.#setBusy(false);
    if ((res.status === 200 || res.status === 201) && res.data?.key) {
      this.#pending = null;
      this.#created = { key: String(res.data.key), taskLink: String(res.data.taskLink) };
      this.#state = 'done';
      this.#errors.clear();
      this.#render();
      this.#say(this.#polite, `${this.#created.key} ${this.#w.created}`);
      this.#emit('bzctrl:created', { ...this.#created });
      if (this.hasAttribute('open-on-create')) window.open(this.#created.taskLink, '_blank');
      this.#view.querySelector<HTMLElement>('.done a')?.focus();
      return;
    }
    this.#fail(res);
  }

  /** Shows a failed call at its fields (or over the form) and tells the host page. */
  #fail(res: Answer, message?: string) {
    const w = this.#w;
    const problem = res.data && typeof res.data === 'object' ? res.data : {};
    const list: { field: string; message: string }[] = Array.isArray(problem.errors)
      ? problem.errors
      : [];
    const unplaced: string[] = [];
    this.#errors.clear();
    for (const e of list) {
      const key = e.field === 'LRN' ? 'lrn' : e.field;
      if (this.#state !== 'loading' && this.#fields.some((f) => f.key === key))
        this.#errors.set(key, e.message);
      else unplaced.push(`${e.field}: ${e.message}`);
    }
    const s = res.status;
    const text =
      message ??
      (s === 0
        ? w.errNetwork
        : s === 401
          ? w.errAuth
          : s === 403
            ? w.errForbidden
            : s === 404
              ? w.errNotFound
              : s === 429
                ? w.errTooMany
                : s >= 500
                  ? w.errServer
                  : this.#errors.size > 0 && unplaced.length === 0
                    ? fill(this.#errors.size === 1 ? w.errSummary1 : w.errSummaryN, {
                        n: this.#errors.size,
                      })
                    : String(problem.detail ?? w.errServer));
    this.#failure = { message: text, list: unplaced };
    if (this.#state === 'loading' || !this.#form) this.#state = 'failed';
    this.#render();
    this.#say(this.#alert, [text, ...this.#errors.values()].join(' '));
    if (this.#state === 'ready') this.#focusFirstError();
    const code =
      typeof problem.code === 'string' ? problem.code : s === 0 ? 'network_error' : 'error';
    this.#emit('bzctrl:error', {
      status: s,
      code,
      message: typeof problem.detail === 'string' ? problem.detail : text,
      errors: list,
    } satisfies ErrorDetail);
  }

  #emit(type: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Sets a live region's text anew, so the same message is announced again. */
  #say(region: HTMLElement, text: string) {
    region.textContent = '';
    setTimeout(() => {
      region.textContent = text;
    }, 50);
  }

  #announceErrors() {
    const w = this.#w;
    const n = this.#errors.size;
    const summary = fill(n === 1 ? w.errSummary1 : w.errSummaryN, { n });
    const byField = this.#fields
      .filter((f) => this.#errors.has(f.key))
      .map((f) => `${f.label}: ${this.#errors.get(f.key)}`);
    this.#say(this.#alert, [summary, ...byField].join(' '));
  }

  #focusFirstError() {
    const first = this.#fields.findIndex((f) => this.#errors.has(f.key));
    const target =
      first >= 0
        ? this.#view.querySelector<HTMLElement>(`[data-field="${first}"]`)
        : this.#view.querySelector<HTMLElement>('.notice');
    target?.focus();
  }

  #setBusy(busy: boolean) {
    this.#busy = busy;
    const button = this.#view.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (!button) return;
    button.disabled = busy;
    button.setAttribute('aria-busy', String(busy));
    const w = this.#w;
    button.textContent = busy ? w.sending : this.#type === 'TASK' ? w.submitTASK : w.submitINCIDENT;
  }

  #switchType(type: TodoType) {
    if (type === this.#type) return;
    this.#collect();
    this.#type = type;
    this.#typeChosen = true;
    this.#errors.clear();
    this.#failure = null;
    void this.#load().then(() => {
      this.#view.querySelector<HTMLElement>(`input[name="todoType"][value="${type}"]`)?.focus();
    });
  }

  #render() {
    const w = this.#w;
    const view = this.#view;
    view.replaceChildren();
    view.lang = w === wordsFor('nl') ? 'nl' : 'en';
    const workspace = this.#form?.['x-workspace']?.name;
    view.append(h('h2', {}, this.#type === 'TASK' ? w.newTASK : w.newINCIDENT));
    if (workspace) view.append(h('p', { class: 'sub' }, fill(w.inWorkspace, { name: workspace })));
    if (this.#state === 'loading') {
      view.append(h('p', { class: 'sub', role: 'status' }, w.loading));
      return;
    }
    if (this.#failure) {
      view.append(
        h(
          'div',
          { class: 'notice bad', tabindex: '-1', part: 'error' },
          h('p', {}, this.#failure.message),
          this.#failure.list.length > 0
            ? h('ul', {}, ...this.#failure.list.map((m) => h('li', {}, m)))
            : null,
        ),
      );
    }
    if (this.#state === 'failed') {
      view.append(
        h('button', { type: 'button', class: 'secondary', onclick: () => this.#load() }, w.retry),
      );
      return;
    }
    if (this.#state === 'done' && this.#created) {
      const { key, taskLink } = this.#created;
      view.append(
        h(
          'div',
          { class: 'notice good done', part: 'success' },
          h('p', {}, h('span', { class: 'key' }, key), ` ${w.created}`),
          h(
            'p',
            {},
            h(
              'a',
              { href: taskLink, target: '_blank', rel: 'noopener' },
              fill(w.openLink, { key }),
            ),
          ),
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => this.#again() },
          w.another,
        ),
      );
      return;
    }

    const form = h('form', { novalidate: true, onsubmit: (e: Event) => this.#submit(e) });
    const rule = this.#typeRule;
    if (!rule.fixed) {
      const name = 'todoType';
      form.append(
        h(
          'fieldset',
          { class: 'field wide' },
          h('legend', {}, w.todoType),
          h(
            'div',
            { class: 'segmented' },
            ...(['INCIDENT', 'TASK'] as const).map((t) =>
              h(
                'label',
                {},
                h('input', {
                  type: 'radio',
                  name,
                  value: t,
                  checked: this.#type === t,
                  onchange: () => this.#switchType(t),
                }),
                w[t],
              ),
            ),
          ),
        ),
      );
    }
    let customStarted = false;
    this.#fields.forEach((f, i) => {
      if (f.key.startsWith('customFields.') && !customStarted) {
        customStarted = true;
        form.append(h('h3', {}, w.moreDetails));
      }
      form.append(this.#fieldView(f, i));
    });
    this.#setBusyLater();
    form.append(
      h(
        'div',
        { class: 'actions wide' },
        h(
          'button',
          { type: 'submit', part: 'submit' },
          this.#type === 'TASK' ? w.submitTASK : w.submitINCIDENT,
        ),
        h('span', { class: 'legend' }, w.requiredLegend),
      ),
    );
    view.append(form);
  }

  /** Keeps a send in flight visible across a re-render. */
  #setBusyLater() {
    if (this.#busy) queueMicrotask(() => this.#setBusy(true));
  }

  #again() {
    this.reset();
    this.#view.querySelector<HTMLElement>('[data-field]')?.focus();
  }

  #fieldView(f: Field, i: number): HTMLElement {
    const w = this.#w;
    const id = `bz-f${i}`;
    const error = this.#errors.get(f.key);
    const hintId = f.hint ? `${id}-hint` : '';
    const errorId = `${id}-error`;
    const value = this.#value(f);
    const text = typeof value === 'string' ? value : '';
    const a11y = {
      name: f.key,
      'data-field': String(i),
      'aria-invalid': error ? 'true' : null,
      'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
      required: f.required,
    };
    const mark = f.required
      ? h('span', { class: 'mark', 'aria-hidden': 'true', title: w.required }, '*')
      : null;
    const hint = f.hint ? h('p', { class: 'hint', id: hintId }, f.hint) : null;
    const errorView = h('p', { class: 'error', id: errorId }, error ?? '');
    const wrap = (control: Node) =>
      h(
        'div',
        { class: `field${f.wide ? ' wide' : ''}` },
        h('label', { for: id }, f.label, mark),
        control,
        hint,
        errorView,
      );
    const group = (controls: Node[]) =>
      h(
        'fieldset',
        {
          class: `field${f.wide ? ' wide' : ''}`,
          'aria-describedby': a11y['aria-describedby'],
          'aria-invalid': a11y['aria-invalid'],
        },
        h('legend', {}, f.label, mark),
        h('div', { class: 'choices' }, ...controls),
        hint,
        errorView,
      );

    switch (f.kind) {
      case 'textarea':
        return wrap(h('textarea', { ...a11y, id, rows: 3, value: text }));
      case 'select':
        return wrap(
          h(
            'select',
            { ...a11y, id, value: text },
            h('option', { value: '' }, w.none),
            ...(f.options ?? []).map((o) => h('option', { value: o.value }, o.label)),
          ),
        );
      case 'radio':
        return group(
          (f.options ?? []).map((o, j) =>
            h(
              'label',
              {},
              h('input', {
                ...a11y,
                'data-field': j === 0 ? String(i) : null,
                type: 'radio',
                value: o.value,
                checked: text === o.value,
              }),
              o.label,
            ),
          ),
        );
      case 'multi': {
        const chosen = Array.isArray(value) ? value : [];
        return group(
          (f.options ?? []).map((o, j) =>
            h(
              'label',
              {},
              h('input', {
                ...a11y,
                'data-field': j === 0 ? String(i) : null,
                required: false,
                type: 'checkbox',
                value: o.value,
                checked: chosen.includes(o.value),
              }),
              o.label,
            ),
          ),
        );
      }
      case 'boolean':
        return group([
          h(
            'label',
            {},
            h('input', { ...a11y, id, type: 'checkbox', value: 'true', checked: value === true }),
            w.yes,
          ),
        ]);
      case 'amount':
        return wrap(
          h(
            'div',
            { class: 'money' },
            h('span', { 'aria-hidden': 'true' }, '€'),
            h('input', { ...a11y, id, type: 'text', inputmode: 'decimal', value: text }),
          ),
        );
      case 'email': {
        const listId = f.users?.length ? `${id}-users` : null;
        const control = h('input', {
          ...a11y,
          id,
          type: 'email',
          autocomplete: 'email',
          list: listId,
          value: text,
        });
        const list = listId
          ? h('datalist', { id: listId }, ...(f.users ?? []).map((u) => h('option', { value: u })))
          : null;
        const field = wrap(control);
        if (list) field.append(list);
        return field;
      }
      default: {
        const type = f.kind === 'date' ? 'date' : 'text';
        const inputmode =
          f.kind === 'integer' ? 'numeric' : f.kind === 'number' ? 'decimal' : undefined;
        return wrap(h('input', { ...a11y, id, type, inputmode, value: text }));
      }
    }
  }
}

if (!customElements.get('bzctrl-todo-form')) {
  customElements.define('bzctrl-todo-form', BzCtrlTodoForm);
}
