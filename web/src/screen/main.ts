import { createApp } from 'vue';
import { i18n, setLocale } from '@/shared/i18n';
import App from './App.vue';

// A wall screen is set up once by URL: ?lang=en shows it in English.
const lang = new URLSearchParams(location.search).get('lang');
if (lang === 'en' || lang === 'zh-CN') setLocale(lang);

createApp(App).use(i18n).mount('#app');
