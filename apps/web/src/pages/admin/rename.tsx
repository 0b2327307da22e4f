import { useState } from 'react';
import { Field } from '../../ui/components.tsx';
import { SmallButton } from './actions.tsx';
import { AdminForm, useAdminForm } from './forms.tsx';

/** An inline rename: one labelled name field with Save and Cancel. */
export function RenameForm({
  label,
  initial,
  onSave,
  onCancel,
}: {
  label: string;
  initial: string;
  onSave: (name: string) => Promise<void>;
  onCancel: () => void;
}) {
  const form = useAdminForm({ name: initial });
  return (
    <AdminForm
      form={form}
      className="admin-inline-form"
      submitLabel="Save"
      onSubmit={() => onSave(form.values.name.trim())}
      onClose={onCancel}
      closeLabel="Cancel"
      small
    >
      <Field label={label} required error={form.fields.name}>
        {(p) => (
          <input
            {...p}
            value={form.values.name}
            onChange={(e) => form.set({ name: e.target.value })}
            required
          />
        )}
      </Field>
    </AdminForm>
  );
}

/**
 * Renaming in place: while a row is renamed, its name cell holds the rename form. One row
 * at a time in a section, across its tables; `save` answers what to tell the admin.
 */
export function useRename(onRenamed: (message: string) => void) {
  const [renaming, setRenaming] = useState<string>();
  const cell = (
    id: string,
    name: string,
    label: string,
    save: (name: string) => Promise<string>,
  ) =>
    renaming !== id ? (
      name
    ) : (
      <RenameForm
        label={label}
        initial={name}
        onCancel={() => setRenaming(undefined)}
        onSave={async (newName) => {
          const message = await save(newName);
          setRenaming(undefined);
          onRenamed(message);
        }}
      />
    );
  const button = (id: string, ariaLabel?: string) => (
    <SmallButton aria-label={ariaLabel} onClick={() => setRenaming(id)}>
      Rename
    </SmallButton>
  );
  return { cell, button };
}
