import type { FieldRule } from '@bzctrl/form-contract';
import type { Todo } from '@bzctrl/sdk';
import type { ReactNode } from 'react';
import { formatEur, TYPE_LABEL } from '../../ui/format.ts';
import { shown, type Values } from '../form/form.logic.ts';
import { customEdit, customText } from './details.logic.ts';
import {
  customEditor,
  DateField,
  LevelField,
  ListField,
  type Save,
  TextField,
  TYPE_EDITOR,
} from './fields.tsx';
import { InlineField } from './InlineField.tsx';
import { valueText } from './labels.logic.ts';

/** A card of the page; `props` makes its content a property list of that class. */
function Section({
  id,
  title,
  props,
  children,
}: {
  id: string;
  title: string;
  props?: string;
  children: ReactNode;
}) {
  return (
    <section className="card todo-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {props ? <dl className={props}>{children}</dl> : children}
    </section>
  );
}

/**
 * The main column: title, description and result, then the custom fields. A field the
 * edit form hides for the todo's type (`stored`: the form's values of the todo) is not
 * offered here either.
 */
export function MainSections({
  todo: t,
  stored,
  customNames,
  customRules,
  save,
}: {
  todo: Todo;
  stored: Values;
  customNames: string[];
  customRules: FieldRule[];
  save: Save;
}) {
  return (
    <>
      <Section id="todo-details" title="Details" props="todo-props todo-props--main">
        <InlineField
          label="Title"
          display={t.title}
          value={t.title}
          editor={{ kind: 'text' }}
          wide
          onSave={(v) => save('title', v)}
        />
        <InlineField
          label="Description"
          display={<span className="todo-prose">{t.description || '—'}</span>}
          value={t.description}
          editor={{ kind: 'textarea' }}
          wide
          onSave={(v) => save('description', v)}
        />
        {shown('result', t.todoType, stored) && (
          <TextField
            todo={t}
            name="result"
            label="Result"
            save={save}
            editor={{ kind: 'textarea' }}
          />
        )}
      </Section>
      <Section id="todo-custom" title="Custom fields">
        {customNames.length === 0 ? (
          <p className="todo-muted">— This workspace has no custom fields for this type.</p>
        ) : (
          <dl className="todo-props">
            {customNames.map((name) => {
              const value = t.customFields[name];
              const rule = customRules.find((r) => r.name === name);
              // A value the type's form has no field for (left from another type) is shown only.
              if (!rule) {
                return (
                  <div className="todo-prop" key={name}>
                    <dt>{name}</dt>
                    <dd>
                      <span className="todo-prop__value">{valueText(name, value)}</span>
                    </dd>
                  </div>
                );
              }
              const editor = customEditor(rule);
              return (
                <InlineField
                  key={name}
                  label={rule.title ?? name}
                  display={valueText(name, value)}
                  value={customText(value)}
                  editor={editor}
                  wide={editor.kind === 'textarea'}
                  onSave={async (text) => {
                    const edit = customEdit(rule, text);
                    if ('problem' in edit) return edit.problem;
                    return save('customFields', { [name]: edit.value });
                  }}
                />
              );
            })}
          </dl>
        )}
      </Section>
    </>
  );
}

/** The side column's properties and classification. */
export function PropertySections({
  todo: t,
  stored,
  users,
  save,
}: {
  todo: Todo;
  stored: Values;
  users: string[];
  save: Save;
}) {
  const field = { todo: t, save };
  const offered = (name: 'impact' | 'likelihood' | 'financialImpact') =>
    shown(name, t.todoType, stored);
  return (
    <>
      <Section id="todo-properties" title="Properties" props="todo-props">
        <InlineField
          label="Type"
          display={TYPE_LABEL[t.todoType]}
          value={t.todoType}
          editor={TYPE_EDITOR}
          onSave={(v) => save('todoType', v)}
        />
        <LevelField {...field} name="priority" label="Priority" />
        {offered('impact') && <LevelField {...field} name="impact" label="Impact" />}
        {offered('likelihood') && <LevelField {...field} name="likelihood" label="Likelihood" />}
        {offered('financialImpact') && (
          <InlineField
            label="Financial impact"
            display={formatEur(t.financialImpact)}
            value={t.financialImpact ?? ''}
            editor={{ kind: 'money' }}
            onSave={(v) => save('financialImpact', v || null)}
          />
        )}
        <InlineField
          label="Assignee"
          display={t.assignee || '—'}
          value={t.assignee}
          editor={{ kind: 'email', users }}
          onSave={(v) => save('assignee', v || null)}
        />
        <InlineField
          label="Reporter"
          display={t.reporter || '—'}
          value={t.reporter}
          editor={{ kind: 'email', users }}
          onSave={(v) => save('reporter', v)}
        />
        <DateField {...field} name="dueDate" label="Due date" />
        <DateField {...field} name="reminderDate" label="Reminder date" />
      </Section>
      <Section id="todo-classification" title="Classification" props="todo-props">
        <ListField {...field} name="category" label="Categories" />
        <ListField {...field} name="subCategory" label="Sub-categories" />
        <ListField {...field} name="tags" label="Tags" />
        <TextField {...field} name="orderID" label="Order ID" />
        <TextField {...field} name="lrn" label="LRN" />
        {/* Set through the ITSM API (locationName); not changeable here. */}
        <div className="todo-prop">
          <dt>Location</dt>
          <dd>
            <span className="todo-prop__value">{t.location ?? '—'}</span>
          </dd>
        </div>
      </Section>
    </>
  );
}
