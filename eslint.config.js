// ESLint (flat config): typescript-eslint's recommended rules for the engine, tests and scripts, and
// eslint-plugin-svelte's for the UI. A modest set the code passes; `npm run lint:eslint`, run in CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './src-renderer/svelte.config.js';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'tools/**', 'models/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // Off on purpose: text cleaning and tokenizers match control characters; initialising before a loop is
      // kept for readability; errors are re-thrown with a clearer message, the cause stays in the message.
      'no-control-regex': 'off',
      'no-useless-assignment': 'off',
      'preserve-caught-error': 'off',
      // Plain Map/Set in components are caches, not state (reactive state uses $state).
      'svelte/prefer-svelte-reactivity': 'off',
      // SQL builders push a clause and its argument as one comma expression; strings in mustaches keep
      // spaces and escapes that plain template text would lose.
      '@typescript-eslint/no-unused-expressions': 'off',
      'svelte/no-useless-mustaches': 'off',
      // expected CLI output is matched with its literal column spacing
      'no-regex-spaces': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-renderer/**/*.{ts,svelte}', 'src-renderer/**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
  },
  {
    // Node built-ins and the engine's packages have no place in the renderer (the dependency rule checks the
    // same; this gives the error in the editor).
    files: ['src-renderer/**/*.{ts,svelte}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron', 'electron/*'], message: 'the renderer is a sandboxed web page' }] }],
    },
  },
);
