import type { Channel, PriorityGroup, UiLanguage } from '@etax-assist/protocol';

interface SharedLabels {
  channel: Record<Channel, string>;
  priority: Record<PriorityGroup, string>;
}

/**
 * The labels the widget and the agent console both show, written once (both merge them into
 * their translations); keyed by the protocol's lists, so a new channel or group lacks no label.
 * What the service configures (topics, languages, outcomes) is labelled by its catalog instead.
 */
export const SHARED_LABELS: Record<UiLanguage, SharedLabels> = {
  zh: {
    channel: { video: '视频', voice: '语音', text: '文字' },
    priority: { normal: '不需要', elderly: '老年人', disabled: '残障人士', pregnant: '孕妇' },
  },
  en: {
    channel: { video: 'Video', voice: 'Voice', text: 'Text' },
    priority: { normal: 'Not needed', elderly: 'Elderly', disabled: 'Disabled', pregnant: 'Pregnant' },
  },
};
