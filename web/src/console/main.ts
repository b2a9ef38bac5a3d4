// The console (Element Plus) at /console/: staff sign in, then the pages of src/console/router.ts.
import { createApp } from 'vue';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import { i18n } from '@/shared/i18n';
import App from './App.vue';
import { router } from './router';
import './console.css';

createApp(App).use(i18n).use(router).mount('#app');
