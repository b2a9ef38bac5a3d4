import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from './i18n';
import { countyMonth, countyMonthStart, formatDay, formatWhen, formatWhenShort } from './when';

const setLocale = (l: string) => {
  (i18n.global.locale as unknown as { value: string }).value = l;
};

describe('times in the county zone', () => {
  afterEach(() => setLocale('zh-CN'));

  it('shows Asia/Shanghai wall time whatever the browser zone is', () => {
    // 07:06 UTC is 15:06 in the county.
    expect(formatWhen('2026-12-09T07:06:00Z')).toBe('2026/12/09 15:06');
    expect(formatWhenShort('2026-12-09T07:06:00Z')).toBe('12/9 15:06');
    expect(formatDay('2026-12-09T07:06:00Z')).toBe('2026/12/09');
  });

  it('crosses midnight and the year by the county clock, not UTC', () => {
    // 16:30 UTC on 31 December is 00:30 on 1 January in the county.
    expect(formatWhen('2026-12-31T16:30:00Z')).toBe('2027/01/01 00:30');
    expect(formatDay('2026-12-31T16:30:00Z')).toBe('2027/01/01');
    expect(formatWhenShort('2026-12-31T16:30:00Z')).toBe('1/1 00:30');
  });

  it('writes English dates day first', () => {
    setLocale('en');
    expect(formatWhen('2026-12-09T07:06:00Z')).toBe('09/12/2026, 15:06');
    expect(formatDay('2026-12-09T07:06:00Z')).toBe('09/12/2026');
  });

  it('counts months by the county clock', () => {
    // 1 January 00:30 in the county is still 31 December in UTC.
    expect(countyMonth(new Date('2026-12-31T16:30:00Z'))).toEqual({ year: 2027, month: 1 });
    expect(countyMonthStart(2027, 1).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(countyMonthStart(2026, 13).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(countyMonth(countyMonthStart(2027, 0))).toEqual({ year: 2026, month: 12 });
  });

  it('gives the placeholder for nothing or nonsense', () => {
    expect(formatWhen(undefined)).toBe('');
    expect(formatWhen(null, '—')).toBe('—');
    expect(formatWhen('not a time', '—')).toBe('—');
    expect(formatDay('', '从未')).toBe('从未');
    expect(formatWhenShort(undefined, '—')).toBe('—');
  });
});
