import { textTerms, type HanSegmenter } from './text-terms.js';

/**
 * Words taxpayers use for the same thing, whatever the article says (an article adds its own in
 * its keywords). A search for one finds the others too. Shared by all articles: the everyday
 * words of the tax office's counters.
 */
export const SHARED_SYNONYMS: readonly (readonly string[])[] = [
  ['退税', '退钱', '退款', '返还', '退回', 'refund', 'rebate', 'money back'],
  ['个税', '个人所得税', '工资税', 'iit', 'income tax'],
  ['汇算', '汇算清缴', '年度汇算', 'annual reconciliation', 'annual settlement', 'year end'],
  ['发票', '开票', '票据', '专票', '普票', 'invoice', 'fapiao', 'receipt'],
  ['作废', '红冲', '冲红', '红字', '撤销', 'void', 'cancel', 'red letter'],
  ['社保', '社会保险', '养老保险', '医保', 'social insurance', 'pension', 'medical insurance'],
  ['缴费', '交钱', '交费', '付款', '缴纳', 'pay', 'payment', 'contribution'],
  ['登录', '登陆', '进不去', '登不上', 'log in', 'login', 'sign in'],
  ['密码', '口令', 'password'],
  ['忘记', '忘了', '想不起', 'forgot', 'forgotten'],
  ['申报', '报税', '填报', 'declare', 'declaration', 'file', 'filing', 'return'],
  ['逾期', '过期', '晚了', '超期', '迟了', 'late', 'overdue', 'deadline'],
  ['罚款', '滞纳金', '罚金', 'penalty', 'fine', 'late fee'],
  ['扣除', '抵扣', '减免', 'deduction', 'deduct', 'allowance'],
  ['子女', '孩子', '小孩', '儿子', '女儿', 'child', 'children', 'kid', 'kids'],
  ['赡养', '老人', '父母', '爸妈', 'elderly', 'parents'],
  ['房租', '租房', '住房租金', 'rent', 'renting'],
  ['房贷', '住房贷款', '贷款利息', 'mortgage', 'home loan'],
  ['银行卡', '银行账户', '卡号', 'bank card', 'bank account'],
  ['到账', '收到', '没到', '到帐', 'received', 'arrive', 'arrived'],
  ['企业', '公司', '单位', 'company', 'business', 'employer', 'enterprise'],
  ['实名', '认证', '人脸', '刷脸', 'verification', 'verify', 'face', 'identity'],
  ['手机号', '电话号码', '手机', 'phone number', 'mobile'],
  ['外国人', '外籍', '老外', 'foreigner', 'foreign', 'expat', 'non resident'],
  ['增值税', 'vat', 'value added tax'],
  ['小规模', '小规模纳税人', 'small scale', 'small taxpayer'],
  ['税务登记', '开业登记', '注册', 'registration', 'register'],
  ['注销', '关闭', '停业', 'deregister', 'close down', 'closure'],
  ['证明', '完税证明', '纳税证明', 'certificate', 'proof', 'tax certificate'],
  ['打印', '下载', 'print', 'download'],
  ['修改', '更改', '改', '更正', 'change', 'correct', 'amend', 'modify'],
  ['多少', '几', '金额', 'how much', 'amount'],
  ['灵活就业', '自由职业', '个体', 'self employed', 'freelancer', 'gig'],
  ['劳务', '劳务报酬', '兼职', 'freelance income', 'part time', 'service fee'],
  ['稿酬', '稿费', 'royalties', 'author fee'],
  ['大病', '医疗', '看病', 'serious illness', 'medical expenses'],
  ['继续教育', '考证', '学历', 'continuing education', 'certificate course'],
  ['婴幼儿', '3岁以下', '宝宝', 'infant', 'toddler', 'baby'],
  ['电子税务局', '网站', '网页', 'e-tax', 'portal', 'website'],
  ['自助终端', '机器', '一体机', 'kiosk', 'machine', 'self service terminal'],
  ['预约', '排队', '取号', 'appointment', 'book', 'queue'],
  ['车船税', '车辆', '汽车', 'vehicle tax', 'car'],
  ['房产税', '房产', '房屋', 'property tax', 'house'],
  ['印花税', 'stamp duty'],
  ['出口退税', '出口', 'export rebate', 'export'],
  ['数电票', '全电发票', '电子发票', 'digital invoice', 'e-invoice', 'electronic invoice'],
  ['抬头', '名称', '购买方', 'buyer name', 'title', 'header'],
  ['税号', '纳税人识别号', '信用代码', 'tax id', 'taxpayer id', 'tin'],
  ['补税', '补钱', '补交', '补缴', '应补', 'owe', 'pay more', 'tax due'],
  ['真伪', '真假', '假的', '查验', '验证', 'genuine', 'fake', 'real', 'authenticity', 'verify'],
  ['开具', '开票', '开发票', 'issue', 'make out'],
  ['办税员', '办税人员', '会计', '财务', 'accountant', 'bookkeeper', 'tax staff'],
  ['断缴', '中断', '断了', '没交', 'missed', 'gap'],
  ['扣款', '扣费', '扣钱', '扣成功', 'debit', 'direct debit'],
  ['缴费记录', '交了几年', '缴费年限', '交费记录', 'payment history', 'payment record'],
  ['代缴', '家人', '家里', '亲属', 'family', 'relatives'],
  ['学生', '上学', '读书', '大学生', 'student', 'school', 'university'],
  ['收入', '工资', '薪金', '薪水', 'salary', 'wage', 'wages', 'income', 'pay slip'],
  ['陌生', '不认识', '冒用', '没去过', 'unknown', 'never worked', 'dont know', 'stranger'],
  ['重复', '两次', '交重', 'twice', 'duplicate', 'double'],
  ['计算', '怎么算', '算出来', '算的', 'calculate', 'calculated', 'calculation'],
  ['时间', '几月', '月份', '什么时候', '开始', 'when', 'period', 'start', 'dates'],
];

/** Each term of a synonym group, with the terms of its whole group (cut as any text is). */
export class SynonymTable {
  readonly #expansions = new Map<string, string[]>();

  constructor(groups: readonly (readonly string[])[], segment?: HanSegmenter) {
    for (const group of groups) {
      const terms = [...new Set(group.flatMap((word) => textTerms(word, segment)))];
      // a whole word stands for its group; its bigrams and parts alone do not
      for (const word of group) {
        const key = word.toLowerCase();
        this.#expansions.set(key, [...new Set([...(this.#expansions.get(key) ?? []), ...terms])]);
      }
    }
  }

  /** The words of the groups whose words the text holds (Chinese by containment, others as whole words). */
  expand(text: string): string[] {
    const lower = text.toLowerCase();
    const words = new Set(lower.split(/[^\p{L}\p{N}]+/u));
    const found: string[] = [];
    for (const [word, terms] of this.#expansions) {
      const present = /\p{Script=Han}/u.test(word) ? lower.includes(word) : word.includes(' ') ? lower.includes(word) : words.has(word);
      if (present) found.push(...terms);
    }
    return found;
  }
}
