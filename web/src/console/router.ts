// The console's pages. To add one: an entry in `routes` (meta.title is a locale key under console.nav, meta.roles
// limits who sees it in the menu and may open it; no roles = every signed-in role), and its texts in
// src/locales/console.{zh-CN,en}.json. Entries with meta.menu === false are reachable but not in the side menu.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadMe, role, session } from '@/shared/session';
import Layout from './Layout.vue';
import SignIn from './SignIn.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Locale key of the page's title (and its menu entry). */
    title?: string;
    /** Roles that may see the page; absent = all signed-in roles. */
    roles?: string[];
    /** false keeps the page out of the side menu (detail pages). */
    menu?: boolean;
    /** Reachable signed out (the sign-in page). */
    public?: boolean;
  }
}

export const STAFF = ['county_admin', 'street_admin', 'community_secretary', 'community_worker', 'grid_worker'];
export const MANAGERS = ['county_admin', 'street_admin', 'community_secretary', 'community_worker'];
export const LEADERS = ['county_admin', 'street_admin'];

/** The pages inside the console layout, in menu order. Other pages add entries here. */
export const routes: RouteRecordRaw[] = [
  {
    path: '/tickets',
    name: 'tickets',
    component: () => import('./tickets/TicketInbox.vue'),
    meta: { title: 'console.nav.tickets', roles: [...STAFF, 'unit_admin'] },
  },
  {
    path: '/tickets/:id(\\d+)',
    name: 'ticket',
    component: () => import('./tickets/TicketPage.vue'),
    meta: { title: 'console.nav.ticket', menu: false, roles: [...STAFF, 'unit_admin'] },
  },
  {
    path: '/supervision',
    name: 'supervision',
    component: () => import('./tickets/SupervisionList.vue'),
    meta: { title: 'console.nav.supervision', roles: STAFF },
  },
  {
    path: '/board',
    name: 'board',
    component: () => import('./tickets/BoardView.vue'),
    meta: { title: 'console.nav.board', roles: [...STAFF, 'unit_admin'] },
  },
  // Administration pages (src/console/admin/).
  {
    path: '/org',
    name: 'org',
    component: () => import('./admin/OrgPage.vue'),
    meta: { title: 'console.nav.org', roles: STAFF },
  },
  {
    path: '/people',
    name: 'people',
    component: () => import('./admin/PeoplePage.vue'),
    meta: { title: 'console.nav.people', roles: STAFF },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./admin/AuditPage.vue'),
    meta: { title: 'console.nav.audit', roles: ['county_admin'] },
  },
  {
    path: '/import',
    name: 'import',
    component: () => import('./admin/ImportPage.vue'),
    meta: { title: 'console.nav.import', roles: ['county_admin', 'street_admin', 'community_secretary', 'community_worker'] },
  },
  {
    path: '/stats',
    name: 'stats',
    component: () => import('./admin/StatsPage.vue'),
    meta: { title: 'console.nav.stats', roles: STAFF },
  },
  {
    path: '/accounts',
    name: 'accounts',
    component: () => import('./admin/AccountsPage.vue'),
    meta: { title: 'console.nav.accounts', roles: ['county_admin'] },
  },
  {
    path: '/categories',
    name: 'categories',
    component: () => import('./admin/CategoriesPage.vue'),
    meta: { title: 'console.nav.categories', roles: ['county_admin'] },
  },
  // 爱心超市: rewards and stock, the counter's hand-overs, rankings (src/console/timebank/).
  {
    path: '/timebank',
    name: 'timebank',
    component: () => import('./timebank/TimeBankPage.vue'),
    meta: { title: 'timebank.console.title', roles: MANAGERS },
  },
  // Compounds and the red, yellow and black lists (src/console/governance/).
  {
    path: '/compounds',
    name: 'compounds',
    component: () => import('./governance/CompoundsPage.vue'),
    meta: { title: 'governance.nav.compounds', roles: [...STAFF, 'unit_admin'] },
  },
  {
    path: '/rankings',
    name: 'rankings',
    component: () => import('./governance/RankingsPage.vue'),
    meta: { title: 'governance.nav.rankings', roles: [...STAFF, 'unit_admin'] },
  },
  {
    path: '/scoring',
    name: 'scoring',
    component: () => import('./governance/ScoringPage.vue'),
    meta: { title: 'governance.nav.scoring', roles: ['community_secretary', 'community_worker', 'grid_worker', 'unit_admin'] },
  },
  {
    path: '/duty',
    name: 'duty',
    component: () => import('./admin/DutyPage.vue'),
    meta: { title: 'duty.console.title', roles: MANAGERS },
  },
  // 单位双报到 (posts, the quarterly service card) and the skill taxonomy (src/console/duty/).
  {
    path: '/duty-units',
    name: 'duty-units',
    component: () => import('./duty/UnitDutyPage.vue'),
    meta: { title: 'duty.units.title', roles: [...MANAGERS, 'unit_admin'] },
  },
  {
    path: '/duty-skills',
    name: 'duty-skills',
    component: () => import('./duty/SkillsPage.vue'),
    meta: { title: 'duty.skills.title', roles: ['county_admin'] },
  },
  {
    path: '/care',
    name: 'care',
    component: () => import('./care/CarePage.vue'),
    meta: { title: 'care.title', roles: STAFF },
  },
  // 党组织生活: branch meetings, the cadence report, member warnings (src/console/partylife/).
  {
    path: '/party-life',
    name: 'party-life',
    component: () => import('./partylife/PartyLifePage.vue'),
    meta: { title: 'partylife.title', roles: STAFF },
  },
  // 走访 (民情台账): coverage per grid and a household's visits (src/console/visits/).
  {
    path: '/visits',
    name: 'visits',
    component: () => import('./visits/VisitsPage.vue'),
    meta: { title: 'visits.console.title', roles: STAFF },
  },
  {
    path: '/visits/households/:id(\\d+)',
    name: 'visit-household',
    component: () => import('./visits/HouseholdVisits.vue'),
    props: true,
    meta: { title: 'visits.console.historyTitle', menu: false, roles: STAFF },
  },
  // 千户访: campaigns and each cadre's progress (src/console/visits/CampaignsPage.vue).
  {
    path: '/visits/campaigns',
    name: 'visit-campaigns',
    component: () => import('./visits/CampaignsPage.vue'),
    meta: { title: 'care3.campaigns.title', roles: STAFF },
  },
  // The 15-minute service circle, staffing and community funds (src/console/coverage/).
  {
    path: '/coverage',
    name: 'coverage',
    component: () => import('./coverage/CoveragePage.vue'),
    meta: { title: 'coverage.title', roles: MANAGERS },
  },
  // 议事协商: meetings, agendas, minutes, decisions and their progress (src/console/deliberation/).
  {
    path: '/deliberation',
    name: 'deliberation',
    component: () => import('./deliberation/DeliberationPage.vue'),
    meta: { title: 'deliberation.title', roles: MANAGERS },
  },
];

/** May the signed-in role open this route? */
export function allowed(r: { meta?: { roles?: string[] } }, who: string = role()): boolean {
  return !r.meta?.roles || r.meta.roles.includes(who);
}

/** Menu entries for the signed-in role. */
export function menuRoutes(who: string = role()): RouteRecordRaw[] {
  return routes.filter((r) => r.meta?.menu !== false && r.meta?.title && allowed(r, who));
}

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: SignIn, meta: { public: true, title: 'console.signIn.title' } },
    {
      path: '/',
      component: Layout,
      children: [
        { path: '', name: 'home', component: () => import('./HomePage.vue'), meta: { title: 'console.nav.home', menu: false } },
        ...routes,
      ],
    },
    { path: '/:rest(.*)*', name: 'not-found', redirect: '/' },
  ],
});

// Signed-out people go to sign in and come back where they were going.
router.beforeEach(async (to) => {
  if (!session.loaded) {
    try {
      await loadMe();
    } catch {
      session.loaded = true;
    }
  }
  if (to.meta.public) return session.me && to.name === 'sign-in' ? (to.query.next as string) || '/' : true;
  if (!session.me) return { name: 'sign-in', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (!allowed(to)) return { name: 'home' };
  return true;
});
