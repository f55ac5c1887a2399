#!/usr/bin/env node
/**
 * Fails when the public API has a shape that degrades in jsii's other
 * languages (union types, `any`) or breaks the aws-cdk-lib idiom the library
 * follows (issue 19):
 *   grant-returns-grant       a `grant…` method returns anything but iam.Grant
 *   grant-grantee-first       a `grant…` method's first parameter is not an iam.IGrantable
 *   layer-interface-resource  an interface a construct of this package implements does not extend IResource
 *   vocabulary                a prop of a concept's type is not named after it, a prop named after a
 *                             concept has another type, or a prop carries a listed synonym
 *                             (scripts/api-vocabulary.json, the table in CONTRIBUTING.md)
 *   metric-returns-metric     a `metric…` method returns anything but cloudwatch.Metric
 * Genuine exceptions are listed, with a reason, in scripts/api-exceptions.json.
 * Reads the compiled assembly (.jsii), so run it after `npx jsii`.
 *
 *   node scripts/check-api-shape.js [path/to/.jsii]
 *   node scripts/check-api-shape.js --write-vocabulary   (rewrites the table in CONTRIBUTING.md)
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const ROOT = path.join(__dirname, '..');
const GRANT = 'aws-cdk-lib.aws_iam.Grant';
const GRANTABLE = 'aws-cdk-lib.aws_iam.IGrantable';
const METRIC = 'aws-cdk-lib.aws_cloudwatch.Metric';
const RESOURCE = 'aws-cdk-lib.IResource';
const CONSTRUCT = 'constructs.Construct';
const TABLE_START = '<!-- vocabulary:start (generated from scripts/api-vocabulary.json: node scripts/check-api-shape.js --write-vocabulary) -->';
const TABLE_END = '<!-- vocabulary:end -->';

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The vocabulary and the exceptions shipped with the repository. */
function defaultVocabulary() {
  return readJson(path.join(__dirname, 'api-vocabulary.json')).concepts;
}
function defaultExceptions() {
  return readJson(path.join(__dirname, 'api-exceptions.json')).exceptions;
}

/**
 * Types of the assemblies this one depends on, loaded when first asked for
 * (aws-cdk-lib's assembly is gzipped behind a redirect file).
 */
function nodeModulesTypes(root = ROOT) {
  const loaded = new Map();
  const load = (name) => {
    if (!loaded.has(name)) {
      const dir = path.join(root, 'node_modules', name);
      let types = {};
      const file = path.join(dir, '.jsii');
      if (fs.existsSync(file)) {
        let json = readJson(file);
        if (json.schema === 'jsii/file-redirect') {
          const data = fs.readFileSync(path.join(dir, json.filename));
          json = JSON.parse((json.compression === 'gzip' ? zlib.gunzipSync(data) : data).toString('utf8'));
        }
        types = json.types ?? {};
      }
      loaded.set(name, types);
    }
    return loaded.get(name);
  };
  return (fqn) => load(fqn.split('.')[0])[fqn];
}

/** The installed dependencies' types, loaded once per process. */
let installedTypes;

/**
 * Every problem of an assembly. `problems` are `where: what` lines;
 * `findings` the same with their rule and layer (src/<layer>/), exceptions
 * removed. Options: `vocabulary` (concepts), `exceptions` (allow-list),
 * `externalType(fqn)` (types of other assemblies, e.g. aws-cdk-lib's).
 */
