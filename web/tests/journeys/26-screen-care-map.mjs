// The wall's map (一张网) shows 云监护 and 民情台账: an elder of grid1's grid goes silent (a utility's batch with use
// until thirteen hours ago, then a flat register), and the alert stands on her grid as a red badge — how many alerts
// are open there and the share of the grid's households seen this week, as GET /api/v1/care/map counts them — while
// the grids are filled by their week's visit coverage (`?map=visits`). No name reaches the wall. When grid1 closes
// the alert (the elder is well), the badge leaves the map without a reload.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs } from './_console.mjs';

/** The screen's coverage colours (src/screen/format.ts COVERAGE_BINS), best first. */
const BINS = [
  [0.9, '#2fbf71'],
  [0.7, '#8fd14f'],
  [0.5, '#f2c94c'],
  [0.3, '#f2994a'],
  [0, '#eb5757'],
];
const coverageColor = (share) => (share === null ? '#5b6b82' : BINS.find(([min]) => share >= min)[1]);

function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** grid1 enrols an elder of its grid with a water meter and injects a 12-hour silence; returns the alert. */
async function injectSilence(grid1) {
  const building = (await grid1.get('/api/v1/org-nodes?kind=building&limit=1')).items[0];
  const serial = String(Date.now() % 1000).padStart(3, '0');
  const elder = await grid1.post('/api/v1/residents', {
    building_id: building.id,
    room: `9-${serial}`,
    name: '孙桂芝',
    id_number: idNumber(`13102219360303${serial}`),
    flags: ['elder_alone'],
  });
  const meter = `W-M${Date.now()}`;
  await grid1.post('/api/v1/care/subjects', {
    resident_id: elder.id,
    consent_by: '本人',
    consent_method: 'written',
    contacts: [{ name: '孙伟', relation: '儿子', phone: '13912345678' }],
    meters: [{ kind: 'water', external_id: meter }],
  });
  const now = Date.now() - 60_000;
  const readings = [];
  for (let h = 16; h >= 0; h -= 1) {
    readings.push({ meter, at: new Date(now - h * 3_600_000).toISOString(), value: h >= 13 ? 20 + (16 - h) * 0.05 : 20.15 });
  }
  const report = await grid1.post('/api/v1/care/readings', { readings });
  assert.equal(report.alerts_raised, 1, 'the injected silence raises one alert');
  const mine = await grid1.get('/api/v1/care/alerts?mine=true&open=true&limit=500');
  const alert = mine.items.find((a) => a.subject_id && a.resident_name === '孙桂芝' && a.grid_id === building.parent_id);
  assert.ok(alert, 'the alert carries its grid');
  return alert;
}

export default async function screenCareMap(j) {
  const grid1 = await apiAs(j, 'grid1');
  const admin = await apiAs(j, 'admin');
  const alert = await injectSilence(grid1);
  const gridId = alert.grid_id;
  const map = await admin.get('/api/v1/care/map?limit=500');
  const grid = map.grids.find((g) => g.grid_id === gridId);
  assert.ok(grid && grid.open_alerts >= 1, "the alert counts on its grid's row");
  assert.ok(map.alerts.some((a) => a.id === alert.id && a.grid_id === gridId && !('resident_name' in a)), 'no names on the map');

  const page = await j.person('screen');
  j.allow(page, /\/api\/v1\/me → 401/);
  await page.goto('/screen/?map=visits&refresh=15');
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: /本周走访覆盖/ }).waitFor();
  const badge = page.locator(`.cg-care-alert[data-grid="${gridId}"]`);
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-alerts'), String(grid.open_alerts));
  assert.equal(await badge.getAttribute('data-coverage'), `${grid.seen_week}/${grid.households}`);
  const share = grid.households ? `${Math.round((grid.seen_week / grid.households) * 100)}%` : '—';
  assert.equal(await badge.innerText(), `${grid.name} 预警 ${grid.open_alerts} · 走访 ${share}`);
  assert.doesNotMatch(await page.locator('.rate-map').innerText(), /孙桂芝/, 'no names on the wall');
  // The grid is filled by its share of households seen this week.
  const fill = await page.locator(`.rate-map-canvas path[data-grid="${gridId}"]`).first().getAttribute('fill');
  assert.equal(fill, coverageColor(grid.households ? grid.seen_week / grid.households : null));
  await page.getByTestId('care-alerts-legend').getByText(`云监护预警 ${map.alerts.length} 条`).waitFor();
  await j.step(page, '大屏地图：网格走访覆盖与云监护预警');

  // The elder is found well: grid1 closes the alert, and the badge leaves the wall by itself.
  await grid1.post(`/api/v1/care/alerts/${alert.id}/close`, { note: '已上门，老人平安' });
  const left = grid.open_alerts - 1;
  if (left === 0) await badge.waitFor({ state: 'detached', timeout: 30000 });
  else await page.locator(`.cg-care-alert[data-grid="${gridId}"][data-alerts="${left}"]`).waitFor({ timeout: 30000 });
  await j.step(page, '预警关闭后地图上的红点消失');
}
