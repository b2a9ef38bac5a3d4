import { describe, expect, it } from 'vitest';
import { decodeCsv, parseCsv, percent, toCsv } from './admin';

describe('parseCsv', () => {
  it('gives each record the physical line it starts on', () => {
    const rows = parseCsv('姓名,房号\r\n张三,1-101\n"李,四","a\nb"\n\n王五,2\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 6]);
    expect(rows[2].cells).toEqual(['李,四', 'a\nb']);
  });
  it('reads doubled quotes and a last line without newline', () => {
    expect(parseCsv('a,"b ""c"""\nx,y')).toEqual([
      { line: 1, cells: ['a', 'b "c"'] },
      { line: 2, cells: ['x', 'y'] },
    ]);
  });
});

describe('decodeCsv', () => {
  it('reads UTF-8 with BOM and GBK', () => {
    expect(decodeCsv(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
    // 张三 in GBK
    expect(decodeCsv(new Uint8Array([0xd5, 0xc5, 0xc8, 0xfd]))).toBe('张三');
  });
});

describe('toCsv', () => {
  it('quotes what needs it and starts with a BOM for Excel', () => {
    expect(toCsv([['a', 'b,c'], [1, null]])).toBe('\uFEFFa,"b,c"\r\n1,\r\n');
    expect(percent(0.1234)).toBe('12.3%');
    expect(percent(null)).toBe('—');
  });
});
