// The demo invoice request: field validation as a portal does it (messages next to each field,
// a summary that takes focus, aria-invalid), live tax and total, and a confirmation number.
(function () {
  'use strict';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var FIELDS = ['buyer-name', 'buyer-id', 'item', 'amount', 'email'];
  var errors = {};
  var confirmation = null;
  var t = DemoPortal.localize(
    {
      zh: {
        pageTitle: '发票申领 · 电子税务局（演示）',
        heading: '电子税务局（演示） · 发票申领',
        home: '首页',
        title: '发票申领',
        type: '发票种类',
        typeOrdinary: '数电发票（普通发票）',
        typeSpecial: '数电发票（增值税专用发票）',
        buyer: '购买方名称',
        buyerId: '购买方纳税人识别号',
        item: '货物或服务名称',
        amount: '金额（不含税，元）',
        rate: '税率',
        email: '接收邮箱',
        submit: '提交申领',
        delivery: '交付方式',
        deliveryDownload: '在电子税务局下载',
        deliveryEmail: '发送到邮箱',
        notify: '开具后短信通知我',
        required: '此项必填',
        badId: '纳税人识别号为 15–20 位数字或大写字母',
        badAmount: '请输入大于 0 的金额，最多两位小数',
        tooLarge: '单张发票金额不能超过 1 亿元',
        badEmail: '邮箱格式不正确',
        summary: '请更正 {n} 处错误后再提交',
        totals: '税额 ¥{tax}，价税合计 ¥{total}',
        done: '已受理，申领编号 {ref}，发票将发送至 {email}',
      },
      en: {
        pageTitle: 'Invoice request · e-Tax Portal (demo)',
        heading: 'e-Tax Portal (demo) · Invoice request',
        home: 'Home',
        title: 'Invoice request',
        type: 'Invoice type',
        typeOrdinary: 'Digital invoice (ordinary)',
        typeSpecial: 'Digital invoice (special VAT)',
        buyer: 'Buyer name',
        buyerId: 'Buyer taxpayer ID',
        item: 'Goods or services',
        amount: 'Amount before tax (CNY)',
        rate: 'Tax rate',
        email: 'Send to e-mail',
        submit: 'Request invoice',
        delivery: 'Delivery',
        deliveryDownload: 'Download in the portal',
        deliveryEmail: 'Send by e-mail',
        notify: 'Text me when it is issued',
        required: 'Required',
        badId: 'A taxpayer ID is 15–20 digits or capital letters',
        badAmount: 'Enter an amount above 0 with at most two decimals',
        tooLarge: 'One invoice cannot exceed CNY 100 million',
        badEmail: 'This e-mail address is not valid',
        summary: 'Please correct {n} error(s) before submitting',
        totals: 'Tax ¥{tax}, total ¥{total}',
        done: 'Accepted: request {ref}; the invoice will be sent to {email}',
      },
    },
    function () {
      render();
    },
  );

  function validate() {
    var next = {};
    var value = function (id) {
      return $(id).value.trim();
    };
    if (!value('buyer-name')) next['buyer-name'] = 'required';
    if (!value('buyer-id')) next['buyer-id'] = 'required';
    else if (!/^[0-9A-Z]{15,20}$/.test(value('buyer-id'))) next['buyer-id'] = 'badId';
    if (!value('item')) next.item = 'required';
    if (!value('amount')) next.amount = 'required';
    else if (!/^\d+(\.\d{1,2})?$/.test(value('amount')) || Number(value('amount')) <= 0) next.amount = 'badAmount';
    else if (Number(value('amount')) > 1e8) next.amount = 'tooLarge';
    if (!value('email')) next.email = 'required';
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value('email'))) next.email = 'badEmail';
    return next;
  }

  function render() {
    FIELDS.forEach(function (id) {
      $(id + '-error').textContent = errors[id] ? t(errors[id]) : '';
      $(id).setAttribute('aria-invalid', String(Boolean(errors[id])));
    });
    var count = Object.keys(errors).length;
    $('error-summary').textContent = count ? t('summary').replace('{n}', String(count)) : '';
    var amount = Number($('amount').value);
    if (/^\d+(\.\d{1,2})?$/.test($('amount').value.trim()) && amount > 0) {
      var tax = Math.round(amount * Number($('rate').value) * 100) / 100;
      $('totals').textContent = t('totals')
        .replace('{tax}', tax.toFixed(2))
        .replace('{total}', (amount + tax).toFixed(2));
    } else {
      $('totals').textContent = '';
    }
    $('confirmation').textContent = confirmation ? t('done').replace('{ref}', confirmation.ref).replace('{email}', confirmation.email) : '';
  }

  FIELDS.forEach(function (id) {
    $(id).addEventListener('input', function () {
      // a corrected field clears its own message as soon as it is valid
      if (errors[id] && !validate()[id]) delete errors[id];
      confirmation = null;
      render();
    });
  });
  $('rate').addEventListener('change', render);
  $('invoice-form').addEventListener('submit', function (event) {
    event.preventDefault();
    errors = validate();
    if (Object.keys(errors).length) {
      confirmation = null;
      render();
      $('error-summary').focus();
      return;
    }
    var today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    confirmation = { ref: 'FP' + today + String(Math.floor(Math.random() * 1e6)).padStart(6, '0'), email: $('email').value.trim() };
    render();
  });

  render();
  if (DemoPortal.signedIn()) DemoPortal.mountWidget({ topic: 'invoice' });
})();
