/**
 * The remediation registry: every action name of the contract implemented exactly once (the
 * type fails to compile if one is missing). `fix`, `undo`, the fleet runner and the
 * interactive diagnose look actions up here; none imports an action by name.
 */
import { ACTION_NAMES, type ActionName } from '../runbooks/index.js';
import { clearRouting } from './clear-routing.js';
import { cleanSlate } from './clean-slate.js';
import { compact } from './compact.js';
import { flagReview } from './flag-review.js';
import { overflow } from './overflow.js';
import { partialRecover } from './partial-recover.js';
import { pinAgent } from './pin-agent.js';
import { releaseLock } from './release-lock.js';
import { restoreBackup } from './restore-backup.js';
import type { RemediationAction } from './types.js';

export const ACTION_REGISTRY: Readonly<Record<ActionName, RemediationAction>> = {
  'restore-backup': restoreBackup,
  'partial-recover': partialRecover,
  'clean-slate': cleanSlate,
  'clear-routing': clearRouting,
  'pin-agent': pinAgent,
  compact,
  overflow,
  'release-lock': releaseLock,
  'flag-review': flagReview,
};

export function isActionName(name: string): name is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(name);
}

/** The action for a name of the contract. */
export function actionFor(name: ActionName): RemediationAction {
  return ACTION_REGISTRY[name];
}

export { ACTION_NAMES };
export type { ActionName, ActionEnv, ActionPlan, ApplyResult, DataDiff, PlanOptions, RemediationAction, Verification } from './types.js';
