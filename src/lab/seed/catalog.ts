/**
 * The lab's manga catalog: real series with their Japanese and English titles, volume
 * counts and tankobon prices in JPY. Seeded into `manga_products` one product per volume
 * (`MNG-<series>-<vol>`); conversations and tool results only ever name these titles, so a
 * title that is not here is, by construction, one the assistant invented.
 */
import type { Rng } from './rng.js';

export type Genre = 'battle' | 'adventure' | 'romance' | 'sports' | 'mystery' | 'fantasy' | 'scifi' | 'slice-of-life' | 'horror' | 'historical' | 'comedy' | 'drama';

export interface Series {
  /** Upper-case code used in product ids; letters and digits only. */
  readonly code: string;
  readonly titleJa: string;
  readonly titleEn: string;
  readonly author: string;
  readonly publisher: string;
  /** Volumes the store carries (1..volumes). */
  readonly volumes: number;
  /** Price of one volume, JPY including tax. */
  readonly priceJpy: number;
  readonly genres: readonly Genre[];
}

/**
 * One volume as stored in `manga_products`. `title` names the volume as a store lists it
 * ("呪術廻戦 5", the Japanese edition's title and number), which is what the grounding
 * check's catalog index parses; `title_en` is the same volume in English ("Jujutsu Kaisen,
 * Vol. 5"); the series names without a volume are what conversations quote.
 */
export interface Product {
  readonly product_id: string;
  readonly title: string;
  readonly title_en: string;
  readonly series_title: string;
  readonly series_title_en: string;
  readonly series_code: string;
  readonly volume: number;
  readonly price: number;
  readonly in_stock: boolean;
  readonly author: string;
  readonly publisher: string;
}

const S = (
  code: string, titleJa: string, titleEn: string, author: string, publisher: string,
  volumes: number, priceJpy: number, genres: Genre[],
): Series => ({ code, titleJa, titleEn, author, publisher, volumes, priceJpy, genres });

