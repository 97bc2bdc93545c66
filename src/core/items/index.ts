/**
 * What `fix` needs beyond the size manager to change `manga_sessions` items reversibly:
 * pre-images in S3, restoring them, and the scenario-3 review mark.
 */
export { ItemPreImageStore, itemDigest, itemPreImageKey, ITEM_PREIMAGE_PREFIX, type ItemPreImage } from './item-preimage.js';
export { readSessionItem, restoreSessionItem, deleteCreatedSnapshot, type RestoreItemOptions } from './item-restore.js';
export { setReviewMark, reviewMarkOf, REVIEW_ATTRIBUTE, type ReviewMark } from './review-mark.js';
