import { describe, expect, it } from 'vitest';
import { allowedActions, type Ticket } from './tickets';

const ticket = (state: string, extra: Partial<Ticket> = {}): Ticket => ({ id: 1, version: 1, state, ...extra });

describe('allowedActions', () => {
  it('offers a secretary accept, reject, dispatch and close on a new demand, no 吹哨', () => {
    expect(allowedActions(ticket('submitted'), { role: 'community_secretary' })).toEqual([
      'accept', 'reject', 'dispatch', 'close',
    ]);
  });
  it('offers a street admin 吹哨 and 督办 besides the manager actions', () => {
    const a = allowedActions(ticket('in_progress'), { role: 'street_admin' });
    expect(a).toContain('escalate');
    expect(a).toContain('supervise');
    expect(a).not.toContain('accept');
    expect(allowedActions(ticket('in_progress', { supervised: true }), { role: 'street_admin' })).not.toContain('supervise');
  });
  it('lets a unit admin report in only when its department is called and has not reported', () => {
    const t = ticket('escalated');
    const called = [{ unit_id: 4, responded_at: null }];
    expect(allowedActions(t, { role: 'unit_admin', unitId: 4 }, called)).toContain('respond');
    expect(allowedActions(t, { role: 'unit_admin', unitId: 5 }, called)).not.toContain('respond');
    expect(allowedActions(t, { role: 'unit_admin', unitId: 4 }, [{ unit_id: 4, responded_at: '2026-12-06T00:00:00Z' }])).toEqual([]);
  });
  it('lets the holder of a ticket start, resolve and return it, and nobody else without a role', () => {
    const t = ticket('assigned', { assignee: { kind: 'account', id: 7, name: 'x' } });
    expect(allowedActions(t, { role: 'grid_worker', accountId: 7 })).toEqual(['start', 'resolve', 'return']);
    expect(allowedActions(t, { role: 'grid_worker', accountId: 8 })).toEqual([]);
  });
  it('offers callbacks and reopening on resolved tickets to managers', () => {
    expect(allowedActions(ticket('resolved'), { role: 'community_worker' })).toEqual(['callback', 'reopen', 'close']);
    expect(allowedActions(ticket('rejected'), { role: 'county_admin' })).toEqual([]);
  });
});
