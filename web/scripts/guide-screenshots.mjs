#!/usr/bin/env node
// Copies the screenshots the user guides show from a journeys run (build/journeys/<journey>/<NN-step>.png) to
// docs/user-guide/img/, shrunk to half size (PC pages 720 px wide, phone pages 375 px) so the repository stays small.
// Run after `node tests/run-journeys.mjs`: node scripts/guide-screenshots.mjs [--from DIR] [--only name,name]
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser, repoDir } from '../tests/harness.mjs';

// Guide image name ← journey folder, the step's file title (after "NN-", without .png), target width.
const WANTED = [
  ['console-inbox', '03-secretary-dispatch', '待受理中找到居民的诉求', 720],
  ['console-ticket', '03-secretary-dispatch', '工单详情', 720],
  ['console-dispatch', '03-secretary-dispatch', '派单对话框-上架到点单栏', 720],
  ['console-board', '03-secretary-dispatch', '点单栏里有这张工单', 720],
  ['console-event-photo', '04-member-resolves', '管理后台-时间线上办结附带的照片', 720],
  ['console-import', '07-admin-import-reveal', '出错的第-4-行被标出-未写入', 720],
  ['console-reveal', '07-admin-import-reveal', '说明原因后查看完整手机号', 720],
  ['console-whistle', '08-street-whistle-unit-report', '两个部门的报到计时', 720],
  ['console-report-in', '08-street-whistle-unit-report', '部门已报到', 720],
  ['console-keyboard', '10-keyboard-only', '标签页有焦点框', 720],
  ['h5-report', '02-resident-report', '选类别后看到附近同类问题', 375],
  ['h5-my-reports', '02-resident-report', '我的诉求里有这条-显示进度', 375],
  ['h5-rate', '05-resident-rates', '打开已办结的诉求-可以评价', 375],
  ['h5-offline', '11-resident-offline-draft', '断网时保存在手机上', 375],
  ['h5-register', '09-resident-registers-wish', '验证码错误时提示在验证码栏', 375],
  ['h5-wishes', '09-resident-registers-wish', '发布心愿后出现在心愿墙上', 375],
  ['h5-messages', '09-resident-registers-wish', '我的消息-心愿已受理', 375],
  ['h5-board', '04-member-resolves', 'member1-signs-in-and-sees-the-ticket-on-点单栏', 375],
  ['h5-resolve', '04-member-resolves', 'a-photo-of-the-spot-and-a-note', 375],
  ['h5-tasks', '04-member-resolves', '我的任务-lists-it-as-resolved', 375],
  ['h5-patrol', '12-grid-worker-patrol', '巡查-拍照-定位-写明发现', 375],
  ['h5-grid', '12-grid-worker-patrol', '本网格-未办结工单-超时的在前', 375],
  ['screen-wall', '01-screen-watch', '一张网-三率-地图-排名-实时诉求', 720],
];

const args = process.argv.slice(2);
const fromArg = args.indexOf('--from');
const from = resolve(fromArg >= 0 ? args[fromArg + 1] : join(repoDir, 'build/journeys'));
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? new Set(args[onlyArg + 1].split(',')) : null;
const out = join(repoDir, 'docs/user-guide/img');
mkdirSync(out, { recursive: true });

/** The file of a step by its title. */
function stepFile(journey, title) {
  const dir = join(from, journey);
  if (!existsSync(dir)) return null;
  const hit = readdirSync(dir).find((f) => /^\d\d-.*\.png$/.test(f) && f.slice(3, -4) === title);
  return hit ? join(dir, hit) : null;
}

const browser = await launchBrowser();
const page = await browser.newPage();
let missing = 0;
for (const [name, journey, title, width] of WANTED) {
  if (only && !only.has(name)) continue;
  const file = stepFile(journey, title);
  if (!file) {
    console.error(`missing: ${journey} / ${title ?? '(last step)'}`);
    missing += 1;
    continue;
  }
  const src = `data:image/png;base64,${readFileSync(file).toString('base64')}`;
  const png = await page.evaluate(
    async ([src, width]) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = Math.round((img.naturalHeight * width) / img.naturalWidth);
      const ctx = canvas.getContext('2d');
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL('image/png').split(',')[1];
    },
    [src, width],
  );
  const bytes = Buffer.from(png, 'base64');
  writeFileSync(join(out, `${name}.png`), bytes);
  console.log(`${name}.png  ${Math.round(bytes.length / 1024)} KB  ← ${journey}`);
}
await browser.close();
process.exit(missing ? 1 : 0);
