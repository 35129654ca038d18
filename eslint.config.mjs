import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
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
    rules: { 'no-restricted-imports': 'off' },
  },
);
