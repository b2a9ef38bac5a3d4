// The phone's meeting check-in (issue 10 §3): reading the organiser's code, typed or from the QR.
import { cameraAvailable, frameDecoder } from './scan';

/** "12345678" or the QR payload "cgmeet:<meeting>:<code>"; null when it is neither. */
export function parseMeetingCode(text: string): { meeting?: number; code: string } | null {
  const s = text.trim();
  const qr = /^cgmeet:(\d+):(\d{8})$/.exec(s);
  if (qr) return { meeting: Number(qr[1]), code: qr[2]! };
  return /^\d{8}$/.test(s) ? { code: s } : null;
}

export type StopScan = () => void;

/**
 * Reads one QR code from the camera into `video` (the browser's BarcodeDetector, else jsQR: lib/scan.ts) and calls
 * `found` with its text; throws where there is no camera (the typed code stays). Returns a function that stops it.
 */
export async function scanOnce(video: HTMLVideoElement, found: (text: string) => void | Promise<void>): Promise<StopScan> {
  if (!cameraAvailable()) throw new Error('no camera');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  void video.play().catch(() => undefined); // frames are polled; the decoders wait for the first one
  const decode = await frameDecoder();
  let live = true;
  const stop = () => {
    live = false;
    for (const track of stream.getTracks()) track.stop();
  };
  const tick = async () => {
    if (!live) return;
    const text = await decode(video).catch(() => null);
    if (text) {
      stop();
      await found(text);
      return;
    }
    window.setTimeout(() => void tick(), 200);
  };
  void tick();
  return stop;
}
