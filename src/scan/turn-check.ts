import { isPlainTurn, textIsPlainTurn } from '../core/turn.js';

/** The fast turn tests the scanners use; they live in the core, beside the schema they must agree with. */
export { isPlainTurn, textIsPlainTurn };
