import type { JsonSchema } from '@bzctrl/form-contract';
import type { Todo } from '@bzctrl/sdk';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { call, fieldErrors, raw } from '../../api.ts';
import { href, navigate, todoHref } from '../../router.ts';
import { PageHeader } from '../../ui/components.tsx';
import { DraftOffer } from '../../ui/DraftOffer.tsx';
import { changedFrom, mergeDraft } from '../../ui/drafts.logic.ts';
import { useAsync } from '../../ui/use-async.ts';
import { useDraft } from '../../ui/use-draft.ts';
import { patchTodo } from '../todo/todo-api.ts';
import type { Kit } from './fields.tsx';
import {
  allPlaced,
  type CustomValue,
  changes,
  check,
  contractOf,
  createBody,
  type Values,
  type Workspace,
} from './form.logic.ts';
import {
  Actions,
  AssessmentSection,
  CustomSection,
  FollowUpSection,
  ReferencesSection,
  WhatSection,
} from './sections.tsx';

/**
 * The form itself, for a new todo or an existing one (then `todo` and its `etag`). What the
 * user changes is kept as a draft in the browser until saved or cancelled; opened again
 * (a reload, a sign-in after the session ended), the form offers it back.
 */
export function Editor({
  todo,
  etag,
  initial,
  workspaces,
}: {
  todo: Todo | undefined;
  etag: string | undefined;
  initial: Values;
  workspaces: Workspace[];
}) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [sending, setSending] = useState(false);
  // A second click before React re-renders the disabled button must not send again.
  const inFlight = useRef(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusNonce, setFocusNonce] = useState(0);
  const draft = useDraft<Values>(todo ? `edit:${todo.key}` : 'new');
  const keep = draft.save;
  // How the form opened (the page re-renders with the URL; this stays).
  const [opened] = useState(initial);

  // Kept as typed: only what differs from how the form opened, with that as its base.
  useEffect(() => {
    keep(changedFrom(values, opened) ? values : undefined, opened);
  }, [values, opened, keep]);

  const restoreDraft = () => {
    const offered = draft.restore();
    if (!offered) return;
    setValues((current) => {
      const merged = mergeDraft(current, offered);
      // A workspace the user may no longer use is not restored; the rest is.
      const usable = workspaces.some((w) => w.key === merged.workspace);
      return usable ? merged : { ...merged, workspace: current.workspace };
    });
    setErrors({});
  };

  const form = useAsync(
    () =>
      raw<JsonSchema>((r) =>
        r.GET('/bzctrl-core-api/api/v1/workspaces/{key}/form', {
          params: { path: { key: values.workspace }, query: { type: values.todoType } },
        }),
      ),
    [values.workspace, values.todoType],
  );
  const contract = useMemo(
    () => contractOf(form.data, form.status === 'error'),
    [form.data, form.status],
  );

  // The new-todo URL follows the workspace and type, so a reload or a shared link keeps them.
  useEffect(() => {
    if (!todo) {
      navigate(href('/new', { workspace: values.workspace, type: values.todoType }), {
        replace: true,
      });
    }
  }, [todo, values.workspace, values.todoType]);

  // After a failed check or answer, take the keyboard to the first field in error.
  useEffect(() => {
    if (focusNonce === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusNonce]);

  const kit: Kit = {
    values,
    errors,
    contract,
    set: (field, value) => {
      setValues((v) => ({ ...v, [field]: value }));
      setErrors(({ [field]: _, ...rest }) => rest);
    },
  };
  const setCustom = (name: string, value: CustomValue) => {
    setValues((v) => ({ ...v, custom: { ...v.custom, [name]: value } }));
    setErrors(({ [`customFields.${name}`]: _, ...rest }) => rest);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (inFlight.current) return;
    const found = check(contract, values, todo ? initial : undefined);
    if (Object.keys(found).length > 0) {
      setErrors(found);
      setFailure(undefined);
      setFocusNonce((n) => n + 1);
      return;
    }
    inFlight.current = true;
    setSending(true);
    setFailure(undefined);
    try {
      let saved: Todo;
      if (todo) {
        const patch = changes(contract, initial, values);
        saved =
          Object.keys(patch).length === 0 ? todo : (await patchTodo(todo.key, etag, patch)).todo;
      } else {
        saved = await call((c) => c.todos.create(createBody(contract, values)));
      }
      // A draft still on offer was not this one: it stays until the user decides.
      if (!draft.offer) draft.clear();
      navigate(todoHref(saved.key));
    } catch (err) {
      const byField = fieldErrors(err);
      setErrors(byField);
      // What cannot be shown at a field (or no field at all) is said above the buttons.
      setFailure(allPlaced(byField) ? undefined : err);
      setFocusNonce((n) => n + 1);
      inFlight.current = false;
      setSending(false);
    }
  }

  const isIncident = values.todoType === 'INCIDENT';
  // Editing, what the todo holds is shown whatever its type (form.logic's `shown`).
  const stored = todo ? initial : undefined;
  const typeWord = isIncident ? 'incident' : 'task';

  return (
    <form ref={formRef} className="todo-form" onSubmit={submit} noValidate aria-busy={sending}>
      <PageHeader title={todo ? `Edit ${todo.key}` : `New ${typeWord}`} />
      {draft.offer && (
        <DraftOffer
          what={todo ? { kind: 'edit', todoKey: todo.key } : { kind: 'new' }}
          savedAt={draft.offer.savedAt}
          onRestore={restoreDraft}
          onDiscard={() => {
            draft.discard();
            keep(changedFrom(values, opened) ? values : undefined, opened);
          }}
        />
      )}
      <p className="todo-form__legend">
        Fields marked <span className="mandatory">*</span> are required.
      </p>

      <div className="todo-form__layout">
        <div className="todo-form__main">
          <WhatSection
            kit={kit}
            todo={todo}
            workspaces={workspaces}
            setType={(t) => setValues((v) => ({ ...v, todoType: t }))}
            stored={stored}
          />
          <AssessmentSection kit={kit} stored={stored} />
          <ReferencesSection kit={kit} />
          <CustomSection kit={kit} setCustom={setCustom} />
        </div>
        <aside className="todo-form__side">
          <FollowUpSection kit={kit} initialStatus={initial.status} />
        </aside>
      </div>

      <Actions
        failure={failure}
        errorCount={Object.keys(errors).length}
        sending={sending}
        submitLabel={todo ? 'Save changes' : `Create ${typeWord}`}
        cancelHref={todo ? todoHref(todo.key) : '#/todos'}
        onCancel={draft.clear}
      />
    </form>
  );
}
