import { describe, expect, it } from 'vitest';
import {
  addDays, beijingDate, beijingTime, cycleFromQuery, nextRate, maskText, percent, percentShort, rateColor, rateFromQuery, ratesOf, refreshFromQuery,
  NO_DATA_COLOR, coverageColor, visitsFromQuery,
} from './format';

describe('screen format', () => {
  it('reads the rate from the URL, completion by default', () => {
    expect(rateFromQuery('')).toBe('completion');
    expect(rateFromQuery('?rate=satisfaction')).toBe('satisfaction');
    expect(rateFromQuery('?rate=response_rate')).toBe('response');
    expect(rateFromQuery('?rate=resolution')).toBe('completion');
    expect(rateFromQuery('?rate=nonsense')).toBe('completion');
  });

  it('cycles the map through the three rates when asked', () => {
    expect(cycleFromQuery('')).toBe(0);
    expect(cycleFromQuery('?rate=satisfaction')).toBe(0);
    expect(cycleFromQuery('?rate=cycle')).toBe(20);
    expect(cycleFromQuery('?rate=cycle&cycle=2')).toBe(5);
    expect(cycleFromQuery('?cycle=30')).toBe(30);
    expect(rateFromQuery('?rate=cycle')).toBe('completion');
    expect(nextRate('response')).toBe('completion');
    expect(nextRate('completion')).toBe('satisfaction');
    expect(nextRate('satisfaction')).toBe('response');
  });

  it('fills a grid by the share of its households seen this week when the map shows visits', () => {
    expect(visitsFromQuery('?map=visits')).toBe(true);
    expect(visitsFromQuery('?map=rates')).toBe(false);
    expect(visitsFromQuery('')).toBe(false);
    expect(coverageColor(1)).toBe('#2fbf71');
    expect(coverageColor(0.9)).toBe('#2fbf71');
    expect(coverageColor(0.89)).toBe('#8fd14f');
    expect(coverageColor(0.5)).toBe('#f2c94c');
    expect(coverageColor(0.29)).toBe('#eb5757');
    expect(coverageColor(0)).toBe('#eb5757');
    expect(coverageColor(null)).toBe(NO_DATA_COLOR);
  });

  it('bounds the refresh interval', () => {
    expect(refreshFromQuery('')).toBe(45);
    expect(refreshFromQuery('?refresh=2')).toBe(10);
    expect(refreshFromQuery('?refresh=30')).toBe(30);
    expect(refreshFromQuery('?refresh=abc')).toBe(45);
  });

  it('writes rates with one decimal', () => {
    expect(percent(0.8695)).toBe('87.0%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(0)).toBe('0.0%');
    expect(percent(null)).toBe('—');
    expect(percentShort(0.6667)).toBe('67%');
    expect(percentShort(1)).toBe('100%');
  });

  it('maps API rates', () => {
    expect(ratesOf({ response_rate: 0.5, resolution_rate: null, satisfaction_rate: 1 })).toEqual({
      response: 0.5, completion: null, satisfaction: 1,
    });
  });

  it('colours by bins, grey without data', () => {
    expect(rateColor(null)).toBe(NO_DATA_COLOR);
    expect(rateColor(0.97)).not.toBe(rateColor(0.5));
    expect(rateColor(0.95)).toBe(rateColor(1));
  });

  it('works in Beijing days and times', () => {
    expect(beijingDate(new Date('2026-12-05T16:30:00Z'))).toBe('2026-12-06');
    expect(addDays('2026-12-01', -1)).toBe('2026-11-30');
    expect(beijingTime('2026-12-06T02:05:00Z')).toBe('10:05');
  });

  it('masks phones and ID numbers and cuts long text', () => {
    expect(maskText('请联系13812345678谢谢')).toBe('请联系138****5678谢谢');
    expect(maskText('身份证 110101199001011234 丢了')).toBe('身份证 110****1234 丢了');
    expect(maskText('2号楼 3 单元')).toBe('2号楼 3 单元');
    expect(Array.from(maskText('很'.repeat(60), 10)).length).toBe(10);
  });
});
