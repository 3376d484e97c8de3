// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'bench/**',
      'schema/**',
      '*.config.*',
      'jest.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Resolvers are adapters: they reach data only through services.
    files: ['resolvers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['mongoose', 'mongodb'], message: 'Resolvers call services; they never touch MongoDB.' },
            {
              group: ['**/src/models', '**/src/models/*'],
              allowTypeImports: true,
              message: 'Use a service.',
            },
          ],
        },
      ],
    },
  },
  {
    // Services hold the rules and know nothing of GraphQL or Apollo.
    files: ['src/services/**/*.ts', 'src/loaders/**/*.ts', 'src/models/**/*.ts', 'src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['graphql', 'type-graphql', '@apollo/*'],
              message: 'Services do not depend on GraphQL.',
            },
            { group: ['**/resolvers', '**/resolvers/*'], message: 'Services do not depend on resolvers.' },
          ],
        },
      ],
    },
  },
  {
    // The GraphQL request rules serve every transport; Apollo is wired to them in these two files only.
    files: ['src/graphql/**/*.ts'],
    ignores: ['src/graphql/apollo.ts', 'src/graphql/jit-gateway.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@apollo/*'], message: 'Transport-neutral: wire Apollo in src/graphql/apollo.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // GraphQL results are checked by assertions on their values, not by types.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
