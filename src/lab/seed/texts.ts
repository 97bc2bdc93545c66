/**
 * What MangaAssist users and agents say, in Japanese, English, or a mix of both. Every
 * title an agent names goes through {@link titleRef}: `『<日本語タイトル>』第N巻` in Japanese
 * replies and `"<English title>" Vol. N` in English ones, so a grounding check can extract
 * titles from a response with one rule (documented in docs/ARCHITECTURE.md).
 */
import type { Genre, Product, Series } from './catalog.js';
import type { Rng } from './rng.js';

export type Language = 'ja' | 'en' | 'mixed';
/** Replies are Japanese unless the user wrote English only. */
export type ReplyLanguage = 'ja' | 'en';

export const replyLanguage = (lang: Language): ReplyLanguage => (lang === 'en' ? 'en' : 'ja');

export interface TitleNames {
  readonly ja: string;
  readonly en: string;
}

const GENRE_NAMES: Record<Genre, TitleNames> = {
  battle: { ja: 'バトル', en: 'action' },
  adventure: { ja: '冒険', en: 'adventure' },
  romance: { ja: '恋愛', en: 'romance' },
  sports: { ja: 'スポーツ', en: 'sports' },
  mystery: { ja: 'ミステリー', en: 'mystery' },
  fantasy: { ja: 'ファンタジー', en: 'fantasy' },
  scifi: { ja: 'SF', en: 'sci-fi' },
  'slice-of-life': { ja: '日常系', en: 'slice-of-life' },
  horror: { ja: 'ホラー', en: 'horror' },
  historical: { ja: '歴史', en: 'historical' },
  comedy: { ja: 'コメディ', en: 'comedy' },
  drama: { ja: 'ヒューマンドラマ', en: 'drama' },
};

export const genreName = (g: Genre, lang: ReplyLanguage): string => GENRE_NAMES[g][lang];

/** A product's series names, as replies quote them (the volume is written after). */
const seriesOf = (p: Product): TitleNames => ({ ja: p.series_title, en: p.series_title_en });

const names = (s: Series): TitleNames => ({ ja: s.titleJa, en: s.titleEn });

/** The one way an agent names a title (and optionally a volume) in a reply. */
export function titleRef(lang: ReplyLanguage, t: TitleNames, volume?: number): string {
  if (lang === 'ja') return volume === undefined ? `『${t.ja}』` : `『${t.ja}』第${volume}巻`;
  return volume === undefined ? `"${t.en}"` : `"${t.en}" Vol. ${volume}`;
}

/** 1980 -> "1,980" (toLocaleString would do, at a hundred times the cost per call). */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const yen = (lang: ReplyLanguage, price: number): string => (lang === 'ja' ? `${grouped(price)}円` : `¥${grouped(price)}`);

// ---- user messages -------------------------------------------------------------------

export function userAsksStock(rng: Rng, lang: Language, s: Series, volume: number): string {
  const latest = volume === s.volumes;
  if (lang === 'ja') {
    return latest
      ? rng.pick([`${s.titleJa}の最新刊ってもう出てますか？`, `『${s.titleJa}』の新刊、在庫ありますか？`])
      : rng.pick([`『${s.titleJa}』の${volume}巻は在庫ありますか？`, `${s.titleJa} ${volume}巻を探しています。`]);
  }
  if (lang === 'en') {
    return latest
      ? rng.pick([`Is the latest volume of ${s.titleEn} out yet?`, `Do you have the newest ${s.titleEn}?`])
      : rng.pick([`Do you have ${s.titleEn} volume ${volume} in stock?`, `Looking for ${s.titleEn} vol. ${volume}, please.`]);
  }
  return rng.pick([`『${s.titleJa}』のvol.${volume}、in stockですか？`, `Do you have ${s.titleJa} ${volume}巻?`]);
}

export function userAsksRecommendation(rng: Rng, lang: Language, genre: Genre, liked: Series): string {
  if (lang === 'ja') {
    return rng.pick([`${GENRE_NAMES[genre].ja}のおすすめ漫画を教えてください。`, `『${liked.titleJa}』が好きなんですが、似た作品はありますか？`]);
  }
  if (lang === 'en') {
    return rng.pick([`Can you recommend some ${GENRE_NAMES[genre].en} manga?`, `I loved ${liked.titleEn}. Anything similar?`]);
  }
  return rng.pick([`${liked.titleEn}みたいなmangaでおすすめある？`, `Any おすすめ ${GENRE_NAMES[genre].en} manga?`]);
}

