import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

describe('visits kept on the phone', () => {
  afterEach(() => vi.unstubAllGlobals());
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    });
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

  it('leaves today’s list at once and is sent later under the same Idempotency-Key', async () => {
    const keys: string[] = [];
    vi.stubGlobal('fetch', async (req: Request) => {
      keys.push(req.headers.get('Idempotency-Key') ?? '');
      if (keys.length === 1) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify({ id: 5, household_id: 2, replayed: false }), { status: 201, headers: { 'Content-Type': 'application/json' } });
    });
    const visits = await import('./visits');
    const items = [1, 2, 3].map((id) => ({ household_id: id, flags: [], reasons: ['weekly'], required: 1, visits_this_week: 0 }));
    visits.keep('v-1', { household_id: 2, needs: ['care'] });
    expect(visits.openItems(items).map((i) => i.household_id)).toEqual([1, 3]);
    expect(JSON.parse(store.get('cg_h5_visits') ?? '[]')).toHaveLength(1);

    expect(await visits.flushVisits()).toEqual([]); // still offline: kept
    expect(visits.waiting.value).toHaveLength(1);
    expect((await visits.flushVisits()).map((v) => v.id)).toEqual([5]);
    expect(keys).toEqual(['v-1', 'v-1']);
    expect(visits.waiting.value).toHaveLength(0);
  });

  it('keeps a refused visit with the reason', async () => {
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ error: { code: 'validation_failed', field: 'household_id', message: 'x' } }), {
        status: 422,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    const visits = await import('./visits');
    visits.keep('v-2', { household_id: 9 });
    expect(await visits.flushVisits()).toEqual([]);
    expect(visits.waiting.value[0].error).toBe('validation_failed');
  });
});
