// After 02–05 (a resident filed a 随手拍, the secretary dispatched it, a member resolved it, the resident rated it
// 5): on the wall that 01-screen-watch left open, the submission reached the live feed within seconds, and the
// community's 办结率 and 满意率 moved by exactly that ticket. Without 02–05 it files a ticket itself and checks
// the feed only; without 01's open screen it skips (the feed must be watched while the ticket is filed).
import assert from 'node:assert/strict';
import { apiSession, communityCounts, communityOf, percent, percentShort } from './screen-helpers.mjs';

const FEED_LAG_MS = 10000;

async function fileOwnTicket(j) {
  const resident = await apiSession(j, 'resident1');
  const categories = (await resident.get('/api/v1/categories')).items;
  const category = categories.find((c) => c.active && c.group === 'event') ?? categories[0];
  const me = await resident.get('/api/v1/me');
  const body = {
    category_id: category.id,
    description: '大屏旅程：楼下路灯不亮，请尽快修理。联系电话13812345678',
    node_id: me.scope.node_id,
  };
  const t = await resident.post('/api/v1/tickets', body, { 'Idempotency-Key': `screen-06-${Date.now()}` });
  await resident.dispose();
  return { id: t.id, number: t.number };
}

export default async function screenAfter(j) {
  const s = j.shared.screen;
  if (!s || s.page.isClosed()) {
    console.log('  skip 06-screen-after: it checks the screen 01-screen-watch left open while 02–05 ran; run 01–06 together');
    return 'skip';
  }
  const { page, context, before } = s;
  j.watch(page);
  const api = await apiSession(j, 'admin');
  try {
    const own = !j.shared.ticket?.id;
    const ref = own ? await fileOwnTicket(j) : j.shared.ticket;
    const ticket = await api.get(`/api/v1/tickets/${ref.id}`);

    // The submission reached the live feed within seconds (noted by 01's recorder as it appeared).
    await page.waitForFunction((n) => window.__feedSeen?.[n], ticket.number, { timeout: FEED_LAG_MS + 5000 });
    const seen = await page.evaluate((n) => window.__feedSeen[n], ticket.number);
    const lag = seen.at - Date.parse(ticket.created_at);
    console.log(`    ${ticket.number} in the live feed ${(lag / 1000).toFixed(1)} s after it was filed`);
    assert.ok(lag < FEED_LAG_MS, `the ticket reached the feed ${lag} ms after it was filed`);
    const line = page.locator(`.feed-item[data-ticket="${ticket.number}"]`);
    if (await line.count()) {
      assert.doesNotMatch(await line.innerText(), /13812345678/, 'phone numbers are masked on the wall');
    }
    await j.step(page, '新诉求几秒内出现在实时诉求');
    if (own) {
      console.log('  (06-screen-after: no ticket from 02–05 in shared; the rate check needs them and is skipped)');
      return;
    }

    // The community's figures moved by exactly this ticket: one more demand, resolved, rated and satisfied.
    const community = await communityOf(api, ticket.node_id);
    const zero = { demands: 0, resolved: 0, rated: 0, satisfied: 0 };
    const b = before.communities[community.id] ?? zero;
    const after = (await communityCounts(api))[community.id];
    // Journey 02 also files one or two phone demands in the same community (for its nearby list); they stay open.
    const extra = j.shared.extraDemands ?? 0;
    const grew = { demands: 1 + extra, resolved: 1, rated: 1, satisfied: 1 };
    for (const k of ['demands', 'resolved', 'rated', 'satisfied']) {
      assert.equal(after[k], b[k] + grew[k], `${community.name} ${k}: ${b[k]} → ${after[k]}`);
    }
    const demands = b.demands + grew.demands;
    const completion = (b.resolved + 1) / demands;
    const satisfaction = (b.satisfied + 1) / (b.rated + 1);
    const label = (p) => p.locator(`.cg-area-label[data-node="${community.id}"] .cg-area-value`);
    const shows = ([id, value, fraction]) => {
      const el = document.querySelector(`.cg-area-label[data-node="${id}"]`);
      return el?.querySelector('.cg-area-value')?.textContent === value && el?.querySelector('.cg-area-base')?.textContent === fraction;
    };
    await page.waitForFunction(shows, [community.id, percentShort(completion), `${b.resolved + 1}/${demands}`], {
      timeout: 25000,
    });
    const base = (p) => p.locator(`.cg-area-label[data-node="${community.id}"] .cg-area-base`);
    assert.equal(await base(page).innerText(), `${b.resolved + 1}/${demands}`, 'resolved / demands on the map');
    const old = b.demands ? `${percentShort(b.resolved / b.demands)} (${b.resolved}/${b.demands})` : '无诉求';
    console.log(`    ${community.name} 办结率 ${old} → ${await label(page).innerText()} (${await base(page).innerText()})`);
    const county = await api.get('/api/v1/stats/rates');
    await page.waitForFunction(
      (want) => document.querySelector('.rate-tile[data-rate="completion"] .rate-value')?.textContent === want,
      percent(county.rates.resolution_rate),
      { timeout: 20000 },
    );
    await j.step(page, `${community.name}办结率随之变化`);

    const sat = await context.newPage();
    j.watch(sat);
    await sat.goto('/screen/?rate=satisfaction');
    await sat.getByRole('heading', { name: /网格满意率/ }).waitFor();
    await sat.waitForFunction(shows, [community.id, percentShort(satisfaction), `${b.satisfied + 1}/${b.rated + 1}`], {
      timeout: 25000,
    });
    assert.equal(
      await sat.locator('.rate-tile[data-rate="satisfaction"] .rate-value').innerText(),
      percent(county.rates.satisfaction_rate),
    );
    assert.equal(await base(sat).innerText(), `${b.satisfied + 1}/${b.rated + 1}`, 'satisfied / rated on the map');
    const oldSat = b.rated ? `${percentShort(b.satisfied / b.rated)} (${b.satisfied}/${b.rated})` : '无诉求';
    console.log(`    ${community.name} 满意率 ${oldSat} → ${await label(sat).innerText()} (${await base(sat).innerText()})`);
    await j.step(sat, `${community.name}满意率随之变化`);
  } finally {
    await api.dispose();
    await context.close();
    delete j.shared.screen;
  }
}