export const SERIES: readonly Series[] = [
  S('ONEPIECE', 'ONE PIECE', 'One Piece', '尾田栄一郎', '集英社', 109, 528, ['adventure', 'battle']),
  S('NARUTO', 'NARUTO―ナルト―', 'Naruto', '岸本斉史', '集英社', 72, 484, ['battle', 'adventure']),
  S('KIMETSU', '鬼滅の刃', 'Demon Slayer: Kimetsu no Yaiba', '吾峠呼世晴', '集英社', 23, 528, ['battle', 'historical']),
  S('JUJUTSU', '呪術廻戦', 'Jujutsu Kaisen', '芥見下々', '集英社', 28, 528, ['battle', 'horror']),
  S('SHINGEKI', '進撃の巨人', 'Attack on Titan', '諫山創', '講談社', 34, 572, ['battle', 'drama']),
  S('SPYFAMILY', 'SPY×FAMILY', 'Spy x Family', '遠藤達哉', '集英社', 13, 528, ['comedy', 'drama']),
  S('CHAINSAW', 'チェンソーマン', 'Chainsaw Man', '藤本タツキ', '集英社', 18, 528, ['battle', 'horror']),
  S('HEROACA', '僕のヒーローアカデミア', 'My Hero Academia', '堀越耕平', '集英社', 41, 528, ['battle', 'scifi']),
  S('CONAN', '名探偵コナン', 'Case Closed (Detective Conan)', '青山剛昌', '小学館', 105, 528, ['mystery']),
  S('DRAGONBALL', 'DRAGON BALL', 'Dragon Ball', '鳥山明', '集英社', 42, 484, ['battle', 'adventure']),
  S('HAGAREN', '鋼の錬金術師', 'Fullmetal Alchemist', '荒川弘', 'スクウェア・エニックス', 27, 495, ['fantasy', 'adventure']),
  S('HUNTER', 'HUNTER×HUNTER', 'Hunter x Hunter', '冨樫義博', '集英社', 38, 528, ['adventure', 'battle']),
  S('BLEACH', 'BLEACH', 'Bleach', '久保帯人', '集英社', 74, 484, ['battle', 'fantasy']),
  S('HAIKYU', 'ハイキュー!!', 'Haikyu!!', '古舘春一', '集英社', 45, 484, ['sports']),
  S('FRIEREN', '葬送のフリーレン', "Frieren: Beyond Journey's End", '山田鐘人・アベツカサ', '小学館', 13, 594, ['fantasy', 'drama']),
  S('OSHINOKO', '【推しの子】', 'Oshi no Ko', '赤坂アカ・横槍メンゴ', '集英社', 16, 693, ['drama', 'mystery']),
  S('TOKYOREV', '東京卍リベンジャーズ', 'Tokyo Revengers', '和久井健', '講談社', 31, 528, ['battle', 'scifi']),
  S('BLUELOCK', 'ブルーロック', 'Blue Lock', '金城宗幸・ノ村優介', '講談社', 30, 572, ['sports']),
  S('KUSURIYA', '薬屋のひとりごと', 'The Apothecary Diaries', '日向夏・ねこクラゲ', 'スクウェア・エニックス', 13, 770, ['mystery', 'historical']),
  S('KAIJU8', '怪獣8号', 'Kaiju No. 8', '松本直也', '集英社', 13, 528, ['battle', 'scifi']),
  S('DUNGEONMESHI', 'ダンジョン飯', 'Delicious in Dungeon', '九井諒子', 'KADOKAWA', 14, 858, ['fantasy', 'comedy']),
  S('KINGDOM', 'キングダム', 'Kingdom', '原泰久', '集英社', 72, 594, ['historical', 'battle']),
  S('KAMUY', 'ゴールデンカムイ', 'Golden Kamuy', '野田サトル', '集英社', 31, 594, ['historical', 'adventure']),
  S('NEVERLAND', '約束のネバーランド', 'The Promised Neverland', '白井カイウ・出水ぽすか', '集英社', 20, 484, ['mystery', 'horror']),
  S('CHIHAYA', 'ちはやふる', 'Chihayafuru', '末次由紀', '講談社', 50, 499, ['sports', 'romance']),
  S('LION', '3月のライオン', 'March Comes In Like a Lion', '羽海野チカ', '白泉社', 17, 660, ['drama', 'slice-of-life']),
  S('YOTSUBA', 'よつばと！', 'Yotsuba&!', 'あずまきよひこ', 'KADOKAWA', 15, 748, ['slice-of-life', 'comedy']),
  S('VINLAND', 'ヴィンランド・サガ', 'Vinland Saga', '幸村誠', '講談社', 14, 759, ['historical', 'drama']),
  S('UCHUKYODAI', '宇宙兄弟', 'Space Brothers', '小山宙哉', '講談社', 44, 693, ['scifi', 'drama']),
  S('SLAMDUNK', 'SLAM DUNK', 'Slam Dunk', '井上雄彦', '集英社', 31, 484, ['sports']),
  S('GINTAMA', '銀魂', 'Gintama', '空知英秋', '集英社', 77, 484, ['comedy', 'battle']),
  S('KUROBAS', '黒子のバスケ', "Kuroko's Basketball", '藤巻忠俊', '集英社', 30, 484, ['sports']),
  S('TOKYOGHOUL', '東京喰種トーキョーグール', 'Tokyo Ghoul', '石田スイ', '集英社', 14, 594, ['horror', 'battle']),
  S('WORLDTRIGGER', 'ワールドトリガー', 'World Trigger', '葦原大介', '集英社', 27, 528, ['scifi', 'battle']),
  S('DANDADAN', 'ダンダダン', 'Dandadan', '龍幸伸', '集英社', 16, 528, ['comedy', 'horror']),
  S('SAKAMOTO', 'SAKAMOTO DAYS', 'Sakamoto Days', '鈴木祐斗', '集英社', 18, 528, ['battle', 'comedy']),
  S('BOKUYABA', '僕の心のヤバイやつ', 'The Dangers in My Heart', '桜井のりお', '秋田書店', 10, 715, ['romance', 'comedy']),
  S('KAGUYA', 'かぐや様は告らせたい', 'Kaguya-sama: Love Is War', '赤坂アカ', '集英社', 28, 594, ['romance', 'comedy']),
  S('GOTOUBUN', '五等分の花嫁', 'The Quintessential Quintuplets', '春場ねぎ', '講談社', 14, 528, ['romance', 'comedy']),
  S('ASTRA', '彼方のアストラ', 'Astra Lost in Space', '篠原健太', '集英社', 5, 528, ['scifi', 'mystery']),
  S('BLUEPERIOD', 'ブルーピリオド', 'Blue Period', '山口つばさ', '講談社', 16, 759, ['drama', 'slice-of-life']),
  S('ABYSS', 'メイドインアビス', 'Made in Abyss', 'つくしあきひと', '竹書房', 13, 1100, ['adventure', 'fantasy']),
  S('ENEN', '炎炎ノ消防隊', 'Fire Force', '大久保篤', '講談社', 34, 528, ['battle', 'scifi']),
  S('BOKUMACHI', '僕だけがいない街', 'Erased', '三部けい', 'KADOKAWA', 9, 660, ['mystery', 'drama']),
  S('KISEIJU', '寄生獣', 'Parasyte', '岩明均', '講談社', 10, 660, ['horror', 'scifi']),
  S('DEATHNOTE', 'DEATH NOTE', 'Death Note', '大場つぐみ・小畑健', '集英社', 12, 484, ['mystery', 'drama']),
  S('YUYU', '幽☆遊☆白書', 'YuYu Hakusho', '冨樫義博', '集英社', 19, 484, ['battle', 'fantasy']),
  S('HOKUTO', '北斗の拳', 'Fist of the North Star', '武論尊・原哲夫', '集英社', 27, 484, ['battle', 'scifi']),
  S('JOJO', 'ジョジョの奇妙な冒険', "JoJo's Bizarre Adventure", '荒木飛呂彦', '集英社', 63, 484, ['adventure', 'battle']),
  S('AKIRA', 'AKIRA', 'Akira', '大友克洋', '講談社', 6, 1980, ['scifi']),
  S('NAUSICAA', '風の谷のナウシカ', 'Nausicaä of the Valley of the Wind', '宮崎駿', '徳間書店', 7, 660, ['scifi', 'fantasy']),
  S('MOBPSYCHO', 'モブサイコ100', 'Mob Psycho 100', 'ONE', '小学館', 16, 594, ['comedy', 'battle']),
  S('ONEPUNCH', 'ワンパンマン', 'One-Punch Man', 'ONE・村田雄介', '集英社', 30, 528, ['comedy', 'battle']),
  S('TENSURA', '転生したらスライムだった件', 'That Time I Got Reincarnated as a Slime', '伏瀬・川上泰樹', '講談社', 26, 770, ['fantasy', 'comedy']),
  S('HOOZUKI', '鬼灯の冷徹', "Hozuki's Coolheadedness", '江口夏実', '講談社', 31, 594, ['comedy', 'fantasy']),
  S('OTOYOME', '乙嫁語り', "A Bride's Story", '森薫', 'KADOKAWA', 14, 880, ['historical', 'romance']),
  S('KOENOKATACHI', '聲の形', 'A Silent Voice', '大今良時', '講談社', 7, 528, ['drama', 'romance']),
  S('YURUCAMP', 'ゆるキャン△', 'Laid-Back Camp', 'あfろ', '芳文社', 16, 770, ['slice-of-life']),
  S('AOEXO', '青の祓魔師', 'Blue Exorcist', '加藤和恵', '集英社', 30, 528, ['battle', 'fantasy']),
  S('YOMINOTSUGAI', '黄泉のツガイ', 'Daemons of the Shadow Realm', '荒川弘', 'スクウェア・エニックス', 8, 715, ['fantasy', 'battle']),
];

