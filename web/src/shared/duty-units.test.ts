import { describe, expect, it } from 'vitest';
import { cardQuery, quarterOf, serviceCardExport } from './duty-units';

describe('duty units', () => {
  it('names the calendar quarter of a date', () => {
    expect(quarterOf(new Date(2026, 0, 1))).toBe('2026Q1');
    expect(quarterOf(new Date(2026, 2, 31))).toBe('2026Q1');
    expect(quarterOf(new Date(2026, 3, 1))).toBe('2026Q2');
    expect(quarterOf(new Date(2026, 8, 30))).toBe('2026Q3');
    expect(quarterOf(new Date(2026, 11, 7))).toBe('2026Q4');
  });

  it('asks for the service cards of a quarter, of one unit when given', () => {
    expect(cardQuery('2026Q3')).toBe('quarter=2026Q3');
    expect(cardQuery('2026Q3', 7)).toBe('quarter=2026Q3&unit_id=7');
    expect(serviceCardExport('xlsx', '2026Q4', 3)).toBe('/api/v1/exports/service-cards.xlsx?quarter=2026Q4&unit_id=3');
    expect(serviceCardExport('csv', '2026Q4')).toBe('/api/v1/exports/service-cards.csv?quarter=2026Q4');
  });
});
