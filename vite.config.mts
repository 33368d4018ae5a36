import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import bitrix24UIPluginVite from '@bitrix24/b24ui-nuxt/vite';

export default defineConfig({
  root: 'src/ui/app',
  base: '/ui/',
  plugins: [vue(), bitrix24UIPluginVite({ router: false, colorMode: false })],
  // Not dist/ui: tsc compiles the server's own pages (src/ui/*.ts) there, and emptyOutDir would
  // delete them, leaving `node dist/cli.js serve` without them (test/unit/http/build-layout.test.ts).
  build: { outDir: '../../../dist/pages', emptyOutDir: true },
});
