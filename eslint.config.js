// Layering, as VS Code enforces it: only src-main/electron may import electron; the shared
// contract imports no runtime; no side imports another side's code.
import tseslint from 'typescript-eslint';

const sideImports = (...sides) =>
  sides.map((side) => ({ group: [`**/${side}/**`, `${side}/**`], message: `do not import ${side} from here: talk through src-shared` }));

// A deferred transaction that reads, then writes, fails at once when another process wrote
// meanwhile; writeTransaction begins IMMEDIATE and waits. See src-main/services/store/database.ts.
const immediateTransactions = {
  selector: "CallExpression[callee.property.name='transaction']",
  message: 'use writeTransaction(db, fn) from services/store/database.ts (or store.writeTransaction(fn)): it begins IMMEDIATE',
};

// A ProjectStore's connection is the store's own: SQL lives in its repositories
// (store.images, store.sync, store.datasetQueries, ...) and its methods.
const storeConnection = 'a ProjectStore owns its database: add a repository method (services/store/) instead of reaching into store.db';
const storeDbOnlyInStore = [
  { selector: "MemberExpression[property.name='db'][object.name='store']", message: storeConnection },
  { selector: "MemberExpression[property.name='db'][object.property.name='store']", message: storeConnection },
  { selector: "VariableDeclarator[init.name='store'] > ObjectPattern > Property[key.name='db']", message: storeConnection },
  { selector: "VariableDeclarator[init.property.name='store'] > ObjectPattern > Property[key.name='db']", message: storeConnection },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'test-results/**', 'python-runtime/**', '.bench/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'only src-main/electron/ may import electron' }], patterns: sideImports('src-renderer', 'src-preload') }],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/services/store/database.ts'],
    rules: { 'no-restricted-syntax': ['error', immediateTransactions] },
  },
  {
    // Later options replace earlier ones, so this block repeats the transaction rule.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/services/store/**'],
    rules: { 'no-restricted-syntax': ['error', immediateTransactions, ...storeDbOnlyInStore] },
  },
  {
    files: ['src-main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: sideImports('src-renderer', 'src-preload') }] },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'react', 'better-sqlite3', 'sharp'].map((name) => ({ name, message: 'src-shared imports no runtime' })),
          patterns: [{ group: ['node:*'], message: 'src-shared imports no runtime' }, ...sideImports('src-main', 'src-renderer', 'src-preload')],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'the renderer talks to main through window.reticle only' }],
          patterns: [{ group: ['node:*'], message: 'the renderer runs in a sandbox' }, ...sideImports('src-main', 'src-preload')],
        },
      ],
    },
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: sideImports('src-main', 'src-renderer') }] },
  },
  {
    // The team server is plain Node: no Electron, no studio side; it speaks src-shared only.
    files: ['src-server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'the team server runs without Electron' }], patterns: sideImports('src-main', 'src-renderer', 'src-preload') },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
