import { describe, expect, it } from 'vitest';
import { checkGrounding, FALLBACK_RESPONSE, FALLBACK_RESPONSE_JA } from '../../src/core/grounding/check.js';
import { extractTitleMentions, looksLikeTitle } from '../../src/core/grounding/extract.js';
import { normalizeTitle } from '../../src/core/grounding/normalize.js';
import { observeToolResult, toolTimeoutObservation } from '../../src/core/grounding/observation.js';
import { catalogFromTitles, type Catalog } from '../../src/core/grounding/title-index.js';
import { parseVolumeNumber, splitVolume } from '../../src/core/grounding/volumes.js';

const CATALOG = [
  'ワンピース 第1巻',
  'ワンピース 第107巻',
  '呪術廻戦 5',
  '呪術廻戦 6',
  'Chainsaw Man, Vol. 1',
  'Chainsaw Man, Vol. 3',
  "Frieren: Beyond Journey's End, Vol. 1",
  'チェンソーマン 1',
];
const SEARCH_OK = {
  results: [
    { product_id: 'P-1', title: 'Chainsaw Man, Vol. 3', price: 1100, in_stock: true },
    { product_id: 'P-2', title: 'ワンピース 第107巻', price: 528, in_stock: true },
  ],
};

describe('tool observations', () => {
  it('a timed-out grounding tool forbids invented data and offers a retry only within budget', () => {
    const withBudget = toolTimeoutObservation('search_manga_catalog', 1234.4);
    expect(withBudget).toMatchObject({ kind: 'timeout', groundingRequired: true, retryAllowed: true });
    expect(withBudget.text).toContain('MUST NOT state manga titles');
    expect(withBudget.text).toContain('NOT performed: this is not the same as finding no results');
    expect(withBudget.text).toContain('remaining budget: 1234 ms');
    const spent = toolTimeoutObservation('check_inventory', -40);
    expect(spent.retryAllowed).toBe(false);
    expect(spent.text).toContain('Do not retry: the remaining budget (0 ms)');
    expect(spent.text).not.toContain('cached');
    expect(toolTimeoutObservation('lookup_order', 0, { cachedPicksAvailable: true }).text).toContain('only as returned by the cache tool');
  });

  it('a tool outside the grounding set gets a plain timeout', () => {
    const o = toolTimeoutObservation('get_weather', 5000);
    expect(o).toMatchObject({ kind: 'timeout', groundingRequired: false, retryAllowed: true });
    expect(o.text).not.toContain('MUST NOT');
  });

  it('tells "the tool failed" apart from "the tool found nothing"', () => {
    const empty = observeToolResult({ tool: 'search_manga_catalog', status: 'ok', output: { results: [] } });
    const failed = observeToolResult({ tool: 'search_manga_catalog', status: 'error', error: { name: 'OpenSearchColdStart' }, remainingMs: 100 });
    const timedOut = observeToolResult({ tool: 'search_manga_catalog', status: 'timeout', remainingMs: 900 });
    expect(empty).toMatchObject({ kind: 'no_results', resultCount: 0 });
    expect(empty.text).toContain('ran and found nothing');
    expect(failed).toMatchObject({ kind: 'tool_failed', retryAllowed: false });
    expect(failed.text).toContain('NOT performed');
    expect(failed.text).toContain('OpenSearchColdStart');
    expect(timedOut).toMatchObject({ kind: 'timeout', retryAllowed: true });
    expect(new Set([empty.text, failed.text, timedOut.text]).size).toBe(3);
  });

  it('counts results in the shapes the tools return', () => {
    expect(observeToolResult({ tool: 'search_manga_catalog', status: 'ok', output: SEARCH_OK })).toMatchObject({ kind: 'results', resultCount: 2 });
    expect(observeToolResult({ tool: 'lookup_order', status: 'ok', output: { order_id: 'A-1029', status: 'shipped' } })).toMatchObject({ kind: 'results', resultCount: 1 });
    expect(observeToolResult({ tool: 'check_inventory', status: 'ok' }).kind).toBe('no_results');
    expect(observeToolResult({ tool: 'check_inventory', status: 'ok', output: [] }).kind).toBe('no_results');
  });
});

