import type { Todo } from '@bzctrl/sdk';
import type { ReactNode } from 'react';
import { Badge, CopyButton } from '../../ui/components.tsx';
import { formatDateTime, STATUS_LABEL, type Status, TYPE_LABEL } from '../../ui/format.ts';
import { externalRefText, type Notice } from './details.logic.ts';
import { ShareLink } from './ShareLink.tsx';
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
          <ShareLink todoKey={t.key} />
          <a className="button button--secondary" href={`#/todo/${encodeURIComponent(t.key)}/edit`}>
            Edit all fields
          </a>
        </div>
      </div>
      <h1 id="todo-title">{t.title}</h1>
      <dl className="todo-header__meta">
        <Meta term="Workspace">
          {t.workspaceName} <span className="todo-muted">{t.workspace}</span>
        </Meta>
        <Meta term="Domain">
          {domainName ? `${domainName} ` : ''}
          <span className="todo-muted">{t.domain}</span>
        </Meta>
        <Meta term="Created by">{createdBy}</Meta>
        <Meta term="External reference">{externalRefText(t.externalRef)}</Meta>
        <Meta term="Created">
          <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
        </Meta>
        <Meta term="Updated">
          <time dateTime={t.updatedAt}>{formatDateTime(t.updatedAt)}</time>
        </Meta>
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

function Meta({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
