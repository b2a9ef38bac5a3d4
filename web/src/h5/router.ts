// The phone pages. ONE `routes` array: meta.title is a locale key for the NavBar and the document title;
// meta.roles limits a page to those roles (absent: every signed-in role); meta.tab puts it in the Tabbar
// (order, icon); meta.public lets signed-out people in; meta.back shows the NavBar's back arrow.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadMe, role, session } from '@/shared/session';
import { ApiError } from '@/shared/api';
import { i18n } from '@/shared/i18n';
import { markOffline } from './online';
import { notify } from './notice';
import { startMessages, unread } from './lib/messages';

export type Role =
  | 'county_admin' | 'street_admin' | 'community_secretary' | 'community_worker' | 'grid_worker'
  | 'unit_admin' | 'party_member' | 'resident';

export interface TabMeta {
  order: number;
  icon: string;
  /** A count shown on the tab (e.g. unread messages); 0 shows nothing. */
  badge?: () => number;
}

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    roles?: string[];
    tab?: TabMeta;
    public?: boolean;
    back?: boolean;
  }
}

const RESIDENT: Role[] = ['resident'];
const MEMBER: Role[] = ['party_member', 'unit_admin'];
const GRID: Role[] = ['grid_worker'];
const PASSBOOK: Role[] = ['party_member', 'resident'];

const Placeholder = () => import('./pages/Placeholder.vue');

export const routes: RouteRecordRaw[] = [
  { path: '/sign-in', name: 'sign-in', component: () => import('./SignIn.vue'), meta: { title: 'h5.signIn.title', public: true } },
  { path: '/register', name: 'register', component: () => import('./pages/Register.vue'), meta: { title: 'h5.register.title', public: true } },
  // Where each role lands: its first tab.
  { path: '/', name: 'home', component: Placeholder, beforeEnter: () => ({ path: homeFor(role()), replace: true }) },

  // Residents
  { path: '/report', name: 'report', component: () => import('./pages/Report.vue'), meta: { title: 'h5.tabs.report', roles: RESIDENT, tab: { order: 1, icon: 'photograph' } } },
  { path: '/my-reports', name: 'my-reports', component: () => import('./pages/MyReports.vue'), meta: { title: 'h5.tabs.myReports', roles: RESIDENT, tab: { order: 2, icon: 'orders-o' } } },
  { path: '/my-reports/:id(\\d+)', name: 'my-report', component: () => import('./pages/TicketDetail.vue'), props: true, meta: { title: 'h5.detail.title', back: true } },
  { path: '/wishes', name: 'wishes', component: () => import('./pages/Wishes.vue'), meta: { title: 'h5.tabs.wishes', roles: RESIDENT, tab: { order: 3, icon: 'gift-o' } } },

  // Party members and unit admins
  { path: '/board', name: 'board', component: () => import('./pages/Board.vue'), meta: { title: 'h5.tabs.board', roles: MEMBER, tab: { order: 1, icon: 'todo-list-o' } } },
  { path: '/tasks', name: 'tasks', component: () => import('./pages/MyTasks.vue'), meta: { title: 'h5.tabs.tasks', roles: MEMBER, tab: { order: 2, icon: 'completed-o' } } },

  { path: '/tasks/:id(\\d+)', name: 'task', component: () => import('./pages/Task.vue'), props: true, meta: { title: 'h5.task.title', roles: [...MEMBER, ...GRID], back: true } },

  // Grid workers
  { path: '/patrol', name: 'patrol', component: () => import('./pages/Patrol.vue'), meta: { title: 'h5.tabs.patrol', roles: GRID, tab: { order: 1, icon: 'guide-o' } } },
  { path: '/grid', name: 'grid', component: () => import('./pages/GridTickets.vue'), meta: { title: 'h5.tabs.grid', roles: GRID, tab: { order: 2, icon: 'cluster-o' } } },
  { path: '/care', name: 'care', component: () => import('./pages/CareAlerts.vue'), meta: { title: 'care2.tab', roles: GRID, tab: { order: 3, icon: 'warning-o' } } },

  // Everyone on the phone pages: residents get how their demands went
  { path: '/messages', name: 'messages', component: () => import('./pages/Messages.vue'), meta: { title: 'h5.tabs.messages', roles: [...RESIDENT, ...MEMBER, ...GRID], tab: { order: 4, icon: 'chat-o', badge: () => unread.value } } },

  // Everyone signed in
  { path: '/duty', name: 'duty', component: () => import('./pages/Duty.vue'), meta: { title: 'duty.h5.title', roles: ['party_member'], tab: { order: 4, icon: 'flag-o' } } },

  { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { title: 'h5.tabs.me', tab: { order: 9, icon: 'user-o' } } },

  // The time bank (爱心存折), linked from 我的: people who hold a passbook
  { path: '/passbook', name: 'passbook', component: () => import('./pages/Passbook.vue'), meta: { title: 'timebank.passbook.title', roles: PASSBOOK, back: true } },
  { path: '/rewards', name: 'rewards', component: () => import('./pages/Rewards.vue'), meta: { title: 'timebank.rewards.title', roles: PASSBOOK, back: true } },

  // 小区评分 (红黄黑榜): the property company's admin and owners' committee members, linked from 我的
  { path: '/score', name: 'score', component: () => import('./pages/Score.vue'), meta: { title: 'governance.nav.scoring', roles: ['unit_admin', 'resident', 'party_member'], back: true } },
  // 我的预警 (党员黄橙红), linked from 我的
  { path: '/party-warning', name: 'party-warning', component: () => import('./pages/PartyWarning.vue'), meta: { title: 'partylife.h5.title', roles: ['party_member'], back: true } },
  // 走访 (民情台账): grid workers' visit list and the record page
  { path: '/visits', name: 'visits', component: () => import('./pages/Visits.vue'), meta: { title: 'visits.h5.title', roles: GRID, tab: { order: 3, icon: 'friends-o' } } },
  { path: '/visits/:household(\\d+)', name: 'visit-record', component: () => import('./pages/VisitRecord.vue'), props: true, meta: { title: 'visits.h5.record', roles: GRID, back: true } },
  // 议事提议, linked from 我的: a resident proposes a matter and follows its decisions
  { path: '/deliberation', name: 'deliberation', component: () => import('./pages/Deliberation.vue'), meta: { title: 'deliberation.h5.title', roles: RESIDENT, back: true } },
  // 议事会议, linked from 我的: register, see cancellations, check in with the organiser's code or QR
  { path: '/meetings', name: 'meetings', component: () => import('./pages/Meetings.vue'), meta: { title: 'deliberation.h5m.title', roles: RESIDENT, back: true } },

  // 双报到 (docs/duty.md), linked from 志愿服务: the registration form, my skills and availability, my notices
  { path: '/duty/register', name: 'duty-register', component: () => import('./pages/DutyRegister.vue'), meta: { title: 'duty.h5.registerTitle', roles: ['party_member'], back: true } },
  { path: '/duty/profile', name: 'duty-profile', component: () => import('./pages/DutyProfile.vue'), meta: { title: 'duty.h5.profileTitle', roles: ['party_member'], back: true } },
  { path: '/duty/notices', name: 'duty-notices', component: () => import('./pages/DutyNotices.vue'), meta: { title: 'duty.h5.noticesTitle', roles: ['party_member'], back: true } },

  { path: '/:rest(.*)*', name: 'not-found', redirect: '/' },
];

