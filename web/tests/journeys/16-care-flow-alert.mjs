// 云监护: a grid worker enrols an elder living alone of their grid with a water meter (API), the utility's batch
// shows water running for over two hours (an injected leak or fall in the bath), and the grid worker finds the
// alert on the console's 云监护 page, follows it to its ticket's number and acknowledges it.
import assert from 'node:assert/strict';
import { apiAs, consoleSignIn } from './_console.mjs';

/** A GB 11643 ID number: the 17 digits and their check character. */
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

export default async function careFlowAlert(j) {
  const grid1 = await apiAs(j, 'grid1');
  // An elder living alone in grid1's first building, registered here (the small demo may have none there).
  const buildings = await grid1.get('/api/v1/org-nodes?kind=building&limit=1');
  assert.ok(buildings.items.length > 0, 'grid1 has a building');
  const elder = await grid1.post('/api/v1/residents', {
    building_id: buildings.items[0].id,
    room: `9-${Date.now() % 1000}`,
    name: '王奶奶',
    id_number: idNumber(`13102219400101${String(Date.now() % 1000).padStart(3, '0')}`),
    flags: ['elder_alone'],
  });
  const meter = `W-J${Date.now()}`;
  const subject = await grid1.post('/api/v1/care/subjects', {
    resident_id: elder.id,
    consent_by: '本人',
    consent_method: 'written',
    contacts: [{ name: '李明', relation: '儿子', phone: '13912345678' }],
    meters: [{ kind: 'water', external_id: meter }],
  });
  assert.ok(!JSON.stringify(subject).includes('13912345678'), 'the contact phone comes back masked');
  // Every quarter of an hour for the last two and a half hours, the register rose.
  const now = Date.now() - 60_000;
  const readings = [];
  for (let q = 10; q >= 0; q -= 1) {
    readings.push({ meter, at: new Date(now - q * 15 * 60_000).toISOString(), value: 100 + (10 - q) * 0.02 });
  }
  const report = await grid1.post('/api/v1/care/readings', { readings });
  assert.equal(report.stored, 11);
  assert.equal(report.alerts_raised, 1);

  const page = await j.person('pc');
  await consoleSignIn(j, page, 'grid1');
  await page.getByRole('menuitem', { name: '云监护' }).click();
  await page.getByRole('heading', { name: '云监护', level: 1 }).waitFor();
  const alerts = page.getByTestId('care-alerts');
  const row = alerts.locator('tbody tr', { hasText: '持续用水' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /\d{6}-\d{4}-\d{6}/, 'the alert shows its ticket number');
  await j.step(page, '网格员在云监护页看到持续用水预警');
  await row.getByRole('button', { name: '确认已处理' }).click();
  await row.getByRole('button', { name: '确认已处理' }).waitFor({ state: 'detached' });
  await j.step(page, '网格员确认预警');
}
