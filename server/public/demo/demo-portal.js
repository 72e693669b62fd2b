// The demo portal's sign-in, language and SDK embedding, shared by its pages: what a real portal's
// own code would do — keep the signed-in taxpayer, hand the SDK a token callback, mount the help
// widget in the portal's language, and (at a hall kiosk) sign the visitor out when the widget
// resets after their session.
window.DemoPortal = (function () {
  'use strict';
  var KEY = 'demo-portal:identity';
  var LANG_KEY = 'demo-portal:lang';
  var KIOSK_KEY = 'demo-portal:kiosk';
  var token = null;
  var expiresAt = 0;
  var params = new URLSearchParams(location.search);
  if (params.get('kiosk') === '1') sessionStorage.setItem(KIOSK_KEY, '1');
  if (params.get('lang') === 'en' || params.get('lang') === 'zh') sessionStorage.setItem(LANG_KEY, params.get('lang'));

  function identity() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || 'null');
    } catch {
      return null;
    }
  }
  function json(res) {
    return res.json().then(function (body) {
      if (!res.ok) throw new Error(body.error.message);
      return body;
    });
  }
  function post(url, body) {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(json);
  }
  function fetchToken() {
    if (token && Date.now() < expiresAt - 60000) return Promise.resolve(token);
    var body = identity();
    if (!body) return Promise.reject(new Error('not signed in'));
    return post('/demo/api/token', body).then(function (json) {
      token = json.token;
      expiresAt = Date.parse(json.expiresAt);
      return token;
    });
  }
  function lang() {
    return sessionStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  }
  function kiosk() {
    return sessionStorage.getItem(KIOSK_KEY) === '1';
  }
  // What a real kiosk's local agent does: exchange the kiosk's installed credential for a device
  // token (POST /api/devices/token, at the service, which may be on another origin); the demo
  // kiosk's credential comes from the demo back end.
  function deviceToken() {
    return fetch('/demo/api/kiosk')
      .then(json)
      .then(function (device) {
        return post(EtaxAssist.DEFAULT_SERVICE_URL + '/api/devices/token', device);
      })
      .then(function (issued) {
        return issued.token;
      });
  }
  function signOut() {
    sessionStorage.removeItem(KEY);
    token = null;
    if (kiosk()) sessionStorage.removeItem(LANG_KEY); // the next visitor starts in the default language
    location.assign('/demo/');
  }

  /**
   * Translates the page (`data-i18n` text, `data-i18n-placeholder`, `data-i18n-label` for
   * aria-label, the title from `pageTitle`) and wires the header's language button; `onChange`
   * re-renders what the page's script draws itself after a switch. Returns the page's `t(key)`.
   */
  function localize(texts, onChange) {
    function apply(changed) {
      var dict = texts[lang()];
      document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
      if (dict.pageTitle) document.title = dict.pageTitle;
      document.querySelectorAll('[data-i18n]').forEach(function (el) {
        el.textContent = dict[el.getAttribute('data-i18n')];
      });
      document.querySelectorAll('[data-i18n-placeholder]').forEach(function (el) {
        el.placeholder = dict[el.getAttribute('data-i18n-placeholder')];
      });
      document.querySelectorAll('[data-i18n-label]').forEach(function (el) {
        el.setAttribute('aria-label', dict[el.getAttribute('data-i18n-label')]);
      });
      var button = document.getElementById('lang');
      if (button) button.textContent = lang() === 'zh' ? 'English' : '中文';
      document.body.classList.toggle('kiosk', kiosk());
      if (changed && onChange) onChange(dict);
    }
    var button = document.getElementById('lang');
    if (button)
      button.addEventListener('click', function () {
        sessionStorage.setItem(LANG_KEY, lang() === 'zh' ? 'en' : 'zh');
        apply(true);
        if (window.helpWidget) window.helpWidget.setLang(lang());
      });
    apply(false);
    return function (key) {
      return texts[lang()][key];
    };
  }

  return {
    signIn: function (body) {
      sessionStorage.setItem(KEY, JSON.stringify(body));
      return fetchToken();
    },
    signOut: signOut,
    signedIn: function () {
      return identity() !== null;
    },
    name: function () {
      return (identity() || {}).name || '';
    },
    lang: lang,
    kiosk: kiosk,
    localize: localize,
    mountWidget: function (options) {
      var hall = kiosk() ? { deviceToken: deviceToken, onReset: signOut } : undefined;
      // the portal's own harmless query parameters may stay in the page addresses the SDK sends
      return EtaxAssist.HelpWidget.mount({
        fetchToken: fetchToken,
        lang: lang(),
        kiosk: hall,
        defaultTopic: options && options.topic,
        privacy: { keepQueryParams: ['lang', 'kiosk'] },
      }).then(function (widget) {
        window.helpWidget = widget;
        return widget;
      });
    },
  };
})();
