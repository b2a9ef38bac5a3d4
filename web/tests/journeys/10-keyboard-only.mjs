// The secretary works the console by keyboard alone: signs in, opens the inbox from the menu, switches the tab,
// narrows the list with a filter, opens a ticket and accepts it — Tab, arrows, Enter and Space only, no mouse. At
// every stop the focused element shows a visible focus ring. Alone, it files its own demand as resident1 first.
import assert from 'node:assert/strict';
import { residentTicket } from './_console.mjs';

const MAX_TABS = 60;

/** What has focus: its tag, role, accessible text, and whether a focus ring (a 2px outline) is drawn. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', text: '', ring: false };
    // The ring: an outline on the element, or on the wrapper Element Plus draws around an input.
    const ringed = (node) => {
      const style = node ? getComputedStyle(node) : null;
      return !!style && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    };
    const wrapper = el.closest('.el-input__wrapper, .el-select__wrapper');
    const label =
      el.getAttribute('aria-label') ||
      (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) ||
      el.closest('.el-form-item')?.querySelector('label')?.textContent ||
      '';
    return {
      tag: el.tagName.toLowerCase(),
      role: el.getAttribute('role') ?? '',
      text: `${label} ${(el.textContent ?? '').trim().slice(0, 60)}`.trim(),
      ring: ringed(el) || ringed(wrapper),
    };
  });
}

/** Presses Tab (or `key`) until the focused element matches; asserts it shows a focus ring. */
async function tabTo(page, what, match, key = 'Tab') {
  const seen = [];
  for (let i = 0; i < MAX_TABS; i += 1) {
    await page.keyboard.press(key);
    const f = await focused(page);
    seen.push(`${f.tag}${f.role ? `[${f.role}]` : ''} ${f.text}`);
    if (match(f)) {
      assert.ok(f.ring, `${what}: focused but no visible focus ring (${seen.at(-1)})`);
      return f;
    }
  }
  throw new Error(`${what}: not reached by ${key} in ${MAX_TABS} presses; focus went through:\n  ${seen.join('\n  ')}`);
}

export default async function keyboardOnly(j) {
  j.shared.keyboardTicket ??= await residentTicket(j, '键盘旅程：小区门口的井盖松动了，走上去会响');
  const { id, number } = j.shared.keyboardTicket;

  const page = await j.person('pc');
  j.allow(page, /\/api\/v1\/me → 401/);
  await page.goto('/console/');
  await page.getByLabel(/用户名/).waitFor();

  await tabTo(page, 'username', (f) => f.tag === 'input' && /用户名/.test(f.text));
  await page.keyboard.type('secretary1');
  await tabTo(page, 'password', (f) => f.tag === 'input' && /密码/.test(f.text));
  await page.keyboard.type('civicgrid-demo');
  await page.keyboard.press('Enter');
  await page.getByTestId('signed-in-name').waitFor();
  await j.step(page, '键盘登录');

  await tabTo(page, 'menu: 工单受理', (f) => f.tag === 'a' && /工单受理/.test(f.text));
  await j.step(page, '菜单项有焦点框');
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name: /待受理/ }).waitFor();

  // A filter: the kind select opened with Enter, the option chosen with the arrows and Enter.
  await tabTo(page, 'kind filter', (f) => f.tag === 'input' && /类型/.test(f.text));
  await page.keyboard.press('Enter');
  const hovered = page.locator('.el-select-dropdown__item.is-hovering');
  for (let i = 0; i < 8 && (await hovered.innerText().catch(() => '')) !== '随手拍'; i += 1) {
    await page.keyboard.press('ArrowDown');
  }
  await j.step(page, '键盘打开类型筛选');
  await page.keyboard.press('Enter');
  await page.locator('#cg-f-kind').locator('xpath=ancestor::div[contains(@class,"el-select__wrapper")]').getByText('随手拍').waitFor();

  // The tabs: Tab reaches the active one, arrows move between them, Enter opens one.
  await tabTo(page, 'inbox tab', (f) => f.role === 'tab');
  await j.step(page, '标签页有焦点框');
  const pending = page.getByRole('tab', { name: /待受理/ });
  for (let i = 0; i < 8 && (await pending.getAttribute('aria-selected')) !== 'true'; i += 1) {
    if (!(await pending.evaluate((el) => el === document.activeElement))) {
      await page.keyboard.press('ArrowRight');
    } else {
      await page.keyboard.press('Enter');
    }
  }
  assert.equal(await pending.getAttribute('aria-selected'), 'true', '待受理 chosen by keyboard');

  // The ticket: reached by Tab through the list (loading more pages by keyboard when it is further down).
  const link = page.getByRole('link', { name: number });
  const more = page.getByRole('button', { name: '加载更多' });
  for (let pageNo = 0; pageNo < 20; pageNo += 1) {
    await link.or(more).first().waitFor();
    if (await link.isVisible()) break;
    await tabTo(page, 'load more', (f) => f.tag === 'button' && /加载更多/.test(f.text));
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
  }
  await tabTo(page, `ticket ${number}`, (f) => f.tag === 'a' && f.text.includes(number));
  await j.step(page, '工单编号链接有焦点框');
  await page.keyboard.press('Enter');
  await page.getByTestId('ticket-state').getByText('待受理').waitFor();
  assert.match(page.url(), new RegExp(`/console/tickets/${id}$`));

  await tabTo(page, 'accept', (f) => f.tag === 'button' && f.text === '受理');
  await j.step(page, '受理按钮有焦点框');
  await page.keyboard.press('Enter');
  await page.getByTestId('ticket-state').getByText('已受理').waitFor();
  await page.getByTestId('timeline').getByText('受理', { exact: true }).waitFor();
  await j.step(page, '键盘受理完成');
}
