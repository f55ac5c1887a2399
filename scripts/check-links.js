#!/usr/bin/env node
// Link check of the documentation: every relative link of README.md and
// docs/**/*.md must point to a file or folder that exists, and every #anchor
// to a heading (or an explicit <a id/name>) of the target page, with the
// anchors GitHub generates. External links (http, https, mailto) are not
// fetched. Exits 1 on any dead link.
//
//   node scripts/check-links.js            README.md and docs/ of this repository
//   node scripts/check-links.js FILE|DIR…  those Markdown files (folders: recursively)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Markdown files under a folder, sorted. */
function markdownFiles(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return [target];
  return fs.readdirSync(target, { withFileTypes: true })
    .flatMap((e) => markdownFiles(path.join(target, e.name)))
    .filter((f) => f.endsWith('.md'))
    .sort();
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const out = [];
  let fence;
  text.split('\n').forEach((line, i) => {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (!fence) { fence = m[1]; return; }
      if (m[1][0] === fence[0] && m[1].length >= fence.length) { fence = undefined; return; }
    }
    if (!fence) out.push({ line: line, number: i + 1 });
  });
  return out;
}

/** The rendered text of a heading, as GitHub slugs it. */
function headingText(raw) {
  return raw
    .replace(/\s+#+\s*$/, '') // closing hashes
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`([^`]*)`/g, '$1') // code spans keep their content
    .replace(/(\*\*|__|\*|_)(\S[^*_]*?)\1/g, '$2'); // emphasis
}

/** GitHub's anchor for a heading text (github-slugger). */
function slug(text) {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown page offers. */
function anchorsOf(text) {
  const anchors = new Set();
  const seen = new Map();
  for (const { line } of proseLines(text)) {
    const h = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      const base = slug(headingText(h[1]));
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) anchors.add(a[1]);
  }
  return anchors;
}

/** Links of a page: inline links and images, and reference definitions. */
function linksOf(text) {
  const links = [];
  for (const { line, number } of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length)); // not in code spans
    for (const m of prose.matchAll(/!?\[(?:[^\]]|\][^(])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: m[1], number });
    }
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s+"[^"]*")?\s*$/.exec(prose);
    if (def) links.push({ target: def[1], number });
  }
  return links;
}

function check(files) {
  const problems = [];
  const anchorCache = new Map();
  const anchorsFor = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(fs.readFileSync(file, 'utf-8')));
    return anchorCache.get(file);
  };
  let count = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf-8');
    for (const { target, number } of linksOf(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      count++;
      const hash = target.indexOf('#');
      const filePart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved = filePart === '' ? file : path.resolve(path.dirname(file), filePart);
      const where = `${path.relative(process.cwd(), file)}:${number}`;
      if (filePart.startsWith('/')) {
        problems.push(`${where}: '${target}' is absolute; use a path relative to the page`);
        continue;
      }
      if (!fs.existsSync(resolved)) {
        problems.push(`${where}: '${target}': no such file ${path.relative(process.cwd(), resolved)}`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !anchorsFor(resolved).has(anchor)) {
        problems.push(`${where}: '${target}': no heading with anchor #${anchor} in ${path.relative(process.cwd(), resolved)}`);
      }
    }
  }
  return { problems, count };
}

function main() {
  const root = path.resolve(__dirname, '..');
  const args = process.argv.slice(2);
  const targets = args.length > 0
    ? args.map((a) => path.resolve(a))
    : [path.join(root, 'README.md'), path.join(root, 'docs')];
  const files = targets.flatMap(markdownFiles);
  const { problems, count } = check(files);
  for (const p of problems) console.error(`dead link: ${p}`);
  console.log(`links: ${count} relative links in ${files.length} Markdown files, ${problems.length} dead`);
  if (problems.length > 0) process.exitCode = 1;
}

module.exports = { anchorsOf, linksOf, slug, check };
if (require.main === module) main();
