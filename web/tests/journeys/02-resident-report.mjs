// A resident on her phone files a 随手拍: a photo straight from the camera (a JPEG with GPS EXIF), the place from
// the phone's position, the category, a few words; on the way she is shown the open reports of that category
// nearby. The report appears in 我的诉求, and what staff download of the photo carries no GPS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { webDir } from '../harness.mjs';
import { apiAs, hasExif } from '../journey-api.mjs';

const FIXTURE = resolve(webDir, 'tests/fixtures/photo-gps.jpg');
// 楼道堆物: something party members can clear themselves, so journey 03 can put it on the community's board.
const CATEGORY = '楼道堆物';
const OTHER = '暴露垃圾';

export default async function residentReport(j) {
  const resident = await apiAs(j.url, 'resident1');
  const secretary = await apiAs(j.url, 'secretary1');
  // A point inside the first grid of the resident's community, a few metres off its centre.
  const grids = (await resident.get('/api/v1/org-nodes?kind=grid&limit=50')).items.filter((g) => g.center);
  assert.ok(grids.length, 'the resident sees her community’s grids');
  const [lon, lat] = [grids[0].center[0] + 0.00005, grids[0].center[1] + 0.00003];
  const categories = (await resident.get('/api/v1/categories')).items;
  let category = categories.find((c) => c.name === CATEGORY);
  const other = categories.find((c) => c.name === OTHER);
  if (!category.public_board || category.duplicate_radius_m < 10) {
    // The demo county does not offer this category on the board; its admin enables that (console: categories).
    const admin = await apiAs(j.url, 'admin');
    const res = await admin.call('PATCH', `/api/v1/categories/${category.id}`, {
      json: { public_board: true, duplicate_radius_m: Math.max(category.duplicate_radius_m, 10) },
    });
    assert.ok(res.ok, `enable the board for ${CATEGORY}: ${res.status}`);
    category = await res.json();
  }

  // Make sure there is an open report of that category nearby (filed by the secretary from a phone call), and
  // one of another category at the same spot that must NOT be offered.
  let near = (await resident.get(`/api/v1/tickets/nearby?category_id=${category.id}&lon=${lon}&lat=${lat}`)).items;
  // Demands this journey files in the community besides the resident's own (journey 06 counts them).
  j.shared.extraDemands = 1;
  if (!near.length) {
    j.shared.extraDemands += 1;
    await secretary.post('/api/v1/tickets', {
      category_id: category.id, kind: 'report', channel: 'phone', phone: '13800001111', is_public: true,
      description: '2单元楼道里有人堆了旧家具', location: [lon + 0.00004, lat], coord_sys: 'wgs84',
    });
    near = (await resident.get(`/api/v1/tickets/nearby?category_id=${category.id}&lon=${lon}&lat=${lat}`)).items;
  }
  assert.ok(near.length, 'an open report of the category nearby');
  const otherTicket = await secretary.post('/api/v1/tickets', {
    category_id: other.id, kind: 'report', channel: 'phone', phone: '13800001112', is_public: true,
    description: '路口有一堆暴露垃圾', location: [lon, lat], coord_sys: 'wgs84',
  });

  const phone = await j.person('phone', { geolocation: { latitude: lat, longitude: lon } });
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').waitFor();
  await j.step(phone, '未登录打开手机页，进入登录');

  await phone.getByLabel('用户名').fill('resident1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.getByRole('tab', { name: '我的诉求' }).waitFor();
  assert.match(phone.url(), /\/h5\/report$/);
  await j.step(phone, '居民登录后落在随手拍');

  // The photo, as the camera gives it; the page shrinks it and uploads it at once.
  await phone.locator('input[type=file]').setInputFiles(FIXTURE);
  await phone.getByRole('img', { name: '第 1 张照片' }).waitFor();
  await phone.getByLabel('正在上传').waitFor({ state: 'detached' });
  // The place: the phone's position (allowed), shown as the community and grid it falls in.
  await phone.getByText(grids[0].name).first().waitFor();
  await j.step(phone, '拍照并定位到网格');

  await phone.getByLabel('类别').selectOption({ label: CATEGORY });
  await phone.getByRole('heading', { name: '是不是这些附近的问题？' }).waitFor();
  const offered = phone.locator('.h5-report__nearby .van-cell');
  assert.ok((await offered.count()) >= 1, 'nearby reports offered');
  const offeredText = await phone.locator('.h5-report__nearby').innerText();
  assert.ok(!offeredText.includes(otherTicket.number), 'a report of another category is not offered');
  assert.ok(offeredText.includes('+1 关注'), 'each nearby report can be followed instead');
  await j.step(phone, '选类别后看到附近同类问题');

  const description = `3号楼楼道堆满了纸箱和旧自行车，挡住了消防通道（${Date.now() % 100000}）`;
  await phone.getByLabel('描述').fill(description);
  await phone.getByRole('button', { name: '提交', exact: true }).click();
  await phone.waitForURL(/\/h5\/my-reports\/\d+$/);
  const id = Number(/(\d+)$/.exec(phone.url())[1]);
  await phone.getByRole('heading', { name: /楼道堆满了纸箱/ }).waitFor();
  await phone.getByText('待受理').first().waitFor();
  await j.step(phone, '提交后看到诉求详情与进度');

  const ticket = await resident.get(`/api/v1/tickets/${id}`);
  assert.equal(ticket.description, description);
  assert.equal(ticket.category_id, category.id);
  assert.equal(ticket.attachment_ids.length, 1, 'one photo linked');
  j.shared.ticket = { id: ticket.id, number: ticket.number, description };

  await phone.getByRole('button', { name: '返回' }).click();
  await phone.getByRole('tab', { name: '我的诉求' }).click();
  await phone.getByRole('link', { name: new RegExp(ticket.number) }).waitFor();
  await j.step(phone, '我的诉求里有这条，显示进度');

  // What staff download: the stored photo carries no EXIF / GPS. The page re-encodes on a canvas, so the server's
  // own stripping is checked too: the camera file as is, uploaded through the API and attached to a comment.
  const fixture = readFileSync(FIXTURE);
  assert.ok(hasExif(fixture), 'the fixture carries GPS EXIF');
  const seen = await secretary.get(`/api/v1/tickets/${id}`);
  const photo = await secretary.bytes(`/api/v1/attachments/${seen.attachment_ids[0]}`);
  assert.equal(photo.subarray(0, 2).toString('hex'), 'ffd8', 'a JPEG');
  assert.ok(!hasExif(photo), 'no EXIF in the photo staff download');
  const rawUpload = await resident.upload(fixture);
  await resident.post(`/api/v1/tickets/${id}/events`, { type: 'comment', note: '补一张原图', attachment_ids: [rawUpload.id] });
  const stripped = await secretary.bytes(`/api/v1/attachments/${rawUpload.id}`);
  assert.notDeepEqual(stripped, fixture, 'the server re-encoded the camera file');
  assert.ok(!hasExif(stripped), 'the server removed the GPS EXIF');
}
