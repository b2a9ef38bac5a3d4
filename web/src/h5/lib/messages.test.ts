import { describe, expect, it } from 'vitest';
import { addMessage, clearAll, inbox, markAllRead, unread, type Message } from './messages';

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