function findProblems(assembly, options = {}) {
  const vocabulary = options.vocabulary ?? defaultVocabulary();
  const exceptions = options.exceptions ?? defaultExceptions();
  const externalType = options.externalType ?? (installedTypes ??= nodeModulesTypes());
  const types = assembly.types ?? {};
  const typeOf = (fqn) => types[fqn] ?? externalType(fqn);
  const raw = [];
  let members = 0;
  const add = (rule, fqn, where, what) => raw.push({ rule, where, message: `${where}: ${what}`, layer: layerOf(types[fqn]) });

  for (const [fqn, type] of Object.entries(types)) {
    for (const p of type.properties ?? []) {
      members++;
      checkShape(p.type, `${fqn}.${p.name}`, (where, what) => add('jsii-shape', fqn, where, what));
    }
    const initializer = type.initializer ? [{ ...type.initializer, name: '<init>' }] : [];
    for (const m of [...(type.methods ?? []), ...initializer]) {
      members++;
      checkShape(m.returns?.type, `${fqn}.${m.name}() returns`, (where, what) => add('jsii-shape', fqn, where, what));
      for (const param of m.parameters ?? []) {
        checkShape(param.type, `${fqn}.${m.name}(${param.name})`, (where, what) => add('jsii-shape', fqn, where, what));
      }
      checkIdiom(m, `${fqn}.${m.name}()`, (rule, where, what) => add(rule, fqn, where, what));
    }
  }
  for (const iface of layerInterfaces(types, typeOf)) {
    if (!extendsType(iface, RESOURCE, typeOf)) {
      add('layer-interface-resource', iface, iface,
        `layer interface (implemented by ${implementers(types, iface).join(', ')}) does not extend ${RESOURCE}: extend it (aws-cdk-lib's idiom for every layer), or list it in scripts/api-exceptions.json with the reason`);
    }
  }
  for (const [fqn, type] of Object.entries(types)) {
    for (const p of type.properties ?? []) {
      if (!p.static) {
        checkVocabulary(p, `${fqn}.${p.name}`, vocabulary, types, typeOf, (where, what) => add('vocabulary', fqn, where, what));
      }
    }
  }

  const findings = [];
  const used = new Set();
  for (const f of raw) {
    const i = exceptions.findIndex((e) => e.rule === f.rule && e.where === f.where);
    if (i >= 0) {
      used.add(i);
    } else {
      findings.push(f);
    }
  }
  exceptions.forEach((e, i) => {
    if (!e.reason || !String(e.reason).trim()) {
      findings.push({ rule: 'exceptions', where: e.where, layer: 'exceptions', message: `scripts/api-exceptions.json ${e.rule} ${e.where}: an exception needs a reason` });
    } else if (!used.has(i)) {
      findings.push({ rule: 'exceptions', where: e.where, layer: 'exceptions', message: `scripts/api-exceptions.json ${e.rule} ${e.where}: matches no finding any more; remove the entry` });
    }
  });
  return { problems: findings.map((f) => f.message), findings, members, types: Object.keys(types).length };
}

function checkShape(ref, where, add) {
  if (!ref) {
    return;
  }
  if (ref.union) {
    add(where, `union type (${ref.union.types.map((t) => t.fqn ?? t.primitive ?? 'complex').join(' | ')})`);
    ref.union.types.forEach((t, i) => checkShape(t, `${where}[union ${i}]`, add));
    return;
  }
  if (ref.primitive === 'any') {
    add(where, 'any');
  }
  if (ref.collection) {
    checkShape(ref.collection.elementtype, `${where}[]`, add);
  }
}

/** grant…(grantee: IGrantable, …): Grant and metric…(…): Metric, as aws-cdk-lib names them. */
function checkIdiom(method, where, add) {
  if (/^grant($|[A-Z0-9])/.test(method.name)) {
    const returns = describe(method.returns?.type);
    if (returns !== GRANT) {
      add('grant-returns-grant', where, `returns ${returns}; a grant… method returns ${GRANT} (aws-cdk-lib's idiom). Return the Grant, or use another verb (allow…, share…, add…) for what is not a grant to a principal`);
    }
    const first = method.parameters?.[0];
    if (describe(first?.type) !== GRANTABLE) {
      const given = first ? `takes ${first.name}: ${describe(first.type)} first` : 'takes no parameter';
      add('grant-grantee-first', where, `${given}; a grant… method takes the principal (grantee: ${GRANTABLE}) first, as in thing.grantX(principal). Turn it around (make the construct IGrantable), or use another verb`);
    }
  }
  if (/^metric($|[A-Z0-9])/.test(method.name)) {
    const returns = describe(method.returns?.type);
    if (returns !== METRIC) {
      add('metric-returns-metric', where, `returns ${returns}; a metric… method returns ${METRIC} so that .createAlarm() works`);
    }
  }
}

