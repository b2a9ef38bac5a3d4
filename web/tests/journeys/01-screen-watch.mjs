// The county leader's wall (/screen/, 1920×1080): the county admin signs in once; the three rates, the map of
// grids coloured by 办结率, the rankings and the live feed show, with the figures the API gives. Then the
// server restarts under it and the screen recovers by itself (badge, reconnect, fresh figures), with no reload.
//
// The screen page outlives this journey: its browser context is made here without registering it with `j`, so
// the journey's end does not close it. 06-screen-after finds it in j.shared.screen (it was open while 02–05 ran)
// and closes it; when 06 does not run, the browser's close at the end of the run closes it.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, VIEWPORTS } from '../harness.mjs';
import { apiSession, communityCounts, percent, seenFeedRecorder } from './screen-helpers.mjs';

export default async function screenWatch(j) {
  const context = await j.browser.newContext({ ...VIEWPORTS.screen, locale: 'zh-CN', baseURL: j.url });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  j.watch(page);
  j.allow(page, /\/api\/v1\/me → 401/); // signed out at first: the sign-in form

  await page.goto('/screen/?refresh=15');
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await j.step(page, '大屏登录');
  await page.getByRole('button', { name: '登录' }).click();

  const tile = (rate) => page.locator(`.rate-tile[data-rate="${rate}"] .rate-value`);
  await page.locator('.board[data-updated]:not([data-updated=""])').waitFor();
  await page.locator('.cg-area-label').first().waitFor();
  await page.locator('.feed-item').first().waitFor();
  await page.getByText('实时', { exact: true }).waitFor(); // the ticket stream is open

  // The big figures are the county's, as the API computes them.
  const api = await apiSession(j, 'admin');
  const county = await api.get('/api/v1/stats/rates');
  for (const [rate, field] of [['response', 'response_rate'], ['completion', 'resolution_rate'], ['satisfaction', 'satisfaction_rate']]) {
    assert.equal(await tile(rate).innerText(), percent(county.rates[field]), `${rate} on the screen`);
  }
  const labels = await page.locator('.cg-area-label').count();
  const communities = (await api.get('/api/v1/org-nodes?kind=community&limit=500')).items.length;
  assert.equal(labels, communities, 'every community on the map');
  await page.getByRole('heading', { name: /网格办结率/ }).waitFor();
  await page.getByText('≥ 95.0%').waitFor(); // the legend
  // The grids are filled by their own 办结率 (one colour per bin), not all by their community's.
  const fills = await page.evaluate(() =>
    [...document.querySelectorAll('.rate-map-canvas path')].map((p) => p.getAttribute('fill')).filter((f) => f && f !== 'none'),
  );
  assert.ok(fills.length > communities, `grids filled on the map (${fills.length} filled shapes)`);
  // The trend the screen draws: 14 days, from one request.
  const trend = await api.get('/api/v1/stats/rates/trend?granularity=day&days=14');
  assert.equal(trend.items.length, 14);
  await j.step(page, '一张网：三率、地图、排名、实时诉求');

  // The rate on the map is chosen by the URL.
  const satisfaction = await context.newPage();
  j.watch(satisfaction);
  await satisfaction.goto('/screen/?rate=satisfaction');
  await satisfaction.getByRole('heading', { name: /网格满意率/ }).waitFor();
  await satisfaction.locator('.cg-area-label').first().waitFor();
  await j.step(satisfaction, '地图按满意率着色');
  // Or by each rate in turn, with no one touching the screen; the tile of the rate on the map is marked.
  await satisfaction.goto('/screen/?rate=cycle&cycle=5');
  await satisfaction.getByRole('heading', { name: /网格办结率/ }).waitFor();
  await satisfaction.locator('.rate-tile.mapped[data-rate="completion"]').waitFor();
  await satisfaction.getByRole('heading', { name: /网格满意率/ }).waitFor({ timeout: 10000 });
  await satisfaction.locator('.rate-tile.mapped[data-rate="satisfaction"]').waitFor();
  await j.step(satisfaction, '地图轮流按三率着色');
  await satisfaction.close();

  // What 06 compares with: the figures now, and when each ticket reached the live feed.
  await seenFeedRecorder(page);
  const before = {
    completion: await tile('completion').innerText(),
    satisfaction: await tile('satisfaction').innerText(),
    feedCount: await page.locator('.feed-item').count(),
    county: county.counts,
    communities: await communityCounts(api),
  };

  // The server restarts under the screen: a small badge, then fresh figures, without a reload.
  j.allow(page, /\/api\/v1\/.* failed: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING)/);
  const restartedAt = Date.now();
  const restarting = j.server.restart();
  await page.locator('.badge-reconnecting').waitFor({ state: 'visible', timeout: 20000 });
  await restarting;
  await page.locator('.badge-reconnecting').waitFor({ state: 'hidden', timeout: 25000 });
  await page.waitForFunction(
    (t) => Number(document.querySelector('.board')?.getAttribute('data-updated')) > t,
    restartedAt,
    { timeout: 25000 },
  );
  await page.getByText('实时', { exact: true }).waitFor({ timeout: 20000 });
  assert.equal(await tile('completion').innerText(), before.completion);
  console.log(`    recovered ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart began`);
  await j.step(page, '服务器重启后大屏自行恢复');

  j.shared.screen = { context, page, before };
}
