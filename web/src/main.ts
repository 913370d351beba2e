import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthenticatedHandler } from './lib/api'
import { session } from './lib/session'
import { stopEvents } from './lib/events'

setUnauthenticatedHandler(() => {
  // The first `/api/auth/me` of a page load answers 401 for a visitor: the router guard then
  // sends them to sign in with the address they asked for, which must not be overwritten here.
  const starting = !session.loaded
  session.user = null
  session.org = null
  stopEvents()
  if (starting) return
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ name: 'login', query: { next: here.fullPath } })
})

createApp(App).use(i18n).use(ElementPlus).use(router).mount('#app')
