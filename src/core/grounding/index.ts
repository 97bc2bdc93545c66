/**
 * Grounding (scenario 3): explicit tool-failure observations, and the post-generation check
 * that every title a response names comes from this turn's tool results or the catalog.
 * See docs/ARCHITECTURE.md, "Grounding (scenario 3)".
 */
export {
  GROUNDING_REQUIRED_TOOLS,
  DEFAULT_TOOL_TIMEOUT_MS,
  toolTimeoutObservation,
  observeToolResult,
  countResults,
  type ObservationKind,
  type ToolObservation,
  type ToolCallOutcome,
  type ObservationOptions,
} from './observation.js';
export {
  checkGrounding,
  titlesInToolResults,
  fallbackResponseFor,
  FALLBACK_RESPONSE,
  FALLBACK_RESPONSE_JA,
  type GroundingInput,
  type GroundingResult,
  type GroundingAction,
  type CheckedTitle,
  type TitleStatus,
} from './check.js';
export { extractTitleMentions, looksLikeTitle, type TitleMention, type MentionSource } from './extract.js';
export { normalizeTitle } from './normalize.js';
export { splitVolume, parseVolumeNumber, volumeAt } from './volumes.js';
export { TitleIndex, catalogFromTitles, toCatalog, type Catalog, type CatalogEntry, type TitleQuery } from './title-index.js';
export { DynamoCatalog, CatalogReadError, type DynamoCatalogOptions } from './catalog.js';
