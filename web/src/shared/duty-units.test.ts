import { describe, expect, it } from 'vitest';
import { cardQuery, quarterOf, serviceCardExport } from './duty-units';
import { countyMonth } from './when';

describe('duty units', () => {
  it('names the calendar quarter of a county month', () => {
    expect(quarterOf({ year: 2026, month: 1 })).toBe('2026Q1');
    expect(quarterOf({ year: 2026, month: 3 })).toBe('2026Q1');
    expect(quarterOf({ year: 2026, month: 4 })).toBe('2026Q2');
    expect(quarterOf({ year: 2026, month: 9 })).toBe('2026Q3');
    expect(quarterOf({ year: 2026, month: 12 })).toBe('2026Q4');
    // The county's New Year comes 8 hours before UTC's.
    expect(quarterOf(countyMonth(new Date('2026-12-31T17:00:00Z')))).toBe('2027Q1');
  });

  it('asks for the service cards of a quarter, of one unit when given', () => {
    expect(cardQuery('2026Q3')).toBe('quarter=2026Q3');
    expect(cardQuery('2026Q3', 7)).toBe('quarter=2026Q3&unit_id=7');
    expect(serviceCardExport('xlsx', '2026Q4', 3)).toBe('/api/v1/exports/service-cards.xlsx?quarter=2026Q4&unit_id=3');
    expect(serviceCardExport('csv', '2026Q4')).toBe('/api/v1/exports/service-cards.csv?quarter=2026Q4');
  });
});
