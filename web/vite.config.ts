import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver, VantResolver } from 'unplugin-vue-components/resolvers';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

// Vant's stylesheet names a CDN icon font as a fallback; nothing may be fetched from a CDN at run time,
// so the remote url() (also protocol-relative //host/…) is cut out and the locally bundled font is the only source.
function stripCdnFonts(): Plugin {
  return {
    name: 'civicgrid-strip-cdn-fonts',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && file.fileName.endsWith('.css') && typeof file.source === 'string') {
          file.source = file.source.replace(/,?\s*url\(["']?(?:https?:)?\/\/[^)]*\)\s*format\(["']?[a-z0-9]+["']?\)/gi, '');
        }
      }
    },
  };
}

const proxyTarget = process.env.CIVICGRID_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' }), VantResolver({ importStyle: 'css' })], dts: false }),
    stripCdnFonts(),
    compression({
      algorithms: [defineAlgorithm('gzip', { level: 9 }), defineAlgorithm('brotliCompress')],
      threshold: 512,
      deleteOriginalAssets: false,
    }),
  ],
  resolve: { alias: { '@': resolve(__dirname, 'src') } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        landing: resolve(__dirname, 'index.html'),
        console: resolve(__dirname, 'console/index.html'),
        h5: resolve(__dirname, 'h5/index.html'),
        screen: resolve(__dirname, 'screen/index.html'),
      },
    },
  },
  server: { proxy: { '/api': { target: proxyTarget, changeOrigin: false } } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
