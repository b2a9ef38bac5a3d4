// The phone's meeting check-in (issue 10 §3): reading the organiser's code, typed or from the QR.

/** "12345678" or the QR payload "cgmeet:<meeting>:<code>"; null when it is neither. */
export function parseMeetingCode(text: string): { meeting?: number; code: string } | null {
  const s = text.trim();
  const qr = /^cgmeet:(\d+):(\d{8})$/.exec(s);
  if (qr) return { meeting: Number(qr[1]), code: qr[2]! };
  return /^\d{8}$/.test(s) ? { code: s } : null;
}

export type StopScan = () => void;

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

/**
 * Reads one QR code from the camera into `video` with the browser's BarcodeDetector and calls `found` with its text;
 * throws where there is no camera or no detector (the typed code stays). Returns a function that stops the camera.
 */
export async function scanOnce(video: HTMLVideoElement, found: (text: string) => void | Promise<void>): Promise<StopScan> {
  const Ctor = (globalThis as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => Detector }).BarcodeDetector;
  if (!Ctor || !navigator.mediaDevices?.getUserMedia) throw new Error('no detector');
  const detector = new Ctor({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  await video.play();
  let live = true;
  const stop = () => {
    live = false;
    for (const track of stream.getTracks()) track.stop();
  };
  const tick = async () => {
    if (!live) return;
    const codes = await detector.detect(video).catch(() => []);
    if (codes[0]) {
      stop();
      await found(codes[0].rawValue);
      return;
    }
    requestAnimationFrame(() => void tick());
  };
  void tick();
  return stop;
}
