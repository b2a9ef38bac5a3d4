// 云监护 on the phone: an elder living alone of grid1's grid is enrolled with a water meter; the utility's first
// batch shows use until thirteen hours ago and a flat register since (an injected 12-hour silence), which raises a
// silence alert whose ticket is dispatched to grid1; grid1 finds it under 预警 on the phone, acknowledges it (it
// stops escalating to the community and the emergency contact) and, having found the elder well, closes it; both
// steps are in the ticket's history.
import assert from 'node:assert/strict';
import { apiAs } from './_console.mjs';

/** A GB 11643 ID number: the 17 digits and their check character. */
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

const SURNAMES = [...'赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何'];
const GIVEN = [
  '秀兰', '桂英', '玉兰', '淑珍', '凤英', '桂兰', '秀英', '玉珍', '淑英', '素珍',
  '翠华', '金凤', '玉梅', '秀珍', '桂芝', '淑兰', '凤兰', '秀芳', '玉芬', '桂珍',
  '淑芬', '素英', '秀云', '玉华', '桂香', '月英', '秀梅', '凤珍', '玉英', '淑贞',
  '桂荣', '秀荣', '玉琴', '素兰', '桂芳', '凤芝', '秀琴', '玉清', '淑华', '金兰',
  '桂珠', '秀珠', '玉香', '素梅', '凤琴', '月兰', '秀华', '玉凤', '淑云', '桂云',
];

/** A name an elder of her age might carry (赵秀兰), one of 1,000, from a run's serial: no digits in a person's name. */
function elderName(serial) {
  const surname = SURNAMES[serial % SURNAMES.length];
  return { surname, name: surname + GIVEN[Math.floor(serial / SURNAMES.length) % GIVEN.length] };
}

export default async function careSilencePhone(j) {
  const grid1 = await apiAs(j, 'grid1');
  const buildings = await grid1.get('/api/v1/org-nodes?kind=building&limit=1');
  assert.ok(buildings.items.length > 0, 'grid1 has a building');
  const serial = String(Date.now() % 1000).padStart(3, '0');
  const { name, surname } = elderName(Number(serial));
  const elder = await grid1.post('/api/v1/residents', {
    building_id: buildings.items[0].id,
    room: `8-${serial}`,
    name,
    id_number: idNumber(`13102219380202${serial}`),
    flags: ['elder_alone'],
  });
  const meter = `W-S${Date.now()}`;
  await grid1.post('/api/v1/care/subjects', {
    resident_id: elder.id,
    consent_by: '本人',
    consent_method: 'written',
    contacts: [{ name: `${surname}强`, relation: '儿子', phone: '13812345678' }],
    meters: [{ kind: 'water', external_id: meter }],
  });
  // Hourly registers: use from 16 to 13 hours ago, then flat until now.
  const now = Date.now() - 60_000;
  const readings = [];
  for (let h = 16; h >= 0; h -= 1) {
    readings.push({ meter, at: new Date(now - h * 3_600_000).toISOString(), value: h >= 13 ? 50 + (16 - h) * 0.05 : 50.15 });
  }
  const report = await grid1.post('/api/v1/care/readings', { readings });
  assert.equal(report.stored, 17);
  assert.equal(report.alerts_raised, 1, 'the silence raises one alert');
  const mine = await grid1.get('/api/v1/care/alerts?mine=true&open=true&limit=100');
  const alert = mine.items.find((a) => a.resident_name === name);
  assert.ok(alert, 'the alert is dispatched to grid1');
  assert.equal(alert.rule, 'silence');
  const ticket = await grid1.get(`/api/v1/tickets/${alert.ticket_id}`);
  assert.equal(ticket.state, 'assigned', 'its ticket is assigned to the grid worker');
  assert.equal(ticket.kind, 'alert');

  const phone = await j.person('phone');
  j.allow(phone, /\/api\/v1\/me → 401/);
  await phone.goto('/h5/');
  await phone.getByLabel('用户名').fill('grid1');
  await phone.getByLabel('密码').fill('civicgrid-demo');
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.locator('.van-tabbar').getByText('预警').click();
  await phone.waitForURL(/\/h5\/care$/);
  const item = phone.getByTestId('care-my-alerts').locator('li', { hasText: name });
  await item.waitFor();
  assert.match(await item.innerText(), /长时间无用水用电/);
  assert.match(await item.innerText(), /\d{6}-\d{4}-\d{6}/, 'with its ticket number');
  await j.step(phone, '网格员在手机上看到派给自己的静默预警');
  await item.getByRole('button', { name: '确认预警' }).click();
  await item.getByText('已确认，处理中').waitFor();
  await j.step(phone, '网格员确认预警：不再升级');
  const acked = await grid1.get(`/api/v1/care/alerts?subject_id=${alert.subject_id}&limit=10`);
  assert.ok(acked.items[0].acknowledged_at, 'acknowledged on the server');

  await item.getByLabel('处理说明（可选）').fill('已上门，老人在家午睡，平安');
  await item.getByRole('button', { name: '老人平安，关闭预警' }).click();
  await phone.getByText(`已关闭 ${name} 的预警`).waitFor();
  const closed = await grid1.get(`/api/v1/care/alerts?subject_id=${alert.subject_id}&limit=10`);
  assert.ok(closed.items[0].closed_at, 'closed on the server');
  const events = await grid1.get(`/api/v1/tickets/${alert.ticket_id}/events`);
  const notes = JSON.stringify(events);
  assert.match(notes, /已确认云监护预警/, 'the acknowledgement is in the ticket history');
  assert.match(notes, /关闭云监护预警/, 'and the close');
  await j.step(phone, '老人平安，关闭预警');
}
