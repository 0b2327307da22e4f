import { BzCtrlClient } from '@bzctrl/sdk';
import { useEffect, useState } from 'react';
import { API } from '../../api.ts';
import { todoHref } from '../../router.ts';
import { CopyButton, ErrorNote, Field } from '../../ui/components.tsx';
import {
  addTaskCurl,
  addTaskUrl,
  exampleBody,
  mask,
  type Reply,
  readBody,
  replyKey,
  replyText,
} from './console.logic.ts';

const ADD_TASK_PATH = `${API}/task/add-task`;

/** Step 3: the add-task request for the workspace, shown as curl and tried from the browser. */
export function RequestStep({
  workspace,
  email,
  origin,
  token,
  reveal,
}: {
  workspace: string;
  email: string;
  origin: string;
  token: string | undefined;
  reveal: boolean;
}) {
  const [body, setBody] = useState('');
  const [bodyError, setBodyError] = useState<string>();
  const [really, setReally] = useState(false);
  const [sending, setSending] = useState(false);
  const [reply, setReply] = useState<Reply>();
  const [sendError, setSendError] = useState<unknown>();

  // A new workspace starts from the example body for it.
  useEffect(() => {
    if (workspace) setBody(exampleBody(workspace, email));
    setReply(undefined);
  }, [workspace, email]);

  const url = addTaskUrl(origin, ADD_TASK_PATH, really);
  const curl = addTaskCurl(url, token ?? '$TOKEN', body);
  const shownCurl = addTaskCurl(url, token ? (reveal ? token : mask(token)) : '$TOKEN', body);

  const send = async () => {
    if (!token) return;
    const { parsed, problem } = readBody(body);
    if (problem) {
      setBodyError(problem);
      return;
    }
    setBodyError(undefined);
    setSending(true);
    setSendError(undefined);
    setReply(undefined);
    try {
      const client = new BzCtrlClient({ baseUrl: origin, accessToken: token, retries: 0 });
      const { data, error, response } = await client.raw.POST(ADD_TASK_PATH, {
        params: { query: really ? {} : { dryRun: true } },
        // The body is the user's to shape (that is the point of trying); the server checks it.
        body: parsed as never,
      });
      setReply({
        status: response.status,
        statusText: response.statusText,
        body: data ?? error,
        dryRun: !really,
      });
    } catch (err) {
      setSendError(err);
    } finally {
      setSending(false);
    }
  };

  const createdKey = replyKey(reply);

  return (
    <section className="card console-step" aria-labelledby="console-request">
      <h2 id="console-request">
        <span className="console-step__number">3</span> Create a todo (add-task)
      </h2>
      <Field
        label="Request body (JSON)"
        error={bodyError}
        hint="The seed's add-task body; change any field. Enum values are forgiving (High, In Progress)."
      >
        {(p) => (
          <textarea
            {...p}
            className="console-mono console-body"
            spellCheck={false}
            value={body}
            onChange={(e) => {
              setBody(e.target.value);
              setBodyError(undefined);
            }}
          />
        )}
      </Field>
      <section className="console-curl" aria-labelledby="console-curl-title">
        <div className="console-curl__head">
          <h3 id="console-curl-title">The request as curl</h3>
          <CopyButton value={curl} label="Copy curl" />
        </div>
        <pre>{shownCurl}</pre>
        {!token && (
          <p className="console-muted">
            Get a token above to fill it in, or set <code>TOKEN</code> in your shell.
          </p>
        )}
      </section>

      <h3>Try it</h3>
      <label className="console-check">
        <input type="checkbox" checked={really} onChange={(e) => setReally(e.target.checked)} />{' '}
        Really create the todo (otherwise a dry run: checked, nothing stored)
      </label>
      <div className="console-inline">
        <button
          type="button"
          className="button"
          disabled={!token || sending}
          onClick={() => void send()}
        >
          {sending ? 'Sending…' : really ? 'Send request' : 'Send request (dry run)'}
        </button>
        {!token && <span className="console-muted">Get a token first (step 2).</span>}
      </div>
      {sendError !== undefined && <ErrorNote error={sendError} />}
      {reply && (
        <div className="console-reply" aria-live="polite">
          <p className="console-reply__status">
            <span
              className={`console-status console-status--${reply.status < 300 ? 'ok' : 'error'}`}
            >
              {reply.status} {reply.statusText}
            </span>{' '}
            {replyText(reply)}
            {createdKey && (
              <>
                {' '}
                <a href={todoHref(createdKey)}>Open {createdKey}</a>
              </>
            )}
          </p>
          <pre>{JSON.stringify(reply.body, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}
