import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addMessage, clearAll, inbox, markAllRead, unread, type Message, type StreamEvent } from './messages';

const msg = (id: number): Message => ({ id, kind: 'board', ticketId: id, number: `N${id}`, type: 'dispatch', state: 'published', title: 't', at: '', read: false });

describe('messages', () => {
  it('keeps one message per event, newest first, and counts the unread', () => {
    clearAll();
    addMessage(msg(1));
    addMessage(msg(2));
    addMessage(msg(2));
    expect(inbox.items.map((m) => m.id)).toEqual([2, 1]);
    expect(unread.value).toBe(2);
    markAllRead();
    expect(unread.value).toBe(0);
  });
});

describe('which events make a message', () => {
  const asked: string[] = [];
  let mine = true;
  beforeEach(() => {
    asked.length = 0;
    mine = true;
    // The client uses relative URLs (same origin); Node's Request needs an absolute one.
    const NodeRequest = globalThis.Request;
    vi.stubGlobal(
      'Request',
      class extends NodeRequest {
        constructor(input: RequestInfo | URL, init?: RequestInit) {
          super(typeof input === 'string' && input.startsWith('/') ? `http://h5.test${input}` : input, init);
        }
      },
    );
    vi.stubGlobal('fetch', async (req: Request) => {
      asked.push(new URL(req.url).pathname);
      return new Response(JSON.stringify({ id: 5, title: '楼道灯坏了', mine }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    vi.resetModules(); // the client takes Request when it is made
  });
  afterEach(() => vi.unstubAllGlobals());

  const event = (type: string, state_after: string): StreamEvent => ({ id: 1, ticket_id: 5, type, state_after });

  it('tells a resident how her own demand went, and nothing else', async () => {
    const { classify } = await import('./messages');
    expect(await classify(event('accept', 'accepted'), 'resident')).toEqual({ kind: 'result', title: '楼道灯坏了' });
    // Put on the board: for her a step of her demand, not a board item to claim.
    expect(await classify(event('dispatch', 'published'), 'resident')).toEqual({ kind: 'result', title: '楼道灯坏了' });
    mine = false;
    expect(await classify(event('resolve', 'resolved'), 'resident')).toBeNull(); // a neighbour's public ticket
    asked.length = 0;
    expect(await classify(event('submit', 'submitted'), 'resident')).toBeNull();
    expect(await classify(event('comment', 'accepted'), 'resident')).toBeNull();
    expect(asked).toEqual([]); // nothing asked for events that never make a message
  });

  it('does not tell a grid worker of her own patrol finding as news from her grid', async () => {
    const { classify } = await import('./messages');
    expect(await classify(event('submit', 'submitted'), 'grid_worker')).toBeNull();
    mine = false;
    expect(await classify(event('submit', 'submitted'), 'grid_worker')).toEqual({ kind: 'grid_new', title: '楼道灯坏了' });
  });
});
