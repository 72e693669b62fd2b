// The demo refund application's own script: a small state-driven form, the way a framework app
// behaves — it reacts only to the DOM events a user's typing produces (input, change, click).
(function () {
  'use strict';
  var state = { name: '', reason: '', agree: false, bank: '' };
  var $ = function (id) { return document.getElementById(id); };

  function renderSummary() {
    $('summary').textContent = '申请人：' + (state.name || '—') + '；开户银行：' + (state.bank || '—') + '；同意须知：' + (state.agree ? '是' : '否');
  }
  function show(step) {
    [1, 2, 3].forEach(function (n) {
      $('step-' + n).hidden = n !== step;
      $('step-' + n + '-tab').className = n === step ? 'current' : '';
    });
    renderSummary();
  }

  $('applicant-name').addEventListener('input', function (e) { state.name = e.target.value; $('step-1-error').textContent = ''; renderSummary(); });
  $('reason').addEventListener('input', function (e) { state.reason = e.target.value; });
  $('agree').addEventListener('change', function (e) { state.agree = e.target.checked; renderSummary(); });
  $('bank').addEventListener('change', function (e) { state.bank = e.target.options[e.target.selectedIndex].text; renderSummary(); });
  $('next-1').addEventListener('click', function () {
    if (!state.name) { $('step-1-error').textContent = '请填写姓名 / Name is required'; return; }
    show(2);
  });
  $('back-2').addEventListener('click', function () { show(1); });
  $('next-2').addEventListener('click', function () { show(3); });
  $('back-3').addEventListener('click', function () { show(2); });
  $('refund-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('submitted').textContent = '已提交 Submitted';
  });

  // A script sets a textarea value after load (a known leak path for recorders).
  setTimeout(function () { $('reason').value = '多缴税款 账户6222021001112223334'; }, 50);

  // A shadow-DOM widget: the refund estimate, styled with an adopted stylesheet.
  customElements.define('tax-estimate', class extends HTMLElement {
    connectedCallback() {
      var root = this.attachShadow({ mode: 'open' });
      var sheet = new CSSStyleSheet();
      sheet.replaceSync('.box{border:1px dashed #b3261e;padding:8px;margin:8px 0;border-radius:4px} b{color:#b3261e}');
      root.adoptedStyleSheets = [sheet];
      root.innerHTML = '<div class="box">预计退税 Estimated refund: <b id="amount">¥' + this.getAttribute('amount') + '</b></div>';
    }
  });
  renderSummary();
  // a signed-in demo taxpayer gets the help widget here too, pre-filled for refunds
  if (window.DemoPortal && DemoPortal.signedIn()) DemoPortal.mountWidget({ lang: 'zh', topic: 'refund', kiosk: new URLSearchParams(location.search).get('kiosk') === '1' });
})();