/** A type reference as text: an fqn, a primitive, `X[]`, `Map<string, X>`, or `void`. */
function describe(ref) {
  if (!ref) {
    return 'void';
  }
  if (ref.fqn || ref.primitive) {
    return ref.fqn ?? ref.primitive;
  }
  if (ref.collection) {
    const element = describe(ref.collection.elementtype);
    return ref.collection.kind === 'array' ? `${element}[]` : `Map<string, ${element}>`;
  }
  if (ref.union) {
    return ref.union.types.map(describe).join(' | ');
  }
  return 'complex';
}

function layerOf(type) {
  const match = /^src\/([^/]+)\//.exec(type?.locationInModule?.filename ?? '');
  return match ? match[1] : 'other';
}

function isConstructClass(type, typeOf, seen = new Set()) {
  if (!type?.base || seen.has(type.base)) {
    return false;
  }
  seen.add(type.base);
  return type.base === CONSTRUCT || isConstructClass(typeOf(type.base), typeOf, seen);
}

/** The interfaces of this assembly that a construct class of it implements. */
function layerInterfaces(types, typeOf) {
  const found = new Set();
  for (const type of Object.values(types)) {
    if (type.kind === 'class' && isConstructClass(type, typeOf)) {
      (type.interfaces ?? []).filter((i) => types[i] && types[i].kind === 'interface' && !types[i].datatype).forEach((i) => found.add(i));
    }
  }
  return [...found].sort();
}

function implementers(types, iface) {
  return Object.entries(types).filter(([, t]) => t.kind === 'class' && (t.interfaces ?? []).includes(iface)).map(([fqn]) => fqn.split('.').pop());
}

/** Whether `fqn` is `target` or extends/implements/inherits it, through any assembly. */
function extendsType(fqn, target, typeOf, seen = new Set()) {
  if (fqn === target) {
    return true;
  }
  if (seen.has(fqn)) {
    return false;
  }
  seen.add(fqn);
  const type = typeOf(fqn);
  const parents = [...(type?.interfaces ?? []), ...(type?.base ? [type.base] : [])];
  return parents.some((p) => extendsType(p, target, typeOf, seen));
}

const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** `single` / `plural` when `name` is a concept's name (or a qualified `<use><Name>`), else undefined. */
function nameForm(name, concept) {
  const forms = [['single', concept.name], ...(concept.plural ? [['plural', concept.plural]] : [])];
  for (const [form, base] of forms) {
    if (name === base) {
      return { form, qualified: false };
    }
    if (concept.qualified && name.endsWith(capitalize(base)) && /^[a-z]/.test(name) && name.length > base.length) {
      return { form, qualified: true };
    }
  }
  return undefined;
}

/** `single` / `plural` when `ref` is the concept's type (or a type of this assembly that implements it), a list of it. */
function typeForm(ref, conceptType, typeOf) {
  const matches = (r) => {
    if (conceptType.endsWith('[]')) {
      return r?.collection?.kind === 'array' && matches1(r.collection.elementtype, conceptType.slice(0, -2));
    }
    return matches1(r, conceptType);
  };
  const matches1 = (r, t) => r !== undefined && (r.primitive === t || (r.fqn !== undefined && extendsType(r.fqn, t, typeOf)));
  if (matches(ref)) {
    return 'single';
  }
  if (ref?.collection?.kind === 'array' && matches(ref.collection.elementtype)) {
    return 'plural';
  }
  return undefined;
}

function checkVocabulary(prop, where, vocabulary, types, typeOf, add) {
  for (const concept of vocabulary) {
    const allowed = concept.qualified ? `\`${concept.name}\` or \`<use>${capitalize(concept.name)}\`` : `\`${concept.name}\``;
    if ((concept.synonyms ?? []).includes(prop.name)) {
      add(where, `\`${prop.name}\` is a synonym of the vocabulary's ${concept.concept}: name it ${allowed} (scripts/api-vocabulary.json)`);
      continue;
    }
    const byName = nameForm(prop.name, concept);
    const byType = typeForm(prop.type, concept.type, typeOf)
      ?? ((concept.otherTypes ?? []).some((o) => typeForm(prop.type, o.type, typeOf)) ? 'other' : undefined);
    const otherQualified = byName?.qualified && concept.qualifiedNamesOfOtherTypes;
    if (byName && !otherQualified && byType !== byName.form && !(byType === 'other' && byName.form)) {
      const expected = byName.form === 'plural' ? `${concept.type}[]` : concept.type;
      add(where, `named like the vocabulary's ${concept.concept} but typed ${describe(prop.type)}; \`${prop.name}\` means ${expected} (scripts/api-vocabulary.json): give it that type or another name`);
    } else if (!byName && concept.typeImpliesName && (byType === 'single' || byType === 'plural')) {
      const name = byType === 'plural' ? concept.plural : concept.name;
      const named = concept.qualified ? `\`${name}\` or \`<use>${capitalize(name)}\`` : `\`${name}\``;
      add(where, `typed ${describe(prop.type)}, the vocabulary's ${concept.concept}, but named \`${prop.name}\`: name it ${named} (scripts/api-vocabulary.json)`);
    }
  }
}

