// The ticket event stream (SSE). EventSource reconnects by itself; when the server restarts or the stream is
// refused, we reopen it after a pause so a screen left alone recovers without anyone touching it.
export interface StreamHandle {
  close(): void;
}

export function openStream(
  url: string,
  onEvent: (type: string, data: unknown) => void,
  onState?: (connected: boolean) => void,
  types: string[] = ['message'],
): StreamHandle {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const open = () => {
    if (closed) return;
    source = new EventSource(url, { withCredentials: true });
    source.onopen = () => onState?.(true);
    source.onerror = () => {
      onState?.(false);
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        timer = setTimeout(open, 3000);
      }
    };
    const handler = (type: string) => (e: MessageEvent) => {
      let data: unknown = e.data;
      try {
        data = JSON.parse(e.data as string);
      } catch {
        /* plain text event */
      }
      onEvent(type, data);
    };
    for (const type of types) source.addEventListener(type, handler(type) as EventListener);
  };
  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      source?.close();
    },
  };
}
