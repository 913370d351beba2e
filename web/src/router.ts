// The pages and who may see them: everything but the sign-in page needs a session.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, loadSession } from './lib/session'
import { isOperator } from './lib/admin'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./pages/SignIn.vue'), meta: { public: true } },
  { path: '/', name: 'dashboard', component: () => import('./pages/Dashboard.vue') },
  { path: '/tasks', name: 'tasks', component: () => import('./pages/TaskList.vue') },
  { path: '/tasks/:id', name: 'task', component: () => import('./pages/TaskDetail.vue'), props: true },
  { path: '/inbox', name: 'inbox', component: () => import('./pages/Inbox.vue') },
  { path: '/notices/:id', name: 'notice', component: () => import('./pages/NoticeDetail.vue'), props: true },
  { path: '/meetings', name: 'meetings', component: () => import('./pages/MeetingList.vue') },
  { path: '/meetings/new', name: 'meeting-new', component: () => import('./pages/MeetingCreate.vue') },
  { path: '/meetings/:id', name: 'meeting', component: () => import('./pages/MeetingRoom.vue'), props: true },
  { path: '/meetings/:id/archive', name: 'meeting-archive', component: () => import('./pages/MeetingArchive.vue'), props: true },
  { path: '/disputes', name: 'disputes', component: () => import('./pages/DisputeList.vue') },
  { path: '/disputes/new', name: 'dispute-new', component: () => import('./pages/DisputeCreate.vue') },
  { path: '/disputes/:id', name: 'dispute', component: () => import('./pages/DisputeDetail.vue'), props: true },
  { path: '/investigations', name: 'investigations', component: () => import('./pages/InvestigationList.vue') },
  { path: '/investigations/new', name: 'investigation-new', component: () => import('./pages/InvestigationCreate.vue') },
  { path: '/investigations/:id', name: 'investigation', component: () => import('./pages/InvestigationDetail.vue'), props: true },
  { path: '/referrals', name: 'referrals', component: () => import('./pages/ReferralList.vue') },
  { path: '/referrals/new', name: 'referral-new', component: () => import('./pages/ReferralCreate.vue') },
  { path: '/referrals/:id', name: 'referral', component: () => import('./pages/ReferralDetail.vue'), props: true },
  { path: '/supervision', name: 'supervision', component: () => import('./pages/SupervisionDesk.vue') },
  { path: '/supervision-docs', name: 'supervision-docs', component: () => import('./pages/SupervisionDocList.vue') },
  { path: '/supervision-docs/:id', name: 'supervision-doc', component: () => import('./pages/SupervisionDocDetail.vue'), props: true },
  { path: '/campaigns', name: 'campaigns', component: () => import('./pages/CampaignList.vue') },
  { path: '/campaigns/:id', name: 'campaign', component: () => import('./pages/CampaignDetail.vue'), props: true },
  { path: '/reviews', name: 'reviews', component: () => import('./pages/ReviewList.vue') },
  { path: '/reviews/:id', name: 'review', component: () => import('./pages/ReviewDetail.vue'), props: true },
  { path: '/library', name: 'library', component: () => import('./pages/LibraryList.vue') },
  { path: '/library/:id', name: 'library-case', component: () => import('./pages/LibraryCase.vue'), props: true },
  { path: '/filings', name: 'filings', component: () => import('./pages/FilingsPage.vue') },
  { path: '/plans/:id', name: 'plan', component: () => import('./pages/PlanDetail.vue'), props: true },
  { path: '/verify', name: 'verify', component: () => import('./pages/Verify.vue') },
  // Administration: each page checks who may open it (AdminPage.vue says 无权访问 otherwise).
  { path: '/admin', name: 'admin', component: () => import('./pages/AdminHome.vue') },
  { path: '/admin/regions', name: 'admin-regions', component: () => import('./pages/AdminRegions.vue') },
  { path: '/admin/orgs', name: 'admin-orgs', component: () => import('./pages/AdminOrgs.vue') },
  { path: '/admin/orgs/:id', name: 'admin-people', component: () => import('./pages/AdminPeople.vue'), props: true },
  { path: '/admin/import', name: 'admin-import', component: () => import('./pages/AdminImport.vue') },
  { path: '/admin/calendar', name: 'admin-calendar', component: () => import('./pages/AdminCalendar.vue') },
  { path: '/admin/sign-in', name: 'admin-sign-in', component: () => import('./pages/AdminSignIn.vue') },
  { path: '/admin/audit', name: 'admin-audit', component: () => import('./pages/AdminAudit.vue') },
  // One's own account, and a body's own administration (its admins; others see 无权访问).
  { path: '/account', name: 'account', component: () => import('./pages/Account.vue') },
  { path: '/admin/tokens', name: 'admin-tokens', component: () => import('./pages/AdminTokens.vue') },
  { path: '/admin/webhooks', name: 'admin-webhooks', component: () => import('./pages/AdminWebhooks.vue') },
  { path: '/admin/mailbox', name: 'admin-mailbox', component: () => import('./pages/AdminMailbox.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFound.vue'), meta: { public: true } },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (!to.meta.public && !session.user) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  }
  if (to.name === 'login' && session.user) return landing()
  return true
})

/** Where a person lands after signing in: an operator at the administration desk, everyone
 * else at their body's dashboard. */
export function landing(): { name: string } {
  return { name: isOperator(session.user) ? 'admin' : 'dashboard' }
}
