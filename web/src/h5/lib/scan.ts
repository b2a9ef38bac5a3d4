// Reading a QR code from the camera: the browser's BarcodeDetector where it has one (Chrome on Android), else jsQR
// (loaded only when needed) over frames drawn on a canvas. The typed code stays the fallback (docs/duty.md).

/** Decodes one video frame; null when no code is in it. */
export type FrameDecoder = (video: HTMLVideoElement) => Promise<string | null>;

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats?: () => Promise<string[]>;
}

/** The BarcodeDetector decoder when the browser has one that reads QR codes, else null. */
export async function nativeDecoder(scope: { BarcodeDetector?: unknown } = globalThis as { BarcodeDetector?: unknown }): Promise<FrameDecoder | null> {
  const Native = scope.BarcodeDetector as DetectorClass | undefined;
  if (!Native) return null;
  const formats = (await Native.getSupportedFormats?.()) ?? ['qr_code'];
  if (!formats.includes('qr_code')) return null;
  const detector = new Native({ formats: ['qr_code'] });
  return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
}

/** jsQR over the frame drawn on a canvas (scaled to at most 640 px wide: enough for a code held up to the phone). */
export async function jsqrDecoder(): Promise<FrameDecoder> {
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    if (!context || !video.videoWidth) return null;
    const scale = Math.min(1, 640 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
  };
}

export async function frameDecoder(): Promise<FrameDecoder> {
  return (await nativeDecoder()) ?? jsqrDecoder();
}

/** True when this browser can open a camera at all (a secure page with getUserMedia). */
export function cameraAvailable(nav: { mediaDevices?: { getUserMedia?: unknown } } = globalThis.navigator ?? {}): boolean {
  return typeof nav.mediaDevices?.getUserMedia === 'function';
}
