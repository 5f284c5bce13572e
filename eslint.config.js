// ESLint: typescript-eslint's recommended rules plus the dependency direction of
// ../shared/design/ARCHITECTURE.md: shared <- config <- core <- services <- app <- api | cli | tray <- daemon.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (name) => [`**/${name}`, `**/${name}/**`];

const ABOVE = {
  shared: ['config', 'core', 'services', 'app', 'api', 'cli', 'client', 'tray', 'daemon'],
  config: ['core', 'services', 'app', 'api', 'cli', 'client', 'tray', 'daemon'],
  core: ['services', 'app', 'api', 'cli', 'client', 'tray', 'daemon'],
  services: ['app', 'api', 'cli', 'client', 'tray', 'daemon'],
  app: ['api', 'cli', 'client', 'tray', 'daemon'],
  // Edges call the app facade, never core; the CLI and tray reach the daemon only over its API.
  api: ['core', 'cli', 'client', 'tray', 'daemon'],
  client: ['core', 'services', 'api', 'cli', 'tray', 'daemon'],
  cli: ['core', 'services', 'api', 'tray', 'daemon'],
  tray: ['core', 'services', 'api', 'cli', 'daemon'],
  daemon: [],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'src/gen/**',
      'node_modules/**',
      'coverage/**',
      'web/dist/**',
      'examples/data/**',
      'examples/logs/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  ...Object.entries(ABOVE).map(([name, layers]) => ({
    files: [`src/${name}/**/*.ts`],
    ignores: [`src/${name}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(layers.length > 0
              ? [
                  {
                    group: layers.flatMap(layer),
                    message: `src/${name} may not import this layer (ARCHITECTURE.md: dependency direction)`,
                  },
                ]
              : []),
            ...(name === 'core'
              ? [
                  {
                    group: [
                      'hono',
                      'hono/*',
                      '@hono/*',
                      '@grpc/*',
                      '@connectrpc/*',
                      'react',
                      'react-dom',
                    ],
                    message: 'core imports no HTTP/gRPC/UI library',
                  },
                ]
              : [
                  {
                    group: ['**/core/*/**', '!**/core/index.js'],
                    message: 'outside core, import core through src/core/index.ts',
                  },
                ]),
          ],
        },
      ],
    },
  })),
  // The dashboard (web/): browser code; it reaches the daemon only over its HTTP API.
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '../../src/**', '../../../src/**'],
              message: 'web/ talks to the daemon over its API; it imports nothing of the daemon',
            },
          ],
        },
      ],
    },
  },
);
