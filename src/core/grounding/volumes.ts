/**
 * Volume references: "Vol. 5", "Volume 5", "第5巻", "5巻", "第五巻", full-width "第５巻", as
 * a response writes them after a title and as product titles carry them ("呪術廻戦 5",
 * "Chainsaw Man, Vol. 3"). A volume the catalog does not have is a fabrication as much as
 * a title it does not have.
 */

const KANJI_DIGITS: Record<string, number> = { 〇: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Parses "5", "１２", "十二", "二十五", "百八" (up to 999); undefined for anything else. */
export function parseVolumeNumber(raw: string): number | undefined {
  const text = raw.normalize('NFKC').trim();
  if (/^\d{1,4}$/.test(text)) return Number(text);
  if (!/^[〇一二三四五六七八九十百]+$/.test(text)) return undefined;
  let total = 0;
  let digit: number | undefined;
  for (const ch of text) {
    if (ch === '百' || ch === '十') {
      total += (digit ?? 1) * (ch === '百' ? 100 : 10);
      digit = undefined;
    } else {
      if (digit !== undefined) return undefined; // "一二" is not a number
      digit = KANJI_DIGITS[ch];
    }
  }
  return total + (digit ?? 0);
}

const NUM = '[0-9０-９]{1,4}|[〇一二三四五六七八九十百]{1,4}';
// Right after a title: optional spaces, a comma, an opening parenthesis or the particle の
// (「呪術廻戦」の第5巻), then the volume.
const AFTER_TITLE = new RegExp(
  `^[\\s,、(（の]{0,3}(?:第\\s*(${NUM})\\s*巻|(${NUM})\\s*巻|(?:vol(?:ume)?\\.?|ｖｏｌ(?:ｕｍｅ)?[.．]?)\\s*(${NUM})|[(（]\\s*(${NUM})\\s*[)）])`,
  'i',
);

/** The volume referenced at the start of `text` (what follows a title), if any. */
export function volumeAt(text: string): number | undefined {
  const m = AFTER_TITLE.exec(text.slice(0, 24));
  if (!m) return undefined;
  return parseVolumeNumber(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
}

const TRAILING = new RegExp(
  `^(.*?)[\\s,、]*(?:第\\s*(${NUM})\\s*巻|(${NUM})\\s*巻|vol(?:ume)?\\.?\\s*(${NUM})|[(（]\\s*(${NUM})\\s*[)）]|\\s(${NUM}))\\s*$`,
  'iu',
);

/**
 * Splits a product or mention title into its series and volume:
 * "呪術廻戦 第5巻" → {series: "呪術廻戦", volume: 5}; "Chainsaw Man, Vol. 3" → {series:
 * "Chainsaw Man", volume: 3}; "Frieren" → {series: "Frieren"}.
 */
export function splitVolume(title: string): { series: string; volume?: number } {
  const m = TRAILING.exec(title.normalize('NFKC').trim());
  if (m && m[1] && m[1].trim() !== '') {
    const volume = parseVolumeNumber(m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? '');
    if (volume !== undefined) return { series: m[1].trim().replace(/[\s,、:：-]+$/u, ''), volume };
  }
  return { series: title.trim() };
}
