// Whether the phone has a network. `navigator.onLine` and the online/offline events, plus failed fetches
// reported by pages (markOffline), since onLine stays true on a captive or dead Wi-Fi.
import { ref } from 'vue';
import { ApiError } from '@/shared/api';

export const online = ref(globalThis.navigator?.onLine ?? true);

const listeners = new Set<() => void>();

/** Called when the network comes back (the online event). */
export function onReconnect(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let probe: ReturnType<typeof setInterval> | undefined;

/** After a failed fetch: offline until the online event, or until the server answers /healthz again. */
export function markOffline(): void {
  online.value = false;
  if (probe || typeof window === 'undefined') return;
  probe = setInterval(async () => {
    if (!navigator.onLine) return; // the online event will come
    try {
      const res = await fetch('/healthz', { cache: 'no-store' });
      if (res.ok) markOnline();
    } catch {
      /* still unreachable */
    }
  }, 15000);
}

export function markOnline(): void {
  if (probe) clearInterval(probe);
  probe = undefined;
  if (online.value) return;
  online.value = true;
  for (const fn of listeners) fn();
}

if (typeof window !== 'undefined') {
  window.addEventListener('offline', markOffline);
  window.addEventListener('online', markOnline);
}

/** Any thrown value as an ApiError for a page to show; a failed fetch becomes `network` and marks the phone offline. */
export function asApiError(e: unknown): ApiError {
  const error = e instanceof ApiError ? e : new ApiError(0, { code: 'network', message: String(e) });
  if (error.code === 'network') markOffline();
  return error;
}
