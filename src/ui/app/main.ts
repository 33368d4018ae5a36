import './app.css';
import { createApp } from 'vue';
import b24UiPlugin from '@bitrix24/b24ui-nuxt/vue-plugin';
import App from './App.vue';
import { readContext } from './context';
import { createI18n } from './i18n';
import { createApi } from './api';
import { createFrame } from './frame';
import { KAM } from './inject';

const context = readContext();
document.documentElement.lang = context.lang;
createApp(App)
  .use(b24UiPlugin)
  .provide(KAM, { context, i18n: createI18n(context.lang), api: createApi(context), frame: createFrame(context) })
  .mount('#app');
