// Ticket states as the steps a resident sees.

/** The progress steps shown to a resident, in order. */
export const STEPS = ['submitted', 'accepted', 'assigned', 'in_progress', 'resolved', 'closed'] as const;

/** Index into STEPS for a state; -1 for rejected (no progress bar, a tag instead). */
export function stepOf(state: string): number {
  switch (state) {
    case 'submitted':
      return 0;
    case 'accepted':
      return 1;
    case 'published':
    case 'assigned':
      return 2;
    case 'in_progress':
    case 'escalated':
      return 3;
    case 'resolved':
      return 4;
    case 'closed':
      return 5;
    default:
      return -1;
  }
}

/** Vant tag type for a state. */
export function stateTone(state: string): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  if (state === 'closed' || state === 'resolved') return 'success';
  if (state === 'rejected') return 'danger';
  if (state === 'escalated') return 'warning';
  if (state === 'submitted') return 'default';
  return 'primary';
}

/** An event type's label in the timeline ("resolve" → 办结), or the type when the locale lacks it. */
export function eventLabel(t: (k: string) => string, type?: string): string {
  const key = `tickets.events.${type}`;
  const text = t(key);
  return text === key ? (type ?? '') : text;
}

/** A state's label: the locale's, or the server's label when the locale lacks it. */
export function stateLabel(t: (k: string) => string, state: string, serverLabel?: string): string {
  const key = `tickets.states.${state}`;
  const text = t(key);
  return text === key ? (serverLabel ?? state) : text;
}
