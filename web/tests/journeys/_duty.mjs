// Helpers for the 双报到 journeys 22 and 23 (not a journey: the runner takes only NN-*.mjs).
import { DEMO_PASSWORD } from '../harness.mjs';
import { apiAs } from './_console.mjs';

/** A valid 18-digit resident ID number (GB 11643 check digit) from 17 digits. */
export function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** A new in-service party member of unit1's unit living in secretary1's community, not yet registered, with a
 * party_member account of their own. Returns { username, memberId, name, community, unitId }. */
export async function newDutyMember(j) {
  const admin = await apiAs(j, 'admin');
  const secretary = await apiAs(j, 'secretary1');
  const unit = await apiAs(j, 'unit1');
  const community = secretary.me.scope.node_id;
  const unitId = unit.me.unit_id;
  const orgs = await admin.get(`/api/v1/party-orgs?within=${community}&limit=50`);
  const org = orgs.items.find((o) => o.kind === 'branch') ?? orgs.items[0];
  const stamp = String(Date.now() % 1000000).padStart(6, '0');
  const random = Math.floor(Math.random() * 9 * 19);
  const birthday = `0${1 + (random % 9)}${10 + Math.floor(random / 9)}`; // MMDD: months 1–9, days 10–28
  const name = `郝志远${'一二三四五六七八九十'[Number(stamp.at(-1))]}`;
  const member = await admin.post('/api/v1/party-members', {
    name,
    id_number: idNumber(`1310221985${birthday}${stamp.slice(-3)}`),
    party_org_id: org.id,
    unit_id: unitId,
  });
  const username = `dutym${stamp}`;
  await admin.post('/api/v1/accounts', {
    username,
    display_name: name,
    password: DEMO_PASSWORD,
    role: 'party_member',
    scope_node_id: community,
    party_member_id: member.id,
  });
  return { username, memberId: member.id, name, community, unitId };
}

/** Signs in on the phone pages through the form and waits for the first tab. */
export async function phoneSignIn(j, page, username) {
  j.allow(page, /\/api\/v1\/me → 401/);
  await page.goto('/h5/');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/h5\/board/, { waitUntil: 'commit' });
}

/** The member of journey 22, or (run alone) a new one registered with secretary1's community through the API. */
export async function registeredMember(j) {
  if (j.shared.dutyMember) return j.shared.dutyMember;
  const who = await newDutyMember(j);
  const member = await apiAs(j, who.username);
  const request = await member.post('/api/v1/duty/registrations', {
    community_id: who.community,
    commitment_text: '本人自愿到居住地社区报到。',
    commitment_date: new Date().toISOString().slice(0, 10),
  });
  await (await apiAs(j, 'secretary1')).post(`/api/v1/duty/registrations/${request.id}/confirm`, {});
  return who;
}

/** The entries of a ZIP (an XLSX) as { name: Buffer }, read through its central directory. */
export async function unzip(buffer) {
  const { inflateRawSync } = await import('node:zlib');
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a ZIP file: no end of central directory');
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = {};
  for (let i = 0; i < count; i += 1) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const skip = nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    entries[name] = method === 8 ? inflateRawSync(data) : data;
    at += 46 + skip;
  }
  return entries;
}
