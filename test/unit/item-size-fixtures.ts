/**
 * Fixtures for the item-size and compaction tests: the seed's size estimate reproduced, and
 * sessions whose sizes are known in closed form.
 */

/**
 * Byte length of Python's `json.dumps(value).encode("utf-8")` with its defaults, as the seed
 * estimated item size: `ensure_ascii` (every non-ASCII UTF-16 unit becomes a 6-byte `\uXXXX`),
 * separators `", "` and `": "`. Integers only, as the fixtures use.
 */
export function pythonJsonDumpsBytes(value: unknown): number {
  if (value === null || value === true) return 4;
  if (value === false) return 5;
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'string') {
    let n = 2;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x22 || c === 0x5c || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c) n += 2;
      else if (c < 0x20 || c >= 0x80) n += 6;
      else n += 1;
    }
    return n;
  }
  if (Array.isArray(value)) {
    return 2 + value.reduce((s: number, x) => s + pythonJsonDumpsBytes(x), 0) + Math.max(0, value.length - 1) * 2;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return 2 + entries.reduce((s, [k, x]) => s + pythonJsonDumpsBytes(k) + 2 + pythonJsonDumpsBytes(x), 0) + Math.max(0, entries.length - 1) * 2;
}

/** UTF-8 byte length of `JSON.stringify(value)`: the JavaScript port of the same estimate. */
export function jsonStringifyBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * A session whose assistant turns carry a catalog tool's answer as one-column result rows
 * (`[[4], [5], ...]`, chapter ratings): the shape where a JSON length under-counts DynamoDB.
 */
export function ratingRowsSession(opts: { turns: number; rowsPerToolCall: number; keepRowsAttribute?: boolean; id?: string }) {
  const turns: Record<string, unknown>[] = [];
  for (let i = 0; i < opts.turns; i++) {
    const ts = 1_700_000_000_000 + i * 1000;
    if (i % 2 === 0) {
      turns.push({ role: 'user', content: `Do you have volume ${i} of Chainsaw Man? I want the ratings per chapter.`, ts });
      continue;
    }
    const result: Record<string, unknown> = {};
    if (opts.keepRowsAttribute !== false) {
      result.rating_rows = Array.from({ length: opts.rowsPerToolCall }, (_, j) => [1 + ((i * 7 + j) % 5)]);
    }
    turns.push({
      role: 'assistant',
      agent_name: 'catalog_agent',
      content: `Here are the chapter ratings for volume ${i}.`,
      ts,
      tool_calls: [{ tool: 'get_manga_details', status: 'ok', result }],
    });
  }
  return { session_id: opts.id ?? 'sess-rows', turns, turn_count: opts.turns, version: 1 };
}

const JA_ASKS = ['『ワンピース』の最新巻はありますか？', '「呪術廻戦」第5巻の在庫を確認してください', 'チェンソーマンに似たおすすめの漫画は？', '注文 #A-1029 の配送状況を教えて'];
const EN_ASKS = ['Is Chainsaw Man volume 12 in stock?', 'Recommend something like Frieren, please.', 'Where is my order A-1029?', 'How much is the One Piece box set? 📦'];

/**
 * A realistic mixed Japanese/English conversation of `count` turns (user, assistant, ...),
 * each assistant turn with a tool call whose result lists `productsPerResult` products.
 */
export function bilingualTurns(count: number, opts: { productsPerResult?: number; startTs?: number } = {}) {
  const products = opts.productsPerResult ?? 6;
  const turns: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const ts = (opts.startTs ?? 1_700_000_000_000) + i * 1500;
    const ja = Math.floor(i / 2) % 2 === 0;
    if (i % 2 === 0) {
      const asks = ja ? JA_ASKS : EN_ASKS;
      turns.push({ role: 'user', content: `${asks[(i / 2) % asks.length]} (#${i})`, ts });
    } else {
      turns.push({
        role: 'assistant',
        agent_name: ['catalog_agent', 'order_agent', 'recommendation_agent'][i % 3],
        content: ja
          ? `お探しの作品が見つかりました。『ワンピース』第${i}巻は在庫があります。ほかにも「呪術廻戦」や「チェンソーマン」がおすすめです。🎉 (#${i})`
          : `I found it: Chainsaw Man Vol. ${i} is in stock for ¥594. You might also like Frieren and Dandadan. (#${i})`,
        ts,
        tool_calls: [
          {
            tool: 'search_manga_catalog',
            status: 'ok',
            latency_ms: 120 + (i % 50),
            result: {
              results: Array.from({ length: products }, (_, j) => ({
                product_id: `P-${(i * 31 + j) % 9973}`,
                title: ja ? `ワンピース 第${j + 1}巻` : `Chainsaw Man, Vol. ${j + 1}`,
                price: 484 + ((i + j) % 7) * 22,
                in_stock: (i + j) % 4 !== 0,
                synopsis: ja
                  ? '海賊王を目指す少年ルフィと仲間たちの大冒険。新たな島で待ち受ける強敵との戦いが始まる。'
                  : 'Denji, a young devil hunter with a chainsaw heart, faces new threats in a city full of devils.',
              })),
            },
          },
        ],
      });
    }
  }
  return turns;
}
