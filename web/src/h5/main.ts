import { createApp, watch } from 'vue';
import { Locale as VantLocale } from 'vant';
import vantZh from 'vant/es/locale/lang/zh-CN';
import vantEn from 'vant/es/locale/lang/en-US';
import { i18n } from '@/shared/i18n';
import App from './App.vue';
import { router } from './router';
import './h5.css';

// Vant's own texts (confirm buttons, pull-to-refresh, uploader) follow the page's language.
function followLocale(locale: string): void {
  if (locale === 'en') VantLocale.use('en-US', vantEn);
  else VantLocale.use('zh-CN', vantZh);
}
const current = i18n.global.locale as unknown as { value: string };
followLocale(current.value);
watch(() => current.value, followLocale);

createApp(App).use(i18n).use(router).mount('#app');
