// A resident reports from a place with no signal: she opens 随手拍 (her phone's position, then the spot picked by
// panning the full-screen map), and the network drops; she takes the photo,
// picks the category and writes a few words, and the page keeps the report on the phone. When the network returns
// the page sends it by itself — once, with its photo — and it shows in 我的诉求.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { webDir } from '../harness.mjs';
import { apiAs } from '../journey-api.mjs';

const FIXTURE = resolve(webDir, 'tests/fixtures/photo-gps.jpg');
const CATEGORY = '暴露垃圾';

export default async function residentOfflineDraft(j) {
  const resident = await apiAs(j.url, 'resident1');
  const grids = (await resident.get('/api/v1/org-nodes?kind=grid&limit=50')).items.filter((g) => g.center);
  assert.ok(grids.length, 'the resident sees her community’s grids');
  const grid = grids.at(-1);
  const [lon, lat] = [grid.center[0] - 0.00004, grid.center[1] + 0.00002];

  const phone = await j.person('phone', { geolocation: { latitude: lat, longitude: lon } });
  j.allow(phone, /\/api\/v1\/me → 401/);
  // While the network is down, whatever the page tries (the message stream, a lookup) fails: expected.
  j.allow(phone, /net::ERR_INTERNET_DISCONNECTED/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('resident1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.getByRole('tab', { name: '我的诉求' }).waitFor();
  await phone.getByText(grid.name).first().waitFor(); // the phone's position, in its grid
  await phone.getByLabel('类别').locator('option', { hasText: CATEGORY }).waitFor({ state: 'attached' });
  await j.step(phone, '打开随手拍，已定位');

  // She is a little away from the spot: she pans the full-screen map until the cross-hair is on it.
  await phone.getByRole('button', { name: '在地图上选' }).click();
  const map = phone.getByRole('dialog', { name: '在地图上选位置' });
  await map.locator('.h5-map__grid-name').first().waitFor();
  const box = await map.locator('.h5-map__canvas').boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await phone.mouse.move(x, y);
  await phone.mouse.down();
  await phone.mouse.move(x - 30, y + 20, { steps: 6 });
  await phone.mouse.up();
  await j.step(phone, '拖动地图把十字对准问题所在');
  await map.getByRole('button', { name: '就是这里' }).click();
  await map.waitFor({ state: 'detached' });
  await phone.getByText('在地图上选定').waitFor();
  await phone.locator('.van-cell', { hasText: '在地图上选定' }).getByText(/社区 · /).waitFor();

  await phone.context().setOffline(true);
  await phone.getByRole('status').filter({ hasText: /网络/ }).first().waitFor();
  await phone.locator('input[type=file]').setInputFiles(FIXTURE);
  await phone.getByRole('img', { name: '第 1 张照片' }).waitFor();
  await phone.getByLabel('类别').selectOption({ label: CATEGORY });
  const description = `离线旅程：河边步道的垃圾桶满了，垃圾散在地上（${Date.now() % 100000}）`;
  await phone.getByLabel('描述').fill(description);
  await phone.getByRole('button', { name: '保存，联网后自动提交' }).click();
  await phone.getByText('网络已断开，已保存在手机上，联网后会自动提交').waitFor();
  await phone.getByText('有 1 条随手拍保存在手机上，联网后自动提交').waitFor();
  const kept = await phone.evaluate(() => JSON.parse(localStorage.getItem('cg_h5_outbox') ?? '[]'));
  assert.equal(kept.length, 1, 'one report kept on the phone');
  assert.equal(kept[0].body.description, description);
  assert.ok(kept[0].photos[0]?.dataUrl, 'its photo kept on the phone too');
  const [plon, plat] = kept[0].body.location;
  const moved = Math.hypot((plon - lon) * 85000, (plat - lat) * 111000);
  assert.ok(moved > 20 && moved < 500, `the place picked on the map, ${moved.toFixed(0)} m from the phone's position`);
  const before = (await resident.get('/api/v1/tickets?mine=true&limit=200')).items.filter((t) => t.description === description);
  assert.equal(before.length, 0, 'nothing reached the server while offline');
  await j.step(phone, '断网时保存在手机上');

  await phone.context().setOffline(false);
  await phone.getByText('已自动提交 1 条保存的诉求').waitFor({ timeout: 20000 });
  await j.step(phone, '联网后自动提交');

  const filed = (await resident.get('/api/v1/tickets?mine=true&limit=200')).items.filter((t) => t.description === description);
  assert.equal(filed.length, 1, 'filed exactly once');
  const ticket = await resident.get(`/api/v1/tickets/${filed[0].id}`);
  assert.equal(ticket.attachment_ids.length, 1, 'with its photo');
  assert.equal(await phone.evaluate(() => JSON.parse(localStorage.getItem('cg_h5_outbox') ?? '[]').length), 0);
  await phone.getByRole('tab', { name: '我的诉求' }).click();
  await phone.getByRole('link', { name: new RegExp(filed[0].number) }).waitFor();
  await j.step(phone, '我的诉求里有这条');
}
