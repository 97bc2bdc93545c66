import type { PolicyDocument } from './policy.js';

/**
 * A minimal IAM evaluator for Allow-only identity policies: is `action` on `resource`
 * allowed by some statement? Wildcards follow IAM: `*` any run of characters, `?` one;
 * actions compare case-insensitively, resources case-sensitively. Conditions are not
 * evaluated (the caller is told which statement matched, to judge them). Enough to prove
 * that a generated policy covers a call, which is what the tests use it for.
 */
export interface PolicyMatch {
  sid: string;
  conditional: boolean;
}

function wildcard(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** The first statement allowing `action` on `resource`, or undefined. */
export function policyAllows(doc: PolicyDocument, action: string, resource: string): PolicyMatch | undefined {
  for (const st of doc.Statement) {
    if (st.Effect !== 'Allow') continue;
    if (!st.Action.some((a) => wildcard(a, 'i').test(action))) continue;
    if (!st.Resource.some((r) => wildcard(r, '').test(resource))) continue;
    return { sid: st.Sid, conditional: st.Condition !== undefined };
  }
  return undefined;
}

/** Every action the document allows on any resource (wildcards as written). */
export function allowedActions(doc: PolicyDocument): string[] {
  return [...new Set(doc.Statement.flatMap((st) => st.Action))].sort();
}
