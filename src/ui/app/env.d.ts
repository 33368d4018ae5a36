/// <reference types="vite/client" />
/// <reference types="@bitrix24/b24ui-nuxt/vue-plugin" />
