import type { Todo } from '@bzctrl/sdk';
import type { ReactNode } from 'react';
import { Badge, CopyButton } from '../../ui/components.tsx';
import { formatDateTime, STATUS_LABEL, type Status, TYPE_LABEL } from '../../ui/format.ts';
import { externalRefText, type Notice } from './details.logic.ts';
import { StatusControl } from './StatusControl.tsx';

/** The todo's identity, title and origin, its status control, and the page's notice. */
export function TodoHeader({
  todo: t,
  domainName,
  createdBy,
  notice,
  onStatus,
  children,
}: {
  todo: Todo;
  domainName: string | undefined;
  createdBy: string;
  notice: Notice | undefined;
  onStatus: (s: Status) => Promise<string | undefined>;
  /** Shown last: a reload's error. */
  children?: ReactNode;
}) {
  return (
    <header className="todo-header">
      <div className="todo-header__top">
        <div className="todo-header__ids">
          <span className="todo-header__key">{t.key}</span>
          <Badge tone={t.todoType}>{TYPE_LABEL[t.todoType]}</Badge>
          <Badge tone={t.status}>{STATUS_LABEL[t.status]}</Badge>
        </div>
        <div className="todo-header__actions">
          <CopyButton value={t.taskLink} label="Copy link" />
          <a className="button button--secondary" href={`#/todo/${encodeURIComponent(t.key)}/edit`}>
            Edit all fields
          </a>
        </div>
      </div>
      <h1 id="todo-title">{t.title}</h1>
      <dl className="todo-header__meta">
        <div>
          <dt>Workspace</dt>
          <dd>
            {t.workspaceName} <span className="todo-muted">{t.workspace}</span>
          </dd>
        </div>
        <div>
          <dt>Domain</dt>
          <dd>
            {domainName ? `${domainName} ` : ''}
            <span className="todo-muted">{t.domain}</span>
          </dd>
        </div>
        <div>
          <dt>Created by</dt>
          <dd>{createdBy}</dd>
        </div>
        <div>
          <dt>External reference</dt>
          <dd>{externalRefText(t.externalRef)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <time dateTime={t.updatedAt}>{formatDateTime(t.updatedAt)}</time>
          </dd>
        </div>
      </dl>
      <StatusControl status={t.status} onChange={onStatus} />
      {notice && (
        <p className={`notice notice--${notice.tone} todo-notice`} role="status">
          {notice.text}
        </p>
      )}
      {children}
    </header>
  );
}
