// 我的消息: what the ticket stream (SSE) says that concerns me — tickets assigned to me, new items on my community's
// board (marked when they match my skills), how my own demands went (for residents, only that), and for grid
// workers new tickets in my grids.
// Kept in memory and in localStorage per account (with the last event id, so a reload resumes the stream).
import { computed, reactive, watch } from 'vue';
import { api, ok } from '@/shared/api';
import { openStream, type StreamHandle } from '@/shared/sse';
import { role, session } from '@/shared/session';
import { actedOn } from './work';

export type MessageKind = 'assigned' | 'board' | 'board_skill' | 'result' | 'grid_new';

export interface Message {
  id: number;
  kind: MessageKind;
  ticketId: number;
  number: string;
  /** The event type and the state after it (for results). */
  type: string;
  state: string;
  title: string;
  at: string;
  read: boolean;
}

export interface StreamEvent {
  id: number;
  ticket_id: number;
  ticket_number?: string;
  type: string;
  state_after?: string;
  at?: string;
  note?: string;
}

const MAX = 200;
const LISTENERS: string[] = ['party_member', 'unit_admin', 'grid_worker', 'resident'];
const RESULT_TYPES = new Set(['accept', 'reject', 'dispatch', 'resolve', 'close', 'reopen']);

export const inbox = reactive<{ items: Message[]; lastId: number; connected: boolean; account: number | null }>({
  items: [],
  lastId: 0,
  connected: false,
  account: null,
});

export const unread = computed(() => inbox.items.filter((m) => !m.read).length);

function storageKey(account: number): string {
  return `cg_h5_messages:${account}`;
}

function load(account: number): void {
  inbox.account = account;
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(storageKey(account)) ?? 'null') as { items?: Message[]; lastId?: number } | null;
    inbox.items = Array.isArray(saved?.items) ? saved.items : [];
    inbox.lastId = Number(saved?.lastId) || 0;
  } catch {
    inbox.items = [];
    inbox.lastId = 0;
  }
}

function save(): void {
  if (inbox.account === null) return;
  try {
    globalThis.localStorage?.setItem(storageKey(inbox.account), JSON.stringify({ items: inbox.items, lastId: inbox.lastId }));
  } catch {
    /* storage full: the messages stay in memory */
  }
}

export function markAllRead(): void {
  if (!inbox.items.some((m) => !m.read)) return;
  for (const m of inbox.items) m.read = true;
  save();
}

export function clearAll(): void {
  inbox.items = [];
  save();
}

/** Adds a message (newest first, one per event, at most MAX kept). */
export function addMessage(m: Message): void {
  if (inbox.items.some((x) => x.id === m.id && x.kind === m.kind)) return;
  inbox.items = [m, ...inbox.items].slice(0, MAX);
  save();
}

async function ticketIn(ids: Promise<{ items?: { id?: number }[] }>, id: number): Promise<boolean> {
  return ((await ids).items ?? []).some((x) => x.id === id);
}

/** Which message an event makes for the signed-in person, if any (asks the API what the event does not carry). */
export async function classify(e: StreamEvent, who: string): Promise<{ kind: MessageKind; title: string } | null> {
  const id = e.ticket_id;
  if (who === 'resident') return RESULT_TYPES.has(e.type) ? resultOf(id) : null;
  const mine = actedOn.has(id);
  if (e.state_after === 'assigned' && (e.type === 'dispatch' || e.type === 'claim' || e.type === 'return')) {
    if (mine && e.type === 'claim') return null;
    const assigned = await ticketIn(ok(api.GET('/api/v1/tickets', { params: { query: { assigned: true, state: 'assigned', limit: 200 } } })), id);
    if (assigned) return { kind: 'assigned', title: await titleOf(id) };
  }
  if (e.type === 'dispatch' && e.state_after === 'published' && who !== 'grid_worker') {
    const skilled = await ticketIn(ok(api.GET('/api/v1/board', { params: { query: { skills: 'mine', limit: 200 } } })), id);
    return { kind: skilled ? 'board_skill' : 'board', title: await titleOf(id) };
  }
  if (e.type === 'submit' && who === 'grid_worker' && !mine) {
    // Not my own patrol finding (its event may arrive before the page that filed it hears back).
    const ticket = await ok(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
    return ticket.mine ? null : { kind: 'grid_new', title: ticket.title || ticket.description || '' };
  }
  return RESULT_TYPES.has(e.type) ? resultOf(id) : null;
}

/** A result message when the ticket is one I filed or follow. */
async function resultOf(id: number): Promise<{ kind: MessageKind; title: string } | null> {
  const ticket = await ok(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
  return ticket.mine ? { kind: 'result', title: ticket.title || ticket.description || '' } : null;
}

const titles = new Map<number, string>();
async function titleOf(id: number): Promise<string> {
  if (!titles.has(id)) {
    const ticket = await ok(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
    titles.set(id, ticket.title || ticket.description || '');
  }
  return titles.get(id) ?? '';
}

let queue: Promise<void> = Promise.resolve();

function onEvent(_type: string, data: unknown): void {
  const e = data as StreamEvent;
  if (!e || typeof e.ticket_id !== 'number') return;
  const who = role();
  // One at a time, in stream order.
  queue = queue.then(async () => {
    try {
      const found = await classify(e, who);
      if (found) {
        addMessage({
          id: e.id,
          kind: found.kind,
          ticketId: e.ticket_id,
          number: e.ticket_number ?? '',
          type: e.type,
          state: e.state_after ?? '',
          title: found.title,
          at: e.at ?? new Date().toISOString(),
          read: false,
        });
      }
    } catch {
      /* a ticket I may no longer see: no message */
    }
    if (e.id > inbox.lastId) {
      inbox.lastId = e.id;
      save();
    }
  });
}

let stream: StreamHandle | null = null;

function stop(): void {
  stream?.close();
  stream = null;
  inbox.connected = false;
}

/** Opens the stream while someone who gets messages is signed in; closes it on sign-out. */
export function startMessages(): void {
  watch(
    () => [session.me?.account.id ?? null, role()] as const,
    ([account, who]) => {
      stop();
      if (account === null || !LISTENERS.includes(who)) {
        inbox.account = null;
        inbox.items = [];
        return;
      }
      load(account);
      const url = inbox.lastId ? `/api/v1/tickets/stream?after=${inbox.lastId}` : '/api/v1/tickets/stream';
      stream = openStream(url, onEvent, (up) => (inbox.connected = up), ['ticket']);
    },
    { immediate: true },
  );
}
