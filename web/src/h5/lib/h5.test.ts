import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { distanceM, fitWithin } from './geo';
import { buildMessages } from '../../shared/i18n';
import { STEPS, eventLabel, stepOf, stateLabel } from './tickets';

describe('fitWithin', () => {
  it('shrinks the longer side to the limit and keeps the ratio', () => {
    expect(fitWithin(4000, 3000, 1600)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000, 1600)).toEqual({ width: 1200, height: 1600 });
  });
  it('never enlarges', () => {
    expect(fitWithin(640, 480, 1600)).toEqual({ width: 640, height: 480 });
  });
});

describe('distanceM', () => {
  it('measures metres between [lon, lat] points', () => {
    const d = distanceM([116.2687857, 39.4441036], [116.2688857, 39.4441036]);
    expect(d).toBeGreaterThan(8);
    expect(d).toBeLessThan(9);
    expect(distanceM([116, 39], [116, 39])).toBe(0);
  });
});

describe('ticket steps', () => {
  it('places every state on the resident’s steps', () => {
    expect(STEPS[stepOf('submitted')]).toBe('submitted');
    expect(STEPS[stepOf('published')]).toBe('assigned');
    expect(STEPS[stepOf('escalated')]).toBe('in_progress');
    expect(STEPS[stepOf('closed')]).toBe('closed');
    expect(stepOf('rejected')).toBe(-1);
  });
  it('falls back to the server’s label when the locale has none', () => {
    const t = (k: string) => (k === 'tickets.states.closed' ? '已关闭' : k);
    expect(stateLabel(t, 'closed')).toBe('已关闭');
    expect(stateLabel(t, 'odd', '奇怪')).toBe('奇怪');
  });
  it('labels timeline events from the locale files (the member’s task page showed "resolve")', () => {
    const zh = buildMessages()['zh-CN'];
    const t = (k: string) => {
      const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], zh);
      return typeof v === 'string' ? v : k;
    };
    expect(eventLabel(t, 'resolve')).toBe('办结');
    expect(eventLabel(t, 'submit')).toBe('提交诉求');
    expect(eventLabel(t, 'odd')).toBe('odd');
  });
});

describe('outbox', () => {
  afterEach(() => vi.unstubAllGlobals());
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    });
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
    vi.resetModules();
  });

  it('keeps a report with its Idempotency-Key and sends it later with the same key', async () => {
    const keys: string[] = [];
    vi.stubGlobal('fetch', async (req: Request) => {
      keys.push(req.headers.get('Idempotency-Key') ?? '');
      if (keys.length === 1) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify({ id: 7, number: 'N-7' }), { status: 201, headers: { 'Content-Type': 'application/json' } });
    });
    const outbox = await import('./outbox');
    outbox.keep({ key: 'k-1', body: { category_id: 1, description: 'x', kind: 'report', channel: 'h5' }, photos: [{ id: 3 }], savedAt: '' });
    expect(JSON.parse(store.get('cg_h5_outbox') ?? '[]')).toHaveLength(1);

    expect(await outbox.flush()).toEqual([]); // still offline: kept
    expect(outbox.outbox.value).toHaveLength(1);
    const sent = await outbox.flush();
    expect(sent.map((t) => t.id)).toEqual([7]);
    expect(keys).toEqual(['k-1', 'k-1']);
    expect(outbox.outbox.value).toHaveLength(0);
    expect(JSON.parse(store.get('cg_h5_outbox') ?? '[]')).toHaveLength(0);
  });

  it('keeps a refused report with the reason', async () => {
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ error: { code: 'validation_failed', field: 'location', message: 'x' } }), {
        status: 422,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    const outbox = await import('./outbox');
    outbox.keep({ key: 'k-2', body: { category_id: 1, description: 'x', kind: 'report', channel: 'h5' }, photos: [], savedAt: '' });
    expect(await outbox.flush()).toEqual([]);
    expect(outbox.outbox.value[0].error).toBe('validation_failed');
  });
});
