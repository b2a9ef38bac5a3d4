// The API as a given demo account, from Node (no browser): for journeys that need to look something up or check
// what staff see. Cookie session + CSRF header, as the pages do it.
import { DEMO_PASSWORD } from './harness.mjs';

export async function apiAs(baseUrl, username, password = DEMO_PASSWORD) {
  const jar = new Map();
  let csrf = '';
  const remember = (res) => {
    for (const line of res.headers.getSetCookie?.() ?? []) {
      const [pair] = line.split(';');
      const [k, ...v] = pair.split('=');
      jar.set(k.trim(), v.join('='));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const call = async (method, path, { json, body, headers = {} } = {}) => {
    const h = { cookie: cookie(), ...headers };
    if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
    if (json !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(new URL(path, baseUrl), { method, headers: h, body: json !== undefined ? JSON.stringify(json) : body });
    remember(res);
    return res;
  };
  const login = await call('POST', '/api/v1/session', { json: { username, password } });
  if (!login.ok) throw new Error(`sign in as ${username}: ${login.status} ${await login.text()}`);
  csrf = (await login.json()).csrf_token ?? jar.get('cg_csrf') ?? '';
  const expectJson = async (res, what) => {
    if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    call,
    get: async (path) => expectJson(await call('GET', path), `GET ${path}`),
    post: async (path, json, headers) => expectJson(await call('POST', path, { json, headers }), `POST ${path}`),
    bytes: async (path) => {
      const res = await call('GET', path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
    upload: async (buffer, type = 'image/jpeg') =>
      expectJson(await call('POST', '/api/v1/attachments', { body: buffer, headers: { 'content-type': type } }), 'upload'),
  };
}

/** True when a JPEG carries an EXIF APP1 segment or a GPS IFD tag block. */
export function hasExif(buffer) {
  return buffer.includes(Buffer.from('Exif\0\0', 'latin1')) || buffer.includes(Buffer.from([0x88, 0x25, 0x00, 0x04]));
}

// The county's wall time (Asia/Shanghai) of an instant, as the pages show it (src/shared/when.ts),
// whatever zone this process runs in: { year, month, day, hour, minute }, zero-padded strings.
export function countyTime(iso) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  return Object.fromEntries(parts.filter((p) => p.type !== 'literal').map((p) => [p.type, p.value]));
}
