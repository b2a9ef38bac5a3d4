// Whether the phone has a network. `navigator.onLine` and the online/offline events, plus failed fetches
// reported by pages (markOffline), since onLine stays true on a captive or dead Wi-Fi.
import { ref } from 'vue';

export const online = ref(globalThis.navigator?.onLine ?? true);

const listeners = new Set<() => void>();

/** Called when the network comes back (the online event). */
export function onReconnect(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function markOffline(): void {
  online.value = false;
}

export function markOnline(): void {
  if (online.value) return;
  online.value = true;
  for (const fn of listeners) fn();
}

if (typeof window !== 'undefined') {
  window.addEventListener('offline', markOffline);
  window.addEventListener('online', markOnline);
}
