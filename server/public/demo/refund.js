// The demo refund application's own script: a small state-driven form, the way a framework app
// behaves — it reacts only to the DOM events a user's typing produces (input, change, click).
(function () {
  'use strict';
  var state = { name: '', reason: '', agree: false, bank: '', step: 1, submitted: false, error: '' };
  var $ = function (id) {
    return document.getElementById(id);
  };
  var t = DemoPortal.localize(
    {
      zh: {
        pageTitle: '退税申请 · 电子税务局（演示）',
        heading: '电子税务局（演示） · 退税申请',
        home: '首页',
        step1: '1 申请人',
        step2: '2 退税账户',
        step3: '3 确认提交',
        name: '姓名',
        namePlaceholder: '请输入姓名',
        taxpayerId: '纳税人识别号',
        phone: '联系电话',
        reason: '退税原因',
        terms1: '退税须知：1. 请确认银行账户为本人账户。',
        terms2: '2. 退税将在审核通过后 5 个工作日内到账。',
        terms3: '3. 如有疑问请拨打 12366。',
        terms4: '4. 请妥善保管您的电子税务局密码。',
        terms5: '5. 本页面为演示页面。',
        agree: '我已阅读并同意',
        next: '下一步',
        back: '上一步',
        bank: '开户银行',
        choose: '请选择',
        icbc: '中国工商银行',
        ccb: '中国建设银行',
        boc: '中国银行',
        account: '银行账号',
        account1: '工商银行 尾号 3334',
        account2: '建设银行 尾号 3335',
        password: '电子税务局密码',
        submit: '提交并签名',
        nameRequired: '请填写姓名',
        submitted: '已提交，受理编号将以短信通知',
        summary: '申请人：{name}；开户银行：{bank}；同意须知：{agree}',
        yes: '是',
        no: '否',
        estimate: '预计退税',
      },
      en: {
        pageTitle: 'Tax refund application · e-Tax Portal (demo)',
        heading: 'e-Tax Portal (demo) · Tax refund application',
        home: 'Home',
        step1: '1 Applicant',
        step2: '2 Refund account',
        step3: '3 Confirm',
        name: 'Name',
        namePlaceholder: 'Your full name',
        taxpayerId: 'Taxpayer ID',
        phone: 'Phone',
        reason: 'Reason for the refund',
        terms1: 'Refund notes: 1. The bank account must be in your own name.',
        terms2: '2. The refund arrives within 5 working days of approval.',
        terms3: '3. Questions: call 12366.',
        terms4: '4. Keep your e-Tax password safe.',
        terms5: '5. This is a demo page.',
        agree: 'I have read and agree',
        next: 'Next',
        back: 'Back',
        bank: 'Bank',
        choose: 'Please choose',
        icbc: 'ICBC',
        ccb: 'China Construction Bank',
        boc: 'Bank of China',
        account: 'Bank account',
        account1: 'ICBC ending 3334',
        account2: 'CCB ending 3335',
        password: 'e-Tax password',
        submit: 'Submit & sign',
        nameRequired: 'Name is required',
        submitted: 'Submitted; the reference number will be sent by text message',
        summary: 'Applicant: {name}; bank: {bank}; notes agreed: {agree}',
        yes: 'yes',
        no: 'no',
        estimate: 'Estimated refund',
      },
    },
    function () {
      render();
    },
  );

  function render() {
    [1, 2, 3].forEach(function (n) {
      $('step-' + n).hidden = n !== state.step;
      $('step-' + n + '-tab').className = n === state.step ? 'current' : '';
    });
    var bank = $('bank');
    $('summary').textContent = t('summary')
      .replace('{name}', state.name || '—')
      .replace('{bank}', state.bank ? bank.options[bank.selectedIndex].text : '—')
      .replace('{agree}', state.agree ? t('yes') : t('no'));
    $('step-1-error').textContent = state.error ? t(state.error) : '';
    $('applicant-name').setAttribute('aria-invalid', String(Boolean(state.error)));
    $('submitted').textContent = state.submitted ? t('submitted') : '';
    var estimate = $('estimate');
    if (estimate && estimate.setLabel) estimate.setLabel(t('estimate'));
  }

  $('applicant-name').addEventListener('input', function (e) {
    state.name = e.target.value;
    state.error = '';
    render();
  });
  $('reason').addEventListener('input', function (e) {
    state.reason = e.target.value;
  });
  $('agree').addEventListener('change', function (e) {
    state.agree = e.target.checked;
    render();
  });
  $('bank').addEventListener('change', function (e) {
    state.bank = e.target.value;
    render();
  });
  $('next-1').addEventListener('click', function () {
    if (!state.name) {
      state.error = 'nameRequired';
      render();
      return;
    }
    state.step = 2;
    render();
  });
  $('back-2').addEventListener('click', function () {
    state.step = 1;
    render();
  });
  $('next-2').addEventListener('click', function () {
    state.step = 3;
    render();
  });
  $('back-3').addEventListener('click', function () {
    state.step = 2;
    render();
  });
  $('refund-form').addEventListener('submit', function (e) {
    e.preventDefault();
    state.submitted = true;
    render();
  });

  // A script sets a textarea value after load (a known leak path for recorders).
  setTimeout(function () {
    $('reason').value = '多缴税款（2025 年度汇算清缴）';
  }, 50);

  customElements.define(
    'tax-estimate',
    class extends HTMLElement {
      connectedCallback() {
        var root = this.attachShadow({ mode: 'open' });
        var sheet = new CSSStyleSheet();
        sheet.replaceSync('.box{border:1px dashed #b3261e;padding:8px;margin:8px 0;border-radius:4px} b{color:#b3261e}');
        root.adoptedStyleSheets = [sheet];
        root.innerHTML = '<div class="box"><span id="label"></span>: <b id="amount">¥' + this.getAttribute('amount') + '</b></div>';
        this.setLabel(t('estimate'));
      }
      setLabel(label) {
        var node = this.shadowRoot && this.shadowRoot.getElementById('label');
        if (node) node.textContent = label;
      }
    },
  );
  render();
  // a signed-in demo taxpayer gets the help widget here too, pre-filled for refunds
  if (DemoPortal.signedIn()) DemoPortal.mountWidget({ topic: 'refund' });
})();
