import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import bitrix24UIPluginVite from '@bitrix24/b24ui-nuxt/vite';

export default defineConfig({
  root: 'src/ui/app',
  base: '/ui/',
  plugins: [vue(), bitrix24UIPluginVite({ router: false, colorMode: false })],
  build: { outDir: '../../../dist/ui', emptyOutDir: true },
});
