// Photos are shrunk on the phone before upload: at most 1600 px on the longer side, JPEG. Re-drawing on a canvas
// also drops the EXIF block (the server strips metadata again, whatever the client sends).
import { raw } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { fitWithin } from './geo';

export type Attachment = components['schemas']['Attachment'];
export const MAX_SIDE = 1600;

async function decode(file: Blob): Promise<{ source: CanvasImageSource; width: number; height: number; done: () => void }> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      return { source: bitmap, width: bitmap.width, height: bitmap.height, done: () => bitmap.close() };
    } catch {
      /* fall back to <img> */
    }
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.src = url;
  await img.decode();
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, done: () => URL.revokeObjectURL(url) };
}

/** The photo as a JPEG no larger than MAX_SIDE. */
export async function resizePhoto(file: Blob, max = MAX_SIDE, quality = 0.85): Promise<Blob> {
  const image = await decode(file);
  try {
    const size = fitWithin(image.width, image.height, max);
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size.width, size.height);
    ctx.drawImage(image.source, 0, 0, size.width, size.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob'))), 'image/jpeg', quality),
    );
  } finally {
    image.done();
  }
}

/** POST /api/v1/attachments with the raw bytes (the same bytes twice give the same attachment). */
export async function uploadPhoto(blob: Blob): Promise<Attachment> {
  const res = await raw('/api/v1/attachments', { method: 'POST', body: blob, headers: { 'Content-Type': 'image/jpeg' } });
  return (await res.json()) as Attachment;
}

export function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Decodes a data: URL without fetch (the CSP's connect-src is 'self' only). */
export function dataUrlToBlob(dataUrl: string): Blob {
  const [head, body] = dataUrl.split(',', 2);
  const type = /data:([^;]+)/.exec(head)?.[1] ?? 'application/octet-stream';
  const bin = atob(body ?? '');
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}
