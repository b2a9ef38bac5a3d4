import { describe, expect, it } from 'vitest';
import { cameraAvailable, nativeDecoder } from './scan';

class FakeDetector {
  static formats = ['qr_code', 'ean_13'];
  static getSupportedFormats = async () => FakeDetector.formats;
  constructor(readonly options: { formats: string[] }) {}
  async detect() {
    return this.options.formats.includes('qr_code') ? [{ rawValue: 'cgduty:7:in:12345678' }] : [];
  }
}

describe('scan', () => {
  it('uses the browser BarcodeDetector when it reads QR codes', async () => {
    const decode = await nativeDecoder({ BarcodeDetector: FakeDetector });
    expect(decode).not.toBeNull();
    expect(await decode!({} as HTMLVideoElement)).toBe('cgduty:7:in:12345678');
  });

  it('falls back (null) when there is no detector or it cannot read QR codes', async () => {
    expect(await nativeDecoder({})).toBeNull();
    FakeDetector.formats = ['ean_13'];
    expect(await nativeDecoder({ BarcodeDetector: FakeDetector })).toBeNull();
    FakeDetector.formats = ['qr_code', 'ean_13'];
  });

  it('knows whether a camera can be asked for', () => {
    expect(cameraAvailable({})).toBe(false);
    expect(cameraAvailable({ mediaDevices: { getUserMedia: () => undefined } })).toBe(true);
  });
});