export function userAsksDetails(rng: Rng, lang: Language, s: Series): string {
  if (lang === 'ja') return rng.pick([`『${s.titleJa}』は全部で何巻まで出ていますか？`, `${s.titleJa}の作者は誰ですか？`]);
  if (lang === 'en') return rng.pick([`How many volumes of ${s.titleEn} are there?`, `Who is the author of ${s.titleEn}?`]);
  return rng.pick([`${s.titleJa}って何巻まで出てる？ How many volumes?`, `Who wrote 『${s.titleJa}』?`]);
}

export function userAsksOrder(rng: Rng, lang: Language, orderId: string): string {
  if (lang === 'ja') return rng.pick([`注文番号 ${orderId} の配送状況を教えてください。`, `${orderId} はいつ届きますか？`]);
  if (lang === 'en') return rng.pick([`Where is my order ${orderId}?`, `Can you check the status of order ${orderId}?`]);
  return `Order ${orderId} の配送状況は？`;
}

/** A message with no clear intent: the classifier cannot place it (scenario 2). */
export function userAmbiguous(rng: Rng, lang: Language): string {
  if (lang === 'en') return rng.pick(['What about that manga?', 'And the other one?', 'Is that one any good?']);
  return rng.pick(['あの漫画はどうなりましたか？', 'さっきのやつはどう？', 'それって面白いですか？']);
}

/** Several intents in one message: legitimately handled by several agents (scenario 2, multi-agent). */
export function userCompound(lang: Language, orderId: string, s: Series): string {
  if (lang === 'en') return `Where is order ${orderId}, is ${s.titleEn} vol. ${s.volumes} in stock, any similar titles, and is there a coupon?`;
  return `注文 ${orderId} の状況と、『${s.titleJa}』${s.volumes}巻の在庫、似た作品のおすすめ、あとクーポンはありますか？`;
}

// ---- agent replies -------------------------------------------------------------------

export function replyStock(lang: ReplyLanguage, products: readonly Product[]): string {
  return products
    .map((p) => {
      const ref = titleRef(lang, seriesOf(p), p.volume);
      if (lang === 'ja') return p.in_stock ? `${ref}（${yen(lang, p.price)}・税込）は在庫がございます。` : `${ref}は現在在庫切れです。入荷通知を設定しますか？`;
      return p.in_stock ? `${ref} (${yen(lang, p.price)}) is in stock.` : `${ref} is currently out of stock. Shall I set a restock alert?`;
    })
    .join(lang === 'ja' ? '' : ' ');
}

export function replyRecommendation(lang: ReplyLanguage, products: readonly Product[]): string {
  const refs = products.map((p) => `${titleRef(lang, seriesOf(p), p.volume)}（${yen(lang, p.price)}）`);
  if (lang === 'ja') return `おすすめは${refs.join('、')}です。気になる作品があれば詳しくご案内します。`;
  const en = products.map((p) => `${titleRef(lang, seriesOf(p), p.volume)} (${yen(lang, p.price)})`);
  return `You might enjoy ${en.join(', ')}. Want details on any of them?`;
}

export function replyDetails(lang: ReplyLanguage, s: Series): string {
  if (lang === 'ja') return `${titleRef(lang, names(s))}は${s.author}先生の作品で、当店では第1巻から第${s.volumes}巻まで取り扱っています。`;
  return `${titleRef(lang, names(s))} is by ${s.author}; we carry Vol. 1 through Vol. ${s.volumes}.`;
}

export function replyOrder(rng: Rng, lang: ReplyLanguage, orderId: string): string {
  const days = rng.int(1, 4);
  if (lang === 'ja') return rng.pick([`ご注文 ${orderId} は発送済みです。${days}日以内にお届け予定です。`, `ご注文 ${orderId} は現在梱包中です。発送まで${days}営業日ほどお待ちください。`]);
  return rng.pick([`Order ${orderId} has shipped and should arrive within ${days} days.`, `Order ${orderId} is being packed; it ships in about ${days} business days.`]);
}

