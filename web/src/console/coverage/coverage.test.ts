import { describe, expect, it } from 'vitest';
import { thisYear, toFen, yuan } from './coverage';

describe('coverage money helpers', () => {
  it('reads yuan typed by people as fen, and refuses what is not an amount', () => {
    expect(toFen('1200.50')).toBe(120050);
    expect(toFen('1,200.5')).toBe(120050);
    expect(toFen(' 3 ')).toBe(300);
    expect(toFen('0.07')).toBe(7);
    expect(toFen('1.234')).toBeNaN();
    expect(toFen('-5')).toBeNaN();
    expect(toFen('abc')).toBeNaN();
  });
  it('writes fen as yuan with two decimals', () => {
    expect(yuan(9987950)).toBe('99,879.50');
    expect(yuan(-120050)).toBe('-1,200.50');
    expect(yuan(undefined)).toBe('0.00');
  });
  it('takes the year in Asia/Shanghai', () => {
    expect(thisYear(new Date('2026-12-31T16:30:00Z'))).toBe(2027);
    expect(thisYear(new Date('2026-12-31T15:30:00Z'))).toBe(2026);
  });
});
