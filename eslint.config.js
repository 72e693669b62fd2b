// One ESLint set-up for every workspace: typescript-eslint's type-checked rules over the TypeScript
// (each file checked with the tsconfig that builds it), browser or Node globals by where the code runs,
// and eslint-config-prettier last so that nothing here argues with the formatter.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', 'test-artifacts/', '.data/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // async is how these functions meet promise-returning contracts (fastify plugins, fetchToken, hooks)
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // the unit tests beside the workspaces are built by tests/tsconfig.json, which the project service
    // (the nearest tsconfig up the tree) would not find
    files: ['protocol/test/**', 'server/test/**', 'client-sdk/test/**'],
    languageOptions: { parserOptions: { projectService: false, project: 'tests/tsconfig.json' } },
  },
  {
    // plain JavaScript (the bootstrap script, the demo portal's pages) has no types to check against
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // code passed to page.evaluate runs in the browser page and reaches the widget, SDK and console
    // through window globals that the Node-side types do not describe
    files: ['tests/e2e/**', 'tests/harness/**', 'tests/bench/cobrowse-browser.ts', 'tests/bench/thin-link.ts', 'tests/load/capture-trace.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.stringMatching, expect.any…) are typed any, to fit any expected field
    files: ['tests/**', '**/test/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  { files: ['client-sdk/src/**', 'agent-console/src/**', 'server/public/**'], languageOptions: { globals: globals.browser } },
  // the demo pages share what demo-portal.js sets up, and the SDK bundle's global
  { files: ['server/public/demo/**'], languageOptions: { globals: { DemoPortal: 'readonly', EtaxAssist: 'readonly' } } },
  { files: ['*.js', 'scripts/**', 'client-sdk/*.mjs', 'tests/**', '**/test/**', 'server/src/**', 'sfu/src/**', 'protocol/src/**'], languageOptions: { globals: globals.node } },
  prettier,
);