describe('finding titles in a response', () => {
  const known = ['ワンピース', '呪術廻戦', 'Chainsaw Man', 'チェンソーマン'];
  const titles = (text: string) => extractTitleMentions(text, known).map((m) => [m.title, m.volume ?? null, m.source, m.confidence]);

  it('reads 『』 and 「」 titles with their volumes, in any digit form', () => {
    expect(titles('お探しの『ワンピース』第107巻は在庫がございます。「呪術廻戦」第5巻もおすすめです。')).toEqual([
      ['ワンピース', 107, 'double-angle', 'high'],
      ['呪術廻戦', 5, 'corner', 'high'],
    ]);
    expect(titles('「呪術廻戦」５巻と『ワンピース』第百七巻')).toEqual([
      ['呪術廻戦', 5, 'corner', 'high'],
      ['ワンピース', 107, 'double-angle', 'high'],
    ]);
  });

  it('reads bold and quoted titles, and skips quoted speech and emphasis', () => {
    expect(titles('I recommend **Chainsaw Man** Vol. 3 and "Dragon Sword Chronicles", a dark fantasy series. Say: "Please try again in a moment."')).toEqual([
      ['Chainsaw Man', 3, 'bold', 'high'],
      ['Dragon Sword Chronicles', null, 'quoted', 'high'],
    ]);
    expect(titles('This is **really** popular, and "Blue Period" too.')).toEqual([['Blue Period', null, 'quoted', 'low']]);
  });

  it('finds catalog titles written plainly, across width and case, on word boundaries', () => {
    expect(titles('ＣＨＡＩＮＳＡＷ　ＭＡＮ is back, and so is ﾁｪﾝｿｰﾏﾝ!')).toEqual([
      ['ＣＨＡＩＮＳＡＷ　ＭＡＮ', null, 'catalog-verbatim', 'high'],
      ['ﾁｪﾝｿｰﾏﾝ', null, 'catalog-verbatim', 'high'],
    ]);
    expect(titles('I love chainsaw manga.')).toEqual([]);
    expect(normalizeTitle('ＯＮＥ　ＰＩＥＣＥ')).toBe(normalizeTitle('One Piece'));
  });

  it('title shape, volume parsing and product titles', () => {
    expect(looksLikeTitle('Attack on Titan')).toBe(true);
    expect(looksLikeTitle('try again later')).toBe(false);
    expect(looksLikeTitle('Please try again in a moment.')).toBe(false);
    expect(looksLikeTitle('在庫を確認しました。')).toBe(false);
    expect(parseVolumeNumber('二十五')).toBe(25);
    expect(parseVolumeNumber('１２')).toBe(12);
    expect(parseVolumeNumber('一二')).toBeUndefined();
    expect(splitVolume('Chainsaw Man, Vol. 3')).toEqual({ series: 'Chainsaw Man', volume: 3 });
    expect(splitVolume('呪術廻戦 第5巻')).toEqual({ series: '呪術廻戦', volume: 5 });
    expect(splitVolume('Frieren')).toEqual({ series: 'Frieren' });
  });
});

