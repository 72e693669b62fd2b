import i18next from 'i18next';

export const resources = {
  zh: {
    translation: {
      title: '坐席工作台',
      username: '用户名',
      password: '密码',
      signIn: '登录',
      signOut: '退出',
      signedInAs: '已登录：{{name}}（{{role}}）',
      connected: '实时连接已建立',
      disconnected: '实时连接已断开，正在重连…',
      role: { agent: '坐席', expert: '专家', supervisor: '班长' },
      error: {
        UNAUTHENTICATED: '用户名或密码错误',
        VALIDATION_FAILED: '请填写用户名和密码',
        TOKEN_EXPIRED: '登录已过期，请重新登录',
        network: '无法连接服务',
      },
      switchLanguage: 'English',
    },
  },
  en: {
    translation: {
      title: 'Agent console',
      username: 'Username',
      password: 'Password',
      signIn: 'Sign in',
      signOut: 'Sign out',
      signedInAs: 'Signed in as {{name}} ({{role}})',
      connected: 'Realtime link established',
      disconnected: 'Realtime link lost, reconnecting…',
      role: { agent: 'agent', expert: 'expert', supervisor: 'supervisor' },
      error: {
        UNAUTHENTICATED: 'Wrong username or password',
        VALIDATION_FAILED: 'Enter your username and password',
        TOKEN_EXPIRED: 'Your sign-in has expired; sign in again',
        network: 'Cannot reach the service',
      },
      switchLanguage: '中文',
    },
  },
} as const;

export type Language = keyof typeof resources;

export async function initI18n(): Promise<void> {
  const saved = localStorage.getItem('console.lang');
  await i18next.init({ lng: saved === 'en' ? 'en' : 'zh', fallbackLng: 'zh', resources });
}

export function toggleLanguage(): void {
  const next: Language = i18next.language === 'zh' ? 'en' : 'zh';
  localStorage.setItem('console.lang', next);
  void i18next.changeLanguage(next);
}

export const t = i18next.t.bind(i18next);
export { i18next };
