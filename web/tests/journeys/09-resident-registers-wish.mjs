// A newcomer registers on her phone: her number, a code by SMS (the demo server writes it to its log), her name, a
// password and her community. A wrong code is shown on the code field. Once registered she is signed in, a
// resident of that community awaiting the grid worker's confirmation, and posts a 微心愿 that appears on the
// community's wish wall; when the community accepts it, 我的消息 says so (fed by the ticket stream).
import assert from 'node:assert/strict';
import { apiAs } from '../journey-api.mjs';

const WISH_CATEGORY = '微心愿';

/** The last registration code the log sink wrote for `phone` (masked as 139****1234 in the log). */
async function codeFromLog(j, phone, after) {
  const tail = phone.slice(-4);
  const re = new RegExp(`sms to ${phone.slice(0, 3)}\\*+${tail}:.*?(\\d{6})`, 'g');
  for (let i = 0; i < 50; i += 1) {
    const matches = [...j.server.log.slice(after).matchAll(re)];
    if (matches.length) return matches.at(-1)[1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no registration code for ${phone} in the server log`);
}

export default async function residentRegistersWish(j) {
  const communities = (await (await fetch(new URL('/api/v1/communities', j.url))).json()).items;
  assert.ok(communities.length, 'communities are listed without signing in');
  // resident1's community, so a neighbour can look at the wall too.
  const neighbour = await apiAs(j.url, 'resident1');
  const home = (await neighbour.get('/api/v1/wishes')).community;
  const community = communities.find((c) => c.id === home.id) ?? communities[0];
  const number = `1390000${String(Date.now() % 10000).padStart(4, '0')}`;
  const name = '林晓雨';

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  j.allow(phone, /\/api\/v1\/registrations → 422/); // the wrong code, on purpose
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').waitFor();
  await j.step(phone, '未登录打开手机页');

  await phone.getByRole('link', { name: '注册新账号' }).click();
  await phone.waitForURL(/\/h5\/register$/);
  await phone.getByLabel('手机号', { exact: true }).waitFor();
  await j.step(phone, '进入注册页');

  await phone.getByLabel('手机号', { exact: true }).fill(number);
  const logMark = j.server.log.length;
  await phone.getByRole('button', { name: '获取验证码' }).click();
  await phone.getByRole('button', { name: /秒后重发/ }).waitFor();
  const code = await codeFromLog(j, number, logMark);
  await j.step(phone, '获取验证码，按钮开始倒计时');

  await phone.getByLabel('姓名', { exact: true }).fill(name);
  await phone.getByLabel('密码', { exact: true }).fill('wish-2026-demo');
  await phone.getByLabel('确认密码', { exact: true }).fill('wish-2026-demo');
  await phone.getByLabel('所在社区', { exact: true }).selectOption({ label: community.name });

  // A wrong code first: the error shows on the code field.
  const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
  await phone.getByLabel('验证码', { exact: true }).fill(wrong);
  await phone.getByRole('button', { name: '注册', exact: true }).click();
  const codeField = phone.locator('.van-field', { has: phone.locator('#h5-reg-code') });
  await codeField.locator('.van-field__error-message').filter({ hasText: '验证码' }).waitFor();
  assert.match(phone.url(), /\/h5\/register$/, 'still on the form');
  await j.step(phone, '验证码错误时提示在验证码栏');

  await phone.getByLabel('验证码', { exact: true }).fill(code);
  await phone.getByRole('button', { name: '注册', exact: true }).click();
  await phone.getByRole('tab', { name: '微心愿' }).waitFor();
  assert.match(phone.url(), /\/h5\/report$/, 'lands on the resident’s first tab');
  await phone.getByRole('status').filter({ hasText: '待网格员确认' }).waitFor();
  await j.step(phone, '注册成功并已登录，提示待网格员确认');

  await phone.getByRole('tab', { name: '微心愿' }).click();
  await phone.waitForURL(/\/h5\/wishes$/);
  await phone.getByRole('heading', { name: /心愿墙/ }).waitFor();
  await j.step(phone, '打开微心愿，看到社区心愿墙');

  const wish = `想请志愿者周末教我母亲用智能手机（${Date.now() % 100000}）`;
  await phone.getByLabel('心愿类别', { exact: true }).selectOption({ label: WISH_CATEGORY });
  await phone.getByLabel('心愿内容', { exact: true }).fill(wish);
  await phone.getByRole('button', { name: '发布心愿' }).click();
  const item = phone.locator('.h5-wishes__item', { hasText: wish });
  await item.waitFor();
  await item.getByText('待认领').waitFor();
  await item.getByText('我的心愿').waitFor();
  // A neighbour sees the wish on the same wall, the owner's name masked and no phone.
  const seen = (await neighbour.get('/api/v1/wishes?limit=200')).items.find((w) => w.description === wish);
  assert.ok(seen, 'the neighbour sees the wish on the wall');
  assert.ok(seen.submitter_name && seen.submitter_name !== name, `masked owner for neighbours: ${seen.submitter_name}`);
  assert.equal(seen.submitter_phone ?? null, null, 'no phone on the wall');
  await j.step(phone, '发布心愿后出现在心愿墙上');

  // 我的消息: the community accepts her wish, and the news reaches her phone over the ticket stream.
  await phone.getByRole('tab', { name: '消息' }).click();
  await phone.getByText('实时接收中').waitFor();
  const staff = await apiAs(j.url, 'admin');
  const filed = await staff.get(`/api/v1/tickets/${seen.id}`);
  await staff.post(`/api/v1/tickets/${seen.id}/events`, { type: 'accept', version: filed.version }, { 'Idempotency-Key': `journey-09-${Date.now()}` });
  const news = phone.getByRole('link', { name: /我的诉求：已受理/ });
  await news.waitFor({ timeout: 15000 });
  assert.match(await news.innerText(), new RegExp(wish.slice(0, 8)));
  await j.step(phone, '我的消息：心愿已受理');

  // A host app hands its position over in the URL, in Baidu's BD-09: the page converts it as the server would (the
  // grid it finds is the one the server finds for the same BD-09 point) and shows where it is.
  const staffView = await apiAs(j.url, 'admin');
  const grids = (await staffView.get('/api/v1/org-nodes?kind=grid&limit=500')).items.filter((g) => g.center);
  let handed = null;
  for (const g of grids) {
    const [lon, lat] = g.center;
    const res = await neighbour.call('GET', `/api/v1/grid-lookup?lon=${lon}&lat=${lat}&coord_sys=bd09`);
    if (!res.ok && res.status !== 404) throw new Error(`grid-lookup: ${res.status} ${await res.text()}`);
    // A point whose BD-09 reading lies in another grid than its WGS-84 one: the page must convert to find it.
    const found = res.ok ? (await res.json()).grid : null;
    if (found && found.id !== g.id) {
      handed = { lon, lat, grid: found };
      break;
    }
  }
  assert.ok(handed, 'some grid centre, read as BD-09, lies in another grid');
  await phone.goto(`/h5/report?lon=${handed.lon}&lat=${handed.lat}&coord_sys=bd09`);
  await phone.getByText('由所在应用提供的位置').waitFor();
  await phone.getByText(handed.grid.name).waitFor();
  await j.step(phone, '随手拍：所在应用给出的百度坐标');

  j.shared.wish = { description: wish, phone: number, community: community.id };
}
