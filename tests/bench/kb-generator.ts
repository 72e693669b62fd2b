import type { ArticleContent } from '@etax-assist/protocol';
import { prng } from '../harness/prng.js';
import { CORE_ARTICLES, type CoreArticle } from './kb-articles.js';

/**
 * A knowledge base of `count` articles: the hand-written core and, to fill it, realistic
 * neighbours across the four topics — the same kind of question about other taxes, other
 * taxpayers and other steps (申报期限, 减免, 更正…), so that they share the core's vocabulary
 * and compete with it in a search as a real authority's long tail of articles would.
 */

type Pair = readonly [zh: string, en: string];

const SUBJECTS: Record<string, readonly Pair[]> = {
  refund: [
    ['企业所得税汇算清缴', 'corporate income tax annual settlement'],
    ['经营所得个人所得税', 'business income tax of individuals'],
    ['财产转让所得', 'income from property transfers'],
    ['股息红利所得', 'dividend income'],
    ['年终奖', 'annual bonus'],
    ['解除劳动合同补偿金', 'severance pay'],
    ['个人养老金', 'private pension account'],
    ['商业健康保险', 'commercial health insurance'],
    ['消费税', 'consumption tax'],
    ['资源税', 'resource tax'],
    ['土地增值税清算', 'land appreciation tax settlement'],
    ['契税', 'deed tax'],
  ],
  invoice: [
    ['机动车销售统一发票', 'motor vehicle sales invoice'],
    ['二手车发票', 'used car invoice'],
    ['建筑服务发票', 'construction services invoice'],
    ['不动产租赁发票', 'real estate lease invoice'],
    ['旅客运输发票', 'passenger transport invoice'],
    ['农产品收购发票', 'agricultural purchase invoice'],
    ['差额征税发票', 'invoice under the margin scheme'],
    ['成品油发票', 'refined oil invoice'],
    ['跨境服务发票', 'cross-border services invoice'],
    ['医疗服务票据', 'medical services receipt'],
    ['通行费发票', 'toll invoice'],
    ['预付卡发票', 'prepaid card invoice'],
  ],
  'social-insurance': [
    ['失业保险', 'unemployment insurance'],
    ['工伤保险', 'work injury insurance'],
    ['生育保险', 'maternity insurance'],
    ['机关事业单位养老保险', 'public institution pension'],
    ['职工大额医疗补助', 'employee supplementary medical aid'],
    ['残疾人就业保障金', 'disability employment fund'],
    ['新就业形态职业伤害保障', 'occupational injury cover for platform workers'],
    ['长期护理保险', 'long-term care insurance'],
    ['退休人员医保', 'medical insurance for retirees'],
    ['被征地农民社会保障', 'social security for land-expropriated farmers'],
    ['跨省转移接续', 'transfer between provinces'],
    ['工会经费', 'trade union fees'],
  ],
  registration: [
    ['个体工商户', 'sole proprietorship'],
    ['分支机构', 'branch office'],
    ['非居民企业', 'non-resident enterprise'],
    ['合伙企业', 'partnership'],
    ['跨区域涉税事项', 'cross-region tax matters'],
    ['存款账户账号报告', 'bank account report'],
    ['财务会计制度备案', 'accounting system filing'],
    ['税费种认定', 'tax type determination'],
    ['扣缴义务人登记', 'withholding agent registration'],
    ['临时税务登记', 'temporary tax registration'],
    ['外出经营报验', 'reporting business operations elsewhere'],
    ['纳税人状态', 'taxpayer status'],
  ],
};

