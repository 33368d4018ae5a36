import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import bitrix24UIPluginVite from '@bitrix24/b24ui-nuxt/vite';

/**
 * Vendor chunks by package, so a release of one does not invalidate the others' cache: Vue,
 * the Bitrix24 UI kit (with its icons and variants), the kit's headless and motion helpers, and
 * ECharts with its renderer zrender (imported dynamically by KamChart, so only the card tab and
 * the portfolio page fetch them, after their first render). The pages are split by dynamic
 * import in App.vue. Chunks import down this
 * list (charts and kit -> helpers -> Vue), never back, so no two chunks import each other.
 */
const VENDOR_CHUNKS: Array<[string, RegExp]> = [
  ['echarts', /^(echarts|vue-echarts)\//],
  ['zrender', /^zrender\//],
  ['vue', /^(vue|@vue)\//],
  ['b24ui', /^(@bitrix24|tailwind-variants|tailwind-merge)\//],
];

function vendorChunk(id: string): string | undefined {
  // Our canvas component travels with ECharts, not with whichever page Rollup picks.
  if (id.includes('/src/ui/app/components/EChartCanvas.vue')) return 'charts';
  const at = id.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const path = id.slice(at + 'node_modules/'.length);
  return VENDOR_CHUNKS.find(([, pattern]) => pattern.test(path))?.[0] ?? 'vendor';
}

export default defineConfig({
  root: 'src/ui/app',
  base: '/ui/',
  plugins: [vue(), bitrix24UIPluginVite({ router: false, colorMode: false })],
  // Not dist/ui: tsc compiles the server's own pages (src/ui/*.ts) there, and emptyOutDir would
  // delete them, leaving `node dist/cli.js serve` without them (test/unit/http/build-layout.test.ts).
  build: {
    outDir: '../../../dist/pages',
    emptyOutDir: true,
    rollupOptions: { output: { manualChunks: vendorChunk } },
  },
});