/**
 * Titles the assistant invents when it answers without grounding (scenario 3). Plausible,
 * and by test never equal to, nor contained in, a catalog title in either language.
 */
export const INVENTED_TITLES: readonly { readonly ja: string; readonly en: string }[] = [
  { ja: '星降る剣の物語', en: 'The Starfall Sword Saga' },
  { ja: 'ドラゴンソード年代記', en: 'Dragon Sword Chronicles' },
  { ja: '月影のアルケミスト', en: 'Moonshadow Alchemist' },
  { ja: '放課後サムライ日和', en: 'After-School Samurai Days' },
  { ja: '蒼穹のギルドマスター', en: 'Guildmaster of the Azure Sky' },
  { ja: '深夜ラーメン探偵', en: 'Midnight Ramen Detective' },
  { ja: '氷結のヴァルキリー', en: 'Frozen Valkyrie' },
  { ja: '黒猫書店の魔法使い', en: 'The Wizard of Black Cat Books' },
];

export function productId(series: Series, volume: number): string {
  return `MNG-${series.code}-${String(volume).padStart(3, '0')}`;
}

/** Every volume of every series, stock decided by `rng` (about one in nine is out of stock). */
export function catalogProducts(rng: Rng): Product[] {
  const out: Product[] = [];
  for (const s of SERIES) {
    for (let v = 1; v <= s.volumes; v++) {
      out.push({
        product_id: productId(s, v),
        title: `${s.titleJa} ${v}`,
        title_en: `${s.titleEn}, Vol. ${v}`,
        series_title: s.titleJa,
        series_title_en: s.titleEn,
        series_code: s.code,
        volume: v,
        price: s.priceJpy,
        // The newest volume sells out most often.
        in_stock: !rng.chance(v === s.volumes ? 0.3 : 0.1),
        author: s.author,
        publisher: s.publisher,
      });
    }
  }
  return out;
}

/** Lookup of products by id, for tool results and stock answers. */
export type ProductIndex = ReadonlyMap<string, Product>;

export function indexProducts(products: readonly Product[]): ProductIndex {
  return new Map(products.map((p) => [p.product_id, p]));
}
