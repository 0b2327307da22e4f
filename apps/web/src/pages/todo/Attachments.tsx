import { type ChangeEvent, useState } from 'react';
import { call, describeError, raw } from '../../api.ts';
import { Empty, ErrorNote, FieldError, Loading } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import { formatSize } from './labels.logic.ts';
import { attachmentUrl, uploadFile, uploadRefusal } from './todo-api.ts';
import './attachments.css';

const LIST = '/bzctrl-core-api/api/v1/todos/{ref}/attachments' as const;

type Transfer =
  | { state: 'uploading'; name: string; fraction: number }
  | { state: 'attaching'; name: string }
  | { state: 'done'; name: string }
  | { state: 'failed'; name: string; error: unknown };

/**
 * Files of the todo: download (a plain link: the session cookie authenticates the GET),
 * remove (confirmed in place), and upload with a progress bar: the file is uploaded first,
 * then its reference attached to the todo (the native API's two steps).
 */
export function Attachments({ todoKey, onChanged }: { todoKey: string; onChanged: () => void }) {
  const list = useAsync(
    () => raw((r) => r.GET(LIST, { params: { path: { ref: todoKey } } })),
    [todoKey],
  );
  const [transfer, setTransfer] = useState<Transfer | undefined>();
  const [confirming, setConfirming] = useState<number | undefined>();
  const [removeError, setRemoveError] = useState<unknown>();

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.target;
    const file = input.files?.[0];
    if (!file) return;
    const name = file.name;
    // Not a byte is sent for a file the server would refuse: said at once, in megabytes.
    const refusal = uploadRefusal(file);
    if (refusal) {
      setTransfer({ state: 'failed', name, error: new Error(refusal) });
      input.value = '';
      return;
    }
    setTransfer({ state: 'uploading', name, fraction: 0 });
    try {
      const stored = await call(() =>
        uploadFile(file, (fraction) => setTransfer({ state: 'uploading', name, fraction })),
      );
      setTransfer({ state: 'attaching', name });
      await raw((r) =>
        r.POST(LIST, { params: { path: { ref: todoKey } }, body: { upload: stored.ref } }),
      );
      setTransfer({ state: 'done', name });
      list.reload();
      onChanged();
    } catch (err) {
      setTransfer({ state: 'failed', name, error: err });
    } finally {
      // The same file may be chosen again (after a failure, or on purpose).
      input.value = '';
    }
  };

  const remove = async (id: number) => {
    setRemoveError(undefined);
    try {
      await raw((r) => r.DELETE(`${LIST}/{id}`, { params: { path: { ref: todoKey, id } } }));
      setConfirming(undefined);
      list.reload();
      onChanged();
    } catch (err) {
      setRemoveError(err);
    }
  };

  const busy = transfer?.state === 'uploading' || transfer?.state === 'attaching';
  const items = list.data?.items;
  return (
    <section className="card todo-section" aria-labelledby="todo-files">
      <h2 id="todo-files">Files{items ? ` (${items.length})` : ''}</h2>
      {items ? (
        items.length === 0 ? (
          <Empty title="No files attached" />
        ) : (
          <ul className="todo-files">
            {items.map((a) => (
              <li key={a.id}>
                <div className="todo-files__main">
                  <a href={attachmentUrl(todoKey, a.id)} download={a.name}>
                    {a.name}
                  </a>
                  <span className="todo-muted">
                    {formatSize(a.size)} · {a.uploadedBy} ·{' '}
                    <time dateTime={a.createdAt}>{formatDateTime(a.createdAt)}</time>
                  </span>
                </div>
                {confirming === a.id ? (
                  <span className="todo-files__confirm">
                    <button
                      type="button"
                      className="button button--danger"
                      onClick={() => remove(a.id)}
                    >
                      Remove {a.name}
                    </button>
                    <button
                      type="button"
                      className="button button--secondary"
                      onClick={() => setConfirming(undefined)}
                    >
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="button button--link"
                    aria-label={`Remove ${a.name}`}
                    onClick={() => setConfirming(a.id)}
                  >
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )
      ) : list.status === 'loading' ? (
        <Loading label="Loading files…" />
      ) : null}
      {list.status === 'error' && <ErrorNote error={list.error} onRetry={list.reload} />}
      {removeError !== undefined && <ErrorNote error={removeError} />}

      <div className="todo-upload">
        <label className="button button--secondary todo-upload__pick">
          Attach a file
          <input
            type="file"
            className="visually-hidden"
            onChange={upload}
            disabled={busy}
            aria-describedby="todo-upload-status"
          />
        </label>
        <div id="todo-upload-status" className="todo-upload__status" aria-live="polite">
          {transfer && <TransferStatus transfer={transfer} />}
        </div>
      </div>
    </section>
  );
}

function TransferStatus({ transfer }: { transfer: Transfer }) {
  if (transfer.state === 'failed') {
    return (
      <FieldError error={`${transfer.name} was not attached: ${describeError(transfer.error)}`} />
    );
  }
  const percent = transfer.state === 'uploading' ? Math.round(transfer.fraction * 100) : 100;
  const text =
    transfer.state === 'uploading'
      ? `Uploading ${transfer.name}… ${percent}%`
      : transfer.state === 'attaching'
        ? `Attaching ${transfer.name}…`
        : `${transfer.name} attached`;
  return (
    <>
      <progress value={percent} max={100} aria-label={`Upload of ${transfer.name}`} />
      <span>{text}</span>
    </>
  );
}
