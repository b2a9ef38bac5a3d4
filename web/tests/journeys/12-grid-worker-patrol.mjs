// A grid worker on patrol: she reports a finding with a photo from where she stands (巡查), it opens as her task,
// and 本网格 lists her grid's open tickets with the overdue ones first; a finding made with no signal waits on the
// phone and is reported by itself when the network returns.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { webDir } from '../harness.mjs';
import { apiAs } from '../journey-api.mjs';

const FIXTURE = resolve(webDir, 'tests/fixtures/photo-gps.jpg');

export default async function gridWorkerPatrol(j) {
  const worker = await apiAs(j.url, 'grid1');
  const grid = (await worker.get('/api/v1/org-nodes?kind=grid&limit=50')).items.find((g) => g.center);
  assert.ok(grid, 'grid1 sees her grid');
  const [lon, lat] = [grid.center[0] + 0.00003, grid.center[1] - 0.00002];

  const phone = await j.person('phone', { geolocation: { latitude: lat, longitude: lon } });
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('grid1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.getByRole('tab', { name: '本网格' }).waitFor();
  assert.match(phone.url(), /\/h5\/patrol$/, 'a grid worker lands on 巡查');

  await phone.locator('input[type=file]').setInputFiles(FIXTURE);
  await phone.getByRole('img', { name: '第 1 张照片' }).waitFor();
  await phone.getByRole('button', { name: '用我的位置' }).click();
  await phone.getByText(grid.name).first().waitFor();
  const category = phone.locator('#h5-patrol-category');
  const first = await category.locator('option:not([disabled])').first().getAttribute('value');
  await category.selectOption(first);
  const description = `巡查发现：3 号楼东侧路灯杆倾斜，有倒伏危险（${Date.now() % 100000}）`;
  await phone.getByLabel('描述').fill(description);
  await j.step(phone, '巡查：拍照、定位、写明发现');
  await phone.getByRole('button', { name: '上报巡查发现' }).click();
  await phone.waitForURL(/\/h5\/tasks\/\d+/);
  await phone.getByText('巡查发现已上报').first().waitFor();
  const id = Number(/tasks\/(\d+)/.exec(phone.url())[1]);
  const filed = await worker.get(`/api/v1/tickets/${id}`);
  assert.equal(filed.kind, 'patrol');
  assert.equal(filed.description, description);
  assert.equal(filed.attachment_ids.length, 1, 'with its photo');
  await j.step(phone, '上报后打开这件事');

  await phone.getByText('返回').click();
  await phone.locator('.van-tabbar').getByText('本网格').click();
  await phone.waitForURL(/\/h5\/grid$/);
  const items = phone.locator('.h5-work__item');
  await phone.locator(`.h5-work__item[data-ticket="${filed.number}"]`).waitFor();
  // Overdue first: no on-time ticket comes before an overdue one.
  const late = await items.evaluateAll((els) => els.map((el) => !!el.querySelector('.h5-work__late')));
  const firstOnTime = late.indexOf(false);
  assert.ok(firstOnTime === -1 || !late.slice(firstOnTime).includes(true), `overdue first: ${late.join(',')}`);
  await j.step(phone, '本网格：未办结工单，超时的在前');

  // Her own finding is not announced to her as news from her grid.
  await phone.locator('.van-tabbar').getByText('消息').click();
  await phone.getByText('实时接收中').waitFor();
  assert.equal(await phone.getByText(description).count(), 0, 'no message about her own patrol finding');

  // In a basement with no signal: the next finding waits on the phone, with its photo, and is reported by itself
  // (once) when the network returns.
  j.allow(phone, /net::ERR_INTERNET_DISCONNECTED/);
  await phone.locator('.van-tabbar').getByText('巡查').click();
  await phone.locator('#h5-patrol-category option:not([disabled])').first().waitFor({ state: 'attached' });
  await phone.getByText(grid.name).first().waitFor();
  await phone.context().setOffline(true);
  await phone.locator('input[type=file]').setInputFiles(FIXTURE);
  await phone.getByRole('img', { name: '第 1 张照片' }).waitFor();
  await category.selectOption(first);
  const offline = `巡查发现：地下车库积水，照明全坏（${Date.now() % 100000}）`;
  await phone.getByLabel('描述').fill(offline);
  await phone.getByRole('button', { name: '保存，联网后自动上报' }).click();
  await phone.getByText('网络已断开，巡查发现已保存在手机上，联网后会自动上报').waitFor();
  await phone.getByText('有 1 条巡查发现保存在手机上，联网后自动上报').waitFor();
  await j.step(phone, '断网时巡查发现保存在手机上');
  const none = (await worker.get('/api/v1/tickets?kind=patrol&limit=200')).items.filter((t) => t.description === offline);
  assert.equal(none.length, 0, 'nothing reached the server while offline');

  await phone.context().setOffline(false);
  await phone.getByText('已自动提交 1 条保存的诉求').waitFor({ timeout: 20000 });
  const sent = (await worker.get('/api/v1/tickets?kind=patrol&limit=200')).items.filter((t) => t.description === offline);
  assert.equal(sent.length, 1, 'reported exactly once');
  const full = await worker.get(`/api/v1/tickets/${sent[0].id}`);
  assert.equal(full.attachment_ids.length, 1, 'with its photo');
  await j.step(phone, '联网后自动上报');
}