describe('checkGrounding', () => {
  it('passes titles that this turn\'s search returned', async () => {
    const r = await checkGrounding({
      responseText: '**Chainsaw Man** Vol. 3 is in stock for ¥1,100, and 『ワンピース』第107巻 too.',
      toolResults: [SEARCH_OK],
      failedTools: [],
      catalog: CATALOG,
    });
    expect(r).toMatchObject({ grounded: true, action: 'PASS', ungrounded: [] });
    expect(r.titles.map((t) => t.status)).toEqual(['in_tool_results', 'in_tool_results']);
  });

  it('the incident: search timed out and the answer invents titles -> replaced with the fallback', async () => {
    const en = await checkGrounding({
      responseText: 'Sure! You might like "Dragon Sword Chronicles" (Vol. 2 is ¥650) and **Chainsaw Man**.',
      toolResults: [],
      failedTools: ['search_manga_catalog'],
      catalog: new Set(CATALOG),
    });
    expect(en.action).toBe('REPLACE_WITH_FALLBACK');
    expect(en.replacement).toBe(FALLBACK_RESPONSE);
    expect(en.grounded).toBe(false);
    expect(en.titles).toEqual([
      expect.objectContaining({ title: 'Dragon Sword Chronicles', volume: 2, status: 'unknown' }),
      expect.objectContaining({ title: 'Chainsaw Man', status: 'in_catalog_only' }),
    ]);
    expect(en.ungrounded).toEqual(['Dragon Sword Chronicles (vol. 2)', 'Chainsaw Man']);
    const ja = await checkGrounding({ responseText: 'おすすめは『鋼の月光記』です。', toolResults: [], failedTools: ['search_manga_catalog'], catalog: CATALOG });
    expect(ja).toMatchObject({ action: 'REPLACE_WITH_FALLBACK', replacement: FALLBACK_RESPONSE_JA, ungrounded: ['鋼の月光記'] });
  });

  it("flags a real title the failed search did not supply: ungrounded by this turn's data", async () => {
    const r = await checkGrounding({ responseText: '「呪術廻戦」第5巻は在庫があります。', toolResults: [], failedTools: ['check_inventory'], catalog: CATALOG });
    expect(r).toMatchObject({ action: 'FLAG_FOR_REVIEW', grounded: false, ungrounded: ['呪術廻戦 (vol. 5)'], unsupportedClaims: ['在庫があります'] });
    expect(r.titles[0]).toMatchObject({ status: 'in_catalog_only', productId: '呪術廻戦 5' });
  });

  it('a real series with a volume the catalog lacks is a fabrication', async () => {
    const r = await checkGrounding({ responseText: '「呪術廻戦」第99巻が入荷しました！', toolResults: [SEARCH_OK], failedTools: [], catalog: CATALOG });
    expect(r.action).toBe('REPLACE_WITH_FALLBACK');
    expect(r.titles[0]).toMatchObject({ status: 'unknown', reason: 'the catalog has 呪術廻戦 but not volume 99' });
  });

  it('passes an honest apology, which the seed replaced because it says "available"', async () => {
    const r = await checkGrounding({
      responseText: "Sorry, catalog search is not available right now. I'm having trouble searching; please try again in a moment.",
      toolResults: [],
      failedTools: ['search_manga_catalog'],
      catalog: CATALOG,
    });
    expect(r).toMatchObject({ grounded: true, action: 'PASS', titles: [] });
  });

  it('a catalog title with no tool failure is grounded by the catalog', async () => {
    const r = await checkGrounding({ responseText: 'Have you read Chainsaw Man?', toolResults: [], failedTools: [], catalog: CATALOG });
    expect(r).toMatchObject({ grounded: true, action: 'PASS' });
    expect(r.titles).toEqual([expect.objectContaining({ title: 'Chainsaw Man', status: 'in_catalog_only', source: 'catalog-verbatim' })]);
  });

  it('works with a lookup-only catalog (quoted titles only) and asks it once per title and volume', async () => {
    const asked: string[] = [];
    const index = catalogFromTitles(CATALOG);
    const lookupOnly: Catalog = {
      lookup: async (title, volume) => {
        asked.push(`${title}#${volume ?? ''}`);
        return index.lookup(title, volume);
      },
    };
    const r = await checkGrounding({ responseText: '『ワンピース』第107巻と『ワンピース』第107巻、Chainsaw Man', toolResults: [], failedTools: [], catalog: lookupOnly });
    expect(asked).toEqual(['ワンピース#', 'ワンピース#107']);
    expect(r.titles).toHaveLength(1);
    expect(r.action).toBe('PASS');
  });
});

describe('series whose names end in a number', () => {
  const NUMBERED = ['Mob Psycho 100 Vol. 1', 'Mob Psycho 100 Vol. 2', 'Kaiju No. 8, Vol. 1', 'Kaiju No. 8, Vol. 3', '呪術廻戦 5'];
  const check = (responseText: string) => checkGrounding({ responseText, toolResults: [], failedTools: [], catalog: NUMBERED });

  it('are read whole, not as volume 100 of "Mob Psycho" or volume 8 of "Kaiju No."', async () => {
    for (const [text, title, volume] of [
      ['We have Mob Psycho 100 in stock.', 'Mob Psycho 100', undefined],
      ['「Mob Psycho 100」の第2巻は在庫があります。', 'Mob Psycho 100', 2],
      ['「Kaiju No. 8」第3巻あります', 'Kaiju No. 8', 3],
      ['Kaiju No. 8 is popular.', 'Kaiju No. 8', undefined],
    ] as const) {
      const r = await check(text);
      expect(r.titles, text).toEqual([expect.objectContaining({ title, status: 'in_catalog_only', ...(volume !== undefined ? { volume } : {}) })]);
      if (volume === undefined) expect(r.titles[0]!.volume, text).toBeUndefined();
      expect(r.grounded, text).toBe(true);
    }
  });

  it('still catch an invented volume of such a series, and a volume written after の', async () => {
    const r = await check('「Mob Psycho 100」の第9巻は在庫があります。');
    expect(r.titles).toEqual([expect.objectContaining({ title: 'Mob Psycho 100', volume: 9, status: 'unknown' })]);
    expect(r.grounded).toBe(false);
    const jjk = await check('「呪術廻戦」の5巻もおすすめです');
    expect(jjk.titles).toEqual([expect.objectContaining({ title: '呪術廻戦', volume: 5, status: 'in_catalog_only' })]);
  });
});
