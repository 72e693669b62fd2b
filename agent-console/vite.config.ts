import { defineConfig } from 'vite';

// Served by the service under /console/.
export default defineConfig({
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
