import { describe, expect, it } from 'vitest';
import { parseMeetingCode } from './meetings';

describe('parseMeetingCode', () => {
  it('reads the typed code and the QR payload', () => {
    expect(parseMeetingCode(' 12345678 ')).toEqual({ code: '12345678' });
    expect(parseMeetingCode('cgmeet:42:87654321')).toEqual({ meeting: 42, code: '87654321' });
  });
  it('refuses anything else', () => {
    expect(parseMeetingCode('1234567')).toBeNull();
    expect(parseMeetingCode('cgduty:42:87654321')).toBeNull();
    expect(parseMeetingCode('cgmeet:42:8765432x')).toBeNull();
  });
});
