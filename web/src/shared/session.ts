// Who is signed in. Every page calls loadMe() first; a 401 means signed out.
import { reactive } from 'vue';
import { ApiError, api, ok, setCsrfToken } from './api';
import type { components } from './api-types';

export type Me = components['schemas']['Session'] & Record<string, unknown>;

export const session = reactive<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false });

export async function loadMe(): Promise<Me | null> {
  try {
    const me = await ok(api.GET('/api/v1/me'));
    session.me = me as Me;
    setCsrfToken((me as { csrf_token?: string }).csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    session.me = null;
  }
  session.loaded = true;
  return session.me;
}

export async function signIn(username: string, password: string): Promise<Me | null> {
  const body = await ok(api.POST('/api/v1/session', { body: { username, password } as never }));
  setCsrfToken((body as { csrf_token?: string }).csrf_token);
  return loadMe();
}

export async function signOut(): Promise<void> {
  try {
    await ok(api.DELETE('/api/v1/session'));
  } finally {
    session.me = null;
    setCsrfToken(undefined);
  }
}

/** The role of the signed-in account, or '' when signed out. */
export function role(): string {
  return ((session.me as { role?: string } | null)?.role ?? '') as string;
}
