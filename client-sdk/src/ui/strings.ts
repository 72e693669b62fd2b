/** Every string the SDK shows, in both languages. */
export const STRINGS = {
  zh: {
    shareTitle: '共享您的屏幕？',
    shareBody: '坐席将看到您当前的页面，以便为您指导。密码、身份证号等敏感信息会被遮盖，不会传出。',
    shareAllow: '允许共享',
    shareDeny: '暂不共享',
    controlTitle: '坐席请求操作您的页面',
    controlBody: '{{name}} 请求代您填写和点击。您随时可以点击“停止”或按 Esc 键收回控制。',
    controlAllow: '允许',
    controlDeny: '拒绝',
    controlling: '坐席正在操作您的屏幕',
    stop: '停止',
    sharing: '正在与坐席共享屏幕',
    stopSharing: '停止共享',
  },
  en: {
    shareTitle: 'Share your screen?',
    shareBody: 'The agent will see the page you are on, to guide you. Passwords, ID numbers and other sensitive fields are masked and never leave your browser.',
    shareAllow: 'Share',
    shareDeny: 'Not now',
    controlTitle: 'The agent asks to operate your page',
    controlBody: '{{name}} asks to fill in and click for you. You can take control back at any time with Stop or the Esc key.',
    controlAllow: 'Allow',
    controlDeny: 'Refuse',
    controlling: 'The agent is controlling your screen',
    stop: 'Stop',
    sharing: 'Sharing your screen with the agent',
    stopSharing: 'Stop sharing',
  },
} as const;

export type Lang = keyof typeof STRINGS;
export type StringKey = keyof (typeof STRINGS)['zh'];

export function text(lang: Lang, key: StringKey, values: Record<string, string> = {}): string {
  return STRINGS[lang][key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}