/** The vocabulary as the Markdown table of CONTRIBUTING.md. */
function renderVocabularyTable(vocabulary = defaultVocabulary()) {
  const code = (s) => `\`${s}\``;
  const shortType = (t) => code(t.replace(/^aws-cdk-lib\.aws_(\w+)\./, '$1.').replace(/^aws-cdk-lib\./, '').replace(/^cdk-mlops\./, ''));
  const rows = vocabulary.map((c) => {
    const names = [code(c.name), ...(c.plural ? [`${code(c.plural)} (a list)`] : [])];
    if (c.qualified) {
      names.push(`${code(`<use>${capitalize(c.name)}`)}${c.qualifiedNamesOfOtherTypes ? ` (${c.qualifiedNamesOfOtherTypes})` : ''}`);
    }
    const typeCell = [shortType(c.type), ...(c.otherTypes ?? []).map((o) => `${shortType(o.type)} (${o.reason})`)].join('; ');
    const rule = c.typeImpliesName ? 'every prop of this type' : 'the name only (the type has other uses)';
    const synonyms = (c.synonyms ?? []).length > 0 ? c.synonyms.map(code).join(', ') : '—';
    return `| ${c.concept} | ${names.join(', ')} | ${typeCell} | ${rule} | ${synonyms} |`;
  });
  return [
    '| concept | prop name | type | checked on | never |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function vocabularySection(markdown) {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`CONTRIBUTING.md has no vocabulary table between ${TABLE_START} and ${TABLE_END}`);
  }
  return { start: start + TABLE_START.length, end };
}

/** The table CONTRIBUTING.md currently shows. */
function documentedVocabularyTable(file = path.join(ROOT, 'CONTRIBUTING.md')) {
  const markdown = fs.readFileSync(file, 'utf8');
  const { start, end } = vocabularySection(markdown);
  return markdown.slice(start, end).trim();
}

function writeVocabularyTable(file = path.join(ROOT, 'CONTRIBUTING.md')) {
  const markdown = fs.readFileSync(file, 'utf8');
  const { start, end } = vocabularySection(markdown);
  fs.writeFileSync(file, `${markdown.slice(0, start)}\n${renderVocabularyTable()}\n${markdown.slice(end)}`);
}

/** Findings as text, grouped by the layer (src/<layer>/) that declares them. */
function formatByLayer(findings) {
  const layers = [...new Set(findings.map((f) => f.layer))].sort();
  return layers.map((layer) => {
    const own = findings.filter((f) => f.layer === layer);
    return `${layer} (${own.length}):\n${own.map((f) => `  [${f.rule}] ${f.message}`).join('\n')}`;
  }).join('\n');
}

module.exports = { findProblems, formatByLayer, renderVocabularyTable, documentedVocabularyTable, writeVocabularyTable, nodeModulesTypes };

if (require.main === module) {
  if (process.argv[2] === '--write-vocabulary') {
    writeVocabularyTable();
    console.log('CONTRIBUTING.md: vocabulary table rewritten from scripts/api-vocabulary.json');
    process.exit(0);
  }
  const file = process.argv[2] ?? path.join(ROOT, '.jsii');
  const { findings, members, types } = findProblems(readJson(file));
  if (findings.length > 0) {
    console.error(`API shape: ${findings.length} problem(s) in ${types} types, by layer:\n${formatByLayer(findings)}`);
    process.exit(1);
  }
  console.log(`API shape: ${types} types, ${members} members; no unions, no any; grants, metrics, layer interfaces and vocabulary follow aws-cdk-lib`);
}
