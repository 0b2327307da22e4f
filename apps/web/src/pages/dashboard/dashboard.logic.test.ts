import { describe, expect, it } from 'vitest';
import { formatEur } from '../../ui/format.ts';
import {
  addDays,
  barWidth,
  cellCount,
  cellLabel,
  countLabel,
  type Dashboard,
  expiringHref,
  hasTodos,
  inPageTarget,
  intensity,
  largest,
  overdueHrefs,
  plural,
  relativeDays,
  riskLevel,
  shownNote,
  summaryTiles,
  unratedNote,
} from './dashboard.logic.ts';

/** A dashboard answer (GET /dashboard); `today` is the server's, whatever day this runs. */
function dashboard(over: Partial<Dashboard> = {}): Dashboard {
  return {
    today: '2026-03-01',
    workspace: null,
    riskMatrix: {
      cells: [
        { impact: 'HIGH', likelihood: 'HIGH', count: 2 },
        { impact: 'LOW', likelihood: 'MEDIUM', count: 1 },
      ],
      unrated: 1,
      total: 4,
    },
    byStatus: [
      {
        workspace: 'A',
        workspaceName: 'Alpha',
        counts: { TODO: 2, INPROGRESS: 1, DONE: 0, EXPIRED: 0 },
        open: 3,
      },
      {
        workspace: 'B',
        workspaceName: 'Beta',
        counts: { TODO: 0, INPROGRESS: 4, DONE: 5, EXPIRED: 1 },
        open: 4,
      },
    ],
    financialImpact: { totalEur: '1234.50', byWorkspace: [] },
    overdue: { count: 0, items: [] },
    remindersPassed: { count: 0, items: [] },
    expiringSoon: { count: 2, items: [], until: '2026-03-08' },
    ...over,
  };
}

/** A list link's query, to compare without depending on the parameters' order. */
const queryOf = (link: string) => {
  expect(link.startsWith('#/todos')).toBe(true);
  return Object.fromEntries(new URLSearchParams(link.split('?')[1] ?? ''));
};

