import { describe, expect, it } from 'vitest';
import { hoursLeft, nextActions, sortOverdueFirst, type Ticket } from './work';

describe('work', () => {
  it('puts overdue tickets first, then the nearest deadline', () => {
    const list: Ticket[] = [
      { id: 1, resolve_due: '2026-12-09T00:00:00Z', overdue: [] },
      { id: 2, resolve_due: '2026-12-08T00:00:00Z', overdue: [] },
      { id: 3, resolve_due: '2026-12-10T00:00:00Z', overdue: ['resolve'] },
    ];
    expect(sortOverdueFirst(list).map((t) => t.id)).toEqual([3, 2, 1]);
  });

  it('offers the actions the state allows', () => {
    expect(nextActions({ state: 'published' }, true)).toEqual(['claim']);
    expect(nextActions({ state: 'published' }, false)).toEqual([]);
    expect(nextActions({ state: 'assigned' }, true)).toEqual(['start']);
    expect(nextActions({ state: 'in_progress' }, true)).toEqual(['resolve']);
    expect(nextActions({ state: 'resolved' }, true)).toEqual([]);
  });

  it('counts hours to a deadline', () => {
    expect(hoursLeft('2026-12-06T12:00:00Z', Date.parse('2026-12-06T10:00:00Z'))).toBe(2);
    expect(hoursLeft(null)).toBeNull();
  });
});
