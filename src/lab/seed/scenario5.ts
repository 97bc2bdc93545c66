/**
 * Scenario 5, Agent Squad coordination deadlock. Default `watch-conflicts`: ~6 sessions
 * send pairs and triples of requests within 100 ms, handled by different agents that
 * collide on the session state (`state_write_conflict` WatchError, retried), every such turn
 * taking 5.6-10.5 s, enough of them that AgentSquadLatency p99 exceeds 5 s; some sessions
 * are left with a `lock` key that has no expiry (its holder died) and one with a live lease.
 * Variants: `no-watch-errors` (the same bursts, no WatchError: last writer wins),
 * `no-concurrency` (the same slow turns, one request at a time: a different runbook).
 */
import { MINUTE_MS, type SeedContext } from './context.js';
import { healthyConversation, type Conversation, type Intent } from './conversation.js';
import { fullIncidentMinutes, preIncidentStart, spaced } from './incident-window.js';
import type { SessionImage } from './model.js';
import type { Rng } from './rng.js';
import { manifestOf, type ScenarioDefinition, type ScenarioExpectation, type ScenarioResult, type TrafficProfile } from './scenario-types.js';

const ALARM = 'agent_squad_p99_latency' as const;
const VARIANTS: Record<string, ScenarioExpectation> = {
  'watch-conflicts': { verdict: 'root-cause', rootCauseId: 'optimistic-lock-conflict', path: ['A', 'B', 'C', 'E', 'F', 'H'], alarm: ALARM },
  'no-watch-errors': { verdict: 'root-cause', rootCauseId: 'last-writer-wins-corruption', path: ['A', 'B', 'C', 'E', 'G', 'H'], alarm: ALARM },
  'no-concurrency': { verdict: 'other-runbook', rootCauseId: 's5.D', path: ['A', 'B', 'D'], alarm: ALARM },
};

const BASE_SESSIONS = 6;
/** Requests of one burst arrive within this window (the runbook's "within 100ms"). */
export const CONCURRENCY_WINDOW_MS = 100;
const SLOW_MIN_MS = 5600;
const SLOW_MAX_MS = 10_500;
/** A user does not send a new message (or burst) sooner than this after the last. */
const SESSION_GAP_MS = 15_000;
/** Lease of the one live lock: long enough to still be live while diagnose runs after seeding. */
export const LIVE_LOCK_LEASE_MS = 90_000;
const HOSTS = ['ip-10-0-1-23', 'ip-10-0-3-118', 'ip-10-0-2-57', 'ip-10-0-1-77'];
/** The three requests of a burst go to different agents, as in the seed's story. */
const BURST_INTENTS: readonly Intent[] = ['stock', 'recommend', 'details'];

export interface BurstDetail {
  id: string;
  turnIds: string[];
  receivedAt: number[];
}

export interface LockDetail {
  id: string;
  token: string;
  /** `none`: no expiry, holder gone (release-lock applies); `lease`: a live holder (must be refused). */
  expiry: 'none' | 'lease';
}

/** Slow turns a minute needs for its p99 to be one of them: over 1% of the minute's turns, with margin. */
const slowNeeded = (answered: number): number => Math.max(5, Math.ceil(answered * 0.02) + 3);

export const scenario5: ScenarioDefinition = {
  scenario: 5,
  name: 'watch-conflicts',
  variants: VARIANTS,
  generate(rng: Rng, ctx: SeedContext, variant: string, traffic: TrafficProfile): ScenarioResult {
    const concurrent = variant !== 'no-concurrency';
    const convs: Conversation[] = [];
    const starts = new Map<Conversation, number[]>();
    const addSession = () => {
      const c = healthyConversation(rng, ctx, { start: preIncidentStart(rng, ctx), exchanges: rng.int(1, 3), until: ctx.incidentStart - 10_000 });
      convs.push(c);
      starts.set(c, []);
      return c;
    };
    for (let i = 0; i < BASE_SESSIONS; i++) addSession();
    const bursts: BurstDetail[] = [];
    let watchErrors = 0;
    let slowTurns = 0;
    let next = 0;
    for (const minute of fullIncidentMinutes(ctx)) {
      let slow = 0;
      let misses = 0;
      while (slow < slowNeeded(traffic.answeredPerMinute.get(minute) ?? 0)) {
        const conv = convs[next++ % convs.length] as Conversation;
        // Every response of the burst lands in this same minute.
        const start = rng.int(minute, minute + MINUTE_MS - SLOW_MAX_MS - CONCURRENCY_WINDOW_MS);
        const mine = starts.get(conv) as number[];
        if (!spaced(mine, start, SESSION_GAP_MS)) {
          // Every session is busy this minute: another user is caught up in it too.
          if (++misses > convs.length * 4) {
            addSession();
            misses = 0;
          }
          continue;
        }
        mine.push(start);
        const size = concurrent ? (rng.chance(0.4) ? 3 : 2) : 1;
        const offsets = [0, rng.int(3, 60), rng.int(61, CONCURRENCY_WINDOW_MS - 1)].slice(0, size);
        const turnIds: string[] = [];
        offsets.forEach((offset, j) => {
          conv.healthy(start + offset, {
            intent: concurrent ? BURST_INTENTS[j] : undefined,
            latencyMs: rng.int(SLOW_MIN_MS, SLOW_MAX_MS),
            during: (turnId, agent, from, to) => {
              turnIds.push(turnId);
              if (variant !== 'watch-conflicts' || j === 0) return;
              // The later writers of a burst lose WATCH on the state key, retry with backoff, give up.
              const attempts = rng.int(1, 3);
              for (let a = 1; a <= attempts; a++) {
                conv.log(from + Math.floor(((to - from) * a) / (attempts + 1)), 'state_write_conflict', 'WARN', turnId, { error_type: 'WatchError', agent, attempt: a });
                watchErrors++;
              }
            },
          });
        });
        // All writers wrote the whole state: only the last write survived.
        conv.version -= size - 1;
        if (concurrent) bursts.push({ id: conv.id, turnIds, receivedAt: offsets.map((o) => start + o) });
        slow += size;
        slowTurns += size;
      }
    }
    for (const c of convs) c.turns.sort((a, b) => a.ts - b.ts);
    const sessions: SessionImage[] = convs.map((c) => c.image());
    const locks: LockDetail[] = [];
    if (variant === 'watch-conflicts') {
      // Three holders crashed without releasing (their lock has no expiry), one is still working.
      convs.slice(0, 4).forEach((c, i) => {
        const acquiredAt = Math.max(...(starts.get(c) ?? [ctx.incidentStart]), ctx.incidentStart);
        const token = `${HOSTS[i] as string}:${rng.int(1000, 65000)}:${acquiredAt}:${rng.hex(32)}`;
        const expiry = i < 3 ? 'none' : 'lease';
        (sessions[i] as SessionImage).redis.push({ kind: 'lock', type: 'string', value: token, ttlMs: expiry === 'none' ? null : LIVE_LOCK_LEASE_MS });
        locks.push({ id: c.id, token, expiry });
      });
    }
    return {
      sessions,
      logs: convs.flatMap((c) => c.logs),
      failovers: [],
      manifest: manifestOf(scenario5, variant, convs.map((c) => c.id), { bursts, locks, watchErrors, slowTurns, concurrencyWindowMs: CONCURRENCY_WINDOW_MS }),
    };
  },
};