const ASPECTS: readonly (readonly [qZh: string, qEn: string, aZh: string, aEn: string])[] = [
  [
    '{s}的申报期限是什么时候？',
    'What is the filing deadline for {s}?',
    '{s}按月或按季申报，一般在期满之日起15日内办理，遇节假日顺延。',
    '{s} is filed monthly or quarterly, generally within 15 days after the period ends, extended over public holidays.',
  ],
  [
    '{s}有哪些减免政策？',
    'What reliefs exist for {s}?',
    '{s}的减免以现行政策文件为准，可在电子税务局“优惠政策查询”中按行业和税种查找并办理备案。',
    'Reliefs for {s} follow the current policy documents; look them up under "Preferential policies" on the e-tax portal and file them.',
  ],
  [
    '{s}申报错了怎么更正？',
    'How do I correct a mistaken return for {s}?',
    '{s}申报后发现错误的，可在电子税务局“更正申报”中修改；已缴款的多退少补。',
    'For a mistake in {s}, use "Corrected return" on the e-tax portal; any difference is refunded or paid.',
  ],
  [
    '办理{s}需要准备哪些资料？',
    'What documents do I need for {s}?',
    '办理{s}一般需要身份证件、相关合同或证明材料，电子税务局上传扫描件即可，无需重复提交已有资料。',
    'For {s} you generally need your ID and the contracts or supporting papers; upload scans on the e-tax portal, nothing already on file again.',
  ],
  [
    '{s}逾期未办理有什么后果？',
    'What happens if {s} is overdue?',
    '{s}逾期的，按日加收万分之五滞纳金，并可能影响纳税信用，请尽快补办。',
    'If {s} is overdue a late fee of 0.05% a day is charged and your credit rating may suffer; catch up as soon as possible.',
  ],
  [
    '{s}在网上怎么办理？',
    'How do I handle {s} online?',
    '登录电子税务局，在“我要办税”中搜索“{s}”，按页面提示填写并提交，办理结果可在“办税进度”中查看。',
    'Sign in to the e-tax portal, search "{s}" under "Tax services", fill in and submit as prompted, and follow it under "Progress".',
  ],
  [
    '{s}的计税依据和税率是多少？',
    'What are the tax base and rate for {s}?',
    '{s}的计税依据和适用税率见政策法规库，不同情形适用不同税率，系统会按申报信息自动计算。',
    'The base and rate for {s} are in the policy library; different cases have different rates and the system calculates from your return.',
  ],
  [
    '{s}可以在自助终端办理吗？',
    'Can {s} be handled at a kiosk?',
    '部分{s}业务可在办税服务厅的自助终端办理，刷身份证登录后选择对应业务。',
    "Some {s} services are available at the halls' kiosks; sign in with your ID card and choose the service.",
  ],
];

const PLACES: readonly Pair[] = [
  ['', ''],
  ['北京市', 'Beijing'],
  ['上海市', 'Shanghai'],
  ['广州市', 'Guangzhou'],
  ['深圳市', 'Shenzhen'],
  ['杭州市', 'Hangzhou'],
  ['成都市', 'Chengdu'],
  ['武汉市', 'Wuhan'],
  ['南京市', 'Nanjing'],
  ['西安市', "Xi'an"],
];

/** The core articles and generated filler, `count` in all, the same for the same seed. */
export function generateArticles(count: number, seed = 21): CoreArticle[] {
  const articles: CoreArticle[] = CORE_ARTICLES.slice(0, count);
  const random = prng(seed);
  const combos: { topic: string; subject: Pair; aspect: (typeof ASPECTS)[number]; place: Pair }[] = [];
  for (const [topic, subjects] of Object.entries(SUBJECTS)) {
    for (const subject of subjects) for (const aspect of ASPECTS) for (const place of PLACES) combos.push({ topic, subject, aspect, place });
  }
  // a shuffle, so a smaller knowledge base still has every topic
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [combos[i], combos[j]] = [combos[j]!, combos[i]!];
  }
  for (const { topic, subject, aspect, place } of combos) {
    if (articles.length >= count) break;
    const [qZh, qEn, aZh, aEn] = aspect;
    const zh = `${place[0]}${subject[0]}`;
    const en = place[1] ? `${subject[1]} in ${place[1]}` : subject[1];
    const content: ArticleContent = {
      topic,
      question: { zh: qZh.replaceAll('{s}', zh), en: qEn.replaceAll('{s}', en) },
      answer: { zh: aZh.replaceAll('{s}', zh), en: aEn.replaceAll('{s}', en) },
      links: [],
      keywords: [subject[0], ...(place[0] ? [place[0]] : [])],
    };
    articles.push({ slug: `filler-${articles.length}`, ...content });
  }
  if (articles.length < count) throw new Error(`the generator makes at most ${articles.length} articles`);
  return articles;
}
