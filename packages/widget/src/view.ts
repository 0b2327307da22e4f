// The form's DOM, built by plain functions: no framework, nothing kept between renders.
import { isPastDate, lengthNote } from '@bzctrl/form-contract';
import type { Field, TodoType, Value } from './fields.logic.ts';
import { fill, type Words } from './i18n.ts';
import { STYLES } from './styles.ts';

type Child = Node | string | null | undefined | false;

/** Creates an element: children first, so a select's value can be set after its options. */
export function h<K extends keyof HTMLElementTagNameMap>(
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

/** A message over the whole form, with the server's errors no field could show. */
export function noticeView(failure: { message: string; list: string[] }): HTMLElement {
  return h(
    'div',
    { class: 'notice bad', tabindex: '-1', part: 'error' },
    h('p', {}, failure.message),
    failure.list.length > 0 ? h('ul', {}, ...failure.list.map((m) => h('li', {}, m))) : null,
  );
}

/** The success: the key, the link into BzCtrl and "Create another". */
export function doneView(
  created: { key: string; taskLink: string },
  w: Words,
  again: () => void,
): Node[] {
  const { key, taskLink } = created;
  return [
    h(
      'div',
      { class: 'notice good done', part: 'success' },
      h('p', {}, h('span', { class: 'key' }, key), ` ${w.created}`),
      h(
        'p',
        {},
        h('a', { href: taskLink, target: '_blank', rel: 'noopener' }, fill(w.openLink, { key })),
      ),
    ),
    h('button', { type: 'button', class: 'secondary', onclick: again }, w.another),
  ];
}

/** The Incident / Task switch. */
export function typeSwitchView(
  type: string,
  w: Words,
  onSwitch: (type: 'INCIDENT' | 'TASK') => void,
): HTMLElement {
  return h(
    'fieldset',
    { class: 'field wide' },
    h(
      'legend',
      {},
      w.todoType,
      h('span', { class: 'mark', 'aria-hidden': 'true', title: w.required }, '*'),
    ),
    h(
      'div',
      { class: 'segmented' },
      ...(['INCIDENT', 'TASK'] as const).map((t) =>
        h(
          'label',
          {},
          h('input', {
            type: 'radio',
            name: 'todoType',
            value: t,
            checked: type === t,
            onchange: () => onSwitch(t),
          }),
          w[t],
        ),
      ),
    ),
  );
}

/** One field: its label, control, hint and error, linked for assistive technology. */
export function fieldView(
  f: Field,
  i: number,
  value: Value | undefined,
  error: string | undefined,
  w: Words,
): HTMLElement {
  const id = `bz-f${i}`;
  const hintId = f.hint ? `${id}-hint` : '';
  const errorId = `${id}-error`;
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
  const cls = `field${f.wide ? ' wide' : ''}`;
  const wrap = (control: Node) =>
    h('div', { class: cls }, h('label', { for: id }, f.label, mark), control, hint, errorView);
  const group = (controls: Node[]) =>
    h(
      'fieldset',
      {
        class: cls,
        'aria-describedby': a11y['aria-describedby'],
        'aria-invalid': a11y['aria-invalid'],
      },
      h('legend', {}, f.label, mark),
      h('div', { class: 'choices' }, ...controls),
      hint,
      errorView,
    );
  /** One radio or checkbox per option; the first carries the field's focus mark. */
  const choices = (type: 'radio' | 'checkbox', isOn: (v: string) => boolean) =>
    group(
      (f.options ?? []).map((o, j) =>
        h(
          'label',
          {},
          h('input', {
            ...a11y,
            'data-field': j === 0 ? String(i) : null,
            required: type === 'radio' && f.required,
            type,
            value: o.value,
            checked: isOn(o.value),
          }),
          o.label,
        ),
      ),
    );

  switch (f.kind) {
    case 'fixed':
      // Set by the embedding system: shown, read-only, not sent (the endpoint or the
      // workspace attribute says where the todo goes).
      return wrap(
        h('input', {
          id,
          type: 'text',
          readonly: true,
          value: text,
          'aria-required': 'true',
          'aria-describedby': hintId || null,
        }),
      );
    case 'textarea':
      return counted(h('textarea', { ...a11y, id, rows: 3, value: text }));
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
      return choices('radio', (v) => text === v);
    case 'multi': {
      const chosen = Array.isArray(value) ? value : [];
      return choices('checkbox', (v) => chosen.includes(v));
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
      const field = wrap(
        h('input', {
          ...a11y,
          id,
          type: 'email',
          autocomplete: 'email',
          list: listId,
          value: text,
        }),
      );
      if (listId)
        field.append(
          h('datalist', { id: listId }, ...(f.users ?? []).map((u) => h('option', { value: u }))),
        );
      return field;
    }
    case 'date': {
      // A past day is taken (the server accepts it) but said at the field, as the user types.
      const warningId = `${id}-warning`;
      const warning = h('p', { class: 'warning', id: warningId, role: 'status' });
      const say = (day: string) => {
        // Only the reminder drives the lifecycle; a custom date field is a plain value.
        const past = f.key === 'reminderDate' && isPastDate(day, new Date());
        warning.textContent = past ? w.pastDate : '';
      };
      say(text);
      const input = h('input', {
        ...a11y,
        'aria-describedby': [hintId, warningId, errorId].filter(Boolean).join(' '),
        id,
        type: 'date',
        value: text,
      }) as HTMLInputElement;
      const update = () => say(input.value);
      input.addEventListener('input', update);
      input.addEventListener('change', update);
      const field = wrap(input);
      field.insertBefore(warning, field.lastChild);
      return field;
    }
    default: {
      const type = 'text';
      const inputmode =
        f.kind === 'integer' ? 'numeric' : f.kind === 'number' ? 'decimal' : undefined;
      const control = h('input', { ...a11y, id, type, inputmode, value: text });
      return f.kind === 'text' ? counted(control) : wrap(control);
    }
  }

  /**
   * A text with a limit: from 80% of it a counter, past it by how much it is too long,
   * as the user types (no maxlength attribute: it would cut a paste without a word).
   */
  function counted(control: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
    const max = f.rule.maxLength;
    if (max === undefined) return wrap(control);
    const counterId = `${id}-count`;
    const warningId = `${id}-long`;
    const counter = h('p', { class: 'hint counter', id: counterId });
    const warning = h('p', { class: 'warning', id: warningId, role: 'status' });
    const update = () => {
      const note = lengthNote(control.value, max);
      counter.textContent = note.counter ? fill(w.counter, { n: note.length, max }) : '';
      warning.textContent = note.warning ? fill(w.tooLongBy, { n: note.length - max, max }) : '';
    };
    update();
    control.setAttribute(
      'aria-describedby',
      [hintId, counterId, warningId, errorId].filter(Boolean).join(' '),
    );
    control.addEventListener('input', update);
    const field = wrap(control);
    field.insertBefore(counter, field.lastChild);
    field.insertBefore(warning, field.lastChild);
    return field;
  }
}

/**
 * The form's styles in its shadow root. A constructed sheet is not inline style, so a host
 * page's strict CSP (no 'unsafe-inline' styles) does not block it; older browsers get a <style>.
 */
export function adoptStyles(root: ShadowRoot) {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = h('style');
    style.textContent = STYLES;
    root.append(style);
  }
}

