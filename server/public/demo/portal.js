// The demo portal's own script: it stands in for a real e-tax portal, which signs its taxpayers
// in, then embeds the assistance SDK with one script tag and a token-fetch callback backed by
// its own login.
(function () {
  'use strict';
  var texts = {
    zh: {
      portalName: '电子税务局（演示）', loginTitle: '纳税人登录', name: '姓名', taxpayerId: '纳税人识别号',
      company: '单位', login: '登录', welcome: '欢迎', switchTo: 'English', failed: '出错了：',
      homeIntro: '请选择要办理的业务。办理中遇到问题，可随时点击右下角“人工帮助”。', refundLink: '退税申请',
    },
    en: {
      portalName: 'e-Tax Portal (demo)', loginTitle: 'Taxpayer sign-in', name: 'Name', taxpayerId: 'Taxpayer ID',
      company: 'Company', login: 'Sign in', welcome: 'Welcome', switchTo: '中文', failed: 'Something went wrong: ',
      homeIntro: 'Choose a service. If you get stuck, press "Human help" at the bottom right at any time.', refundLink: 'Tax refund application',
    },
  };
  var params = new URLSearchParams(location.search);
  var lang = params.get('lang') === 'en' ? 'en' : 'zh';
  var status = document.getElementById('status');

  function t(key) { return texts[lang][key]; }
  function render() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    document.getElementById('lang').textContent = t('switchTo');
  }
  function show(message, isError) {
    status.textContent = message;
    status.className = isError ? 'error' : '';
  }

  document.getElementById('lang').addEventListener('click', function () {
    lang = lang === 'zh' ? 'en' : 'zh';
    render();
  });

  document.getElementById('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = new FormData(event.target);
    var body = { name: form.get('name') };
    if (form.get('taxpayerId')) body.taxpayerId = form.get('taxpayerId');
    if (form.get('company')) body.company = form.get('company');
    DemoPortal.signIn(body)
      .then(function () {
        document.getElementById('who').textContent = body.name;
        document.getElementById('login-view').hidden = true;
        document.getElementById('home-view').hidden = false;
        show('');
        DemoPortal.mountWidget({ lang: lang, kiosk: params.get('kiosk') === '1' });
      })
      .catch(function (error) { show(t('failed') + error.message, true); });
  });

  render();
  if (DemoPortal.signedIn()) {
    document.getElementById('login-view').hidden = true;
    document.getElementById('home-view').hidden = false;
    document.getElementById('who').textContent = DemoPortal.name();
    DemoPortal.mountWidget({ lang: lang, kiosk: params.get('kiosk') === '1' });
  }
})();
