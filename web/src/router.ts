// The pages and who may see them: everything but the sign-in page needs a session.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, loadSession } from './lib/session'

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
  { path: '/verify', name: 'verify', component: () => import('./pages/Verify.vue') },
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
  if (to.name === 'login' && session.user) return { name: 'dashboard' }
  return true
})
