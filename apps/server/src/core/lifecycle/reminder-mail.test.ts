import { describe, expect, it } from 'vitest';
import { reminderMail } from './reminder-mail.ts';

const todo = {
  id: 7,
  key: 'IMP-NLD-EXA-SWA-03',
  title: 'Check seal numbers',
  status: 'INPROGRESS',
  dueDate: '2026-12-01',
  reminderDate: '2026-11-23',
  workspaceKey: 'IMP-NLD-EXA-SWA',
  workspaceName: 'Inbound Control',
  assigneeEmail: 'example@example.com',
  assigneeName: 'Example User',
};

describe('reminder mail', () => {
  it('goes to the assignee with the key, title, status, due date and link', () => {
    const mail = reminderMail(todo, 'https://www.bzctrl.com');
    expect(mail).toMatchObject({
      to: 'example@example.com',
      subject: 'Reminder: IMP-NLD-EXA-SWA-03 Check seal numbers',
      kind: 'reminder',
      todoId: 7,
    });
    expect(mail.text).toContain('Status:     In progress');
    expect(mail.text).toContain('Due date:   2026-12-01');
    expect(mail.text).toContain('Inbound Control (IMP-NLD-EXA-SWA)');
    expect(mail.text).toContain('https://www.bzctrl.com/app/#/todo/IMP-NLD-EXA-SWA-03');
  });

  it('keeps the subject on one short line and says when no due date is set', () => {
    const mail = reminderMail(
      { ...todo, title: `Line one\nline two ${'x'.repeat(300)}`, dueDate: null },
      'https://acc.bzctrl.com',
    );
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject.startsWith('Reminder: IMP-NLD-EXA-SWA-03 Line one line two x')).toBe(true);
    expect(mail.subject.length).toBeLessThanOrEqual('Reminder: IMP-NLD-EXA-SWA-03 '.length + 120);
    expect(mail.text).toContain('Due date:   not set');
  });
});
