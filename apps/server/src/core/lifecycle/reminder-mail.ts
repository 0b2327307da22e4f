import type { OutgoingMail } from '../../platform/mail/outbox.repository.ts';
import { todoLink } from '../todos/todo.model.ts';

const STATUS_LABELS: Record<string, string> = {
  TODO: 'To do',
  INPROGRESS: 'In progress',
  DONE: 'Done',
  EXPIRED: 'Expired',
};

/** Subjects stay on one line and short enough for a mail client's list. */
const SUBJECT_TITLE_MAX = 120;

export interface ReminderSubject {
  id: number;
  key: string;
  title: string;
  status: string;
  dueDate: string | null;
  reminderDate: string;
  workspaceKey: string;
  workspaceName: string;
  assigneeEmail: string;
  assigneeName: string;
}

/**
 * The reminder mail to a todo's assignee: subject `Reminder: <key> <title>`, and a text
 * with the status, the due date and the link to the details page.
 */
export function reminderMail(todo: ReminderSubject, publicUrl: string): OutgoingMail {
  let title = todo.title.replace(/\s+/g, ' ').trim();
  if (title.length > SUBJECT_TITLE_MAX) title = `${title.slice(0, SUBJECT_TITLE_MAX - 1)}…`;
  const text = [
    `Hello ${todo.assigneeName},`,
    '',
    `This is the reminder set for ${todo.reminderDate} on ${todo.key}, assigned to you.`,
    '',
    `  Title:      ${todo.title}`,
    `  Workspace:  ${todo.workspaceName} (${todo.workspaceKey})`,
    `  Status:     ${STATUS_LABELS[todo.status] ?? todo.status}`,
    `  Due date:   ${todo.dueDate ?? 'not set'}`,
    '',
    `Open it in BzCtrl: ${todoLink(publicUrl, todo.key)}`,
    '',
  ].join('\n');
  return {
    to: todo.assigneeEmail,
    subject: `Reminder: ${todo.key} ${title}`,
    text,
    kind: 'reminder',
    todoId: todo.id,
  };
}
