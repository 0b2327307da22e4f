import { defineConfig } from 'vite';

// One self-contained classic script, dist/widget.js, served by the BzCtrl server at /widget.js.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    lib: {
      entry: 'src/widget.ts',
      formats: ['iife'],
      name: 'BzCtrlWidget',
      fileName: () => 'widget.js',
    },
  },
});
