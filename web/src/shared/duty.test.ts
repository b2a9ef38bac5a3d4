import { describe, expect, it } from 'vitest';
import { parseCode } from './duty';

describe('check-in codes', () => {
  it('reads the QR text and typed digits, and refuses anything else', () => {
    expect(parseCode('cgduty:42:out:01234567')).toEqual({ activity: 42, kind: 'out', code: '01234567' });
    expect(parseCode(' 12345678 ')).toEqual({ code: '12345678' });
    expect(parseCode('1234567')).toBeNull();
    expect(parseCode('cgduty:42:sideways:01234567')).toBeNull();
  });
});
