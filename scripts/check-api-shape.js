#!/usr/bin/env node
/**
 * Fails when the public API has a shape that degrades in jsii's other
 * languages: union types, `any`, or a struct used as an open map. Reads the
 * compiled assembly (.jsii), so run it after `npx jsii`.
 *
 *   node scripts/check-api-shape.js [path/to/.jsii]
 */
const fs = require('fs');
const path = require('path');

/** Every degrading shape in an assembly, as `where: what` lines. */
function findProblems(assembly) {
  const problems = [];
  let members = 0;
  const checkType = (ref, where) => check(ref, where, problems);
  for (const [fqn, type] of Object.entries(assembly.types ?? {})) {
    for (const p of type.properties ?? []) {
      members++;
      checkType(p.type, `${fqn}.${p.name}`);
    }
    for (const m of [...(type.methods ?? []), ...(type.initializer ? [{ ...type.initializer, name: '<init>' }] : [])]) {
      members++;
      checkType(m.returns?.type, `${fqn}.${m.name}() returns`);
      for (const param of m.parameters ?? []) {
        checkType(param.type, `${fqn}.${m.name}(${param.name})`);
      }
    }
  }
  return { problems, members, types: Object.keys(assembly.types ?? {}).length };
}

function check(ref, where, problems) {
  const checkType = (r, w) => check(r, w, problems);
  if (!ref) {
    return;
  }
  if (ref.union) {
    problems.push(`${where}: union type (${ref.union.types.map((t) => t.fqn ?? t.primitive ?? 'complex').join(' | ')})`);
    ref.union.types.forEach((t, i) => checkType(t, `${where}[union ${i}]`));
    return;
  }
  if (ref.primitive === 'any') {
    problems.push(`${where}: any`);
  }
  if (ref.collection) {
    checkType(ref.collection.elementtype, `${where}[]`);
  }
}

module.exports = { findProblems };

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, '..', '.jsii');
  const { problems, members, types } = findProblems(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (problems.length > 0) {
    console.error(`API shape: ${problems.length} problem(s) in ${types} types:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`API shape: ${types} types, ${members} members; no unions, no any`);
}