describe('summaryTiles', () => {
  it('sums the open todos over the workspaces and links each figure to what it counts', () => {
    const tiles = summaryTiles(dashboard());
    expect(tiles.map((t) => [t.label, t.value])).toEqual([
      ['Open todos', '7'],
      ['Open incidents', '4'],
      ['Potential impact', formatEur('1234.50')],
      ['Overdue', '0'],
      ['Reminder passed', '0'],
      ['Expiring in 7 days', '2'],
    ]);
    expect(queryOf(tiles[0]?.to ?? '')).toEqual({ status: 'TODO,INPROGRESS' });
    expect(queryOf(tiles[1]?.to ?? '')).toEqual({ type: 'INCIDENT', status: 'TODO,INPROGRESS' });
    expect(tiles[2]?.to).toBe(tiles[1]?.to);
    expect(tiles.slice(3).map((t) => inPageTarget(t.to))).toEqual([
      'dash-overdue',
      'dash-reminders',
      'dash-expiring',
    ]);
    expect(tiles.slice(0, 3).map((t) => inPageTarget(t.to))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('keeps the workspace chosen in every link, and marks what needs attention', () => {
    const tiles = summaryTiles(
      dashboard({
        workspace: 'A',
        overdue: { count: 3, items: [] },
        remindersPassed: { count: 1, items: [] },
      }),
    );
    expect(queryOf(tiles[0]?.to ?? '').workspace).toBe('A');
    expect(queryOf(tiles[1]?.to ?? '').workspace).toBe('A');
    expect(tiles.map((t) => t.tone)).toEqual([
      undefined,
      undefined,
      undefined,
      'danger',
      'warning',
      'warning',
    ]);
    const calm = summaryTiles(dashboard({ expiringSoon: { count: 0, items: [], until: '' } }));
    expect(calm.map((t) => t.tone)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('the risk matrix', () => {
  it('reads impact × likelihood as a risk register does', () => {
    expect(riskLevel('HIGH', 'HIGH')).toBe('high');
    expect(riskLevel('HIGH', 'MEDIUM')).toBe('high');
    expect(riskLevel('MEDIUM', 'MEDIUM')).toBe('medium');
    expect(riskLevel('LOW', 'HIGH')).toBe('medium');
    expect(riskLevel('HIGH', 'LOW')).toBe('medium');
    expect(riskLevel('MEDIUM', 'LOW')).toBe('low');
    expect(riskLevel('LOW', 'LOW')).toBe('low');
  });

  it('shades a cell by its share of the fullest, one step deeper when the risk is high', () => {
    expect(intensity(0, 10, 'high')).toBe(0);
    expect(intensity(3, 0, 'low')).toBe(0);
    expect(intensity(1, 10, 'low')).toBe(1);
    expect(intensity(5, 10, 'medium')).toBe(2);
    expect(intensity(10, 10, 'low')).toBe(4);
    expect(intensity(5, 10, 'high')).toBe(3);
    expect(intensity(10, 10, 'high')).toBe(4);
  });

  it('counts a pair the answer leaves out as 0', () => {
    const { cells } = dashboard().riskMatrix;
    expect(cellCount(cells, 'HIGH', 'HIGH')).toBe(2);
    expect(cellCount(cells, 'LOW', 'MEDIUM')).toBe(1);
    expect(cellCount(cells, 'MEDIUM', 'LOW')).toBe(0);
    expect(largest(cells.map((c) => c.count))).toBe(2);
    expect(largest([])).toBe(0);
  });

  it('says a cell and the unrated incidents in words', () => {
    expect(cellLabel(1, 'High', 'Low')).toBe('1 open incident, impact High, likelihood Low');
    expect(cellLabel(0, 'Low', 'Low')).toBe('0 open incidents, impact Low, likelihood Low');
    expect(unratedNote(0)).toBe('Every open incident has an impact and a likelihood.');
    expect(unratedNote(1)).toBe(
      '1 open incident without impact or likelihood is not in the matrix.',
    );
    expect(unratedNote(3)).toBe(
      '3 open incidents without impact or likelihood are not in the matrix.',
    );
  });
});

describe('the workspace tables', () => {
  it('draws each amount as a share of the largest', () => {
    expect(barWidth('500', 1000)).toBe('50%');
    expect(barWidth('1000.00', 1000)).toBe('100%');
    expect(barWidth('0', 0)).toBe('0%');
  });

  it('knows whether there is any todo, in any status', () => {
    expect(hasTodos(dashboard().byStatus)).toBe(true);
    expect(hasTodos([])).toBe(false);
    const onlyExpired = dashboard().byStatus.map((w) => ({
      ...w,
      counts: { TODO: 0, INPROGRESS: 0, DONE: 0, EXPIRED: w.workspace === 'B' ? 1 : 0 },
      open: 0,
    }));
    expect(hasTodos(onlyExpired)).toBe(true);
    expect(hasTodos(onlyExpired.filter((w) => w.workspace === 'A'))).toBe(false);
  });

  it('says a count in words', () => {
    expect(countLabel(1, 'in To do', 'Alpha')).toBe('1 todo in To do in Alpha');
    expect(countLabel(4, 'open', 'Beta')).toBe('4 todos open in Beta');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
  });
});

describe('dates', () => {
  it('moves a date by calendar days across months, years and leap days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-29', 7)).toBe('2026-04-05');
  });

  it('says how far a date is from today in calendar days', () => {
    const today = '2026-03-27';
    expect(relativeDays(today, today)).toBe('today');
    expect(relativeDays(addDays(today, 1), today)).toBe('tomorrow');
    expect(relativeDays(addDays(today, -1), today)).toBe('yesterday');
    expect(relativeDays(addDays(today, 3), today)).toBe('in 3 days');
    expect(relativeDays(addDays(today, -10), today)).toBe('10 days ago');
  });

  it('says a list is cut short only when it is', () => {
    expect(shownNote(10, 10)).toBeUndefined();
    expect(shownNote(10, 14)).toBe('The first 10 of 14, earliest first.');
  });
});

describe('the lists behind the due cards', () => {
  it('opens the open todos up to yesterday, by reminder and by due date', () => {
    const data = dashboard({ workspace: 'B' });
    const yesterday = addDays(data.today, -1);
    const links = overdueHrefs(data);
    expect(queryOf(links.reminder)).toEqual({
      workspace: 'B',
      status: 'TODO,INPROGRESS',
      reminderTo: yesterday,
      sort: 'reminderDate',
    });
    expect(queryOf(links.due)).toEqual({
      workspace: 'B',
      status: 'TODO,INPROGRESS',
      dueTo: yesterday,
      sort: 'dueDate',
    });
  });

  it('opens the open todos due from today to the end of the window', () => {
    const data = dashboard();
    expect(queryOf(expiringHref(data))).toEqual({
      status: 'TODO,INPROGRESS',
      dueFrom: data.today,
      dueTo: data.expiringSoon.until,
      sort: 'dueDate',
    });
  });
});
