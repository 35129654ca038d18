import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/*.cjs', '**/*.js', '**/gradients/**'] },
  js.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', performance: 'readonly', AbortController: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Backends are chosen at run time; only backend packages and apps may import them.
      'no-restricted-imports': ['error', { patterns: ['@tensorflow/tfjs-backend-*', '@tensorflow/tfjs-node*'] }],
    },
  },
  {
    files: ['packages/backend-*/**', 'packages/test-utils/**'],
    // Backend packages load their tfjs implementation lazily, when selected.
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