/** The form: the type switch (unless fixed), the fields, custom ones under a heading, the button. */
export function formView(options: {
  type: TodoType;
  fixed: boolean;
  fields: Field[];
  value: (f: Field) => Value | undefined;
  errors: Map<string, string>;
  w: Words;
  onSwitch: (type: TodoType) => void;
  onSubmit: (event: Event) => void;
}): HTMLFormElement {
  const { type, fields, errors, w } = options;
  const form = h('form', { novalidate: true, onsubmit: options.onSubmit });
  if (!options.fixed) form.append(typeSwitchView(type, w, options.onSwitch));
  let customStarted = false;
  fields.forEach((f, i) => {
    if (f.rule.custom && !customStarted) {
      customStarted = true;
      form.append(h('h3', {}, w.moreDetails));
    }
    form.append(fieldView(f, i, options.value(f), errors.get(f.key), w));
  });
  form.append(
    h(
      'div',
      { class: 'actions wide' },
      h(
        'button',
        { type: 'submit', part: 'submit' },
        type === 'TASK' ? w.submitTASK : w.submitINCIDENT,
      ),
      h('span', { class: 'legend' }, w.requiredLegend),
    ),
  );
  return form;
}

/** Reads what the user entered in the view into `values`, by field. */
export function collectValues(view: HTMLElement, fields: Field[], values: Map<string, Value>) {
  const named = [...view.querySelectorAll<HTMLInputElement>('[name]')];
  for (const f of fields) {
    const els = named.filter((el) => el.name === f.key);
    if (els.length === 0) continue;
    if (f.kind === 'radio') values.set(f.key, els.find((e) => e.checked)?.value ?? '');
    else if (f.kind === 'multi')
      values.set(
        f.key,
        els.filter((e) => e.checked).map((e) => e.value),
      );
    else if (f.kind === 'boolean') values.set(f.key, els[0]?.checked ?? false);
    else values.set(f.key, els[0]?.value ?? '');
  }
}

/** The heading: new incident or task, and the workspace it goes to. */
export function headerView(type: TodoType, workspace: string | undefined, w: Words): Node[] {
  const title = h('h2', {}, type === 'TASK' ? w.newTASK : w.newINCIDENT);
  if (!workspace) return [title];
  return [title, h('p', { class: 'sub' }, fill(w.inWorkspace, { name: workspace }))];
}

/** Sets a live region's text anew, so the same message is announced again. */
export function announce(region: HTMLElement, text: string) {
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** The submit button while a send is in flight, and after. */
export function showBusy(view: HTMLElement, busy: boolean, w: Words, type: TodoType) {
  const button = view.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!button) return;
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
  button.textContent = busy ? w.sending : type === 'TASK' ? w.submitTASK : w.submitINCIDENT;
}
