// The demo portal's own script: it stands in for a real e-tax portal, which embeds the SDK with
// one script tag and hands it a token-fetch callback backed by its own login.
(function () {
  'use strict';
  var texts = {
    zh: {
      portalName: '电子税务局（演示）', loginTitle: '纳税人登录', name: '姓名', taxpayerId: '纳税人识别号',
      company: '单位', login: '登录', welcome: '欢迎', topic: '业务类型', channel: '方式', help: '人工帮助',
      'topic.invoice': '发票', 'topic.refund': '退税', 'topic.social-insurance': '社保', 'topic.registration': '登记',
      'channel.voice': '语音', 'channel.video': '视频', 'channel.text': '文字',
      switchTo: 'English', connecting: '正在连接服务…', queued: '已提交求助，正在排队。', mediaReady: '音视频通道已就绪。',
      failed: '出错了：',
    },
    en: {
      portalName: 'e-Tax Portal (demo)', loginTitle: 'Taxpayer sign-in', name: 'Name', taxpayerId: 'Taxpayer ID',
      company: 'Company', login: 'Sign in', welcome: 'Welcome', topic: 'Topic', channel: 'Channel', help: 'Human help',
      'topic.invoice': 'Invoices', 'topic.refund': 'Refunds', 'topic.social-insurance': 'Social insurance', 'topic.registration': 'Registration',
      'channel.voice': 'Voice', 'channel.video': 'Video', 'channel.text': 'Text',
      switchTo: '中文', connecting: 'Connecting to the service…', queued: 'Help requested: you are in the queue.', mediaReady: 'Audio/video channel ready.',
      failed: 'Something went wrong: ',
    },
  };
  var lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
  var token = null;
  var connection = null;
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
    fetch('/demo/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) { return res.json().then(function (json) { if (!res.ok) throw new Error(json.error.message); return json; }); })
      .then(function (json) {
        token = json.token;
        document.getElementById('who').textContent = body.name;
        document.getElementById('login-view').hidden = true;
        document.getElementById('help-view').hidden = false;
        show('');
      })
      .catch(function (error) { show(t('failed') + error.message, true); });
  });

  document.getElementById('help-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = new FormData(event.target);
    show(t('connecting'));
    var connecting = connection
      ? Promise.resolve(connection)
      : EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: function () { return Promise.resolve(token); } });
    connecting
      .then(function (c) {
        connection = c;
        return c.request('help:request', {
          language: lang, topic: form.get('topic'), channel: form.get('channel'),
          entry: { kind: 'portal', page: location.pathname },
        });
      })
      .then(function (session) {
        show(t('queued'));
        document.body.dataset.sessionId = session.sessionId;
        return connection.request('media:join', { sessionId: session.sessionId });
      })
      .then(function (join) { return EtaxAssist.loadDevice(join); })
      .then(function (device) {
        document.body.dataset.mediaReady = String(device.loaded);
        show(t('queued') + ' ' + t('mediaReady'));
      })
      .catch(function (error) { show(t('failed') + (error.code ? error.code + ' — ' : '') + error.message, true); });
  });

  render();
})();
