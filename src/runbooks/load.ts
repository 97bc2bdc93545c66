import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunbookError } from './errors.js';
import type { DecisionTree, Runbook, RunbookDocument } from './schema.js';
import { parseRunbookDocument } from './validate.js';

/** The five scenario runbooks and the cross-scenario tree, validated together. */
export interface RunbookSet {
  /** Ordered by scenario number. */
  readonly runbooks: readonly Runbook[];
  readonly tree: DecisionTree;
  /** Finds a document by `1`..`5`, `s1`..`s5`, slug or `tree` (case-insensitive). */
  find(ref: string): RunbookDocument | undefined;
  /** The scenario runbook with id `s1`..`s5`. */
  runbook(id: string): Runbook | undefined;
  /** Every ref `find` accepts (`1`, `s1`, `memory-corruption`, ..., `tree`), for a usage message. */
  refs(): string[];
}

/** `runbooks/` of this package: two levels above both src/runbooks and dist/runbooks. */
export function defaultRunbookDir(): string {
  return fileURLToPath(new URL('../../runbooks/', import.meta.url));
}

/** The seed's tree writes a resolution as its steps joined by arrows on new lines. */
export function resolutionLabel(steps: readonly string[]): string {
  return steps.join('\n→ ');
}

/**
 * Reads and validates every `*.json` in `dir`. Throws {@link RunbookError} `INVALID_RUNBOOK`
 * naming the file and field of the first broken file, or the cross-file rule broken (a tree
 * box naming a runbook that does not exist, a resolution that differs from the runbook's).
 */
export function loadRunbookSet(dir: string = defaultRunbookDir()): RunbookSet {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new RunbookError('INVALID_RUNBOOK', `cannot read the runbooks directory ${dir}: ${(err as Error).message}`, { file: dir });
  }
  const docs = names.map((name) => {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new RunbookError('INVALID_RUNBOOK', `${file} is not valid JSON: ${(err as Error).message}`, { file });
    }
    return { file, doc: parseRunbookDocument(raw, file) };
  });
  return buildSet(docs, dir);
}

function buildSet(docs: { file: string; doc: RunbookDocument }[], dir: string): RunbookSet {
  const fail = (file: string, issues: string[]) => {
    throw new RunbookError('INVALID_RUNBOOK', `${file}: the runbooks do not fit together`, { file, issues });
  };
  const trees = docs.filter((d) => d.doc.kind === 'tree');
  if (trees.length !== 1) fail(dir, [`expected exactly one file of kind "tree", found ${trees.length}`]);
  const { file: treeFile, doc: tree } = trees[0]! as { file: string; doc: DecisionTree };

  const byId = new Map<string, { file: string; doc: Runbook }>();
  for (const d of docs) {
    if (d.doc.kind !== 'runbook') continue;
    const rb = d.doc;
    if (rb.id !== `s${rb.scenario}`) fail(d.file, [`id: "${rb.id}" must be s${rb.scenario} for scenario ${rb.scenario}`]);
    const prior = byId.get(rb.id);
    if (prior) fail(d.file, [`id: "${rb.id}" is also the id of ${prior.file}`]);
    byId.set(rb.id, { file: d.file, doc: rb });
  }
  const slugs = new Set<string>();
  for (const { file, doc } of byId.values()) {
    if (slugs.has(doc.slug)) fail(file, [`slug: "${doc.slug}" is used twice`]);
    slugs.add(doc.slug);
    for (const n of doc.nodes) {
      if (n.kind === 'exit' && n.runbook !== null && !byId.has(n.runbook)) fail(file, [`node ${n.id}.runbook: no runbook "${n.runbook}"`]);
    }
  }

  const handedOver = new Set<string>();
  for (const n of tree.nodes) {
    if (n.kind !== 'scenario' && n.kind !== 'resolution') continue;
    const target = byId.get(n.runbook);
    if (!target) {
      fail(treeFile, [`node ${n.id}.runbook: no runbook "${n.runbook}"`]);
      continue;
    }
    if (n.kind === 'scenario') handedOver.add(n.runbook);
    if (n.kind === 'resolution' && n.label !== resolutionLabel(target.doc.resolution)) {
      fail(treeFile, [`node ${n.id}.label: differs from the resolution of ${target.file} (${target.doc.resolution.join(' → ')})`]);
    }
  }
  for (const { file, doc } of byId.values()) {
    if (!handedOver.has(doc.id)) fail(file, [`id: the tree ${treeFile} has no scenario box for runbook ${doc.id}`]);
  }

  const runbooks = [...byId.values()].map((d) => d.doc).sort((a, b) => a.scenario - b.scenario);
  return makeSet(runbooks, tree);
}

function makeSet(runbooks: Runbook[], tree: DecisionTree): RunbookSet {
  const index = new Map<string, RunbookDocument>([['tree', tree]]);
  for (const rb of runbooks) {
    index.set(String(rb.scenario), rb);
    index.set(rb.id, rb);
    index.set(rb.slug, rb);
  }
  return {
    runbooks,
    tree,
    find: (ref) => index.get(ref.trim().toLowerCase()),
    runbook: (id) => runbooks.find((rb) => rb.id === id),
    refs: () => [...runbooks.flatMap((rb) => [String(rb.scenario), rb.id, rb.slug]), 'tree'],
  };
}