export function allowed(meta: { roles?: readonly string[] }, who: string): boolean {
  return !meta.roles || meta.roles.includes(who);
}

/** The tabs a role sees, in order. */
export function tabsFor(who: string): { path: string; title: string; icon: string; badge?: () => number }[] {
  return routes
    .filter((r) => r.meta?.tab && allowed(r.meta, who))
    .sort((a, b) => (a.meta!.tab!.order ?? 0) - (b.meta!.tab!.order ?? 0))
    .map((r) => ({ path: r.path, title: r.meta!.title ?? '', icon: r.meta!.tab!.icon, badge: r.meta!.tab!.badge }));
}

export function homeFor(who: string): string {
  return tabsFor(who)[0]?.path ?? '/me';
}

export const router = createRouter({ history: createWebHistory('/h5/'), routes });

// 我的消息 listens to the ticket stream while a resident, member, unit admin or grid worker is signed in.
startMessages();

/** Set when /api/v1/me could not be reached (offline): the sign-in page says so. */
export const startup = { error: null as ApiError | null };

router.beforeEach(async (to) => {
  if (!session.loaded) {
    try {
      await loadMe();
      startup.error = null;
    } catch (e) {
      startup.error = e instanceof ApiError ? e : new ApiError(0, { code: 'network', message: String(e) });
    }
  }
  if (to.meta.public) {
    if (to.name === 'sign-in' && session.me) return { path: safeRedirect(to.query.redirect), replace: true };
    return true;
  }
  if (!session.me) return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath }, replace: true };
  if (!allowed(to.meta, role())) return { path: homeFor(role()), replace: true };
  return true;
});

// A page's script that cannot be fetched (offline): say so instead of failing silently.
router.onError((error: unknown) => {
  if (/dynamically imported module|Importing a module script failed|Loading chunk/i.test(String((error as Error)?.message ?? error))) {
    markOffline();
    notify((i18n.global.t as (k: string) => string)('h5.pageOffline'));
  }
});

router.afterEach((to) => {
  const t = i18n.global.t as (k: string) => string;
  if (globalThis.document) document.title = `${to.meta.title ? `${t(to.meta.title)} · ` : ''}${t('h5.title')}`;
});

/** Only paths inside /h5/ are followed after sign-in. */
export function safeRedirect(value: unknown): string {
  const s = Array.isArray(value) ? value[0] : value;
  return typeof s === 'string' && s.startsWith('/') && !s.startsWith('//') ? s : '/';
}
