import type { Todo } from '@bzctrl/sdk';
import type { ReactNode } from 'react';
import { formatEur, TYPE_LABEL } from '../../ui/format.ts';
import { DateField, LevelField, ListField, type Save, TextField, TYPE_EDITOR } from './fields.tsx';
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

/** The main column: title, description and result, then the custom fields. */
export function MainSections({
  todo: t,
  customNames,
  save,
}: {
  todo: Todo;
  customNames: string[];
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
        <TextField
          todo={t}
          name="result"
          label="Result"
          save={save}
          editor={{ kind: 'textarea' }}
        />
      </Section>
      <Section id="todo-custom" title="Custom fields">
        {customNames.length === 0 ? (
          <p className="todo-muted">— This workspace has no custom fields for this type.</p>
        ) : (
          <dl className="todo-props">
            {customNames.map((name) => (
              <div className="todo-prop" key={name}>
                <dt>{name}</dt>
                <dd>
                  <span className="todo-prop__value">{valueText(name, t.customFields[name])}</span>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </Section>
    </>
  );
}

/** The side column's properties and classification. */
export function PropertySections({
  todo: t,
  users,
  save,
}: {
  todo: Todo;
  users: string[];
  save: Save;
}) {
  const field = { todo: t, save };
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
        <LevelField {...field} name="impact" label="Impact" />
        <LevelField {...field} name="likelihood" label="Likelihood" />
        <InlineField
          label="Financial impact"
          display={formatEur(t.financialImpact)}
          value={t.financialImpact ?? ''}
          editor={{ kind: 'money' }}
          onSave={(v) => save('financialImpact', v || null)}
        />
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
