import type { SharedLink } from '@bzctrl/sdk';
import { useId, useState } from 'react';
import { call } from '../../api.ts';
import { CopyButton, ErrorNote } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import './share-link.css';

/** How long a new link works: the choices SPEC §8 allows (at most a day). */
const LIFETIMES = [
  { seconds: 900, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
];

/**
 * "Share read-only link": makes a signed link that shows this todo without signing in,
 * for the lifetime chosen, and shows it with a copy button.
 */
export function ShareLink({ todoKey }: { todoKey: string }) {
  const [open, setOpen] = useState(false);
  const [seconds, setSeconds] = useState(LIFETIMES[0]?.seconds ?? 900);
  const [link, setLink] = useState<SharedLink | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = useId();

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setLink(await call((bz) => bz.links.create(todoKey, { expiresIn: seconds })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="share-link">
      <button
        type="button"
        className="button button--secondary"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        onClick={() => setOpen((o) => !o)}
      >
        Share read-only link
      </button>
      {open && (
        <section
          id={`${id}-panel`}
          className="share-link__panel"
          aria-label="Share read-only link"
          onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        >
          <p className="share-link__intro">
            Anyone with the link sees this todo read-only, without signing in, until it expires.
          </p>
          <div className="share-link__row">
            <label htmlFor={`${id}-lifetime`}>Link works for</label>
            <select
              id={`${id}-lifetime`}
              value={seconds}
              onChange={(e) => setSeconds(Number(e.target.value))}
            >
              {LIFETIMES.map((l) => (
                <option key={l.seconds} value={l.seconds}>
                  {l.label}
                </option>
              ))}
            </select>
            <button type="button" className="button" disabled={busy} onClick={create}>
              Create link
            </button>
          </div>
          {link && (
            <div className="share-link__result">
              <input
                className="share-link__url"
                readOnly
                aria-label="Read-only link"
                value={link.url}
                onFocus={(e) => e.target.select()}
              />
              <CopyButton value={link.url} />
              <p className="share-link__expires">
                Works until <time dateTime={link.expiresAt}>{formatDateTime(link.expiresAt)}</time>
              </p>
            </div>
          )}
          {error !== undefined && <ErrorNote error={error} />}
        </section>
      )}
    </div>
  );
}