/** What an agent says when it cannot place the question: the end of a routing loop (scenario 2). */
export function replyClarification(lang: ReplyLanguage): string {
  if (lang === 'ja') return 'お手伝いしたいのですが、どの作品のことか教えていただけますか？ タイトル検索、注文状況の確認、おすすめのご提案ができます。';
  return "I want to help but I'm not sure exactly what you're looking for. Could you tell me more? For example: a specific manga title, an order status, or a recommendation?";
}

export function replyCompound(lang: ReplyLanguage, orderId: string, stock: Product, similar: Product, coupon: string): string {
  const s = titleRef(lang, seriesOf(stock), stock.volume);
  const r = titleRef(lang, seriesOf(similar), similar.volume);
  if (lang === 'ja') return `ご注文 ${orderId} は発送済みです。${s}は${stock.in_stock ? '在庫がございます' : '在庫切れです'}。似た作品では${r}がおすすめです。クーポン ${coupon} がご利用いただけます。`;
  return `Order ${orderId} has shipped. ${s} is ${stock.in_stock ? 'in stock' : 'out of stock'}. For something similar, try ${r}. Coupon ${coupon} applies.`;
}

/** The honest answer after a catalog timeout (scenario 3, variant returned-error). */
export function replySearchUnavailable(lang: ReplyLanguage): string {
  if (lang === 'ja') return '申し訳ありません。ただいまカタログ検索がうまくいきません。少し時間をおいてもう一度お試しください。';
  return "I'm having trouble searching right now. Please try again in a moment.";
}

/** The ungrounded answer after a catalog timeout: titles the store does not sell (scenario 3). */
export function replyInvented(lang: ReplyLanguage, picks: readonly { title: TitleNames; volume: number; price: number }[]): string {
  const refs = picks.map((p) => `${titleRef(lang, p.title, p.volume)}${lang === 'ja' ? `（${yen(lang, p.price)}）` : ` (${yen(lang, p.price)})`}`);
  if (lang === 'ja') return `おすすめは${refs.join('と')}です。どちらも在庫がございますので、すぐにお届けできます。`;
  return `I recommend ${refs.join(' and ')}. Both are in stock and ship today.`;
}

// ---- long-form text (scenario 4's power users) ----------------------------------------

const LONG_JA = [
  (s: Series) => `『${s.titleJa}』は${s.author}先生による作品で、${s.publisher}から刊行されています。`,
  () => '物語の序盤から伏線が丁寧に張られていて、巻を重ねるごとに評価が高まっているシリーズです。',
  (s: Series) => `特に第${Math.max(1, Math.floor(s.volumes / 2))}巻前後はファンの間でも人気の高いエピソードが収録されています。`,
  (s: Series) => `まとめ買いの場合は送料無料になりますので、第1巻から第${s.volumes}巻までのセット購入もおすすめです。`,
  () => '登場人物の心理描写が細やかで、初めて読む方にも感情移入しやすい構成になっています。',
  () => '作画の迫力も見どころで、見開きページの演出は何度読み返しても新しい発見があります。',
  () => '電子版と紙の単行本では特典の内容が異なりますので、ご購入前にご確認ください。',
  () => '限定版には描き下ろしの小冊子やアクリルスタンドが付属することがあります。',
];

const LONG_EN = [
  (s: Series) => `${s.titleEn} by ${s.author} is published by ${s.publisher} and has ${s.volumes} volumes so far.`,
  () => 'Many readers say the art style matures noticeably after the first few volumes.',
  () => 'The English edition keeps the original right-to-left reading order and the sound effects.',
  () => 'If you buy the full set, shipping is free and the volumes arrive in a single box.',
];

/** Roughly `bytes` UTF-8 bytes of mixed Japanese and English prose about `s`. */
export function longDescription(rng: Rng, s: Series, bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    // Two Japanese sentences for one English: keeps UTF-8 size well above UTF-16 length.
    const sentence = rng.chance(0.7) ? rng.pick(LONG_JA)(s) : rng.pick(LONG_EN)(s);
    parts.push(sentence);
    size += Buffer.byteLength(sentence, 'utf8') + 1;
  }
  return parts.join(' ');
}
