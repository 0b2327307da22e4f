import { useState } from 'react';
import { COLUMNS, type Density, type ListView, toggleColumn } from './view.logic.ts';

/**
 * "View": the density and which columns show; kept in the browser's local settings. Its
 * controls exist only while it is open (their names, "Workspace", are the filters' too).
 */
export function ViewMenu({ view, onChange }: { view: ListView; onChange: (v: ListView) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="todos-view"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(false);
      }}
    >
      <summary className="button button--secondary">View</summary>
      {open && (
        <div className="todos-view__panel">
          <fieldset>
            <legend>Density</legend>
            {(['compact', 'comfortable'] as Density[]).map((d) => (
              <label key={d}>
                <input
                  type="radio"
                  name="todos-density"
                  value={d}
                  checked={view.density === d}
                  onChange={() => onChange({ ...view, density: d })}
                />{' '}
                {d === 'compact' ? 'Compact' : 'Comfortable'}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Columns</legend>
            {COLUMNS.filter((c) => !('always' in c)).map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={view.columns.includes(c.id)}
                  onChange={(e) => onChange(toggleColumn(view, c.id, e.target.checked))}
                />{' '}
                {c.label}
              </label>
            ))}
          </fieldset>
          <p className="todos-view__keys">
            Keys: <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> move, <kbd>Enter</kbd>{' '}
            opens, <kbd>/</kbd> searches, <kbd>c</kbd> creates.
          </p>
        </div>
      )}
    </details>
  );
}
