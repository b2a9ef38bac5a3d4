// 服务圈与经费: the county admin opens the 15-minute service circle — the approximation said in words, the map with
// the centres' circles, coverage per community and the buildings outside every circle — and a community secretary
// records a spending from the community's work funds; the balance drops by exactly that amount.
import assert from 'node:assert/strict';
import { apiAs, consoleSignIn } from './_console.mjs';

/** "99,879.50" → 9987950 (fen). */
const fen = (text) => Math.round(Number(text.replace(/[^\d.]/g, '')) * 100);

export default async function coverageFunds(j) {
  const admin = await apiAs(j, 'admin');
  const report = await admin.get('/api/v1/coverage');
  assert.ok(report.total.residents > 0, 'the demo county has residents');
  assert.ok(report.centers.length > 0, 'and service centres');
  // The demo's centres reach every building; a new building on the outskirts, 3 km east of the easternmost
  // centre (a 30 m square boundary gives its position), lies outside every circle.
  const east = report.centers.reduce((a, c) => (c.location[0] > a.location[0] ? c : a));
  const [lon, lat] = [east.location[0] + 0.035, east.location[1]];
  const d = 0.00015;
  const grids = await admin.get('/api/v1/org-nodes?kind=grid&limit=1');
  const far = await admin.post('/api/v1/org-nodes', {
    parent_id: grids.items[0].id,
    kind: 'building',
    code: `${grids.items[0].code}-J${Date.now() % 100000}`,
    name: '城郊新建楼',
    geometry: {
      type: 'Polygon',
      coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
    },
  });
  const outside = await admin.get('/api/v1/coverage/outside?limit=500');
  assert.ok(outside.items.some((b) => b.id === far.id), 'the outskirts building is outside every circle');

  const pc = await j.person('pc');
  await consoleSignIn(j, pc, 'admin');
  await pc.getByRole('menuitem', { name: '服务圈与经费' }).click();
  await pc.getByRole('heading', { name: '服务圈与经费', level: 1 }).waitFor();
  assert.match(await pc.getByTestId('coverage-approximation').innerText(), /近似值.*未按实际道路计算/);
  await pc.getByTestId('coverage-total').waitFor();
  assert.match(await pc.getByTestId('coverage-total').innerText(), /名居民在服务圈内（\d+(\.\d)?%）/);
  await pc.getByTestId('coverage-communities').locator('tbody tr').first().waitFor();
  // The map draws one circle per centre and a dot per building outside (Leaflet's SVG paths).
  await pc.getByTestId('coverage-map').locator('path.leaflet-interactive').first().waitFor();
  assert.match(await pc.getByTestId('coverage-total').innerText(), /圈外楼栋 [1-9]\d* 栋/);
  await pc.getByTestId('coverage-outside').locator('tbody tr', { hasText: '城郊新建楼' }).first().waitFor();
  await j.step(pc, '县级管理员查看15分钟服务圈覆盖与圈外楼栋');

  const desk = await j.person('pc');
  await consoleSignIn(j, desk, 'secretary1');
  await desk.getByRole('menuitem', { name: '服务圈与经费' }).click();
  await desk.getByRole('tab', { name: '社区经费' }).click();
  const work = desk.getByTestId('funds-accounts').locator('tbody tr', { hasText: '工作经费' }).first();
  await work.waitFor();
  const before = fen(await work.getByTestId('fund-balance').innerText());
  assert.ok(before > 120_050, `the work funds have money (${before} fen)`);
  await desk.getByLabel('金额（元）').first().fill('1200.50');
  await desk.getByLabel('用途说明').fill('重阳节敬老活动');
  await j.step(desk, '社区书记填写经费支出');
  await desk.getByTestId('funds-spend-submit').click();
  await desk.getByTestId('coverage-notice').waitFor();
  await desk.waitForFunction(
    ([want]) => {
      const cell = [...document.querySelectorAll('[data-testid="funds-accounts"] tbody tr')].find((r) =>
        r.textContent.includes('工作经费'),
      );
      const text = cell?.querySelector('[data-testid="fund-balance"]')?.textContent ?? '';
      return Math.round(Number(text.replace(/[^\d.]/g, '')) * 100) === want;
    },
    [before - 120_050],
  );
  await desk.getByTestId('funds-statement').locator('tbody tr', { hasText: '重阳节敬老活动' }).first().waitFor();
  await j.step(desk, '支出记录后余额减少 1200.50 元');
}
