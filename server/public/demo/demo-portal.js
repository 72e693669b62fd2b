// The demo portal's sign-in and SDK embedding, shared by its pages: what a real portal's own code
// would do — keep the signed-in taxpayer, hand the SDK a token callback, mount the help widget.
window.DemoPortal = (function () {
  'use strict';
  var KEY = 'demo-portal:identity';
  var token = null;
  var expiresAt = 0;

  function identity() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { return null; }
  }
  function fetchToken() {
    if (token && Date.now() < expiresAt - 60000) return Promise.resolve(token);
    var body = identity();
    if (!body) return Promise.reject(new Error('not signed in'));
    return fetch('/demo/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) { return res.json().then(function (json) { if (!res.ok) throw new Error(json.error.message); return json; }); })
      .then(function (json) { token = json.token; expiresAt = Date.parse(json.expiresAt); return token; });
  }
  return {
    signIn: function (body) {
      sessionStorage.setItem(KEY, JSON.stringify(body));
      return fetchToken();
    },
    signedIn: function () { return identity() !== null; },
    name: function () { return (identity() || {}).name || ''; },
    mountWidget: function (options) {
      var kiosk = options.kiosk ? { kioskId: 'K-01', hall: '浦东新区办税服务厅' } : undefined;
      return EtaxAssist.HelpWidget.mount({ fetchToken: fetchToken, lang: options.lang, kiosk: kiosk, defaultTopic: options.topic })
        .then(function (widget) { window.helpWidget = widget; return widget; });
    },
  };
})();
