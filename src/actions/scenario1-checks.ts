import type { SessionId } from '../core/session-id.js';
import type { SessionHealthStatus } from '../core/sessions/index.js';
import type { ActionEnv, VerificationCheck } from './types.js';

/**
 * The scenario-1 verification: the session now loads from the primary without recovery (the
 * core's read-only inspection finds nothing to repair), or is empty after a clean slate.
 */
export async function loadsWithoutRecovery(env: ActionEnv, id: SessionId, expected: readonly SessionHealthStatus[]): Promise<VerificationCheck> {
  const store = await env.sessions();
  const { classification } = await store.inspect(id);
  const ok = expected.includes(classification.status) && classification.recommendedAction === null;
  return {
    name: 'loads from the primary without recovery',
    ok,
    detail: ok ? `${classification.status}: ${classification.summary}` : `still ${classification.status}: ${classification.summary}`,
  };
}
