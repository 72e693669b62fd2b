// The demo portal's home page: sign-in (the portal's own login, which mints the taxpayer token
// the SDK is handed) and the list of services, each with the help widget embedded.
(function () {
  'use strict';
  var t = DemoPortal.localize({
    zh: {
      pageTitle: '电子税务局（演示）',
      portalName: '电子税务局（演示）',
      loginTitle: '纳税人登录',
      name: '姓名',
      taxpayerId: '纳税人识别号',
      company: '单位',
      login: '登录',
      logout: '退出',
      welcome: '欢迎',
      failed: '出错了：',
      kioskTitle: '自助办税终端 · 浦东新区办税服务厅',
      homeIntro: '请选择要办理的业务。办理中遇到问题，可随时点击右下角“人工帮助”。',
      refundLink: '退税申请',
      invoiceLink: '发票申领',
    },
    en: {
      pageTitle: 'e-Tax Portal (demo)',
      portalName: 'e-Tax Portal (demo)',
      loginTitle: 'Taxpayer sign-in',
      name: 'Name',
      taxpayerId: 'Taxpayer ID',
      company: 'Company',
      login: 'Sign in',
      logout: 'Sign out',
      welcome: 'Welcome',
      failed: 'Something went wrong: ',
      kioskTitle: 'Self-service kiosk · Pudong tax service hall',
      homeIntro: 'Choose a service. If you get stuck, press "Human help" at the bottom right at any time.',
      refundLink: 'Tax refund application',
      invoiceLink: 'Invoice request',
    },
  });
  var status = document.getElementById('status');
  document.getElementById('kiosk-title').hidden = !DemoPortal.kiosk();

  function show(message, isError) {
    status.textContent = message;
    status.className = isError ? 'error' : '';
  }
  function home() {
    document.getElementById('who').textContent = DemoPortal.name();
    document.getElementById('login-view').hidden = true;
    document.getElementById('home-view').hidden = false;
    document.getElementById('logout').hidden = false;
    DemoPortal.mountWidget();
  }

  document.getElementById('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = new FormData(event.target);
    var body = { name: form.get('name') };
    if (form.get('taxpayerId')) body.taxpayerId = form.get('taxpayerId');
    if (form.get('company')) body.company = form.get('company');
    DemoPortal.signIn(body)
      .then(function () {
        show('');
        home();
      })
      .catch(function (error) {
        show(t('failed') + error.message, true);
      });
  });
  document.getElementById('logout').addEventListener('click', function () {
    DemoPortal.signOut();
  });

  if (DemoPortal.signedIn()) home();
})();
