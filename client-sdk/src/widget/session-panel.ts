import type { MediaCall } from '../media/media-call.js';
import { button, paragraph, type Translate } from './elements.js';
import type { WidgetActions, WidgetScreen } from './widget-screen.js';

/** The agent's picture, and the taxpayer's own (mirrored, like a looking glass) while the camera is on. */
function tiles(call: MediaCall, t: Translate): HTMLElement {
  const box = document.createElement('div');
  box.className = 'tiles';
  const video = (track: MediaStreamTrack) =>
    Object.assign(document.createElement('video'), { autoplay: true, muted: true, playsInline: true, srcObject: new MediaStream([track]) });
  for (const remote of call.remoteTracks.filter((r) => r.kind === 'video')) box.append(video(remote.track));
  const own = call.localStream?.getVideoTracks()[0];
  if (call.mode === 'video' && call.cameraEnabled && own) {
    const self = video(own);
    self.className = 'self';
    self.setAttribute('aria-label', t('selfView'));
    box.append(self);
  }
  return box;
}

/** With the agent: who, the call's state and buttons, End, the pictures and the chat. */
export function sessionPanel({ summary, call, chat, t }: WidgetScreen, actions: WidgetActions): Node[] {
  const agent = summary?.agent?.name;
  const nodes: Node[] = [paragraph(agent ? t('connectedTo', { name: agent }) : t('connecting'))];
  if (call && call.state !== 'connected') {
    nodes.push(paragraph(call.state === 'reconnecting' ? t('reconnecting') : t('connecting'), call.state === 'reconnecting' ? 'note' : 'status'));
  } else if (call?.link?.quality === 'poor') {
    nodes.push(paragraph(t('poorConnection'), 'note'));
  }
  // the call's buttons and End come before the pictures: in view however tall the video is
  const controls = document.createElement('div');
  controls.className = 'row controls';
  if (call?.state === 'connected') {
    controls.append(
      button(call.micEnabled ? t('mute') : t('unmute'), () => void call.setMicEnabled(!call.micEnabled).then(() => actions.redraw())),
      ...(call.mode === 'video'
        ? [button(call.cameraEnabled ? t('cameraOff') : t('cameraOn'), () => void call.setCameraEnabled(!call.cameraEnabled).then(() => actions.redraw()))]
        : []),
    );
  }
  controls.append(button(t('hangUp'), () => actions.hangUp()));
  nodes.push(controls);
  if (call?.state === 'connected') nodes.push(tiles(call, t));
  if (chat) nodes.push(chat);
  return nodes;
}
