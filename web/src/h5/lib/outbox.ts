// Reports written while the network is down wait here (localStorage) and are sent when it returns. Each keeps the
// Idempotency-Key it was first sent with, so a report that reached the server before the connection broke is
// answered with the same ticket instead of being filed twice.
import { ref } from 'vue';
import { ApiError, api, ok } from '@/shared/api';
import type { components } from '@/shared/api-types';
import { dataUrlToBlob, uploadPhoto } from './photos';

export type Ticket = components['schemas']['Ticket'];
export type NewTicket = components['schemas']['NewTicket'];

export interface OutPhoto {
  /** The resized JPEG, kept until it is uploaded. */
  dataUrl?: string;
  /** The attachment once uploaded. */
  id?: number;
}

export interface OutItem {
  key: string;
  body: NewTicket;
  photos: OutPhoto[];
  savedAt: string;
  /** Error code of the last attempt that the server refused (not a network failure). */
  error?: string;
}

const STORAGE_KEY = 'cg_h5_outbox';

function storage(): Storage | undefined {
  return globalThis.localStorage;
}

function read(): OutItem[] {
  try {
    const parsed = JSON.parse(storage()?.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as OutItem[]) : [];
  } catch {
    return [];
  }
}

export const outbox = ref<OutItem[]>(read());

/** Saves the outbox; false when the phone's storage is full (photos are then dropped, the words kept). */
function write(): boolean {
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify(outbox.value));
    return true;
  } catch {
    for (const item of outbox.value) item.photos = item.photos.filter((p) => p.id !== undefined);
    try {
      storage()?.setItem(STORAGE_KEY, JSON.stringify(outbox.value));
    } catch {
      /* nothing more to drop */
    }
    return false;
  }
}

/** Keeps a report to send later (replacing one with the same key). */
export function keep(item: OutItem): boolean {
  outbox.value = [...outbox.value.filter((i) => i.key !== item.key), item];
  return write();
}

export function discard(key: string): void {
  outbox.value = outbox.value.filter((i) => i.key !== key);
  write();
}

/** Uploads the photos not yet uploaded, then files the ticket under the item's Idempotency-Key. */
export async function send(item: OutItem): Promise<Ticket> {
  for (const photo of item.photos) {
    if (photo.id === undefined && photo.dataUrl) {
      photo.id = (await uploadPhoto(dataUrlToBlob(photo.dataUrl))).id;
      delete photo.dataUrl;
    }
  }
  const ids = item.photos.map((p) => p.id).filter((id): id is number => id !== undefined);
  const body: NewTicket = { ...item.body, attachment_ids: ids };
  return ok(api.POST('/api/v1/tickets', { params: { header: { 'Idempotency-Key': item.key } }, body }));
}

let flushing: Promise<Ticket[]> | null = null;

/**
 * Sends every waiting report. Stops at the first network failure (still offline); a report the server refuses
 * stays with its error code for the person to fix or discard. Returns the tickets filed.
 */
export function flush(): Promise<Ticket[]> {
  if (flushing) return flushing;
  flushing = (async () => {
    const sent: Ticket[] = [];
    for (const item of [...outbox.value]) {
      try {
        sent.push(await send(item));
        discard(item.key);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'network') {
          write(); // uploaded photos keep their ids
          break;
        }
        item.error = e instanceof ApiError ? e.code : 'unknown';
        write();
      }
    }
    return sent;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

/** For tests: reload from storage. */
export function reload(): void {
  outbox.value = read();
}
