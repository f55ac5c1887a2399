import * as fs from 'fs';
import * as path from 'path';

/**
 * The source tree shows which room a helper belongs to: `src/<layer>/private/`
 * holds what one layer uses, `src/private/` only what several layers share.
 * (The eslint rule `import/no-restricted-paths` keeps layers out of each
 * other's private folders; this test checks the shared folder.)
 */
const SRC = path.join(__dirname, '..', '..', 'src');

/** Every `.ts` file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The relative modules a file imports or re-exports, resolved to absolute paths without extension. */
function importsOf(file: string, read: (f: string) => string = (f) => fs.readFileSync(f, 'utf8')): string[] {
  const text = read(file);
  return [...text.matchAll(/(?:from|import)\s+['"](\.{1,2}\/[^'"]+)['"]/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]));
}

/** The layer a source file belongs to (`src/<layer>/…`), or undefined for src/index.ts and src/private. */
function layerOf(file: string): string | undefined {
  const [top, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length > 0 && top !== 'private' ? top : undefined;
}

/**
 * For each shared helper, the layers that use it, directly or through other
 * shared helpers that import it.
 */
function sharedHelperUsers(files: string[], read?: (f: string) => string): Map<string, Set<string>> {
  const shared = files.filter((f) => path.relative(SRC, f).split(path.sep)[0] === 'private');
  const users = new Map<string, Set<string>>(shared.map((f) => [f.replace(/\.ts$/, ''), new Set<string>()]));
  const importers = new Map<string, string[]>();
  for (const f of files) {
    for (const target of importsOf(f, read)) {
      importers.set(target, [...importers.get(target) ?? [], f]);
    }
  }
  const visit = (helper: string, seen: Set<string>, into: Set<string>): void => {
    for (const importer of importers.get(helper) ?? []) {
      const layer = layerOf(importer);
      if (layer) {
        into.add(layer);
      } else if (users.has(importer.replace(/\.ts$/, '')) && !seen.has(importer)) {
        seen.add(importer);
        visit(importer.replace(/\.ts$/, ''), seen, into);
      }
    }
  };
  for (const [helper, into] of users) {
    visit(helper, new Set(), into);
  }
  return users;
}

describe('source layout', () => {
  const files = sourceFiles(SRC);

  test('every file in src/private/ is used by two layers or more', () => {
    const lonely = [...sharedHelperUsers(files)]
      .filter(([, layers]) => layers.size < 2)
      .map(([helper, layers]) => `${path.relative(SRC, helper)}.ts: used by ${[...layers].join(', ') || 'no layer'}`);
    expect(lonely).toEqual([]);
  });

  test('no layer imports another layer\'s private folder', () => {
    const crossings = files.flatMap((f) => importsOf(f)
      .filter((target) => {
        const [top, second] = path.relative(SRC, target).split(path.sep);
        return second === 'private' && top !== 'private' && top !== layerOf(f);
      })
      .map((target) => `${path.relative(SRC, f)} → ${path.relative(SRC, target)}`));
    expect(crossings).toEqual([]);
  });

  test('positive control: a helper used by one layer only is reported', () => {
    const helper = path.join(SRC, 'private', 'zz-control.ts');
    const user = path.join(SRC, 'ci', 'zz-user.ts');
    const fake: Record<string, string> = { [helper]: '', [user]: "import { x } from '../private/zz-control';" };
    const users = sharedHelperUsers([...files, helper, user], (f) => fake[f] ?? fs.readFileSync(f, 'utf8'));
    expect([...users.get(helper.replace(/\.ts$/, ''))!]).toEqual(['ci']);
    // a real shared helper is used by several layers
    expect(users.get(path.join(SRC, 'private', 'validation'))!.size).toBeGreaterThan(2);
  });
});
