/**
 * The boundary check: src/ folders form the layers named in
 * docs/architecture.json, imports only point down, and the imports that must
 * never exist are named rules (so a violation says which one). Run with
 * `npm run lint:deps`; test/architecture.test.ts runs it too.
 */
const architecture = require('./docs/architecture.json');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `src/<folder>/…` for folders, `src/<file>` for top-level files. */
const under = (names) => `^src/(${names.map((n) => (n.endsWith('.ts') ? `${escape(n)}$` : `${escape(n)}/`)).join('|')})`;

const named = architecture.forbidden.map((f) => ({
  name: f.name,
  severity: 'error',
  comment: f.why,
  from: f.from.includes('*') ? { path: '^src/' } : { path: under(f.from) },
  to: f.modules ? { path: `^(node:)?(${f.modules.map(escape).join('|')})$|(^|/)node_modules/(${f.modules.map(escape).join('|')})/` } : { path: under(f.to) },
}));

// Downward only: a folder may import only folders after it in folderOrder.
const order = architecture.folderOrder;
const downward = order.slice(1).map((folder, i) => ({
  name: `layer-order:${folder}`,
  severity: 'error',
  comment: `${folder}/ sits below ${order.slice(0, i + 1).join(', ')} (docs/architecture.json folderOrder): it may not import them`,
  from: { path: under([folder]) },
  to: { path: under(order.slice(0, i + 1)) },
}));

module.exports = {
  forbidden: [
    ...named,
    ...downward,
    {
      name: 'shared-leaves-import-nothing',
      severity: 'error',
      comment: 'top-level shared files (version.ts) import nothing from src',
      from: { path: under(architecture.leaves.shared) },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles between modules (type-only imports aside, they vanish at runtime)',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'every import resolves',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.json$' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: {
      dot: {
        collapsePattern: '^src/[^/]+/|^src/[^/]+\\.ts$',
      },
    },
  },
};
