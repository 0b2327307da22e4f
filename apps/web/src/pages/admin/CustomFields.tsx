import type { components, paths } from '@bzctrl/sdk';
import { raw } from '../../api.ts';
import { Badge, Empty, FieldError } from '../../ui/components.tsx';
import { DeleteAction } from './actions.tsx';
import { lines, type Option } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm } from './forms.tsx';
import { ADMIN, AdminCard, AdminSection, AdminTable, useAdminSection } from './shared.tsx';

type CustomField = components['schemas']['AdminCustomField'];
type CreateBody =
  paths['/bzctrl-core-api/api/v1/admin/custom-fields']['post']['requestBody']['content']['application/json'];
type FieldType = CreateBody['type'];
type Module = CreateBody['module'];

/** SPEC §5's custom-field types, by their numbers. */
const TYPES: Option<FieldType>[] = [
  { value: 1, label: 'Text' },
  { value: 10, label: 'Long text' },
  { value: 2, label: 'Integer' },
  { value: 5, label: 'Long integer' },
  { value: 3, label: 'Decimal number' },
  { value: 4, label: 'Yes / no' },
  { value: 7, label: 'List of integers' },
  { value: 8, label: 'List of texts' },
];
const TYPE_NAME = new Map<number, string>(TYPES.map((t) => [t.value, t.label]));
/** Only text and the list types take a list of allowed values. */
const TAKES_OPTIONS = new Set<number>([1, 7, 8]);
const MODULE_LABEL: Record<Module, string> = { task: 'Task', incident: 'Incident' };
const MODULES: Option<Module>[] = [
  { value: 'task', label: MODULE_LABEL.task },
  { value: 'incident', label: MODULE_LABEL.incident },
];

/** Custom-field definitions per module (task, incident): create, change, delete. */
export function CustomFields() {
  const section = useAdminSection(() => raw((r) => r.GET(`${ADMIN}/custom-fields`)));
  const { changed, act } = section;

  return (
    <AdminSection section={section}>
      {({ items }) => (
        <>
          <AdminCard
            title="Custom fields"
            intro="Extra fields on tasks or incidents. While todos hold values for a field, its type cannot change and it cannot be deleted."
          >
            <AdminTable
              rows={items}
              rowKey={(f) => f.id}
              empty={<Empty title="No custom fields yet">Define the first one below.</Empty>}
              columns={[
                { header: 'Name', cell: (f) => f.name },
                {
                  header: 'Module',
                  cell: (f) => <Badge tone={f.module}>{MODULE_LABEL[f.module]}</Badge>,
                },
                { header: 'Type', cell: (f) => TYPE_NAME.get(f.type) ?? f.type },
                { header: 'Required', cell: (f) => (f.required ? 'Required' : 'Optional') },
                {
                  header: 'Allowed values',
                  className: 'admin-small-text',
                  cell: (f) => f.options?.join(', ') || '—',
                },
              ]}
              edit={{
                onSaved: changed,
                name: (f) => f.name,
                render: (f, { close, saved }) => (
                  <CustomFieldForm
                    field={f}
                    onClose={close}
                    onSaved={(f) => saved(`Field ${f.name} saved.`)}
                  />
                ),
              }}
              actions={(f) => (
                <DeleteAction
                  question={`Delete the field ${f.name}?`}
                  confirmLabel="Delete field"
                  onConfirm={() =>
                    act(
                      () =>
                        raw((r) =>
                          r.DELETE(`${ADMIN}/custom-fields/{id}`, {
                            params: { path: { id: f.id } },
                          }),
                        ),
                      `Field ${f.name} deleted.`,
                    )
                  }
                />
              )}
            />
          </AdminCard>
          <CustomFieldForm onSaved={(saved) => changed(`Field ${saved.name} created.`)} />
        </>
      )}
    </AdminSection>
  );
}

/** Creates a field (no `field`: a card of its own) or changes one. */
function CustomFieldForm({
  field,
  onSaved,
  onClose,
}: {
  field?: CustomField;
  onSaved: (f: CustomField) => void;
  onClose?: () => void;
}) {
  const form = useAdminForm({
    module: field?.module ?? ('task' as Module),
    name: field?.name ?? '',
    type: (field?.type as FieldType) ?? 1,
    required: field?.required ?? false,
    options: (field?.options ?? []).join('\n'),
  });
  const { module, type, required } = form.values;
  const takesOptions = TAKES_OPTIONS.has(type);

  return (
    <AdminForm
      form={form}
      card={!field}
      title={field ? `Change ${field.name}` : 'New custom field'}
      submitLabel={field ? 'Save changes' : 'Create field'}
      onClose={onClose}
      onSubmit={async () => {
        const { name, options } = form.values;
        const list = takesOptions ? lines(options) : [];
        if (field) {
          const saved = await raw((r) =>
            r.PATCH(`${ADMIN}/custom-fields/{id}`, {
              params: { path: { id: field.id } },
              body: { module, name, type, required, options: list.length > 0 ? list : null },
            }),
          );
          onSaved(saved);
        } else {
          const saved = await raw((r) =>
            r.POST(`${ADMIN}/custom-fields`, {
              body: { module, name, type, required, ...(list.length ? { options: list } : {}) },
            }),
          );
          form.reset();
          onSaved(saved);
        }
      }}
    >
      <div className="admin-form__row">
        <SelectField label="Module" required {...form.field('module')} options={MODULES} />
        <TextField label="Field name" required {...form.field('name')} />
        <SelectField label="Type" required {...form.field('type')} options={TYPES} />
      </div>
      <label className="admin-check">
        <input
          type="checkbox"
          checked={required}
          onChange={(e) => form.set({ required: e.target.checked })}
        />{' '}
        Required on every new {MODULE_LABEL[module].toLowerCase()}
      </label>
      <FieldError error={form.fields.required} />
      {takesOptions && (
        <TextField
          label="Allowed values"
          hint="One per line; leave empty to allow any value."
          multiline
          {...form.field('options')}
        />
      )}
    </AdminForm>
  );
}
